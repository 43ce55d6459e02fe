-- The files' issues, each file's in the order the officer reads them (seq).
INSERT INTO issues BY NAME
SELECT CAST(submission_id AS INTEGER) AS submission_id, CAST(seq AS INTEGER) AS seq,
       CAST(rule AS VARCHAR) AS rule, CAST(severity AS VARCHAR) AS severity, CAST(sheet AS VARCHAR) AS sheet,
       CAST("row" AS INTEGER) AS "row", CAST("column" AS VARCHAR) AS "column", CAST(value AS VARCHAR) AS value,
       CAST(message AS VARCHAR) AS message, CAST(explanation AS VARCHAR) AS explanation,
       CAST(cell AS VARCHAR) AS cell, CAST(item_id AS VARCHAR) AS item_id
FROM batch;
