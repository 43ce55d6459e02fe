-- Reload ref_register from the reference data of this run (registered as ref_frame).
DELETE FROM ref_register;
INSERT INTO ref_register BY NAME SELECT * FROM ref_frame;
