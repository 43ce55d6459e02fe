"""The quarterly cycle flow: close a period, write the briefing in both forms, have it approved, deliver it.

A plain function (the CLI calls it with no Prefect server); flows/prefect_flows.py makes it a
Prefect flow."""

from __future__ import annotations

from cpip.core.lock import home_lock
from cpip.tasks.common import read_reference, read_settings, write_status_pages
from cpip.tasks.cycle import (check_period, choose_period, compose_briefing, read_marts, record_briefing, render_forms,
                              write_json)
from cpip.tasks.delivery import deliver_briefing, deliver_owed, publish_cycle_artifact
from cpip.tasks.review import plan_version, record_version, tell_reviewers, wait_for_decision


def cycle(period: str | None = None, home: str | None = None) -> dict:
    """Read the marts for the period (default: the latest one due), compose briefing.json and
    publication.json, render both forms as HTML and PDF as version N of the period's briefing
    (a draft when [review] required = true), tell the reviewers, wait for a decision (in a
    deployment run), and deliver an approved version to the private office; then any other
    approved version whose delivery failed earlier (as intake and reminders runs do)."""
    settings = read_settings(home)
    reference = read_reference(settings)
    quarter = check_period(choose_period(settings, period))
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        data = read_marts(settings, reference, quarter)
        docs = plan_version(settings, quarter, compose_briefing(settings, reference, data))
        written = write_json(settings, quarter, docs)
        forms = render_forms(settings, quarter, docs)
        outputs = record_briefing(settings, reference, quarter, docs, written, forms)
        outputs = record_version(settings, quarter, docs, outputs)
        write_status_pages(settings, reference)
    # Outside the home's lock: delivery takes it only for a moment to record each send, never
    # while it talks to the mail server or waits to retry; a suspended run holds nothing.
    outputs = tell_reviewers(settings, outputs)
    outputs = wait_for_decision(settings, outputs)
    outputs = deliver_briefing(settings, outputs)
    deliver_owed(settings)  # then any other approved version whose delivery failed earlier
    return publish_cycle_artifact(docs, outputs)
