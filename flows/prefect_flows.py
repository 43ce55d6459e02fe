"""The flows of this folder as Prefect flows: what a deployment (``prefect.yaml``'s entrypoints),
``cpip serve``, the CLI under a Prefect server and the Prefect tests run.

Each flow is written once, as a plain function in its own module (``flows/intake.py``'s
:func:`~cpip.flows.intake.intake`, a table of contents of task calls), which the CLI calls
directly when no Prefect server is set, importing no Prefect. This module, which imports
Prefect, makes each of them a Prefect flow with its name and run name: inside such a flow run
every ``@step`` of :mod:`cpip.orchestration.steps` is a tracked Prefect task.
"""

from __future__ import annotations

from typing import Any, Callable

from prefect import Flow, flow
from prefect.runtime import flow_run

from cpip.flows import cycle as cycle_flow, intake as intake_flow, reminders as reminders_flow
from cpip.flows import templates as templates_flow


def _intake_run_name() -> str:
    return f"intake-{flow_run.scheduled_start_time:%Y%m%d-%H%M%S}"


def _cycle_run_name() -> str:
    return f"cycle-{flow_run.parameters.get('period') or 'latest-due'}"


def _templates_run_name() -> str:
    return f"templates-{flow_run.parameters.get('period') or 'next'}"


intake = flow(name="intake", flow_run_name=_intake_run_name)(intake_flow.intake)
retry_faulted = flow(name="retry-faulted")(intake_flow.retry_faulted)
cycle = flow(name="cycle", flow_run_name=_cycle_run_name)(cycle_flow.cycle)
reminders = flow(name="reminders", flow_run_name="reminders-{kind}")(reminders_flow.reminders)
templates = flow(name="templates", flow_run_name=_templates_run_name)(templates_flow.templates)

FLOWS: tuple[Flow, ...] = (intake, retry_faulted, cycle, reminders, templates)


def prefect_flow(fn: Callable[..., Any]) -> Flow:
    """The Prefect flow made from the plain flow ``fn`` (``prefect_flow(cpip.flows.intake.intake)`` is
    :data:`intake`)."""
    return next(f for f in FLOWS if f.fn is fn)
