-- The returns picture for a period, one row per expected partner (returns.md §9, interfaces.md status):
-- the one home of a partner's state for the period (accepted, late, rejected_only, missing).
-- sent: files from the partner (§2: its folder, else the partner the file names) naming the period,
-- whatever their outcome, duplicates included. late: the partner's first accepted progress part is a
-- late file (submissions.late, decided once when the file is loaded: cpip/intake/decide.py).
CREATE OR REPLACE MACRO mart_returns(p_period) AS TABLE
WITH sent AS (
    SELECT from_partner AS partner_code, count(*) AS files
    FROM submissions WHERE period = p_period AND from_partner IS NOT NULL
    GROUP BY from_partner
),
first_accepted AS (
    SELECT a.partner_code, arg_min(a.received_at, a.submission_id) AS first_accepted_at,
           arg_min(s.late, a.submission_id) AS first_accepted_late
    FROM stg_accepted_parts AS a JOIN submissions AS s USING (submission_id)
    WHERE a.period = p_period AND a.part = 'progress'
    GROUP BY a.partner_code
)
SELECT p.partner_code, p.name, coalesce(s.files, 0) AS files, f.first_accepted_at,
       CASE WHEN f.partner_code IS NOT NULL AND f.first_accepted_late THEN 'late'
            WHEN f.partner_code IS NOT NULL THEN 'accepted'
            WHEN coalesce(s.files, 0) > 0 THEN 'rejected_only'
            ELSE 'missing' END AS state
FROM ref_partners AS p
LEFT JOIN sent AS s ON s.partner_code = p.partner_code
LEFT JOIN first_accepted AS f ON f.partner_code = p.partner_code
ORDER BY p.partner_code;
