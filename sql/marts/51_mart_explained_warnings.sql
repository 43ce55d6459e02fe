-- Explained warnings for a period (returns.md §11), with the officer's explanation: shown apart
-- from the open ones, and only in the restricted form.
CREATE OR REPLACE MACRO mart_explained_warnings(p_period) AS TABLE
SELECT partner_code, submission_id, rule, sheet, "row", "column", value, message, explanation
FROM stg_current_warnings
WHERE period = p_period AND explanation IS NOT NULL
ORDER BY partner_code, submission_id, seq;
