-- Archive records already in the warehouse.
SELECT submission_id FROM submissions;
