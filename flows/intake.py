"""The intake flow: from dropped files to receipts, nothing lost.

A plain function (the CLI calls it with no Prefect server); flows/prefect_flows.py makes it a
Prefect flow."""

from __future__ import annotations

from cpip.core.lock import home_lock
from cpip.warehouse.db import held
from cpip.tasks.common import read_reference, read_settings, write_status_pages
from cpip.tasks.delivery import deliver_owed, publish_intake_artifact
from cpip.tasks.intake import (archive_files, email_receipts, faulted_records, load_files, parse_files, prepare_checks,
                              receipts_owed_email, scan_inbox, settle_files, unloaded_records, validate_files,
                              write_receipts)


def intake(home: str | None = None) -> list[dict]:
    """Take every settled file from the inbox once: archive, parse, validate, load, receipt."""
    settings = read_settings(home)
    reference = read_reference(settings)
    # One warehouse connection for the run, held as long as the lock (each step's session is a cursor on it).
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds), held(settings.warehouse):
        found = scan_inbox(settings)
        prepare_checks(found)
        settled = settle_files(settings, found)
        archive_files(settings, settled, unloaded_records(settings))
        results, owed = _handle(settings, reference, unloaded_records(settings), retrying=False)
    # Outside the home's lock (delivery takes it only for a moment to record each send).
    email_receipts(settings, owed)
    deliver_owed(settings)  # an approved briefing whose delivery failed earlier
    return publish_intake_artifact(results)


def retry_faulted(home: str | None = None, files: list[int] | None = None) -> list[dict]:
    """Run again the files a fault in the system stopped (all, or the numbered ones), once it is fixed."""
    settings = read_settings(home)
    reference = read_reference(settings)
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds), held(settings.warehouse):
        results, owed = _handle(settings, reference, faulted_records(settings, files), retrying=True)
    email_receipts(settings, owed)
    return publish_intake_artifact(results)


def _handle(settings, reference, records, retrying: bool) -> tuple[list[dict], list]:
    """What every archived file goes through, taken now or retried: parse, validate, load (each receipt
    queued for email with its file), receipt; then the status pages and the receipts owed an email
    (both flows hold the home's lock here)."""
    handled = parse_files(settings, records)
    handled = validate_files(settings, reference, handled)
    handled = load_files(settings, reference, handled, retrying, queue_emails=True)
    results = write_receipts(settings, handled)
    write_status_pages(settings, reference)
    return results, receipts_owed_email(settings)
