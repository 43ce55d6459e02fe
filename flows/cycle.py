"""The quarterly cycle flow: close a period and write the briefing in both forms."""

from __future__ import annotations

from prefect import flow

from cpip.lock import writer_lock
from cpip.tasks.cycle import (build_marts, check_period, compose_briefing, record_briefing, render_publication,
                              render_restricted, write_json)
from cpip.tasks.intake import read_reference, read_settings


@flow(name="cycle", flow_run_name="cycle-{period}")
def cycle(period: str, home: str | None = None) -> dict:
    """Build the marts for the period, compose briefing.json and publication.json, render HTML and PDF."""
    settings = read_settings(home)
    reference = read_reference(settings)
    quarter = check_period(period)
    with writer_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        data = build_marts(settings, reference, quarter)
        docs = compose_briefing(settings, reference, data)
        written = write_json(settings, quarter, docs)
        restricted = render_restricted(settings, quarter, docs)
        public = render_publication(settings, quarter, docs)
        outputs = {"period": period, "briefing_json": written["briefing_json"],
                   "publication_json": written["publication_json"], "annex_json": written["annex_json"],
                   "restricted": restricted, "publication": public}
        return record_briefing(settings, reference, quarter, docs, outputs)
