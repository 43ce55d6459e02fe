-- Append-only: what happened to each file and briefing, when.
-- rebuild keeps: audit_log   (all but the intake events it replays: cpip.warehouse.REPLAYED_EVENTS)
CREATE SEQUENCE IF NOT EXISTS audit_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    event_id        BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    occurred_at     TIMESTAMPTZ NOT NULL,
    event           VARCHAR NOT NULL,   -- received, archived, validated, accepted, rejected, duplicate, superseded, ...
    sha256          VARCHAR,
    submission_id   INTEGER,
    detail          VARCHAR
);
