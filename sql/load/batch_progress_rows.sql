-- The accepted files' progress rows.
INSERT INTO progress_rows BY NAME
SELECT CAST(submission_id AS INTEGER) AS submission_id, CAST(partner_code AS VARCHAR) AS partner_code,
       CAST(period AS VARCHAR) AS period, CAST("row" AS INTEGER) AS "row", CAST(item_id AS VARCHAR) AS item_id,
       CAST(status AS VARCHAR) AS status, CAST(percent_complete AS INTEGER) AS percent_complete,
       CAST(milestone AS VARCHAR) AS milestone, CAST(milestone_due AS DATE) AS milestone_due,
       CAST(forecast_completion AS DATE) AS forecast_completion, CAST(narrative AS VARCHAR) AS narrative,
       CAST(risks AS VARCHAR) AS risks, CAST(recovery_action AS VARCHAR) AS recovery_action,
       CAST(ask AS VARCHAR) AS ask, CAST(explanation AS VARCHAR) AS explanation
FROM batch;
