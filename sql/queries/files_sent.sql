-- Every file each partner sent naming the period (returns.md §2: from its folder, else the partner
-- it names), whatever its outcome, duplicates included, oldest first: what a reminder to a partner
-- with no accepted progress part names (the files it sent and their receipts).
SELECT s.from_partner AS partner_code, s.submission_id, s.original_name, s.received_at, s.outcome, s.part,
       s.receipt_html
FROM submissions AS s
WHERE s.period = $period AND s.from_partner IS NOT NULL
ORDER BY s.from_partner, s.submission_id;
