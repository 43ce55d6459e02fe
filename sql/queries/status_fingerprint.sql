-- Whether anything the status pages show can have changed: every load, retry and cycle writes the audit log.
SELECT coalesce(max(event_id), 0) FROM audit_log;
