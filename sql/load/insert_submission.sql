INSERT INTO submissions BY NAME
SELECT $submission_id AS submission_id, $run_id AS run_id, $sha256 AS sha256, $inbox_path AS inbox_path,
       $original_name AS original_name, $folder AS folder, $from_partner AS from_partner,
       CAST($received_at AS TIMESTAMPTZ) AS received_at, $file_format AS file_format,
       $partner_code AS partner_code, $period AS period, $period_valid AS period_valid, $part AS part,
       $outcome AS outcome, $late AS late, $duplicate_of AS duplicate_of,
       $receipt_html AS receipt_html, $receipt_json AS receipt_json;
