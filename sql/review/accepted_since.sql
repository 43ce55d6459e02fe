-- Files for a period accepted after a given archive record: what a revision (or a stale draft) rests on.
SELECT submission_id, original_name, folder, from_partner, partner_code, received_at, sha256
FROM submissions
WHERE period = $period AND outcome IN ('accepted', 'accepted_with_warnings') AND submission_id > $after
ORDER BY submission_id;
