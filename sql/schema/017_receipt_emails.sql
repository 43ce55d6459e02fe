-- Receipts owed an email (interfaces.md "Receipts by email"): one row per receipt to
-- email, written in the same transaction as the file's load, with the addresses chosen then (the
-- partner's registered contact, and the cover's contact when it shares that address's domain).
-- The message key is receipt/<file number> (receipt/<file number>/<n> for the n-th receipt of a
-- file `cpip retry` ran again); email_sent says who has it. A receipt is owed an email while a
-- recipient has no email_sent row for its key: each intake run sends those, so a crash or a
-- refused send is made good by the next run, and nothing is sent twice.
-- rebuild keeps: receipt_emails   (the replay of the archive sends nothing and owes nothing: without
--                                   this record a rebuild could not tell which receipts were owed)
CREATE TABLE IF NOT EXISTS receipt_emails (
    message_key     VARCHAR PRIMARY KEY,
    submission_id   INTEGER NOT NULL,
    recipients      VARCHAR[] NOT NULL,   -- in lower case
    queued_at       TIMESTAMPTZ NOT NULL
);
