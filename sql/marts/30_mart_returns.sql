-- The returns picture for a period, one row per expected partner (returns.md §9, interfaces.md status).
-- sent: files from the partner (§2: its folder, else the partner the file names) naming the period,
-- whatever their outcome, duplicates included. late: first accepted progress part received after the due date.
CREATE OR REPLACE MACRO mart_returns(p_period, p_due_date) AS TABLE
WITH sent AS (
    SELECT from_partner AS partner_code, count(*) AS files
    FROM submissions WHERE period = p_period AND from_partner IS NOT NULL
    GROUP BY from_partner
),
first_accepted AS (
    SELECT partner_code, arg_min(received_at, submission_id) AS first_accepted_at,
           arg_min(submission_id, submission_id) AS first_submission
    FROM stg_accepted_parts WHERE period = p_period AND part = 'progress'
    GROUP BY partner_code
)
SELECT p.partner_code, p.name, coalesce(s.files, 0) AS files, f.first_accepted_at,
       CASE WHEN f.partner_code IS NOT NULL AND CAST(f.first_accepted_at AS DATE) > p_due_date THEN 'late'
            WHEN f.partner_code IS NOT NULL THEN 'accepted'
            WHEN coalesce(s.files, 0) > 0 THEN 'rejected_only'
            ELSE 'missing' END AS state
FROM ref_partners AS p
LEFT JOIN sent AS s ON s.partner_code = p.partner_code
LEFT JOIN first_accepted AS f ON f.partner_code = p.partner_code
ORDER BY p.partner_code;
