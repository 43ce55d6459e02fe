-- Open warnings for a period (returns.md §9), one per issue, leaving out those the officer
-- explained (returns.md §11): mart_explained_warnings lists them.
CREATE OR REPLACE MACRO mart_open_warnings(p_period) AS TABLE
SELECT partner_code, submission_id, rule, sheet, "row", "column", value, message
FROM stg_current_warnings
WHERE period = p_period AND explanation IS NULL
ORDER BY partner_code, submission_id, seq;
