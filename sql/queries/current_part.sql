-- The submission currently supplying a part for a partner and period, if any.
SELECT submission_id FROM stg_current_parts
WHERE partner_code = $partner AND period = $period AND part = $part;
