"""Intake, step by step: archive records -> read -> check -> load (:mod:`cpip.intake.load`) -> receipt.

Each function is one step with one I/O boundary; ``tasks/intake.py`` wraps them as Prefect
tasks, ``flows/intake.py`` calls them in order (read, check, load, then the receipts, which it
also queues for email) and :mod:`cpip.intake.rebuild` calls read, check and load plainly (its
replay emails nothing). They can be called (and are tested) without Prefect. The archive move
is :mod:`cpip.intake.move`.

Each step returns new values: a :class:`Handling` is frozen, and a step that adds to it
returns a new one (``dataclasses.replace``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cpip.intake import readers
from cpip.intake.archive import Archive, Record
from cpip.intake.checks import Checked, FileContext, Plan, cross_check, plan
from cpip.intake.checks.columns import ColumnFailure, run_column_rules
from cpip.intake.decide import Known
from cpip.core.faults import STEP_WORDS, fault
from cpip.intake.model import FAULT_ISSUE, FileRejected, Issue, ReturnFile
from cpip.core.periods import iso
from cpip.intake.receipts import receipt_paths, write_receipt, write_rule_catalogue
from cpip.intake.unchanged import unchanged_counts
from cpip.intake.where import with_duplicate_facts
from cpip.reference.tables import Reference
from cpip.core.settings import Settings
from cpip.warehouse import db as wh

log = logging.getLogger("cpip.intake.steps")

LOADED_NUMBERS = "SELECT submission_id FROM submissions"  # archive records already in the warehouse
RECEIPT_PATHS = "SELECT submission_id, receipt_json FROM submissions ORDER BY submission_id"  # where each should be
# Which of these contents have been received before, and the first file that brought each.
KNOWN_SHAS = "SELECT sha256, first_received FROM files WHERE sha256 IN (SELECT unnest($shas))"
# Files still faulted, in the order taken, with what the operator needs to find them.
FAULTED_FILES = """SELECT f.submission_id, s.inbox_path, s.folder, s.received_at, f.step, f.place, f.faulted_at, f.attempts
FROM faulted_files AS f
JOIN submissions AS s USING (submission_id)
WHERE f.resolved_at IS NULL
ORDER BY f.submission_id"""


@dataclass(frozen=True)
class Handling:
    """One file's way through intake; each step returns a new one with its part filled in."""

    record: Record
    duplicate_of: int | None = None
    rf: ReturnFile | None = None
    read_issues: list[Issue] = field(default_factory=list)  # F01 / F02
    plan: Plan | None = None
    checked: Checked | None = None
    # A fault in the system while handling this file: (step, place). The file is then reported
    # once as not processed (F01), marked faulted in the warehouse and left for `cpip retry`.
    fault: tuple[str, str] | None = None
    # Filled in by the load step:
    outcome: str | None = None
    issues: list[Issue] = field(default_factory=list)
    partner_code: str | None = None
    period: str | None = None
    late: bool | None = None
    receipt_html: str | None = None
    receipt_json: str | None = None
    rendered: str | None = None  # the receipt's HTML, rendered before the file's load is committed
    unchanged_rows: int = 0  # rows unchanged since last quarter (cpip.intake.unchanged); in no JSON
    # What the receipt names (:mod:`cpip.intake.where`): the partner's name; for a duplicate, the
    # earlier file it matches (name, received at) and what is on file now ((part, name, received at), …).
    partner_name: str | None = None
    earlier: tuple | None = None
    on_file: tuple | None = None

    def to_json(self) -> dict:
        return {
            "file": self.record.inbox_path,
            "sha256": self.record.sha256,
            "partner_code": self.partner_code,
            "period": self.period,
            "outcome": self.outcome,
            "late": self.late,
            "issues": [i.to_json() for i in self.issues],
            "receipt": self.receipt_html,
        }

    def faulted(self, step: str, exc: BaseException | None, place: str | None = None) -> "Handling":
        """This file, faulted: whatever the fault was, the officer is told once that we kept the
        file but could not process it, and the data team finds its place in the log. ``place``:
        given instead of an exception's (a watchdog's overrun, a fault recorded before)."""
        place = place or fault(exc)
        log.error("file %d (%s) faulted while %s: %s. It is kept in the archive and reported as not processed; "
                  "`cpip retry` runs it again once the fault is fixed.",
                  self.record.number, self.record.inbox_path, STEP_WORDS.get(step, step), place)
        return dataclasses.replace(self, fault=(step, place), rf=None, plan=None, checked=None, duplicate_of=None,
                                   read_issues=[], outcome="rejected", issues=[FAULT_ISSUE], partner_code=None,
                                   period=None, late=None, rendered=None)

    def with_receipt_paths(self, settings: Settings) -> "Handling":
        html, js = receipt_paths(settings.outbox, self.record)
        return dataclasses.replace(self, receipt_html=html, receipt_json=js)


def new_run_id(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"


# --- what to handle --------------------------------------------------------------------


def pending_records(settings: Settings) -> list[Record]:
    """Archive records not yet in the warehouse: this run's and any a crash left behind."""
    archive = Archive(settings.archive)
    if not settings.warehouse.exists():
        return archive.all_records()
    with wh.session(settings.warehouse) as con:
        loaded = {r[0] for r in con.execute(LOADED_NUMBERS).fetchall()}
    # Loaded numbers are contiguous from 1 unless a run died part-way: only read what may be pending.
    start = max(loaded, default=0) if len(loaded) == max(loaded, default=0) else 0
    return archive.records_after(start, skip=loaded)


def unwritten_receipts(settings: Settings) -> list[Handling]:
    """Files loaded by a run that died before writing their receipts: rebuilt from the warehouse."""
    if not settings.warehouse.exists():
        return []
    with wh.session(settings.warehouse) as con:
        ids = [n for n, path in con.execute(RECEIPT_PATHS).fetchall()
               if path and not os.path.exists(path)]
        rows = con.execute(wh.sql("queries/receipts_of"), {"ids": ids}).fetchall() if ids else []
        counts = unchanged_counts(con, ids)
        return _receipts_from_rows(settings, con, rows, counts)


def receipt_emails_owed(settings: Settings) -> list[tuple[str, list[str], Handling]]:
    """(message key, recipients, the file's handling) for every receipt owed an email: one query
    when none is owed, none at all when receipts are not emailed."""
    if settings.email is None or not settings.email.receipts or not settings.warehouse.exists():
        return []
    with wh.session(settings.warehouse) as con:
        owed = con.execute(wh.sql("queries/receipt_emails_owed")).fetchall()
        ids = sorted({n for _, n, _ in owed})
        rows = con.execute(wh.sql("queries/receipts_of"), {"ids": ids}).fetchall() if ids else []
        counts = unchanged_counts(con, ids)
        by_number = {h.record.number: h for h in _receipts_from_rows(settings, con, rows, counts)}
    return [(key, list(to), by_number[n]) for key, n, to in owed if n in by_number]


def write_receipts(settings: Settings, handled: list[Handling]) -> None:
    """A receipt (HTML and JSON) for each file handled, then for any file a crashed run loaded
    without one (after this run's are on disk). One receipt that cannot be written never stops
    the others: the next run writes it."""
    rules_page = write_rule_catalogue(settings.outbox, settings.briefing.programme)
    _write_each(settings, rules_page, handled)
    _write_each(settings, rules_page, unwritten_receipts(settings))


def _write_each(settings: Settings, rules_page, handled: list[Handling]) -> None:
    for h in handled:
        try:
            write_receipt(h, settings, rules_page)
        except Exception as exc:
            log.error("could not write the receipt for file %d (%s): %s; the next run writes it",
                      h.record.number, h.record.inbox_path, fault(exc))


def _receipts_from_rows(settings: Settings, con, rows: list, unchanged: dict[int, int]) -> list[Handling]:
    """Handlings made again from the warehouse (queries/receipts_of, and each file's rows unchanged
    since last quarter) and the archive records; a duplicate's earlier file and what is on file now
    as the warehouse holds them now."""
    archive = Archive(settings.archive)
    out = []
    for number, partner, period, outcome, late, html, js, issues, duplicate_of, partner_name in rows:
        if not (archive.records / f"{number:08d}.json").exists():
            continue
        out.append(Handling(archive.read_record(number), partner_code=partner, period=period, outcome=outcome,
                            late=late, receipt_html=html, receipt_json=js, duplicate_of=duplicate_of,
                            partner_name=partner_name, issues=[Issue(**i) for i in (issues or [])],
                            unchanged_rows=unchanged.get(number, 0)))
    duplicates = [h for h in out if h.outcome == "duplicate"]
    if duplicates:
        known = Known.fetch(con, duplicates)
        out = [with_duplicate_facts(h, known) for h in out]
    return out


# --- read ------------------------------------------------------------------------------


def triage(settings: Settings, records: list[Record]) -> tuple[list[Handling], list[int]]:
    """Each record's handling as far as it goes without reading the file, and which need reading.

    Not a regular file, a duplicate of an earlier file (or of one earlier in this run), or over the
    size limit (F02: refused by its recorded size, never read into memory) are settled here; the
    rest (their indexes) are read by :func:`read_one` (in watched children:
    :func:`cpip.intake.guard.read_files`). Reads the warehouse, never the files."""
    known = _known_shas(settings, {r.sha256 for r in records if r.sha256})
    out: list[Handling] = []
    to_read: list[int] = []
    for rec in records:
        h = Handling(rec)
        if rec.not_regular or rec.sha256 is None:
            out.append(h)
            continue
        if known.get(rec.sha256, rec.number) != rec.number:
            out.append(dataclasses.replace(h, duplicate_of=known[rec.sha256]))
            continue
        known[rec.sha256] = rec.number
        try:
            readers.refuse_by_size(rec.size, rec.kept)
        except FileRejected as exc:
            out.append(dataclasses.replace(h, read_issues=exc.issues))
            continue
        to_read.append(len(out))
        out.append(h)
    return out, to_read


def read_one(archive: Archive, h: Handling) -> Handling | None:
    """One file read from the archive into a :class:`ReturnFile` (or its F01/F02 issues).

    None when the archive cannot be read (an I/O error, retried by :meth:`Archive.read`): that is
    the system's fault, not the partner's, and the file is left pending for the next run. Any other
    fault while reading is confined to the file (:meth:`Handling.faulted`)."""
    rec = h.record
    try:
        data = archive.read(rec.sha256)
    except OSError as exc:
        log.error("could not read file %d (%s) from the archive (%s); it stays pending for the next run",
                  rec.number, rec.inbox_path, fault(exc))
        return None
    try:
        return dataclasses.replace(h, rf=readers.read_return(rec.name, data))
    except FileRejected as exc:
        return dataclasses.replace(h, read_issues=exc.issues)
    except Exception as exc:  # a reader bug must not lose the file or stop the run
        return h.faulted("read", exc)


def kept(handled: list[Handling], read: dict[int, Handling | None]) -> list[Handling]:
    """The handlings with those read put in; a file left pending (None) is dropped, and so is any
    later file of this run taken as its duplicate (both are handled by the next run)."""
    pending = {handled[i].record.number for i, h in read.items() if h is None}
    out = []
    for i, h in enumerate(handled):
        h = read.get(i, h)
        if h is None or h.duplicate_of in pending:
            continue
        out.append(h)
    return out


def _known_shas(settings: Settings, shas: set[str]) -> dict[str, int]:
    if not shas or not settings.warehouse.exists():
        return {}
    with wh.session(settings.warehouse) as con:
        return dict(con.execute(KNOWN_SHAS, {"shas": sorted(shas)}).fetchall())


# --- check -----------------------------------------------------------------------------


def check_files(ref: Reference, handled: list[Handling]) -> list[Handling]:
    """Every error rule: the shape, then the column suites (one GX run for the batch), then cross-field rules.

    A fault with one file is confined to it: if the batch's suites fail to run, each file's are
    run alone so that only the file that causes it is faulted. Returns new handlings.
    """
    handled = list(handled)
    batch = []
    for idx, h in enumerate(handled):
        if h.rf is None:
            continue
        try:
            handled[idx] = h = dataclasses.replace(h, plan=plan(h.rf, ref))
        except Exception as exc:
            handled[idx] = h.faulted("check", exc)
            continue
        batch.append((idx, h.rf, h.plan.parts))
    by_file: dict[int, list[ColumnFailure]] = {}
    for f in _column_failures(ref, handled, batch):
        by_file.setdefault(f.file, []).append(f)
    for idx, h in enumerate(handled):
        if h.rf is None:
            continue
        ctx = FileContext(folder_partner=h.record.folder if h.record.folder in ref.partners else None,
                          received_at=h.record.received)
        try:
            handled[idx] = dataclasses.replace(h, checked=cross_check(h.rf, h.plan, ref, ctx, by_file.get(idx, [])))
        except Exception as exc:  # a fault in a check must not stop the run or lose the file
            handled[idx] = h.faulted("check", exc)
    return handled


def _column_failures(ref: Reference, handled: list[Handling], batch: list) -> list[ColumnFailure]:
    """The batch's column failures; a file whose suites cannot run is faulted in ``handled``."""
    if not batch:
        return []
    try:
        return run_column_rules(batch, ref)
    except Exception as exc:
        log.warning("the column rules failed for a batch of %d files (%s); running them file by file",
                    len(batch), fault(exc))
    failures: list[ColumnFailure] = []
    for item in batch:
        try:
            failures += run_column_rules([item], ref)
        except Exception as exc:
            handled[item[0]] = handled[item[0]].faulted("check", exc)
    return failures


# --- faulted files ---------------------------------------------------------------------


def faulted_files(settings: Settings) -> list[dict]:
    """Files still faulted, oldest first: what `cpip retry --list` and `cpip status` show."""
    import duckdb

    if not settings.warehouse.exists():
        return []
    with wh.session(settings.warehouse, read_only=True) as con:
        try:
            rows = con.execute(FAULTED_FILES).fetchall()
        except duckdb.CatalogException:  # a read-only look at a warehouse not yet upgraded: it has none
            return []
    return [{"file_number": n, "file": path, "folder": folder, "received_at": iso(received), "step": step,
             "place": place, "faulted_at": iso(at), "attempts": attempts}
            for n, path, folder, received, step, place, at, attempts in rows]


def faulted_records(settings: Settings, numbers: list[int] | None = None) -> list[Record]:
    """The archive records of the faulted files to run again (all of them, or those numbered)."""
    wanted = [f["file_number"] for f in faulted_files(settings)]
    if numbers:
        wanted = [n for n in wanted if n in set(numbers)]
    archive = Archive(settings.archive)
    return [archive.read_record(n) for n in wanted]
