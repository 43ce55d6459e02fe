-- Each indicator this period against the quarter before (returns.md §9 "Comparing quarters";
-- interfaces.md "Comparisons between quarters"): each quarter's national total and how many CPCs
-- have a value behind it, and the change over the matched CPCs only (those with a value for the
-- indicator in both quarters), so that no change is ever worked out between different committees.
CREATE OR REPLACE MACRO mart_indicator_comparison(p_period) AS TABLE
WITH cur AS (
    SELECT partner_code, indicator_id, value FROM mart_indicator_history(p_period)
    WHERE period = p_period AND value IS NOT NULL
),
prev AS (
    SELECT partner_code, indicator_id, value FROM mart_indicator_history(prev_period(p_period))
    WHERE period = prev_period(p_period) AND value IS NOT NULL
),
cur_total AS (SELECT indicator_id, sum(value) AS total, count(*) AS cpcs FROM cur GROUP BY indicator_id),
prev_total AS (SELECT indicator_id, sum(value) AS total, count(*) AS cpcs FROM prev GROUP BY indicator_id),
matched AS (
    SELECT c.indicator_id, count(*) AS cpcs, sum(c.value) AS current_matched, sum(p.value) AS previous_matched
    FROM cur AS c JOIN prev AS p ON p.partner_code = c.partner_code AND p.indicator_id = c.indicator_id
    GROUP BY c.indicator_id
)
SELECT i.indicator_id, i.indicator_order,
       CAST(ct.total AS BIGINT) AS current, coalesce(ct.cpcs, 0) AS current_cpcs,
       CAST(pt.total AS BIGINT) AS previous, coalesce(pt.cpcs, 0) AS previous_cpcs,
       coalesce(m.cpcs, 0) AS matched_cpcs,
       CAST(m.current_matched AS BIGINT) AS current_matched, CAST(m.previous_matched AS BIGINT) AS previous_matched,
       CAST(m.current_matched - m.previous_matched AS BIGINT) AS change
FROM ref_indicators AS i
LEFT JOIN cur_total AS ct ON ct.indicator_id = i.indicator_id
LEFT JOIN prev_total AS pt ON pt.indicator_id = i.indicator_id
LEFT JOIN matched AS m ON m.indicator_id = i.indicator_id
ORDER BY i.indicator_order;
