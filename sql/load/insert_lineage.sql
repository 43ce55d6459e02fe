INSERT INTO briefing_lineage (run_id, period, figure, submission_id)
SELECT $run_id, $period, unnest($figure), unnest($submission_id);
