-- The P11s these partners explained, in any period (returns.md §11: not raised again later).
SELECT DISTINCT partner_code, period, item_id, forecast_completion, target_date
FROM explained_slippage WHERE partner_code IN (SELECT unnest($partners));
