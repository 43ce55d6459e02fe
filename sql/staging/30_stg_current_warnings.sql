-- The warnings on each partner's latest accepted part(s), one row per issue: progress warnings
-- from the current progress part, indicator warnings from the current indicators part (returns.md §9).
-- explanation is the officer's answer (returns.md §11); NULL while the query is open.
CREATE OR REPLACE VIEW stg_current_warnings AS
SELECT s.partner_code, c.period, i.submission_id, i.seq, i.rule, i.sheet, i."row", i."column", i.value,
       i.message, i.explanation
FROM stg_current_parts AS c
JOIN issues AS i ON i.submission_id = c.submission_id
JOIN submissions AS s ON s.submission_id = c.submission_id
WHERE i.severity = 'warning'
  AND ((c.part = 'progress' AND i.rule LIKE 'P%') OR (c.part = 'indicators' AND i.rule LIKE 'I%'));
