"""Everything cpip sends, each message once: SMTP and TLS (``transport``), the sent-once ledger
(``ledger``), the messages, receipts by email, the reviewer email, delivery to the private office
and reminders.
"""
