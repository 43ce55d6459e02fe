"""The quarterly cycle flow: close a period, write the briefing in both forms, deliver it."""

from __future__ import annotations

from prefect import flow

from cpip.lock import writer_lock
from cpip.tasks.cycle import (build_marts, check_period, compose_briefing, record_briefing, render_publication,
                              render_restricted, write_json)
from cpip.tasks.delivery import choose_period, deliver_briefing, publish_cycle_artifact
from cpip.tasks.intake import read_reference, read_settings


def _run_name() -> str:
    from prefect.runtime import flow_run

    return f"cycle-{flow_run.parameters.get('period') or 'latest-due'}"


@flow(name="cycle", flow_run_name=_run_name)
def cycle(period: str | None = None, home: str | None = None) -> dict:
    """Build the marts for the period (default: the latest one due), compose briefing.json and
    publication.json, render both forms as HTML and PDF, record and deliver them."""
    settings = read_settings(home)
    reference = read_reference(settings)
    quarter = check_period(choose_period(settings, period))
    with writer_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        data = build_marts(settings, reference, quarter)
        docs = compose_briefing(settings, reference, data)
        written = write_json(settings, quarter, docs)
        restricted = render_restricted(settings, quarter, docs)
        public = render_publication(settings, quarter, docs)
        outputs = record_briefing(settings, reference, quarter, docs, written, restricted, public)
    # Outside the writer lock: delivery takes it only for a moment to record each send, never
    # while it talks to the mail server or waits to retry.
    outputs = deliver_briefing(settings, reference, outputs, docs)
    return publish_cycle_artifact(docs, outputs)
