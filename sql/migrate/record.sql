INSERT INTO schema_migrations (version, name, applied_at, how) VALUES ($version, $name, now(), $how);
