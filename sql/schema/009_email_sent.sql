-- One row per message per recipient that the mail server accepted. Delivery skips a
-- (message_key, recipient) already here, so a retry or a re-run never sends it twice.
-- rebuild keeps: email_sent   (the archive cannot say what was sent)
CREATE TABLE IF NOT EXISTS email_sent (
    message_key     VARCHAR NOT NULL,   -- briefing/<period>/<digest of its figures>, reminder/<period>/<kind>/<partner>
    recipient       VARCHAR NOT NULL,   -- the address, in lower case
    sent_at         TIMESTAMPTZ NOT NULL,
    subject         VARCHAR NOT NULL,
    message_id      VARCHAR,
    PRIMARY KEY (message_key, recipient)
);
