-- The kinds of event the replay of the archive wrote.
SELECT DISTINCT event FROM audit_log ORDER BY event;
