-- Before `cpip retry` processes faulted files again: their faulted submission rows and the F01
-- issue each recorded (a faulted file has no progress or indicator rows). The audit log keeps
-- the history. `batch`: one row per file (submission_id).
DELETE FROM issues WHERE submission_id IN (SELECT submission_id FROM batch);
DELETE FROM submissions WHERE submission_id IN (SELECT submission_id FROM batch);
