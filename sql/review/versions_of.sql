-- Every version of a period's briefing, oldest first.
SELECT period, version, run_id, made_at, state, last_submission, replaces, code_hash, wrong_codes, flow_run_id,
       approved_by, approved_account, approved_at, outputs
FROM briefing_versions WHERE period = $period ORDER BY version;
