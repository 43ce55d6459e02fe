-- A new version of a period's briefing.
INSERT INTO briefing_versions (period, version, run_id, made_at, state, last_submission, replaces, flow_run_id,
                               approved_by, approved_account, approved_at, outputs)
VALUES ($period, $version, $run_id, $made_at, $state, $last_submission, $replaces, $flow_run_id,
        $approved_by, $approved_account, $approved_at, $outputs);
