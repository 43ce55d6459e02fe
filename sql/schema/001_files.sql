-- Distinct contents received, by SHA-256; the bytes are in the archive.
-- rebuild remakes: files
CREATE TABLE IF NOT EXISTS files (
    sha256          VARCHAR PRIMARY KEY,
    size            BIGINT NOT NULL,
    archive_path    VARCHAR NOT NULL,
    first_received  INTEGER NOT NULL   -- archive record number that first brought these bytes
);
