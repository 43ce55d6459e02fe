-- One row per file of the batch, in the order taken.
INSERT INTO submissions BY NAME
SELECT CAST(submission_id AS INTEGER) AS submission_id, CAST(run_id AS VARCHAR) AS run_id,
       CAST(sha256 AS VARCHAR) AS sha256, CAST(inbox_path AS VARCHAR) AS inbox_path,
       CAST(original_name AS VARCHAR) AS original_name, CAST(folder AS VARCHAR) AS folder,
       CAST(from_partner AS VARCHAR) AS from_partner, CAST(received_at AS TIMESTAMPTZ) AS received_at,
       CAST(file_format AS VARCHAR) AS file_format, CAST(partner_code AS VARCHAR) AS partner_code,
       CAST(period AS VARCHAR) AS period, CAST(period_valid AS BOOLEAN) AS period_valid,
       CAST(part AS VARCHAR) AS part, CAST(outcome AS VARCHAR) AS outcome, CAST(late AS BOOLEAN) AS late,
       CAST(duplicate_of AS INTEGER) AS duplicate_of, CAST(receipt_html AS VARCHAR) AS receipt_html,
       CAST(receipt_json AS VARCHAR) AS receipt_json
FROM batch;
