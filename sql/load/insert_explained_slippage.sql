-- The P11s an accepted file explained (lists of equal length).
INSERT OR IGNORE INTO explained_slippage BY NAME
SELECT $submission_id AS submission_id, $partner_code AS partner_code, $period AS period,
       unnest($item_id) AS item_id, CAST(unnest($forecast_completion) AS DATE) AS forecast_completion,
       CAST(unnest($target_date) AS DATE) AS target_date;
