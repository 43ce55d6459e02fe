-- Reload ref_indicators from the reference data of this run (registered as ref_frame).
DELETE FROM ref_indicators;
INSERT INTO ref_indicators BY NAME SELECT * FROM ref_frame;
