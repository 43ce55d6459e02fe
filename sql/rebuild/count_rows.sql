-- How many rows the replay put in a table ({table} as in keep_table.sql).
SELECT count(*) FROM main."{table}";
