INSERT INTO files (sha256, size, archive_path, first_received)
VALUES ($sha256, $size, $archive_path, $first_received)
ON CONFLICT DO NOTHING;
