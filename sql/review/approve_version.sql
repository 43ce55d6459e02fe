-- A draft approved: who, when, and the files of the final version; its code can never be used again.
UPDATE briefing_versions
SET state = 'approved', approved_by = $approved_by, approved_account = $approved_account,
    approved_at = $approved_at, outputs = $outputs, code_hash = NULL
WHERE period = $period AND version = $version AND state = 'draft';
