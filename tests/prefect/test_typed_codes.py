"""A code typed into the Prefect form is not left readable: on a real (temporary) Prefect server,
a decision stored as a run's input keeps everything but the code once that code has been checked
(tests/deploy/test_review_server.py follows a whole waiting cycle run)."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.server, pytest.mark.slow]  # a Prefect server or test harness, tens of seconds

CODE = "ABCD-EFGH-JKLM-NPQR"


def test_the_checked_code_is_blanked_in_its_stored_decision_and_nothing_else_changes(prefect_harness):
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    from cpip.orchestration.prefect_api import CODE_CHECKED, forget_typed_code
    from cpip.review.decisions import FROM_CLI

    @flow
    def a_run() -> str:
        return str(flow_run.id)

    run = a_run()
    typed = {"approver": "Jo Bloggs", "decision": "Return for changes", "approval_code": CODE, "covering_note": "x"}
    later = {**typed, "approval_code": "STUV-WXYZ-2345-6789"}  # typed for a later suspension, not yet checked
    from_cli = {**typed, "approval_code": FROM_CLI["approve"]}
    first, second, third = (f"suspended-decision-2026-q3-v1-{n}-response" for n in (1, 2, 3))
    with get_client(sync_client=True) as client:
        client.create_flow_run_input(run, first, json.dumps(typed))
        client.create_flow_run_input(run, second, json.dumps(later))
        client.create_flow_run_input(run, third, json.dumps(from_cli))
        client.create_flow_run_input(run, "suspended-decision-2026-q3-v1-1-schema", json.dumps({"type": "object"}))

    assert forget_typed_code(run, first) is True
    assert forget_typed_code(run, first) is False  # a replayed attempt: nothing left to blank
    assert forget_typed_code(run, third) is False  # cpip approve's placeholder is no code

    with get_client(sync_client=True) as client:
        stored = {i.key: i.value for i in client.filter_flow_run_input(run, key_prefix="", limit=100,
                                                                       exclude_keys=set())}
    assert CODE not in json.dumps(stored) and CODE.replace("-", "") not in json.dumps(stored)
    assert json.loads(stored[first]) == {**typed, "approval_code": CODE_CHECKED}
    assert json.loads(stored[second]) == later  # still to be checked by its own attempt
    assert json.loads(stored[third]) == from_cli
    assert json.loads(stored["suspended-decision-2026-q3-v1-1-schema"]) == {"type": "object"}
