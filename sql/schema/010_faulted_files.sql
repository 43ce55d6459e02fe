-- Files a fault in the system stopped us processing: kept in the archive, reported to
-- the officer once as not processed (F01), not taken again on their own; `cpip retry` re-runs them.
-- rebuild remakes: faulted_files
CREATE TABLE IF NOT EXISTS faulted_files (
    submission_id   INTEGER PRIMARY KEY,   -- the archive record number
    step            VARCHAR NOT NULL,      -- read, check, decide, receipt or load
    place           VARCHAR NOT NULL,      -- the fault's type and code location, never its message
    faulted_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL,      -- runs that faulted on it (1, then +1 per failed retry)
    resolved_at     TIMESTAMPTZ            -- when `cpip retry` processed it; NULL while faulted
);
