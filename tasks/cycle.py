"""Cycle tasks: each one step of :mod:`cpip.briefing.cycle` with one I/O boundary."""

from __future__ import annotations

from cpip.briefing import cycle as steps
from cpip.briefing.compose import CycleData
from cpip.orchestration.steps import step
from cpip.core.periods import Period, parse_period
from cpip.reference.tables import Reference
from cpip.collection.schedules import cycle_period
from cpip.core.settings import Settings


@step(name="choose-period", resumable=True)
def choose_period(settings: Settings, period: str | None) -> str:
    """The period asked for, else the latest whose due date has passed (a scheduled run)."""
    return cycle_period(period, settings.now, settings.cycle.due_days)


@step(name="check-period", resumable=True)
def check_period(period: str) -> Period:
    return parse_period(period)


@step(name="build-marts", resumable=True, retries=2, retry_delay_seconds=2)
def build_marts(settings: Settings, reference: Reference, period: Period) -> CycleData:
    return steps.read_marts(settings, reference, period)


@step(name="compose-briefing", resumable=True)
def compose_briefing(settings: Settings, reference: Reference, data: CycleData) -> steps.Documents:
    return steps.compose(settings, reference, data)


@step(name="write-json", resumable=True, retries=2, retry_delay_seconds=1)
def write_json(settings: Settings, period: Period, docs: steps.Documents) -> dict:
    return steps.write_documents(settings, period, docs)


@step(name="render-forms", resumable=True)
def render_forms(settings: Settings, period: Period, docs: steps.Documents) -> dict:
    """Both forms, HTML and PDF, rendered at the same time (one in a worker process)."""
    return steps.render_forms(settings, period, docs)


@step(name="record-briefing", resumable=True, retries=2, retry_delay_seconds=2)
def record_briefing(settings: Settings, reference: Reference, period: Period, docs: steps.Documents, written: dict,
                    forms: dict) -> dict:
    """Record in the audit log that the briefing was written; return the paths of what was written."""
    return steps.briefing_outputs(settings, reference, period, docs, written, forms)

