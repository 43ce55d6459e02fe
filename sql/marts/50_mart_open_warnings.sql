-- Open warnings for a period: the warnings on each partner's latest accepted part(s), one per issue
-- (progress warnings from the current progress part, indicator warnings from the current indicators part).
CREATE OR REPLACE MACRO mart_open_warnings(p_period) AS TABLE
SELECT s.partner_code, i.submission_id, i.rule, i.sheet, i."row", i."column", i.value, i.message
FROM stg_current_parts AS c
JOIN issues AS i ON i.submission_id = c.submission_id
JOIN submissions AS s ON s.submission_id = c.submission_id
WHERE c.period = p_period AND i.severity = 'warning'
  AND ((c.part = 'progress' AND i.rule LIKE 'P%') OR (c.part = 'indicators' AND i.rule LIKE 'I%'))
ORDER BY s.partner_code, i.submission_id, i.seq;
