-- Every period, up to and including the given one, for which the warehouse holds an accepted part.
CREATE OR REPLACE MACRO mart_periods_held(p_period) AS TABLE
SELECT DISTINCT period FROM stg_accepted_parts WHERE period <= p_period ORDER BY period;
