-- The audit log's own history: every event that replaying the archive does not write again
-- ($replayed, cpip.warehouse.carryover.REPLAYED_EVENTS), in the order it happened. The rows get new
-- event numbers, after those of the replayed events; occurred_at is kept as it was.
INSERT INTO main.audit_log BY NAME
SELECT * EXCLUDE (event_id) FROM old.audit_log
WHERE NOT list_contains($replayed, event)
ORDER BY event_id;
