-- Each CPC's indicator values for every period up to p_period, from its latest accepted indicators
-- part of that period (NULL = not available). One query for every quarter (the trends read it).
CREATE OR REPLACE MACRO mart_indicator_history(p_period) AS TABLE
SELECT c.period, c.partner_code, v.indicator_id, v.value, v.note, i.indicator_order, c.submission_id AS source_submission
FROM stg_current_parts AS c
JOIN ref_partners AS p ON p.partner_code = c.partner_code AND p.reports_indicators
JOIN indicator_values AS v ON v.submission_id = c.submission_id
JOIN ref_indicators AS i ON i.indicator_id = v.indicator_id
WHERE c.period <= p_period AND c.part = 'indicators'
ORDER BY c.period, c.partner_code, i.indicator_order;

-- Each CPC's indicator values for one period.
CREATE OR REPLACE MACRO mart_indicator_values(p_period) AS TABLE
SELECT * FROM mart_indicator_history(p_period) WHERE period = p_period ORDER BY partner_code, indicator_order;
