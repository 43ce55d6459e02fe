-- A receipt owed an email: its key is receipt/<file number>, or receipt/<file number>/<n> for the
-- n-th receipt of the same file (a retried file gets a new receipt, and a new email).
INSERT INTO receipt_emails (message_key, submission_id, recipients, queued_at)
SELECT CASE WHEN count(*) = 0 THEN 'receipt/' || $submission_id
            ELSE 'receipt/' || $submission_id || '/' || (count(*) + 1) END,
       $submission_id, $recipients, $queued_at
FROM receipt_emails WHERE submission_id = $submission_id;
