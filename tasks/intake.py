"""Intake tasks: each one step of :mod:`cpip.intake.steps` with one I/O boundary.

Retries only where I/O can flake (reading a shared inbox or archive); nothing that
judges data is retried.
"""

from __future__ import annotations

from cpip.core.settings import Settings
from cpip.intake import guard, load, steps
from cpip.intake.archive import Record
from cpip.intake.checks.columns import prepare_in_background
from cpip.intake.inbox import Found, scan, settle
from cpip.intake.move import take_files
from cpip.orchestration.steps import step
from cpip.reference.tables import Reference


@step(name="scan-inbox", retries=2, retry_delay_seconds=1)
def scan_inbox(settings: Settings) -> list[Found]:
    return scan(settings.inbox, settings.archive / "notices.json")


@step(name="prepare-checks")
def prepare_checks(found: list[Found]) -> int:
    """Start loading the Great Expectations suites in the background, so that it overlaps the settle
    wait and the archive move (only when there are files; the check step waits for it)."""
    if any(not f.is_symlink for f in found):
        prepare_in_background()
    return len(found)


@step(name="settle")
def settle_files(settings: Settings, found: list[Found]) -> list[Found]:
    return settle(found, settings.intake.settle_seconds)


@step(name="unloaded-records", retries=2, retry_delay_seconds=1)
def unloaded_records(settings: Settings) -> list[Record]:
    return steps.pending_records(settings)


@step(name="archive")
def archive_files(settings: Settings, settled: list[Found], unloaded: list[Record]) -> list[Record]:
    return take_files(settings, settled, steps.new_run_id(settings.now), unloaded)


@step(name="parse", retries=2, retry_delay_seconds=1)
def parse_files(settings: Settings, records: list[Record]) -> list[steps.Handling]:
    """Read each file, in watched child processes (:mod:`cpip.intake.guard`)."""
    return guard.read_files(settings, records)


@step(name="validate")
def validate_files(settings: Settings, reference: Reference, handled: list[steps.Handling]) -> list[steps.Handling]:
    """Check each file, in watched child processes (:mod:`cpip.intake.guard`)."""
    return guard.check_files(settings, reference, handled)


@step(name="load")
def load_files(settings: Settings, reference: Reference, handled: list[steps.Handling], retrying: bool,
               queue_emails: bool) -> list[steps.Handling]:
    """Load each file; ``retrying``: files that faulted before, whose faulted rows are replaced;
    ``queue_emails``: record each receipt owed an email with its file (:func:`cpip.intake.load.load_files`)."""
    return load.load_files(settings, reference, handled, retrying, queue_emails)


@step(name="faulted-records", retries=2, retry_delay_seconds=1)
def faulted_records(settings: Settings, numbers: list[int] | None) -> list[Record]:
    return steps.faulted_records(settings, numbers)


@step(name="receipts", retries=2, retry_delay_seconds=1)
def write_receipts(settings: Settings, handled: list[steps.Handling]) -> list[dict]:
    """A receipt for every file of this run, and for any file a crashed run loaded without one."""
    steps.write_receipts(settings, handled)
    return [h.to_json() for h in handled]


@step(name="receipts-owed-email", retries=2, retry_delay_seconds=1)
def receipts_owed_email(settings: Settings) -> list[tuple[str, list[str], steps.Handling]]:
    """Every receipt still owed an email: this run's, and any a crash or a refused send left (one query)."""
    return steps.receipt_emails_owed(settings)


@step(name="email-receipts")
def email_receipts(settings: Settings, owed: list[tuple[str, list[str], steps.Handling]]) -> dict:
    """Email each receipt owed one, outside the home's lock. Never fails intake: what is not sent
    now is sent by the next run, and nothing is sent twice (:mod:`cpip.mail.receipts`)."""
    if not owed:
        return {"sent": 0, "sent_before": 0, "left": 0}
    from cpip.mail.receipts import send_owed  # imports smtplib (50 ms): only when a receipt is owed an email

    return send_owed(settings, owed)
