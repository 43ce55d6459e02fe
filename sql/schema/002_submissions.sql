-- One row per file taken from the inbox (an archive record), whatever its outcome.
-- rebuild remakes: submissions
CREATE TABLE IF NOT EXISTS submissions (
    submission_id   INTEGER PRIMARY KEY,   -- the archive record number: the order files were taken
    run_id          VARCHAR NOT NULL,
    sha256          VARCHAR,               -- NULL for something that was not a regular file
    inbox_path      VARCHAR NOT NULL,
    original_name   VARCHAR NOT NULL,
    folder          VARCHAR NOT NULL,      -- folder directly under inbox/ ('' for inbox/ itself)
    from_partner    VARCHAR,               -- returns.md §2: the folder's partner, else the partner named
    received_at     TIMESTAMPTZ NOT NULL,
    file_format     VARCHAR,               -- xlsx, csv or NULL when unreadable
    partner_code    VARCHAR,               -- as the file writes it (trimmed), NULL when unreadable
    period          VARCHAR,               -- as the file writes it (trimmed)
    period_valid    BOOLEAN NOT NULL,      -- a well-formed period that had ended when received
    part            VARCHAR,               -- progress, indicators or both (what an accepted file supplies)
    outcome         VARCHAR NOT NULL,      -- accepted, accepted_with_warnings, rejected, duplicate
    late            BOOLEAN,               -- NULL unless the period is valid
    duplicate_of    INTEGER,
    receipt_html    VARCHAR,
    receipt_json    VARCHAR
);
