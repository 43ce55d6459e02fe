"""Cycle tasks: each one step of :mod:`cpip.briefing.cycle` with one I/O boundary."""

from __future__ import annotations

from cpip.briefing import cycle
from cpip.briefing.compose import CycleData
from cpip.collection.schedules import cycle_period
from cpip.core.periods import Period, parse_period
from cpip.core.settings import Settings
from cpip.orchestration.steps import step
from cpip.reference.tables import Reference


@step(name="choose-period", resumable=True)
def choose_period(settings: Settings, period: str | None) -> str:
    """The period asked for, else the latest whose due date has passed (a scheduled run)."""
    return cycle_period(period, settings.now, settings.cycle.due_days)


@step(name="check-period", resumable=True)
def check_period(period: str) -> Period:
    return parse_period(period)


@step(name="read-marts", resumable=True, retries=2, retry_delay_seconds=2)
def read_marts(settings: Settings, reference: Reference, period: Period) -> CycleData:
    """Every figure of the period (and the quarters held before it) from the warehouse's marts."""
    return cycle.read_marts(settings, reference, period)


@step(name="compose-briefing", resumable=True)
def compose_briefing(settings: Settings, reference: Reference, data: CycleData) -> cycle.Documents:
    return cycle.compose(settings, reference, data)


@step(name="write-json", resumable=True, retries=2, retry_delay_seconds=1)
def write_json(settings: Settings, period: Period, docs: cycle.Documents) -> dict:
    return cycle.write_documents(settings, period, docs)


@step(name="render-forms", resumable=True)
def render_forms(settings: Settings, period: Period, docs: cycle.Documents) -> dict:
    """Both forms, HTML and PDF, rendered at the same time (one in a worker process)."""
    return cycle.render_forms(settings, period, docs)


@step(name="record-briefing", resumable=True, retries=2, retry_delay_seconds=2)
def record_briefing(settings: Settings, reference: Reference, period: Period, docs: cycle.Documents, written: dict,
                    forms: dict) -> dict:
    """Record in the audit log that the briefing was written; return the paths of what was written."""
    return cycle.briefing_outputs(settings, reference, period, docs, written, forms)
