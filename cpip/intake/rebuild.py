"""Rebuilding the warehouse from the archive (``cpip rebuild``): every record replayed through intake.

The new warehouse is built beside the old one (``warehouse.duckdb.rebuild``) with the same intake
steps as a run of intake (read, check, load; no receipt is emailed), then given every row of the
old one the archive cannot give back (:mod:`cpip.warehouse.carryover`), and only then put in its
place, in one atomic rename.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cpip.core.faults import fault
from cpip.core.lock import home_lock
from cpip.core.settings import Settings
from cpip.intake import guard, steps
from cpip.intake.archive import Archive
from cpip.intake.load import load_files
from cpip.intake.receipts import write_receipt, write_rule_catalogue
from cpip.reference.tables import load_reference
from cpip.warehouse import carryover
from cpip.warehouse import db as wh
from cpip.warehouse.migrations import SCHEMA_VERSION

log = logging.getLogger("cpip.intake.rebuild")


def rebuild_warehouse(settings: Settings) -> list[dict]:
    """Replay every archive record, in the order taken, into a new warehouse, keeping its history.

    The new warehouse is built beside the old one (``warehouse.duckdb.rebuild``) with the same
    intake steps, then given every row of the old one the archive cannot give back (the audit
    log's briefing and delivery events, briefing lineage, emails sent: see
    :func:`cpip.warehouse.carryover.carry_over`), and only then put in its place, in one atomic rename.
    If anything fails the old warehouse is left as it was, in use, and the half-built one is
    removed. Receipts are written again from the rebuilt outcomes.
    """
    ref = load_reference(settings)
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        path = settings.warehouse
        new = path.with_name(path.name + ".rebuild")
        _remove_warehouse(new)  # left by a rebuild that died part-way
        old = path if path.exists() else None
        if old is not None:
            _upgrade(old)
        try:
            into = settings.with_warehouse(new)
            records = Archive(settings.archive).all_records()
            faulted = {f["file_number"]: f for f in steps.faulted_files(settings)} if old is not None else {}
            handled = guard.read_files(into, [r for r in records if r.number not in faulted])
            handled = guard.check_files(into, ref, handled)
            handled = _with_faulted(handled, records, faulted)
            handled = load_files(into, ref, handled, retrying=False, queue_emails=False)  # a replay emails nothing
            _carry_over(settings, new, old, len(records))
            _swap(new, path)
        except Exception as exc:
            _remove_warehouse(new)
            why = str(exc) if isinstance(exc, wh.WarehouseError) else fault(exc)
            log.error("rebuild stopped: %s", fault(exc))
            raise wh.WarehouseError(
                f"The rebuild stopped before it finished ({why}). The warehouse was not changed and is "
                "still in use; nothing was lost. Put the cause right and run cpip rebuild again.") from exc
        except BaseException:
            _remove_warehouse(new)
            raise
        rules_page = write_rule_catalogue(settings.outbox, settings.briefing.programme)
        for h in handled:
            write_receipt(h, settings, rules_page)
        return [h.to_json() for h in handled]


def _with_faulted(handled: list, records: list, faulted: dict[int, dict]) -> list:
    """The replayed files with the still-faulted ones put back in their places, faulted as they were
    (not run again: a file is taken again only by `cpip retry`)."""
    by_number = {h.record.number: h for h in handled}
    for rec in records:
        f = faulted.get(rec.number)
        if f is not None:
            by_number[rec.number] = steps.Handling(rec).faulted(f["step"], None, place=f["place"])
    return [by_number[r.number] for r in records if r.number in by_number]


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove_warehouse(path: Path) -> None:
    for p in (path, _wal(path)):
        p.unlink(missing_ok=True)


def _upgrade(path: Path) -> None:
    """Bring the old warehouse to the current schema (what it holds is copied by column), proving it opens."""
    try:
        with wh.session(path):
            pass
    except wh.WarehouseError:
        raise
    except Exception as exc:
        raise wh.WarehouseError(
            f"The warehouse at {path} cannot be opened ({type(exc).__name__}), so the history it holds "
            "beyond the archive (briefings written and delivered, their lineage, emails sent) cannot be "
            "carried over. Nothing was changed. If it is damaged, move it out of the home (keep it) and "
            "run cpip rebuild again: the warehouse is then rebuilt from the archive alone.") from exc


def _carry_over(settings: Settings, new: Path, old: Path | None, records: int) -> None:
    """Copy the old warehouse's history into the new one, and record the rebuild in its audit log."""
    with wh.session(new) as con:
        kept = carryover.carry_over(con, old) if old is not None else {}
        wh.audit(con, settings.now, "warehouse rebuilt", {"records": records, "kept": kept,
                                                          "schema_version": SCHEMA_VERSION})
        con.execute("CHECKPOINT")


def _swap(new: Path, path: Path) -> None:
    """Put the new warehouse in the old one's place in one atomic rename, durably."""
    for p in (_wal(new), _wal(path)):
        if p.exists():  # a write-ahead log belongs to its own file: never pair one with another
            raise RuntimeError(f"{p.name} is still there after the warehouse was closed")
    fd = os.open(new, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(new, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
