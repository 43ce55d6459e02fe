-- Each register item's status for a period (returns.md §9): from its lead partner's latest
-- accepted progress part, 'No return' when the lead has none; previous status and movement.
CREATE OR REPLACE MACRO mart_item_status(p_period) AS TABLE
WITH scale(status, rank) AS (
    VALUES ('Off track', 1), ('Not started', 1), ('At risk', 2), ('On track', 3), ('Complete', 4)
),
cur AS (
    SELECT partner_code, submission_id FROM stg_current_parts WHERE period = p_period AND part = 'progress'
),
prev AS (
    SELECT partner_code, submission_id FROM stg_current_parts WHERE period = prev_period(p_period) AND part = 'progress'
)
SELECT i.register_order, i.item_id, i.kind, i.workstream, i.number, i.title, i.lead_partner, i.target_date,
       coalesce(r.status, 'No return') AS status,
       CASE r.status WHEN 'On track' THEN 'Green' WHEN 'At risk' THEN 'Amber' WHEN 'Off track' THEN 'Red'
                     WHEN 'Complete' THEN 'Blue' WHEN 'Not started' THEN 'Grey' END AS rag,
       r.percent_complete,
       pr.status AS previous_status,
       CASE WHEN r.status IS NULL THEN NULL
            WHEN pr.status IS NULL THEN 'new'
            WHEN sc.rank > sp.rank THEN 'improved'
            WHEN sc.rank < sp.rank THEN 'worsened'
            ELSE 'unchanged' END AS movement,
       r.narrative, r.risks, r.milestone, r.milestone_due, r.forecast_completion,
       c.submission_id AS source_submission
FROM ref_register AS i
LEFT JOIN cur AS c ON c.partner_code = i.lead_partner
LEFT JOIN progress_rows AS r ON r.submission_id = c.submission_id AND r.item_id = i.item_id
LEFT JOIN prev AS p ON p.partner_code = i.lead_partner
LEFT JOIN progress_rows AS pr ON pr.submission_id = p.submission_id AND pr.item_id = i.item_id
LEFT JOIN scale AS sc ON sc.status = r.status
LEFT JOIN scale AS sp ON sp.status = pr.status
ORDER BY i.register_order;
