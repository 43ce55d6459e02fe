-- Reload ref_statuses from cpip/vocabulary.py (registered as ref_frame).
DELETE FROM ref_statuses;
INSERT INTO ref_statuses BY NAME SELECT * FROM ref_frame;
