-- National totals for every period held up to p_period, and p_period itself: the sum over reporting
-- CPCs; NULL when no CPC has a value. One query for every quarter (the trends read it).
CREATE OR REPLACE MACRO mart_indicator_national_history(p_period) AS TABLE
WITH periods AS (
    SELECT period FROM mart_periods_held(p_period) UNION SELECT p_period AS period
),
reporting AS (
    SELECT period, count(DISTINCT partner_code) AS n FROM mart_indicator_history(p_period) GROUP BY period
)
SELECT q.period, i.indicator_id, i.label, i.unit, CAST(sum(v.value) AS BIGINT) AS total,
       count(v.value) AS cpcs_with_value, coalesce(any_value(r.n), 0) AS reporting_cpcs, i.indicator_order
FROM periods AS q
CROSS JOIN ref_indicators AS i
LEFT JOIN mart_indicator_history(p_period) AS v ON v.period = q.period AND v.indicator_id = i.indicator_id
LEFT JOIN reporting AS r ON r.period = q.period
GROUP BY q.period, i.indicator_id, i.label, i.unit, i.indicator_order
ORDER BY q.period, i.indicator_order;

-- National totals for one period.
CREATE OR REPLACE MACRO mart_indicator_national(p_period) AS TABLE
SELECT * EXCLUDE (period) FROM mart_indicator_national_history(p_period) WHERE period = p_period
ORDER BY indicator_order;
