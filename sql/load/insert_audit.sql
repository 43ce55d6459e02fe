-- Append a file's events to the audit log in one statement (lists of equal length).
INSERT INTO audit_log (occurred_at, event, sha256, submission_id, detail)
SELECT CAST(unnest($at) AS TIMESTAMPTZ), unnest($event), $sha256, $submission_id, unnest($detail);
