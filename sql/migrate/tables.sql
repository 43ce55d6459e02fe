-- The tables of one attached database ('main' schema), e.g. the current one or 'old'.
SELECT table_name FROM duckdb_tables()
WHERE database_name = coalesce($database, current_database()) AND schema_name = 'main'
ORDER BY table_name;
