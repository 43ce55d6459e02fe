-- Before `cpip retry` processes a faulted file again: the F01 issue its faulted handling recorded.
DELETE FROM issues WHERE submission_id = $submission_id;
