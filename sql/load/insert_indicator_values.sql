-- An accepted file's indicator values (lists of equal length); a blank value is NULL.
INSERT INTO indicator_values BY NAME
SELECT $submission_id AS submission_id, $partner_code AS partner_code, $period AS period,
       unnest($row) AS "row", unnest($indicator_id) AS indicator_id,
       CAST(unnest($value) AS BIGINT) AS value, CAST(unnest($note) AS VARCHAR) AS note;
