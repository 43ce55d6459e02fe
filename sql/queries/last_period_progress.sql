-- A partner's current (latest accepted) progress rows for a period.
-- Same meaning as stg_current_parts, written as a point lookup so it stays fast at any history size.
SELECT r.submission_id, r.item_id, r.status, r.percent_complete, r.narrative
FROM progress_rows AS r
WHERE r.submission_id = (
    SELECT max(submission_id) FROM submissions
    WHERE partner_code = $partner AND period = $period
      AND outcome IN ('accepted', 'accepted_with_warnings') AND part IN ('progress', 'both'));
