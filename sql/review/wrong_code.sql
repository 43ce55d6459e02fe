-- One more wrong approval code for a draft.
UPDATE briefing_versions SET wrong_codes = wrong_codes + 1 WHERE period = $period AND version = $version;
