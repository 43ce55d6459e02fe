-- The newest archive record in the warehouse (0 when none).
SELECT coalesce(max(submission_id), 0) FROM submissions;
