-- The first file that brought each of these contents, for recording a duplicate.
SELECT f.sha256, s.submission_id, s.partner_code, s.period
FROM files AS f JOIN submissions AS s ON s.submission_id = f.first_received
WHERE f.sha256 IN (SELECT unnest($shas));
