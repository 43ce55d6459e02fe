"""The data home: creating it, and rebuilding its warehouse from the archive."""

from __future__ import annotations

from cpip.lock import writer_lock
from cpip.reference import load_reference
from cpip.settings import DEFAULT_TOML, Settings


def init_home(settings: Settings) -> int:
    """Create the home's folders, cpip.toml (if absent) and the warehouse. Safe to run twice."""
    from cpip import warehouse as wh
    from cpip.archive import Archive
    from cpip.receipts import write_rule_catalogue

    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    toml = home / "cpip.toml"
    if not toml.exists():
        toml.write_text(DEFAULT_TOML, encoding="utf-8")
    ref = load_reference(settings)
    for code in ref.partners:
        (settings.inbox / code).mkdir(parents=True, exist_ok=True)
    Archive(settings.archive).ensure()
    settings.outbox.mkdir(parents=True, exist_ok=True)
    write_rule_catalogue(settings.outbox, settings.briefing.programme)
    with writer_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        con = wh.connect(settings.warehouse)
        try:
            wh.ensure_schema(con)
            wh.load_reference_tables(con, ref)
        finally:
            con.close()
    return len(ref.partners)


def rebuild_warehouse(settings: Settings) -> list[dict]:
    """Replay every archive record, in the order taken, into a new warehouse.

    The old warehouse is kept beside the new one (``warehouse.duckdb.bak``) until the
    rebuild has finished; receipts are written again from the rebuilt outcomes.
    """
    from cpip import intake as steps
    from cpip.archive import Archive
    from cpip.receipts import write_receipt, write_rule_catalogue

    ref = load_reference(settings)
    with writer_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        wh_path = settings.warehouse
        backup = wh_path.with_name(wh_path.name + ".bak")
        for p in (wh_path, wh_path.with_name(wh_path.name + ".wal")):
            if p.exists():
                p.replace(p.with_name(p.name.replace("warehouse.duckdb", "warehouse.duckdb.bak")))
        records = Archive(settings.archive).all_records()
        handled = steps.read_files(settings, records)
        handled = steps.check_files(ref, handled)
        handled = steps.load_files(settings, ref, handled)
        rules_page = write_rule_catalogue(settings.outbox, settings.briefing.programme)
        for h in handled:
            write_receipt(h, rules_page, settings.cycle.due_days, settings.briefing.programme)
        for p in (backup, backup.with_name(backup.name + ".wal")):
            if p.exists():
                p.unlink()
        return [h.to_json() for h in handled]
