-- How many items of each kind are at each status (all six statuses, zeros included).
CREATE OR REPLACE MACRO mart_status_totals(p_period) AS TABLE
WITH kinds AS (
    SELECT kind, min(register_order) AS o FROM ref_register GROUP BY kind
),
statuses(status, o) AS (
    SELECT status, status_order FROM ref_statuses
)
SELECT k.kind, s.status, count(m.item_id) AS n
FROM kinds AS k
CROSS JOIN statuses AS s
LEFT JOIN mart_item_status(p_period) AS m ON m.kind = k.kind AND m.status = s.status
GROUP BY k.kind, s.status, k.o, s.o
ORDER BY k.o, s.o;
