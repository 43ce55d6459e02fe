-- The previous quarter of a 'YYYY-Qn' period ('2026-Q1' -> '2025-Q4').
CREATE OR REPLACE MACRO prev_period(p) AS
    CASE WHEN right(p, 1) = '1' THEN CAST(CAST(left(p, 4) AS INTEGER) - 1 AS VARCHAR) || '-Q4'
         ELSE left(p, 6) || CAST(CAST(right(p, 1) AS INTEGER) - 1 AS VARCHAR) END;
