-- Every issue found on a file: errors on rejected files, warnings on accepted ones.
-- rebuild remakes: issues
CREATE TABLE IF NOT EXISTS issues (
    submission_id   INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    rule            VARCHAR NOT NULL,
    severity        VARCHAR NOT NULL,
    sheet           VARCHAR,
    "row"           INTEGER,
    "column"        VARCHAR,
    value           VARCHAR,
    message         VARCHAR NOT NULL,
    PRIMARY KEY (submission_id, seq)
);
