-- Append-only: for each briefing written, which submission each figure came from.
-- rebuild keeps: briefing_lineage
CREATE TABLE IF NOT EXISTS briefing_lineage (
    run_id          VARCHAR NOT NULL,
    period          VARCHAR NOT NULL,
    figure          VARCHAR NOT NULL,   -- a JSON path in briefing.json, e.g. items.T-1.status
    submission_id   INTEGER NOT NULL
);
