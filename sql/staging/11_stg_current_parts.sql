-- The latest accepted version of each part, per partner and period (returns.md §8).
CREATE OR REPLACE VIEW stg_current_parts AS
SELECT submission_id, partner_code, period, part, received_at
FROM stg_accepted_parts
QUALIFY row_number() OVER (PARTITION BY partner_code, period, part ORDER BY submission_id DESC) = 1;
