-- For the status page: each partner's latest file naming the period (returns.md §2: from its
-- folder, else the partner it names), whether a fault stopped it, and its open queries.
WITH latest AS (
    SELECT s.from_partner AS partner_code, s.submission_id, s.original_name, s.outcome, s.received_at,
           s.receipt_html, f.submission_id IS NOT NULL AS faulted
    FROM submissions AS s
    LEFT JOIN faulted_files AS f ON f.submission_id = s.submission_id AND f.resolved_at IS NULL
    WHERE s.period = $period AND s.from_partner IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY s.from_partner ORDER BY s.submission_id DESC) = 1
),
open_queries AS (
    SELECT partner_code, count(*) AS n FROM mart_open_warnings($period) GROUP BY partner_code
)
SELECT l.partner_code, l.submission_id, l.original_name, l.outcome, l.received_at, l.receipt_html, l.faulted,
       coalesce(q.n, 0) AS open_queries
FROM latest AS l
LEFT JOIN open_queries AS q USING (partner_code)
UNION ALL
SELECT q.partner_code, NULL, NULL, NULL, NULL, NULL, false, q.n
FROM open_queries AS q
WHERE q.partner_code NOT IN (SELECT partner_code FROM latest);
