-- Where an issue is and which item it concerns, in the officer's words, for receipts made again
-- later (their emails, one a crash left unwritten): the cell as the officer's spreadsheet names it
-- ('Progress!D7'; NULL for a CSV or where no cell applies) and the register item of its row. Not
-- issue fields of interfaces.md: never in the JSON.
-- rebuild remakes: issues
ALTER TABLE issues ADD COLUMN IF NOT EXISTS cell VARCHAR DEFAULT NULL;
ALTER TABLE issues ADD COLUMN IF NOT EXISTS item_id VARCHAR DEFAULT NULL;
