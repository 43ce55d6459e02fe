-- The movement scale of returns.md §9: Off track = Not started = 1, At risk = 2, On track = 3, Complete = 4.
CREATE OR REPLACE VIEW status_scale AS
SELECT * FROM (VALUES ('Off track', 1), ('Not started', 1), ('At risk', 2), ('On track', 3), ('Complete', 4))
    AS t(status, rank);
