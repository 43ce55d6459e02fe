-- A new one-time approval code for a draft (its hash only); wrong attempts start again from 0.
UPDATE briefing_versions SET code_hash = $code_hash, wrong_codes = 0
WHERE period = $period AND version = $version AND state = 'draft';
