-- An accepted file's progress rows (lists of equal length).
INSERT INTO progress_rows BY NAME
SELECT $submission_id AS submission_id, $partner_code AS partner_code, $period AS period,
       unnest($row) AS "row", unnest($item_id) AS item_id, unnest($status) AS status,
       CAST(unnest($percent_complete) AS INTEGER) AS percent_complete,
       CAST(unnest($milestone) AS VARCHAR) AS milestone, CAST(unnest($milestone_due) AS DATE) AS milestone_due,
       CAST(unnest($forecast_completion) AS DATE) AS forecast_completion,
       CAST(unnest($narrative) AS VARCHAR) AS narrative, CAST(unnest($risks) AS VARCHAR) AS risks,
       CAST(unnest($explanation) AS VARCHAR) AS explanation;
