-- Each register item's status in every period held up to p_period, and in p_period itself
-- (returns.md §9): from its lead partner's latest accepted progress part of that period,
-- 'No return' when the lead has none; the previous quarter's status and the movement.
-- One query for every quarter: the status history of the briefing and mart_item_status both read it.
CREATE OR REPLACE MACRO mart_item_history(p_period) AS TABLE
WITH periods AS (
    SELECT period FROM mart_periods_held(p_period) UNION SELECT p_period AS period
),
parts AS (
    SELECT partner_code, period, submission_id FROM stg_current_parts
    WHERE part = 'progress' AND period <= p_period
)
SELECT q.period, i.register_order, i.item_id, i.kind, i.workstream, i.number, i.title, i.lead_partner, i.target_date,
       coalesce(r.status, nr.status) AS status,
       st.rag,
       r.percent_complete,
       pr.status AS previous_status,
       CASE WHEN r.status IS NULL THEN NULL
            WHEN pr.status IS NULL THEN 'new'
            WHEN sc.rank > sp.rank THEN 'improved'
            WHEN sc.rank < sp.rank THEN 'worsened'
            ELSE 'unchanged' END AS movement,
       r.narrative, r.risks, r.recovery_action, r.ask, r.milestone, r.milestone_due, r.forecast_completion,
       c.submission_id AS source_submission
FROM periods AS q
CROSS JOIN ref_register AS i
CROSS JOIN (SELECT status FROM ref_statuses WHERE scale IS NULL) AS nr  -- 'No return'
LEFT JOIN parts AS c ON c.partner_code = i.lead_partner AND c.period = q.period
LEFT JOIN progress_rows AS r ON r.submission_id = c.submission_id AND r.item_id = i.item_id
LEFT JOIN stg_current_parts AS p
       ON p.partner_code = i.lead_partner AND p.period = prev_period(q.period) AND p.part = 'progress'
LEFT JOIN progress_rows AS pr ON pr.submission_id = p.submission_id AND pr.item_id = i.item_id
LEFT JOIN ref_statuses AS st ON st.status = r.status
LEFT JOIN status_scale AS sc ON sc.status = r.status
LEFT JOIN status_scale AS sp ON sp.status = pr.status
ORDER BY q.period, i.register_order;
