-- The files behind a list of submissions, for the lineage of briefing figures.
SELECT submission_id, sha256, original_name, folder, received_at
FROM submissions WHERE submission_id IN (SELECT unnest($ids)) ORDER BY submission_id;
