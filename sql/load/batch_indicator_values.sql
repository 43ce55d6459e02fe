-- The accepted files' indicator values; a blank value is NULL.
INSERT INTO indicator_values BY NAME
SELECT CAST(submission_id AS INTEGER) AS submission_id, CAST(partner_code AS VARCHAR) AS partner_code,
       CAST(period AS VARCHAR) AS period, CAST("row" AS INTEGER) AS "row",
       CAST(indicator_id AS VARCHAR) AS indicator_id, CAST(value AS BIGINT) AS value, CAST(note AS VARCHAR) AS note
FROM batch;
