-- The P11s the accepted files explained (each file's first row for an item).
INSERT OR IGNORE INTO explained_slippage BY NAME
SELECT CAST(submission_id AS INTEGER) AS submission_id, CAST(partner_code AS VARCHAR) AS partner_code,
       CAST(period AS VARCHAR) AS period, CAST(item_id AS VARCHAR) AS item_id,
       CAST(forecast_completion AS DATE) AS forecast_completion, CAST(target_date AS DATE) AS target_date
FROM batch;
