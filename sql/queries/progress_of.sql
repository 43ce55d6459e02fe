-- What these submissions' progress rows said (for the next quarter's warnings).
SELECT submission_id, item_id, status, percent_complete, narrative
FROM progress_rows WHERE submission_id IN (SELECT unnest($ids));
