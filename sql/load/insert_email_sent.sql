-- Record that the mail server accepted a message for one recipient (a second record is ignored).
INSERT OR IGNORE INTO email_sent (message_key, recipient, sent_at, subject, message_id)
VALUES ($key, $recipient, $sent_at, $subject, $message_id);
