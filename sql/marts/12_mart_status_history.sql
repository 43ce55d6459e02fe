-- Each register item's status, percent complete, dates and movement in every quarter held up to
-- p_period, oldest first: the briefing's status history and the "Reported on track, but…" checks.
CREATE OR REPLACE MACRO mart_status_history(p_period) AS TABLE
SELECT period, item_id, status, percent_complete, forecast_completion, target_date, movement
FROM mart_item_history(p_period)
ORDER BY period, register_order;
