-- Files still faulted, in the order taken, with what the operator needs to find them.
SELECT f.submission_id, s.inbox_path, s.folder, s.received_at, f.step, f.place, f.faulted_at, f.attempts
FROM faulted_files AS f
JOIN submissions AS s USING (submission_id)
WHERE f.resolved_at IS NULL
ORDER BY f.submission_id;
