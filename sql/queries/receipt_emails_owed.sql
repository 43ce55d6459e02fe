-- Receipts owed an email: the latest receipt of each file (a file `cpip retry` ran again has a
-- newer one, which replaces an earlier receipt not yet sent) that some recipient has no
-- email_sent row for yet (delivery.send then sends to those alone).
WITH latest AS (
    SELECT * FROM receipt_emails
    QUALIFY row_number() OVER (PARTITION BY submission_id
                               ORDER BY queued_at DESC, length(message_key) DESC, message_key DESC) = 1
)
SELECT q.message_key, q.submission_id, q.recipients
FROM latest AS q
WHERE EXISTS (SELECT 1 FROM unnest(q.recipients) AS r(recipient)
              WHERE NOT EXISTS (SELECT 1 FROM email_sent AS e
                                WHERE e.message_key = q.message_key AND e.recipient = r.recipient))
ORDER BY q.submission_id;
