"""Delivery and reporting tasks: email, reminders, Prefect artifacts."""

from __future__ import annotations

from cpip.briefing.cycle import Documents
from cpip.collection.picture import ToChase, to_chase
from cpip.collection.schedules import reminder_period
from cpip.core.periods import Period
from cpip.core.settings import Settings
from cpip.mail import delivery
from cpip.orchestration import artifacts
from cpip.orchestration.steps import step
from cpip.reference.tables import Reference


@step(name="choose-reminder-period")
def choose_reminder_period(settings: Settings, kind: str, period: str | None) -> Period:
    """The period asked for, else the one the schedule means."""
    return reminder_period(kind, period, settings.now, settings.cycle.due_days)


@step(name="partners-to-remind")
def partners_to_remind(settings: Settings, reference: Reference, period: Period) -> list[ToChase]:
    """Partners without an accepted progress part: nothing received, or only files that could not be
    accepted (:func:`cpip.collection.picture.to_chase`)."""
    return to_chase(settings, reference, period)


@step(name="send-reminders", retries=3, retry_delay_seconds=[5, 30, 120])
def send_reminders(settings: Settings, reference: Reference, period: Period, kind: str,
                   partners: list[ToChase]) -> dict:
    """Remind each partner once: a retry, or a second run for the same period and kind, skips those reminded."""
    return delivery.send_reminders(settings, reference, period, kind, partners)


@step(name="deliver-briefing", retries=3, retry_delay_seconds=[5, 30, 120])
def deliver_briefing(settings: Settings, outputs: dict) -> dict:
    """Email the briefing to the private office (when [email] is set): an approved version, or
    with ``[review] required = false`` the cycle's briefing; never a draft. See :func:`cpip.mail.delivery.deliver`.

    Each recipient gets a briefing once (:mod:`cpip.mail.ledger`): a retry of this step, or the
    same approval reaching it twice (the Prefect form and ``cpip approve``), sends only to those
    who do not have it yet. ``emailed`` lists the recipients who now have it, ``emailed_before``
    those of them who already had it.
    """
    return delivery.deliver(settings, outputs)


@step(name="deliver-owed")
def deliver_owed(settings: Settings) -> list[dict]:
    """Deliver each period's newest approved version still owed to someone (its delivery failed
    earlier), to those who lack it; never fails the run (see :func:`cpip.mail.delivery.deliver_owed`)."""
    return delivery.deliver_owed(settings)


@step(name="intake-artifact")
def publish_intake_artifact(results: list[dict]) -> list[dict]:
    """A table of this run's files and outcomes in the Prefect UI."""
    return artifacts.publish_intake(results)


@step(name="cycle-artifact")
def publish_cycle_artifact(docs: Documents, outputs: dict) -> dict:
    """A markdown summary of the headline, coverage and data quality, with the paths written."""
    return artifacts.publish_cycle(docs.briefing, outputs, docs.run_id)
