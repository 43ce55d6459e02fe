-- Retried files that were processed: no longer faulted.
UPDATE faulted_files SET resolved_at = CAST(b."at" AS TIMESTAMPTZ)
FROM batch AS b
WHERE faulted_files.submission_id = b.submission_id AND faulted_files.resolved_at IS NULL;
