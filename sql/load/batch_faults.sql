-- Mark files as faulted (again): where, when, how many times.
INSERT INTO faulted_files (submission_id, step, place, faulted_at, attempts, resolved_at)
SELECT CAST(submission_id AS INTEGER), CAST(step AS VARCHAR), CAST(place AS VARCHAR), CAST("at" AS TIMESTAMPTZ), 1, NULL
FROM batch
ON CONFLICT (submission_id) DO UPDATE
SET step = excluded.step, place = excluded.place, faulted_at = excluded.faulted_at,
    attempts = faulted_files.attempts + 1, resolved_at = NULL;
