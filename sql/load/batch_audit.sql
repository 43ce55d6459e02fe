-- The files' events, in order (seq): received, archived, validated, the outcome, superseded, ...
INSERT INTO audit_log (occurred_at, event, sha256, submission_id, detail)
SELECT CAST("at" AS TIMESTAMPTZ), CAST(event AS VARCHAR), CAST(sha256 AS VARCHAR), CAST(submission_id AS INTEGER),
       CAST(detail AS VARCHAR)
FROM batch
ORDER BY seq;
