"""The reminders flow: a week before the due date, and the day after it, to partners without an accepted
progress part (nothing received, or only files that could not be accepted).

A plain function (``cpip remind`` calls it with no Prefect server); flows/prefect_flows.py makes it
a Prefect flow, which the scheduled deployments run."""

from __future__ import annotations

from cpip.core.lock import home_lock
from cpip.tasks.common import read_reference, read_settings
from cpip.tasks.delivery import choose_reminder_period, deliver_owed, partners_to_remind, send_reminders


def reminders(kind: str = "before", period: str | None = None, home: str | None = None) -> dict:
    """Remind every partner without an accepted progress part for the period (``before`` or ``after``
    its due date), each once per period and kind; the result's ``reminders`` lists those sent by
    this run (:func:`cpip.mail.delivery.send_reminders`)."""
    settings = read_settings(home)
    reference = read_reference(settings)
    quarter = choose_reminder_period(settings, kind, period)
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        partners = partners_to_remind(settings, reference, quarter)
    deliver_owed(settings)  # an approved briefing whose delivery failed earlier
    return send_reminders(settings, reference, quarter, kind, partners)
