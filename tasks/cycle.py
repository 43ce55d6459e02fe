"""Cycle tasks: each one step of :mod:`cpip.cycle` with one I/O boundary."""

from __future__ import annotations

from cpip import cycle as steps
from cpip.briefing import CycleData
from cpip.orchestration import step
from cpip.periods import Period
from cpip.reference import Reference
from cpip.settings import Settings


@step(name="check-period", resumable=True)
def check_period(period: str) -> Period:
    return steps.parse_period(period)


@step(name="build-marts", resumable=True, retries=2, retry_delay_seconds=2)
def build_marts(settings: Settings, reference: Reference, period: Period) -> CycleData:
    return steps.read_marts(settings, reference, period)


@step(name="compose-briefing", resumable=True)
def compose_briefing(settings: Settings, reference: Reference, data: CycleData) -> steps.Documents:
    return steps.compose(settings, reference, data)


@step(name="write-json", resumable=True, retries=2, retry_delay_seconds=1)
def write_json(settings: Settings, period: Period, docs: steps.Documents) -> dict:
    return steps.write_documents(settings, period, docs)


@step(name="render-restricted", resumable=True)
def render_restricted(settings: Settings, period: Period, docs: steps.Documents) -> dict:
    return steps.render_form(settings, period, docs, "restricted")


@step(name="render-publication", resumable=True)
def render_publication(settings: Settings, period: Period, docs: steps.Documents) -> dict:
    return steps.render_form(settings, period, docs, "publication")


@step(name="record-briefing", resumable=True, retries=2, retry_delay_seconds=2)
def record_briefing(settings: Settings, reference: Reference, period: Period, docs: steps.Documents,
                    written: dict, restricted: dict, publication: dict) -> dict:
    """Record in the audit log that the briefing was written; return the paths of what was written."""
    outputs = {"period": str(period), "briefing_json": written["briefing_json"],
               "publication_json": written["publication_json"], "annex_json": written["annex_json"],
               "lineage_json": written["lineage_json"], "restricted": restricted, "publication": publication}
    steps.record_briefing(settings, reference, period, docs, outputs)
    return outputs


@step(name="read-returns")
def read_status(settings: Settings, reference: Reference, period: Period) -> dict:
    return steps.status(settings, reference, period)
