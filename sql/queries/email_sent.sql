-- Who already has each of these messages ($keys: a list of message keys).
SELECT message_key, recipient FROM email_sent WHERE list_contains($keys, message_key);
