-- One decision on a draft.
INSERT INTO review_decisions (decision_id, period, version, decision, decided_by, account, decided_at, note)
VALUES ($decision_id, $period, $version, $decision, $decided_by, $account, $decided_at, $note);
