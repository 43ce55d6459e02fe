-- A retried file was processed: it is no longer faulted.
UPDATE faulted_files SET resolved_at = CAST($at AS TIMESTAMPTZ)
WHERE submission_id = $submission_id AND resolved_at IS NULL;
