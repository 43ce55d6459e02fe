-- The movement scale of returns.md §9 (Off track = Not started = 1, At risk = 2, On track = 3,
-- Complete = 4), as cpip/core/vocabulary.py defines it and the warehouse is given it (ref_statuses).
CREATE OR REPLACE VIEW status_scale AS
SELECT status, scale AS rank FROM ref_statuses WHERE scale IS NOT NULL;
