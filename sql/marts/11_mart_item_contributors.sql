-- Contributors beside each item, with their own status for the period (NULL when they have none).
CREATE OR REPLACE MACRO mart_item_contributors(p_period) AS TABLE
SELECT a.item_id, a.partner_code, r.status, r.submission_id AS source_submission
FROM ref_assignments AS a
LEFT JOIN stg_current_parts AS c
       ON c.partner_code = a.partner_code AND c.period = p_period AND c.part = 'progress'
LEFT JOIN progress_rows AS r ON r.submission_id = c.submission_id AND r.item_id = a.item_id
WHERE a.role = 'contributor'
ORDER BY a.item_id, a.partner_code;
