-- Every version of each period's briefing: made by a cycle run, a draft until a named
-- person in the programme office approves it (or at once when [review] required = false).
-- rebuild keeps: briefing_versions   (history the archive cannot give back: what was drafted and approved)
CREATE TABLE IF NOT EXISTS briefing_versions (
    period            VARCHAR NOT NULL,
    version           INTEGER NOT NULL,     -- 1, 2, ... per period
    run_id            VARCHAR NOT NULL,     -- the cycle run that made it (annex.json run_id)
    made_at           TIMESTAMPTZ NOT NULL,
    state             VARCHAR NOT NULL,     -- draft, approved, superseded (a draft a later cycle run replaced)
    last_submission   INTEGER NOT NULL,     -- the newest archive record when it was made: a file for the period
                                            -- accepted after it makes the draft stale
    replaces          INTEGER,              -- the approved version this one revises; NULL for the first
    code_hash         VARCHAR,              -- PBKDF2 of the one-time approval code (salt$hash); NULL once used
    wrong_codes       INTEGER NOT NULL DEFAULT 0,
    flow_run_id       VARCHAR,              -- the Prefect flow run that made it, which may be waiting for a decision
    approved_by       VARCHAR,              -- the name and role given
    approved_account  VARCHAR,              -- the operating-system account that ran cpip approve, or 'Prefect UI'
    approved_at       TIMESTAMPTZ,
    outputs           VARCHAR,              -- JSON {path: sha256} of every file of the version, draft then final
    PRIMARY KEY (period, version)
);
