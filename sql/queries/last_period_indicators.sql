-- A partner's current (latest accepted) indicator values for a period.
SELECT v.submission_id, v.indicator_id, v.value
FROM stg_current_parts AS c
JOIN indicator_values AS v USING (submission_id)
WHERE c.part = 'indicators' AND c.partner_code = $partner AND c.period = $period;
