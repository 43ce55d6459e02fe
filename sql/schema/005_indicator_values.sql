-- What accepted files said for each indicator; a blank value is NULL ("not available").
-- rebuild remakes: indicator_values
CREATE TABLE IF NOT EXISTS indicator_values (
    submission_id   INTEGER NOT NULL,
    partner_code    VARCHAR NOT NULL,
    period          VARCHAR NOT NULL,
    "row"           INTEGER,
    indicator_id    VARCHAR NOT NULL,
    value           BIGINT,
    note            VARCHAR,
    PRIMARY KEY (submission_id, indicator_id)
);
