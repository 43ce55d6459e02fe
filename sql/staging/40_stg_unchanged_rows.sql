-- Progress rows unchanged since last quarter, for each accepted file carrying a progress part: how
-- many of its rows are identical to the partner's last accepted ones. "Last accepted" is returns.md
-- §8's "last period": the partner's latest accepted progress part for the previous quarter as held
-- when the file was taken (files are taken in submission order). A row is identical when it names
-- the same item and every field the partner reports is equal (blank equal to blank). Not a rule:
-- it blocks nothing; the receipt says it (cpip.intake.unchanged) and the restricted briefing's
-- data-quality annex counts it (mart_unchanged_rows). Files with no last quarter have no row here.
CREATE OR REPLACE VIEW stg_unchanged_rows AS
WITH progress AS (
    SELECT submission_id, partner_code, period FROM stg_accepted_parts WHERE part = 'progress'
),
last AS (
    SELECT p.submission_id, p.partner_code, p.period, max(b.submission_id) AS last_submission
    FROM progress AS p
    JOIN progress AS b ON b.partner_code = p.partner_code AND b.period = prev_period(p.period)
                      AND b.submission_id < p.submission_id
    GROUP BY ALL
)
SELECT l.submission_id, l.partner_code, l.period, l.last_submission,
       count(*) AS "rows",
       count(b.item_id) AS unchanged
FROM last AS l
JOIN progress_rows AS n ON n.submission_id = l.submission_id
LEFT JOIN progress_rows AS b
       ON b.submission_id = l.last_submission AND b.item_id = n.item_id
      AND b.status IS NOT DISTINCT FROM n.status
      AND b.percent_complete IS NOT DISTINCT FROM n.percent_complete
      AND b.milestone IS NOT DISTINCT FROM n.milestone
      AND b.milestone_due IS NOT DISTINCT FROM n.milestone_due
      AND b.forecast_completion IS NOT DISTINCT FROM n.forecast_completion
      AND b.narrative IS NOT DISTINCT FROM n.narrative
      AND b.risks IS NOT DISTINCT FROM n.risks
      AND b.recovery_action IS NOT DISTINCT FROM n.recovery_action
      AND b.ask IS NOT DISTINCT FROM n.ask
      AND b.explanation IS NOT DISTINCT FROM n.explanation
GROUP BY ALL;
