-- The P11s a partner explained in periods before this one (returns.md §11: not raised again).
SELECT DISTINCT item_id, forecast_completion, target_date
FROM explained_slippage
WHERE partner_code = $partner AND period < $period;
