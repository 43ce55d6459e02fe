-- The submissions currently supplying each part (as stg_current_parts), for every
-- (partner, period) pair asked (`$partners`, `$periods`: lists of equal length).
WITH wanted AS (SELECT DISTINCT unnest($partners) AS partner_code, unnest($periods) AS period)
SELECT s.partner_code, s.period, p.part, max(s.submission_id)
FROM submissions AS s
JOIN wanted AS w ON w.partner_code = s.partner_code AND w.period = s.period
JOIN (VALUES ('progress'), ('indicators')) AS p(part) ON s.part = p.part OR s.part = 'both'
WHERE s.outcome IN ('accepted', 'accepted_with_warnings')
GROUP BY s.partner_code, s.period, p.part;
