-- Before `cpip retry` processes a faulted file again: its faulted submission row (a faulted file
-- has no progress or indicator rows; its F01 issue goes with forget_issues). The audit log keeps
-- the history.
DELETE FROM submissions WHERE submission_id = $submission_id;
