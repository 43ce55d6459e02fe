-- The first file that brought these bytes, for recording a duplicate.
SELECT s.submission_id, s.partner_code, s.period, s.period_valid
FROM files AS f JOIN submissions AS s ON s.submission_id = f.first_received
WHERE f.sha256 = $sha256;
