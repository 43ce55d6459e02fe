-- Every partner's current (latest accepted) progress rows for $period: what the templates of the
-- next quarter show beside the cells to fill in, as last quarter's.
SELECT c.partner_code, r.item_id, r.status, r.percent_complete, r.forecast_completion
FROM stg_current_parts AS c
JOIN progress_rows AS r USING (submission_id)
WHERE c.part = 'progress' AND c.period = $period
ORDER BY c.partner_code, r."row";
