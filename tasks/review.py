"""Review tasks: each one step of :mod:`cpip.review` (or of :mod:`cpip.mail.delivery` for the reviewers'
email); and the wait for a decision.

**Why the cycle run is suspended, not paused.** A reviewer has ``[review] wait_days`` (a week
by default) to decide. A *paused* flow run keeps its process (a worker slot, or a ``cpip
serve`` child) alive all that time, and a restart of the worker or the machine in that week
loses the wait. A *suspended* run gives its process up: Prefect keeps it as ``Suspended``
with its input form, and when it is resumed a worker (or ``cpip serve``) starts it again
from the top. Every step before the wait is therefore ``resumable`` (its result is kept for
the run, see :mod:`cpip.orchestration.steps`), so the resumed run reads the draft it made rather
than making another. The timeout is always given (Prefect's default for a pause is one
hour). The decision itself is checked by :func:`take_decision` against the draft's approval
code; a wrong code leaves the run waiting again (a new suspension, up to ``MAX_WRONG_CODES``), so a typing
slip in the form does not end the wait.

**The typed code is not kept.** Prefect stores a resumed form's input with the run, readable by
anyone who can read its API. Once the run has checked the code (right or wrong), it overwrites
that input with the code blanked (:func:`cpip.orchestration.prefect_api.forget_typed_code`).
"""

from __future__ import annotations

import functools
import logging
from typing import Literal

from pydantic import Field

from cpip.briefing.cycle import Documents
from cpip.core.periods import Period
from cpip.core.settings import Settings
from cpip.mail import delivery
from cpip.orchestration import prefect_api
from cpip.orchestration.steps import in_deployment_run, step
from cpip.review import decisions, versions
from cpip.review.codes import MAX_WRONG_CODES
from cpip.review.decisions import APPROVE, RETURN

log = logging.getLogger("cpip.tasks.review")


@functools.cache
def decision_form() -> type:
    """The typed input form a waiting cycle run shows in the Prefect UI (a Prefect ``RunInput``,
    made on first use so that importing the cycle's tasks does not import Prefect)."""
    from prefect.input import RunInput

    class Decision(RunInput):
        approver: str = Field(title="Your name and role",
                              description='For example "Jo Bloggs, Head of Programme Office".')
        decision: Literal[APPROVE, RETURN] = Field(  # type: ignore[valid-type]
            title="Decision", description="Approve: the briefing goes to the Minister's private office. "
                                          "Return for changes: it stays a draft and nothing is sent.")
        approval_code: str = Field(title="Approval code",
                                   description="The code on the line 'Approval code:' of the email that told the "
                                               "reviewers of this draft.")
        covering_note: str = Field("", title="Covering note (approve) or what must change (return)",
                                   description="Plain text or Markdown. A covering note opens page 1 as "
                                               "'From the programme office'.")

    return Decision


@step(name="plan-version", resumable=True)
def plan_version(settings: Settings, period: Period, docs: Documents) -> Documents:
    return versions.plan_version(settings, period, docs)


@step(name="record-version", resumable=True, retries=2, retry_delay_seconds=2)
def record_version(settings: Settings, period: Period, docs: Documents, outputs: dict) -> dict:
    """Record version N and keep its files under versions/N/; the flow run that made it is kept
    with it, so ``cpip approve`` can resume that run if it waits for a decision."""
    return versions.record_version(settings, period, docs, outputs, flow_run_id=_deployment_run_id())


def _deployment_run_id() -> str | None:
    """The flow run's id when it is a deployment's (one ``cpip approve`` can resume), else None."""
    if not in_deployment_run():
        return None
    from prefect.runtime import flow_run

    return flow_run.id


@step(name="tell-reviewers", resumable=True, retries=3, retry_delay_seconds=[5, 30, 120])
def tell_reviewers(settings: Settings, outputs: dict) -> dict:
    """A draft: email the reviewers once, with its one-time approval code."""
    return delivery.tell_reviewers(settings, outputs)


@step(name="take-decision", resumable=True)
def take_decision(settings: Settings, outputs: dict, decision: dict, attempt: int) -> dict:
    """Apply the decision typed in the Prefect form (:func:`cpip.review.decisions.take_decision`); ``attempt``
    tells apart the decisions of one run (a wrong code leaves it waiting again)."""
    return decisions.take_decision(settings, outputs, decision)


def wait_for_decision(settings: Settings, outputs: dict) -> dict:
    """In a deployment run, suspend the flow run until a reviewer decides in the Prefect UI (or
    with ``cpip approve``/``cpip reject``), for up to ``[review] wait_days``; elsewhere, or
    for a version that is not a draft, return at once (decide with ``cpip approve``)."""
    if outputs.get("state") != "draft" or not in_deployment_run():
        return outputs
    from prefect.flow_runs import suspend_flow_run

    description = decisions.decision_request(outputs)
    form = decision_form().with_initial_data(description=description, decision=APPROVE)
    for attempt in range(1, MAX_WRONG_CODES + 1):
        given = suspend_flow_run(wait_for_input=form, timeout=settings.review.wait_days * 86400,
                                 key=f"decision-{outputs['period'].lower()}-v{outputs['version']}-{attempt}")
        try:
            taken = take_decision(settings, outputs, given.model_dump(), attempt=attempt)
        finally:
            _forget_typed_code(given.metadata.key)
        if taken["settled"]:
            return taken["outputs"]
    return {**outputs, "refused": "too many wrong approval codes"}


def _forget_typed_code(key: str) -> None:
    """Blank the approval code in the run's input stored under ``key``, now that it has been checked
    (a replayed attempt reads its decision back blanked; its result is already kept)."""
    from prefect.runtime import flow_run

    try:
        prefect_api.forget_typed_code(flow_run.id, key)
    except Exception as exc:  # never let it end the wait; say loudly that the input still holds a code
        log.error("the approval code typed into flow run %s's form could not be blanked (%s: %s); delete the "
                  "run's input %s in Prefect", flow_run.id, type(exc).__name__, exc, key)
