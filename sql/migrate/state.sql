-- One query that says whether a warehouse is current: its newest version, how many it has, its file.
SELECT max(version), count(*),
       (SELECT path FROM duckdb_databases() WHERE database_name = current_database())
FROM schema_migrations;
