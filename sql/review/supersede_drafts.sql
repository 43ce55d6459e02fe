-- Older drafts of the period that were never approved: a newer version replaces them.
UPDATE briefing_versions SET state = 'superseded', code_hash = NULL
WHERE period = $period AND state = 'draft' AND version < $version;
