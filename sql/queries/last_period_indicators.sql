-- A partner's current (latest accepted) indicator values for a period.
-- Same meaning as stg_current_parts, written as a point lookup so it stays fast at any history size.
SELECT v.submission_id, v.indicator_id, v.value
FROM indicator_values AS v
WHERE v.submission_id = (
    SELECT max(submission_id) FROM submissions
    WHERE partner_code = $partner AND period = $period
      AND outcome IN ('accepted', 'accepted_with_warnings') AND part IN ('indicators', 'both'));
