-- The contents first received in this batch (`batch`: one row per content, no content twice);
-- one already held keeps the file that first brought it.
INSERT INTO files (sha256, size, archive_path, first_received)
SELECT CAST(sha256 AS VARCHAR), CAST(size AS BIGINT), CAST(archive_path AS VARCHAR), CAST(first_received AS INTEGER)
FROM batch
ON CONFLICT DO NOTHING;
