-- What accepted files said about each item.
-- rebuild remakes: progress_rows
CREATE TABLE IF NOT EXISTS progress_rows (
    submission_id       INTEGER NOT NULL,
    partner_code        VARCHAR NOT NULL,
    period              VARCHAR NOT NULL,
    "row"               INTEGER NOT NULL,
    item_id             VARCHAR NOT NULL,
    status              VARCHAR NOT NULL,
    percent_complete    INTEGER NOT NULL,
    milestone           VARCHAR,
    milestone_due       DATE,
    forecast_completion DATE,
    narrative           VARCHAR,
    risks               VARCHAR,
    PRIMARY KEY (submission_id, item_id)
);
