-- returns.md §11: the officer's answer to a query. progress_rows.explanation is the
-- Progress row's `explanation` column as sent; issues.explanation is set on a warning raised on a
-- row that has one (or, for I06, on an indicator row with a note): the warning is then explained,
-- and mart_open_warnings leaves it out. Partner text: never in the publication form.
-- rebuild remakes: issues, progress_rows
ALTER TABLE issues ADD COLUMN IF NOT EXISTS explanation VARCHAR DEFAULT NULL;
ALTER TABLE progress_rows ADD COLUMN IF NOT EXISTS explanation VARCHAR DEFAULT NULL;
