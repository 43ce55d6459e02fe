"""Intake, step by step: inbox -> archive -> read -> check -> warehouse -> receipt.

Each function is one step with one I/O boundary; ``tasks/intake.py`` wraps them as
Prefect tasks and ``flows/intake.py`` lists them in order. They can be called (and
are tested) without Prefect.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from cpip.archive import Archive, Record
from cpip.checks import Checked, FileContext, Plan, cross_check, plan
from cpip.checks.columns import ColumnFailure, run_column_rules
from cpip.checks.history import LastPeriod, Slippage, explained_slippage, indicator_warnings, progress_warnings
from cpip.model import FAULT_ISSUE, FileRejected, Issue, ReturnFile, canonical_status, make_issue
from cpip.move import fault
from cpip.periods import Period, iso, is_late
from cpip.reference import Reference
from cpip.settings import Settings
from cpip.values import is_blank, read_date, text, whole_number
from cpip import warehouse as wh

log = logging.getLogger("cpip.intake")


@dataclass
class Handling:
    """One file's way through intake; each step fills in its part."""

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

    def faulted(self, step: str, exc: BaseException) -> None:
        """Confine a fault to this file: whatever it was, the officer is told once that we kept the
        file but could not process it, and the data team finds its place in the log."""
        self.fault = (step, fault(exc))
        log.error("file %d (%s) faulted while %s: %s. It is kept in the archive and reported as not processed; "
                  "`cpip retry` runs it again once the fault is fixed.",
                  self.record.number, self.record.inbox_path, _STEP_WORDS.get(step, step), self.fault[1])
        self.rf, self.plan, self.checked, self.duplicate_of, self.read_issues = None, None, None, None, []
        self.outcome, self.issues = "rejected", [FAULT_ISSUE]
        self.partner_code = self.period = self.late = None
        self.rendered = None


_STEP_WORDS = {"read": "reading it", "check": "checking it", "decide": "working out its outcome",
               "receipt": "writing its receipt", "load": "loading it"}


def new_run_id(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"


# --- what to handle --------------------------------------------------------------------


def pending_records(settings: Settings) -> list[Record]:
    """Archive records not yet in the warehouse: this run's and any a crash left behind."""
    archive = Archive(settings.archive)
    if not settings.warehouse.exists():
        return archive.all_records()
    con = wh.connect(settings.warehouse)
    try:
        wh.ensure_schema(con)
        loaded = {r[0] for r in con.execute(wh.sql("queries/loaded_numbers")).fetchall()}
    finally:
        con.close()
    # Loaded numbers are contiguous from 1 unless a run died part-way: only read what may be pending.
    start = max(loaded, default=0) if len(loaded) == max(loaded, default=0) else 0
    return archive.records_after(start, skip=loaded)


def unwritten_receipts(settings: Settings) -> list[Handling]:
    """Files loaded by a run that died before writing their receipts: rebuilt from the warehouse."""
    if not settings.warehouse.exists():
        return []
    con = wh.connect(settings.warehouse)
    try:
        wh.ensure_schema(con)
        ids = [n for n, path in con.execute(wh.sql("queries/receipt_paths")).fetchall()
               if path and not os.path.exists(path)]
        rows = con.execute(wh.sql("queries/receipts_of"), {"ids": ids}).fetchall() if ids else []
    finally:
        con.close()
    return _receipts_from_rows(settings, rows)


def receipt_emails_owed(settings: Settings) -> list[tuple[str, list[str], Handling]]:
    """(message key, recipients, the file's handling) for every receipt owed an email: one query
    when none is owed, none at all when receipts are not emailed."""
    if settings.email is None or not settings.email.receipts or not settings.warehouse.exists():
        return []
    con = wh.connect(settings.warehouse)
    try:
        wh.ensure_schema(con)
        owed = con.execute(wh.sql("queries/receipt_emails_owed")).fetchall()
        ids = sorted({n for _, n, _ in owed})
        rows = con.execute(wh.sql("queries/receipts_of"), {"ids": ids}).fetchall() if ids else []
    finally:
        con.close()
    by_number = {h.record.number: h for h in _receipts_from_rows(settings, rows)}
    return [(key, list(to), by_number[n]) for key, n, to in owed if n in by_number]


def _receipts_from_rows(settings: Settings, rows: list) -> list[Handling]:
    """Handlings made again from the warehouse (queries/receipts_of) and the archive records."""
    archive = Archive(settings.archive)
    out = []
    for number, partner, period, outcome, late, html, js, issues in rows:
        if not (archive.records / f"{number:08d}.json").exists():
            continue
        h = Handling(archive.read_record(number))
        h.partner_code, h.period, h.outcome, h.late = partner, period, outcome, late
        h.receipt_html, h.receipt_json = html, js
        h.issues = [Issue(**i) for i in (issues or [])]
        out.append(h)
    return out


# --- read ------------------------------------------------------------------------------


def read_files(settings: Settings, records: list[Record]) -> list[Handling]:
    """Read each pending file from the archive; spot duplicates of earlier files.

    A file over the size limit is refused by its recorded size, without reading it into memory.
    An I/O error reading the archive is retried (:meth:`Archive.read`) and, if it persists, the
    file is left pending for the next run: it is the system's fault, not the partner's. Any other
    fault while reading is confined to the file (:meth:`Handling.faulted`).
    """
    from cpip.readers import read_return, refuse_by_size

    archive = Archive(settings.archive)
    known = _known_shas(settings, {r.sha256 for r in records if r.sha256})
    out: list[Handling] = []
    for rec in records:
        h = Handling(rec)
        if rec.not_regular or rec.sha256 is None:
            out.append(h)
            continue
        if known.get(rec.sha256, rec.number) != rec.number:
            h.duplicate_of = known[rec.sha256]
            out.append(h)
            continue
        known[rec.sha256] = rec.number
        try:
            refuse_by_size(rec.size)
            data = archive.read(rec.sha256)
        except FileRejected as exc:
            h.read_issues = exc.issues
            out.append(h)
            continue
        except OSError as exc:
            log.error("could not read file %d (%s) from the archive (%s); it stays pending for the next run",
                      rec.number, rec.inbox_path, fault(exc))
            del known[rec.sha256]
            continue
        out.append(h)
        try:
            h.rf = read_return(rec.name, data)
        except FileRejected as exc:
            h.read_issues = exc.issues
        except Exception as exc:  # a reader bug must not lose the file or stop the run
            h.faulted("read", exc)
    return out


def _known_shas(settings: Settings, shas: set[str]) -> dict[str, int]:
    if not shas or not settings.warehouse.exists():
        return {}
    con = wh.connect(settings.warehouse)
    try:
        wh.ensure_schema(con)
        return dict(con.execute(wh.sql("queries/known_shas"), {"shas": sorted(shas)}).fetchall())
    finally:
        con.close()


# --- check -----------------------------------------------------------------------------


def check_files(ref: Reference, handled: list[Handling]) -> list[Handling]:
    """Every error rule: the shape, then the column suites (one GX run for the batch), then cross-field rules.

    A fault with one file is confined to it: if the batch's suites fail to run, each file's are
    run alone so that only the file that causes it is faulted.
    """
    batch = []
    for idx, h in enumerate(handled):
        if h.rf is None:
            continue
        try:
            h.plan = plan(h.rf, ref)
        except Exception as exc:
            h.faulted("check", exc)
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
            h.checked = cross_check(h.rf, h.plan, ref, ctx, by_file.get(idx, []))
        except Exception as exc:  # a fault in a check must not stop the run or lose the file
            h.faulted("check", exc)
    return handled


def _column_failures(ref: Reference, handled: list[Handling], batch: list) -> list[ColumnFailure]:
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
            handled[item[0]].faulted("check", exc)
    return failures


# --- load ------------------------------------------------------------------------------


def load_files(settings: Settings, ref: Reference, handled: list[Handling],
               retrying: bool = False, email_receipts: bool = False) -> list[Handling]:
    """Decide each outcome, render its receipt and load it, one transaction per file, in the order taken.

    Warnings are worked out here, against what the warehouse holds when the file is loaded
    (including earlier files of the same run). Whatever goes wrong with one file (any exception)
    is rolled back and confined to that file: it is loaded as faulted instead, and the run goes
    on. Only a fault in recording the faulted file itself (the warehouse is unusable) stops the
    run. ``retrying`` is `cpip retry`: the files were faulted before and their rows are replaced.
    ``email_receipts`` (intake and retry, not a rebuild's replay): with ``[email] receipts`` on,
    each receipt is recorded as owed an email in the same transaction as its file
    (:mod:`cpip.receipt_mail`), so a crash before it is sent is made good by the next run.
    """
    from cpip.receipts import plain_receipt, render_receipt

    rules_page = settings.outbox / "rules.html"
    con = wh.connect(settings.warehouse)
    try:
        wh.ensure_schema(con)
        wh.load_reference_tables(con, ref)
        for h in handled:
            _paths_for_receipt(settings, h)
            step = "decide"
            try:
                if h.fault is None:
                    _decide(settings, ref, con, h)
                    step = "receipt"
                    h.rendered = render_receipt(h, rules_page, settings.cycle.due_days,
                                                settings.briefing.programme, settings.intake.officer_folder)
                    step = "load"
                    _load_one(settings, ref, con, h, retrying, email_receipts)
                    continue
            except Exception as exc:
                h.faulted(step, exc)
            try:
                h.rendered = render_receipt(h, rules_page, settings.cycle.due_days, settings.briefing.programme,
                                            settings.intake.officer_folder)
            except Exception:
                h.rendered = plain_receipt(h)
            _load_one(settings, ref, con, h, retrying, email_receipts)
    finally:
        con.close()
    return handled


def _decide(settings: Settings, ref: Reference, con, h: Handling) -> None:
    rec = h.record
    if rec.not_regular:
        h.outcome = "rejected"
        h.issues = [make_issue("F01", "This is not a regular file (it is a shortcut or link), so it was removed "
                                      "without being opened. Copy the file itself into your folder.")]
        return
    if h.duplicate_of is not None:
        row = con.execute(wh.sql("queries/original_of"), {"sha256": rec.sha256}).fetchall()
        h.outcome = "duplicate"
        if row:
            _, h.partner_code, h.period, _ = row[0]
        h.late = _late(settings, h)
        return
    if h.read_issues:
        h.outcome = "rejected"
        h.issues = list(h.read_issues)
        return
    h.partner_code = h.plan.partner_code
    h.period = h.plan.period_text
    h.late = _late(settings, h)
    period = h.checked.period
    errors = h.checked.issues
    if errors:
        h.outcome = "rejected"
        h.issues = errors
        return
    last = _last_period(con, h.partner_code, period.previous())
    warnings: list[Issue] = []
    if h.rf.progress is not None and "progress" in h.plan.parts:
        warnings += progress_warnings(h.rf, ref, last, _confirmed_slippage(con, h.partner_code, period))
    if h.rf.indicators is not None and "indicators" in h.plan.parts:
        warnings += indicator_warnings(h.rf, ref, last)
    h.issues = warnings
    h.outcome = "accepted_with_warnings" if warnings else "accepted"


def _confirmed_slippage(con, partner: str, period: Period) -> set[Slippage]:
    """The P11s this partner explained in earlier periods (returns.md §11: confirmed once)."""
    rows = con.execute(wh.sql("queries/explained_slippage"), {"partner": partner, "period": str(period)}).fetchall()
    return {Slippage(*r) for r in rows}


def _late(settings: Settings, h: Handling) -> bool | None:
    """interfaces.md: ``true``/``false`` for every file whose period is a valid ``YYYY-Qn`` (judged at its
    received time, so a period not yet ended is on time), ``null`` when it is missing or not valid."""
    p = Period.parse(h.period)
    return None if p is None else is_late(p, h.record.received, settings.cycle.due_days)


def _last_period(con, partner: str, period: Period) -> LastPeriod:
    params = {"partner": partner, "period": str(period)}
    last = LastPeriod()
    rows = con.execute(wh.sql("queries/last_period_progress"), params).fetchall()
    if rows:
        last.progress_submission = rows[0][0]
        last.progress = {r[1]: {"status": r[2], "percent_complete": r[3], "narrative": r[4]} for r in rows}
    rows = con.execute(wh.sql("queries/last_period_indicators"), params).fetchall()
    if rows:
        last.indicators_submission = rows[0][0]
        last.indicators = {r[1]: r[2] for r in rows}
    return last


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")  # what may not be in a receipt's file name


def _paths_for_receipt(settings: Settings, h: Handling) -> None:
    folder = _UNSAFE.sub("_", h.record.folder)[:80] or "_inbox"
    stem = _UNSAFE.sub("_", h.record.name)[:120].strip("._") or "file"
    base = settings.outbox / "receipts" / folder / f"{h.record.number:08d}-{stem}"
    h.receipt_html = str(base) + ".html"
    h.receipt_json = str(base) + ".json"


def _parts_supplied(h: Handling) -> list[str]:
    if h.plan is None or h.plan.part_kind is None:
        return []
    return ["progress", "indicators"] if h.plan.part_kind == "both" else [h.plan.part_kind]


def _load_one(settings: Settings, ref: Reference, con, h: Handling, retrying: bool = False,
              email_receipts: bool = False) -> None:
    rec = h.record
    now = iso(settings.now)
    # returns.md §2: from the partner whose folder it was in, else from the partner it names.
    from_partner = rec.folder if rec.folder in ref.partners else None
    if from_partner is None and h.partner_code in ref.partners:
        from_partner = h.partner_code
    period_valid = h.checked.period is not None if h.checked else False
    if h.outcome == "duplicate":
        p = Period.parse(h.period)
        period_valid = p is not None and p.ended_by(rec.received)
    accepted = h.outcome in ("accepted", "accepted_with_warnings")
    object_path = Archive(settings.archive).object_path(rec.sha256) if rec.sha256 else None
    con.execute("BEGIN")
    try:
        if retrying:
            con.execute(wh.sql("load/forget_issues"), {"submission_id": rec.number})
            con.execute(wh.sql("load/forget_submission"), {"submission_id": rec.number})
        if rec.sha256 and h.outcome != "duplicate":
            con.execute(wh.sql("load/insert_file"), {
                "sha256": rec.sha256, "size": rec.size, "archive_path": str(object_path),
                "first_received": rec.number})
        superseded = []
        if accepted:
            current = dict(con.execute(wh.sql("queries/current_parts_of"),
                                       {"partner": h.partner_code, "period": h.period}).fetchall())
            superseded = [(part, current[part]) for part in _parts_supplied(h) if part in current]
        con.execute(wh.sql("load/insert_submission"), {
            "submission_id": rec.number, "run_id": rec.run_id, "sha256": rec.sha256,
            "inbox_path": rec.inbox_path, "original_name": rec.name, "folder": rec.folder,
            "from_partner": from_partner, "received_at": rec.received_at,
            "file_format": h.rf.format if h.rf else None, "partner_code": h.partner_code,
            "period": h.period, "period_valid": period_valid,
            "part": h.plan.part_kind if h.plan else None, "outcome": h.outcome, "late": h.late,
            "duplicate_of": h.duplicate_of, "receipt_html": h.receipt_html, "receipt_json": h.receipt_json})
        if h.issues:
            con.execute(wh.sql("load/insert_issues"), {
                "submission_id": rec.number, "seq": list(range(1, len(h.issues) + 1)),
                **{k: [getattr(i, k) for i in h.issues]
                   for k in ("rule", "severity", "sheet", "row", "column", "value", "message", "explanation")}})
        if accepted:
            _insert_rows(con, h)
            _remember_explained(con, ref, h)
        if h.fault is not None:
            con.execute(wh.sql("load/record_fault"), {"submission_id": rec.number, "step": h.fault[0],
                                                      "place": h.fault[1], "at": now})
        elif retrying:
            con.execute(wh.sql("load/resolve_fault"), {"submission_id": rec.number, "at": now})
        if email_receipts and settings.email is not None and settings.email.receipts:
            _owe_receipt_email(con, ref, h, now)
        events = [("retried", now, None)] if retrying else [("received", rec.received_at, None)]
        if object_path and not retrying:
            events.append(("archived", rec.received_at, object_path.name))
        if h.fault is not None:
            events.append(("faulted", now, f"while {_STEP_WORDS[h.fault[0]]}: {h.fault[1]}"))
        elif h.outcome != "duplicate" and not rec.not_regular:
            n_err = sum(1 for i in h.issues if i.severity == "error")
            events.append(("validated", now, f"{n_err} errors, {len(h.issues) - n_err} warnings"))
        events.append((h.outcome if h.outcome != "accepted_with_warnings" else "accepted", now,
                       f"{h.partner_code or '-'} {h.period or '-'}" +
                       (f" duplicate of file {h.duplicate_of}" if h.duplicate_of else "")))
        for part, old in superseded:
            events.append(("superseded", now, f"{part} part of file {old} superseded by file {rec.number}"))
        con.execute(wh.sql("load/insert_audit"), {
            "at": [e[1] for e in events], "event": [e[0] for e in events], "detail": [e[2] for e in events],
            "sha256": rec.sha256, "submission_id": rec.number})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _insert_rows(con, h: Handling) -> None:
    rec = h.record
    common = {"submission_id": rec.number, "partner_code": h.partner_code, "period": h.period}
    if h.rf.progress is not None and "progress" in h.plan.parts:
        rows = h.rf.progress.rows
        con.execute(wh.sql("load/insert_progress_rows"), {
            **common,
            "row": [n for n, _ in rows],
            "item_id": [text(v.get("item_id")) for _, v in rows],
            "status": [canonical_status(v.get("status")) for _, v in rows],
            "percent_complete": [whole_number(v.get("percent_complete")) for _, v in rows],
            "milestone": [text(v.get("milestone")) for _, v in rows],
            "milestone_due": [read_date(v.get("milestone_due")) for _, v in rows],
            "forecast_completion": [read_date(v.get("forecast_completion")) for _, v in rows],
            "narrative": [text(v.get("narrative")) for _, v in rows],
            "risks": [text(v.get("risks")) for _, v in rows],
            "explanation": [text(v.get("explanation")) for _, v in rows],
        })
    if h.rf.indicators is not None and "indicators" in h.plan.parts:
        rows = h.rf.indicators.rows
        con.execute(wh.sql("load/insert_indicator_values"), {
            **common,
            "row": [n for n, _ in rows],
            "indicator_id": [text(v.get("indicator_id")) for _, v in rows],
            "value": [None if is_blank(v.get("value")) else whole_number(v.get("value")) for _, v in rows],
            "note": [text(v.get("note")) for _, v in rows],
        })


def _owe_receipt_email(con, ref: Reference, h: Handling, now: str) -> None:
    from cpip.receipt_mail import recipients

    to = recipients(ref, h)
    if to:
        con.execute(wh.sql("load/insert_receipt_email"), {"submission_id": h.record.number, "recipients": to,
                                                          "queued_at": now})


def _remember_explained(con, ref: Reference, h: Handling) -> None:
    """returns.md §11: the P11s this accepted file explained, so later periods do not raise them again."""
    if h.rf is None or h.rf.progress is None or "progress" not in h.plan.parts:
        return
    slips = explained_slippage(h.rf, ref, h.issues)
    if slips:
        con.execute(wh.sql("load/insert_explained_slippage"), {
            "submission_id": h.record.number, "partner_code": h.partner_code, "period": h.period,
            "item_id": [s.item_id for s in slips], "forecast_completion": [s.forecast_completion for s in slips],
            "target_date": [s.target_date for s in slips]})


# --- faulted files ---------------------------------------------------------------------


def faulted_files(settings: Settings) -> list[dict]:
    """Files still faulted, oldest first: what `cpip retry --list` and `cpip status` show."""
    import duckdb

    if not settings.warehouse.exists():
        return []
    con = wh.connect(settings.warehouse, read_only=True)
    try:
        rows = con.execute(wh.sql("queries/faulted_files")).fetchall()
    except duckdb.CatalogException:  # a read-only look at a warehouse not yet upgraded: it has none
        return []
    finally:
        con.close()
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
