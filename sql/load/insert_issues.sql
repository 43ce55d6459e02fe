-- A file's issues (lists of equal length, in the order the officer reads them).
INSERT INTO issues BY NAME
SELECT $submission_id AS submission_id, unnest($seq) AS seq, unnest($rule) AS rule, unnest($severity) AS severity,
       CAST(unnest($sheet) AS VARCHAR) AS sheet, CAST(unnest($row) AS INTEGER) AS "row",
       CAST(unnest($column) AS VARCHAR) AS "column", CAST(unnest($value) AS VARCHAR) AS value,
       unnest($message) AS message, CAST(unnest($explanation) AS VARCHAR) AS explanation;
