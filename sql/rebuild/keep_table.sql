-- Every row of a table kept across a rebuild, column by column name ({table} is a table
-- name from sql/schema/, checked before it is put here; identifiers cannot be parameters).
INSERT INTO main."{table}" BY NAME SELECT * FROM old."{table}";
