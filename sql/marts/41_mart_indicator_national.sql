-- National totals for a period: the sum over reporting CPCs; NULL when no CPC has a value.
CREATE OR REPLACE MACRO mart_indicator_national(p_period) AS TABLE
SELECT i.indicator_id, i.label, i.unit, CAST(sum(v.value) AS BIGINT) AS total,
       count(v.value) AS cpcs_with_value,
       (SELECT count(DISTINCT partner_code) FROM mart_indicator_values(p_period)) AS reporting_cpcs
FROM ref_indicators AS i
LEFT JOIN mart_indicator_values(p_period) AS v ON v.indicator_id = i.indicator_id
GROUP BY i.indicator_id, i.label, i.unit, i.indicator_order
ORDER BY i.indicator_order;
