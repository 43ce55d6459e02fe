"""The Prefect API, for the commands that decide on a draft: resuming the cycle run that waits
for the decision, and waiting for it to finish; and, for the waiting run itself, blanking the
approval code typed into its input form once the code has been checked (:func:`forget_typed_code`).

A cycle run in a deployment suspends itself until a reviewer decides (:mod:`cpip.tasks.review`).
When the decision is taken with ``cpip approve`` or ``cpip reject`` instead, the command resumes
that run, which then finishes the work itself (delivers an approved version), so the command
never delivers beside it. Prefect is imported only here, inside the functions, and only when
the draft was made by such a run and ``PREFECT_API_URL`` is set.
"""

from __future__ import annotations

import json
import logging
import time
from uuid import UUID

from cpip.core.settings import Settings
from cpip.review.decisions import FROM_CLI

# What a decision typed into the Prefect form keeps of its approval code, once checked.
CODE_CHECKED = "(checked in the form; not kept)"
_NOT_CODES = {CODE_CHECKED, *FROM_CLI.values()}

log = logging.getLogger("cpip.orchestration.prefect_api")


def resume_waiting_run(settings: Settings, flow_run_id: str | None, run_input: dict) -> bool:
    """Resume the Prefect cycle run that made this draft, if it is waiting (suspended) for a
    decision: it then finishes the work itself (delivers an approved version), so a decision
    taken with ``cpip approve`` never delivers beside it. False when there is no such run."""
    if not flow_run_id or not settings.prefect_api_url:
        return False
    try:
        from prefect.client.orchestration import get_client
        from prefect.flow_runs import resume_flow_run

        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(flow_run_id)).state
        if state is None or not state.is_paused():
            return False
        resume_flow_run(UUID(flow_run_id), run_input=run_input)
        return True
    except Exception as exc:  # the server is down, or the run cannot be resumed: the command does the rest
        log.warning("could not resume the waiting cycle run %s (%s); delivering from here instead", flow_run_id,
                    type(exc).__name__)
        return False


def wait_for_run(settings: Settings, flow_run_id: str, seconds: float = 300) -> str | None:
    """Wait for a resumed run to finish; its final state's name, or None if it is still going."""
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            state = client.read_flow_run(UUID(flow_run_id)).state
            if state is not None and state.is_final():
                return state.name
            time.sleep(1)
    return None


def forget_typed_code(flow_run_id: str, key: str) -> bool:
    """Overwrite the decision stored as this flow run's input under ``key`` (a resumed form's
    ``*-response`` input, which Prefect keeps and serves to anyone who can read its API) with its
    approval code replaced by :data:`CODE_CHECKED`; the rest of the decision is kept, so a resumed
    run that reads it back again still loads it. Called by the waiting run once it has checked the
    code given under ``key``, and only for that key: a decision typed since (the input of a later
    suspension) is still to be checked. True when the input was overwritten."""
    from prefect.client.orchestration import get_client

    run = UUID(str(flow_run_id))
    with get_client(sync_client=True) as client:
        try:
            value = json.loads(client.read_flow_run_input(run, key))
        except ValueError:
            return False
        if not isinstance(value, dict) or value.get("approval_code", CODE_CHECKED) in _NOT_CODES:
            return False
        client.delete_flow_run_input(run, key)
        client.create_flow_run_input(run, key, json.dumps({**value, "approval_code": CODE_CHECKED}))
    return True
