-- A partner's current (latest accepted) progress rows for a period.
SELECT r.submission_id, r.item_id, r.status, r.percent_complete, r.narrative
FROM stg_current_parts AS c
JOIN progress_rows AS r USING (submission_id)
WHERE c.part = 'progress' AND c.partner_code = $partner AND c.period = $period;
