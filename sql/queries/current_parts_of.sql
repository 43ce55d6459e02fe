-- The submissions currently supplying each part for a partner and period (as stg_current_parts).
SELECT p.part, max(s.submission_id)
FROM submissions AS s
JOIN (VALUES ('progress'), ('indicators')) AS p(part) ON s.part = p.part OR s.part = 'both'
WHERE s.partner_code = $partner AND s.period = $period AND s.outcome IN ('accepted', 'accepted_with_warnings')
GROUP BY p.part;
