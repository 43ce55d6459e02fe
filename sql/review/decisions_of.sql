-- Every decision on a period's versions, in the order they were taken.
SELECT version, decision, decided_by, account, decided_at, note
FROM review_decisions WHERE period = $period ORDER BY decided_at, decision_id;
