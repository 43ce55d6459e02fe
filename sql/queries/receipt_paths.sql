-- Where each file's receipt should be.
SELECT submission_id, receipt_json FROM submissions ORDER BY submission_id;
