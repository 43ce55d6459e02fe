-- Reload ref_assignments from the reference data of this run (registered as ref_frame).
DELETE FROM ref_assignments;
INSERT INTO ref_assignments BY NAME SELECT * FROM ref_frame;
