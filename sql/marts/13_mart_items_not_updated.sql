-- Every register item that is 'No return' in p_period, in register order, with what was last
-- reported of it (interfaces.md "Comparisons between quarters", items_not_updated): the latest
-- earlier period in which its lead has an accepted progress part, and the item's status in that
-- period's latest accepted part; both NULL when the lead has none.
CREATE OR REPLACE MACRO mart_items_not_updated(p_period) AS TABLE
WITH earlier AS (
    SELECT partner_code, max(period) AS period FROM stg_current_parts
    WHERE part = 'progress' AND period < p_period
    GROUP BY partner_code
)
SELECT s.register_order, s.item_id, r.status AS last_status, e.period AS last_period
FROM mart_item_status(p_period) AS s
JOIN ref_statuses AS nr ON nr.status = s.status AND nr.scale IS NULL  -- 'No return'
LEFT JOIN earlier AS e ON e.partner_code = s.lead_partner
LEFT JOIN stg_current_parts AS c ON c.partner_code = e.partner_code AND c.period = e.period AND c.part = 'progress'
LEFT JOIN progress_rows AS r ON r.submission_id = c.submission_id AND r.item_id = s.item_id
ORDER BY s.register_order;
