-- One row per part supplied by an accepted file: a workbook from a CPC supplies both.
CREATE OR REPLACE VIEW stg_accepted_parts AS
SELECT s.submission_id, s.partner_code, s.period, p.part, s.received_at
FROM submissions AS s
CROSS JOIN (VALUES ('progress'), ('indicators')) AS p(part)
WHERE s.outcome IN ('accepted', 'accepted_with_warnings')
  AND (s.part = p.part OR s.part = 'both');
