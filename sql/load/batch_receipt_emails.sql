-- Receipts owed an email: the key is receipt/<file number>, or receipt/<file number>/<n> for the
-- n-th receipt of the same file (a retried file gets a new receipt, and a new email).
INSERT INTO receipt_emails (message_key, submission_id, recipients, queued_at)
SELECT CASE WHEN coalesce(c.n, 0) = 0 THEN 'receipt/' || b.submission_id
            ELSE 'receipt/' || b.submission_id || '/' || (c.n + 1) END,
       CAST(b.submission_id AS INTEGER), CAST(b.recipients AS VARCHAR[]), CAST(b.queued_at AS TIMESTAMPTZ)
FROM batch AS b
LEFT JOIN (SELECT submission_id, count(*) AS n FROM receipt_emails GROUP BY submission_id) AS c
       ON c.submission_id = b.submission_id;
