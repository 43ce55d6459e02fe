-- What these submissions' indicator values were (for the next quarter's warnings).
SELECT submission_id, indicator_id, value
FROM indicator_values WHERE submission_id IN (SELECT unnest($ids));
