-- The partners whose current progress part for p_period has rows unchanged since last quarter
-- (stg_unchanged_rows), with how many of its rows are: for the restricted briefing's data-quality
-- annex. Partners with none are left out; in partner order.
CREATE OR REPLACE MACRO mart_unchanged_rows(p_period) AS TABLE
SELECT u.partner_code, u.unchanged, u."rows", u.last_submission
FROM stg_current_parts AS c
JOIN stg_unchanged_rows AS u USING (submission_id)
WHERE c.part = 'progress' AND c.period = p_period AND u.unchanged > 0
ORDER BY u.partner_code;
