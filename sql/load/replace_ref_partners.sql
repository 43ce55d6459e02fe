-- Reload ref_partners from the reference data of this run (registered as ref_frame).
DELETE FROM ref_partners;
INSERT INTO ref_partners BY NAME SELECT * FROM ref_frame;
