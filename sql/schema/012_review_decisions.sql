-- Every decision on a draft briefing: approved, or returned for changes.
-- rebuild keeps: review_decisions   (history: who decided what, when, and through which account)
CREATE TABLE IF NOT EXISTS review_decisions (
    decision_id       VARCHAR PRIMARY KEY,  -- a random id (no sequence, so rows survive a rebuild as they are)
    period            VARCHAR NOT NULL,
    version           INTEGER NOT NULL,
    decision          VARCHAR NOT NULL,     -- approved, returned
    decided_by        VARCHAR NOT NULL,     -- the name (and role) given
    account           VARCHAR NOT NULL,     -- the operating-system account, or 'Prefect UI'
    decided_at        TIMESTAMPTZ NOT NULL,
    note              VARCHAR               -- the covering note (approved) or the reason (returned)
);
