-- Each register item's status for a period (returns.md §9): its row of mart_item_history.
CREATE OR REPLACE MACRO mart_item_status(p_period) AS TABLE
SELECT * EXCLUDE (period) FROM mart_item_history(p_period) WHERE period = p_period ORDER BY register_order;
