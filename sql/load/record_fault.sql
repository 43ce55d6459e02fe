-- Mark a file as faulted (again): where, when, how many times.
INSERT INTO faulted_files (submission_id, step, place, faulted_at, attempts, resolved_at)
VALUES ($submission_id, $step, $place, CAST($at AS TIMESTAMPTZ), 1, NULL)
ON CONFLICT (submission_id) DO UPDATE
SET step = excluded.step, place = excluded.place, faulted_at = excluded.faulted_at,
    attempts = faulted_files.attempts + 1, resolved_at = NULL;
