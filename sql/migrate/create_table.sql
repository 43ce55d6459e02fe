-- Which numbered files of sql/schema/ this warehouse has had applied, and when.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,    -- the file's number: 009_email_sent.sql is version 9
    name        VARCHAR NOT NULL,       -- the rest of its name: email_sent
    applied_at  TIMESTAMPTZ NOT NULL,
    how         VARCHAR NOT NULL        -- 'applied', or 'previous release' when the warehouse already had it
);
