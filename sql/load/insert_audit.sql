INSERT INTO audit_log (occurred_at, event, sha256, submission_id, detail)
VALUES (CAST($at AS TIMESTAMPTZ), $event, $sha256, $submission_id, $detail);
