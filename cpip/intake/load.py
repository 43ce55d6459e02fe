"""Loading a run's files into the warehouse: each decided, its rows made, all inserted together.

Each file, in the order taken, is decided (:mod:`cpip.intake.decide`) against one snapshot of the
warehouse plus the run's earlier files, its receipt's HTML is rendered (:mod:`cpip.intake.receipts`,
so that a receipt that cannot be made faults its file before anything is committed; the receipts
step writes it) and its rows are made. A fault while deciding, rendering or making a file's rows
faults that file alone (``faulted``).

**All the run's rows in one transaction**, one statement per table (pandas frames). If that
fails, it is rolled back and the files are loaded again one transaction each, each judged
against what is committed, so a file that breaks the warehouse insert is confined to itself.

The archive is the record of truth: a run that dies before its commit leaves its records
pending, and the next run loads them again (``bench/crash_loop.py``).
"""

from __future__ import annotations

import dataclasses
import logging

from cpip.core import events as ev
from cpip.core.faults import STEP_WORDS, fault
from cpip.core.periods import Period, iso
from cpip.core.settings import Settings
from cpip.core.values import is_blank, read_date, text, whole_number
from cpip.intake import receipts
from cpip.intake.archive import Archive
from cpip.intake.checks.history import explained_slippage
from cpip.intake.decide import ACCEPTED, Known, decide
from cpip.intake.model import canonical_status
from cpip.intake.recipients import recipients
from cpip.intake.unchanged import unchanged_counts
from cpip.intake.where import described
from cpip.reference.tables import Reference
from cpip.warehouse import db as wh

log = logging.getLogger("cpip.intake.steps")

# The tables a batch fills, in the order they are written, with their statements (sql/load/batch_*.sql).
TABLES = ("forget", "files", "submissions", "issues", "progress_rows", "indicator_values", "explained_slippage",
          "faults", "resolved", "receipt_emails", "audit")


def load_files(settings: Settings, ref: Reference, handled: list, retrying: bool, queue_emails: bool) -> list:
    """Decide each file's outcome, render its receipt and load it, in the order taken.

    Returns new handlings (those given are left as they were). Warnings are worked out against
    what the warehouse holds when the run starts plus the run's earlier files. Whatever goes
    wrong with one file is confined to it: it is loaded as faulted instead, and the run goes on.
    Only a fault in recording a faulted file itself (the warehouse is unusable) stops the run.
    ``retrying`` is `cpip retry`: the files were faulted before and their rows are replaced.
    ``queue_emails`` (intake and retry, not a rebuild's replay): with ``[email] receipts`` on,
    each receipt is recorded as owed an email in the same transaction as its file
    (:mod:`cpip.mail.receipts`), so a crash before it is sent is made good by the next run.
    A run with no files does not open the warehouse (the cycle and `cpip status` load the
    reference tables themselves).
    """
    if not handled:
        return []
    job = _Job(settings, ref, retrying, queue_emails and settings.email is not None and settings.email.receipts)
    with wh.session(settings.warehouse) as con:
        wh.load_reference_tables(con, ref)
        known = Known.fetch(con, handled)
        done, batch, overlay = [], Batch(), known.copy()
        for h in handled:
            d, rows = job.handle(overlay, h)
            overlay.add(d, rows)
            batch.extend(rows)
            done.append(d)
        try:
            with wh.transaction(con):
                _write(con, batch)
        except Exception as exc:
            log.warning("loading the run's %d files together failed (%s); loading them one by one",
                        len(handled), fault(exc))
            done = [_load_alone(job, con, known, h) for h in handled]
        return job.counted(con, done)


def _load_alone(job: "_Job", con, known: "Known", h):
    """One file in its own transaction, judged against what is committed (``known`` is kept up to
    date with each file loaded). A file whose rows the warehouse refuses is loaded as faulted."""
    d, rows = job.handle(known, h)
    try:
        with wh.transaction(con):
            _write(con, rows)
    except Exception as exc:
        d = job.faulted(d, "load", exc)
        rows = job.rows(d)
        with wh.transaction(con):  # the warehouse cannot take even that: the run stops
            _write(con, rows)
    known.add(d, rows)
    return d


# --- one file --------------------------------------------------------------------------


class _Job:
    """How this run handles each file: decide, render its receipt, make its rows."""

    def __init__(self, settings: Settings, ref: Reference, retrying: bool, queue_emails: bool):
        self.settings, self.ref, self.retrying, self.queue_emails = settings, ref, retrying, queue_emails
        self.now = iso(settings.now)
        self.rules_page = settings.outbox / "rules.html"
        self.archive = Archive(settings.archive)

    def handle(self, known: Known, h):
        """(the file's new handling, its rows); a fault on the way faults the file alone."""
        d = h.with_receipt_paths(self.settings)
        step = "decide"
        try:
            if d.fault is None:
                d = described(decide(self.settings, self.ref, known, d), self.ref, known)
                step = "receipt"
                d = self.render(d)
                step = "load"
                return d, self.rows(d, known)
        except Exception as exc:
            d = self.faulted(d, step, exc)
        else:  # faulted in an earlier step
            d = self.render(d, fallback=True)
        return d, self.rows(d)

    def counted(self, con, done: list) -> list:
        """The files with their rows unchanged since last quarter (:mod:`cpip.intake.unchanged`), counted
        once their rows are committed, and those with any given their receipts again to say so. Should
        that fail, the receipt made before the commit stands: the count is a reminder, not a rule."""
        counts = unchanged_counts(con, [d.record.number for d in done if d.outcome in ACCEPTED])
        out = []
        for d in done:
            if counts.get(d.record.number):
                try:
                    d = self.render(dataclasses.replace(d, unchanged_rows=counts[d.record.number]))
                except Exception as exc:
                    log.error("could not say on the receipt of file %d that rows are unchanged since last "
                              "quarter (%s); its receipt is written without it", d.record.number, fault(exc))
            out.append(d)
        return out

    def faulted(self, d, step: str, exc: BaseException):
        d = d.faulted(step, exc)
        return self.render(d, fallback=True)

    def render(self, d, fallback: bool = False):
        return receipts.with_rendered(d, self.settings, self.rules_page, fallback)

    def rows(self, d, known: Known | None = None) -> "Batch":
        """Every row this file adds, to every table."""
        rec, b = d.record, Batch()
        n = rec.number
        from_partner = rec.folder if rec.folder in self.ref.partners else None  # returns.md §2
        if from_partner is None and d.partner_code in self.ref.partners:
            from_partner = d.partner_code
        period_valid = d.checked.period is not None if d.checked else False
        if d.outcome == "duplicate":
            p = Period.parse(d.period)
            period_valid = p is not None and p.ended_by(rec.received)
        accepted = d.outcome in ACCEPTED
        object_path = self.archive.kept_path(rec) if rec.sha256 else None
        if self.retrying:
            b.add("forget", submission_id=[n])
        if rec.sha256 and d.outcome != "duplicate":
            b.add("files", sha256=[rec.sha256], size=[rec.size], archive_path=[str(object_path)], first_received=[n])
        superseded = known.superseded(d) if known is not None else []
        b.add("submissions", submission_id=[n], run_id=[rec.run_id], sha256=[rec.sha256], inbox_path=[rec.inbox_path],
              original_name=[rec.name], folder=[rec.folder], from_partner=[from_partner],
              received_at=[rec.received_at], file_format=[d.rf.format if d.rf else None],
              partner_code=[d.partner_code], period=[d.period], period_valid=[period_valid],
              part=[d.plan.part_kind if d.plan else None], outcome=[d.outcome], late=[d.late],
              duplicate_of=[d.duplicate_of], receipt_html=[d.receipt_html], receipt_json=[d.receipt_json])
        if d.issues:
            b.add("issues", submission_id=[n] * len(d.issues), seq=list(range(1, len(d.issues) + 1)),
                  **{k: [getattr(i, k) for i in d.issues]
                     for k in ("rule", "severity", "sheet", "row", "column", "value", "message", "explanation", "cell",
                               "item_id")})
        if accepted:
            _data_rows(b, d)
            self._explained(b, d)
        if d.fault is not None:
            b.add("faults", submission_id=[n], step=[d.fault[0]], place=[d.fault[1]], at=[self.now])
        elif self.retrying:
            b.add("resolved", submission_id=[n], at=[self.now])
        if self.queue_emails:
            to = recipients(self.ref, d)
            if to:
                b.add("receipt_emails", submission_id=[n], recipients=[to], queued_at=[self.now])
        events = [(ev.RETRIED, self.now, None)] if self.retrying else [(ev.RECEIVED, rec.received_at, None)]
        if object_path and not self.retrying:
            events.append((ev.ARCHIVED, rec.received_at, object_path.name))
        if d.fault is not None:
            events.append((ev.FAULTED, self.now, f"while {STEP_WORDS[d.fault[0]]}: {d.fault[1]}"))
        elif d.outcome != "duplicate" and not rec.not_regular:
            n_err = sum(1 for i in d.issues if i.severity == "error")
            events.append((ev.VALIDATED, self.now, f"{n_err} errors, {len(d.issues) - n_err} warnings"))
        events.append((ev.ACCEPTED if accepted else d.outcome, self.now,
                       f"{d.partner_code or '-'} {d.period or '-'}" +
                       (f" duplicate of file {d.duplicate_of}" if d.duplicate_of else "")))
        for part, old in superseded:
            events.append((ev.SUPERSEDED, self.now, f"{part} part of file {old} superseded by file {n}"))
        b.add("audit", at=[e[1] for e in events], event=[e[0] for e in events],
              detail=[e[2] for e in events], sha256=[rec.sha256] * len(events), submission_id=[n] * len(events))
        return b

    def _explained(self, b: "Batch", d) -> None:
        """returns.md §11: the P11s this accepted file explained, so later periods do not raise them again."""
        if d.rf is None or d.rf.progress is None or "progress" not in d.plan.parts:
            return
        slips, seen = [], set()
        for s in explained_slippage(d.rf, self.ref, d.issues):
            if s.item_id not in seen:  # the table keeps a file's first row for an item
                seen.add(s.item_id)
                slips.append(s)
        if slips:
            b.add("explained_slippage", submission_id=[d.record.number] * len(slips),
                  partner_code=[d.partner_code] * len(slips), period=[d.period] * len(slips),
                  item_id=[s.item_id for s in slips], forecast_completion=[s.forecast_completion for s in slips],
                  target_date=[s.target_date for s in slips])


def _data_rows(b: "Batch", d) -> None:
    """An accepted file's progress rows and indicator values, each cell converted once."""
    common = (d.record.number, d.partner_code, d.period)
    if d.rf.progress is not None and "progress" in d.plan.parts:
        rows = d.rf.progress.rows
        cols = {k: [] for k in ("row", "item_id", "status", "percent_complete", "milestone", "milestone_due",
                                "forecast_completion", "narrative", "risks", "recovery_action", "ask", "explanation")}
        for n, v in rows:
            cols["row"].append(n)
            cols["item_id"].append(text(v.get("item_id")))
            cols["status"].append(canonical_status(v.get("status")))
            cols["percent_complete"].append(whole_number(v.get("percent_complete")))
            cols["milestone"].append(text(v.get("milestone")))
            cols["milestone_due"].append(read_date(v.get("milestone_due")))
            cols["forecast_completion"].append(read_date(v.get("forecast_completion")))
            cols["narrative"].append(text(v.get("narrative")))
            cols["risks"].append(text(v.get("risks")))
            cols["recovery_action"].append(text(v.get("recovery_action")))
            cols["ask"].append(text(v.get("ask")))
            cols["explanation"].append(text(v.get("explanation")))
        b.add("progress_rows", **dict(zip(("submission_id", "partner_code", "period"),
                                          ([c] * len(rows) for c in common))), **cols)
    if d.rf.indicators is not None and "indicators" in d.plan.parts:
        rows = d.rf.indicators.rows
        b.add("indicator_values", **dict(zip(("submission_id", "partner_code", "period"),
                                             ([c] * len(rows) for c in common))),
              row=[n for n, _ in rows], indicator_id=[text(v.get("indicator_id")) for _, v in rows],
              value=[None if is_blank(v.get("value")) else whole_number(v.get("value")) for _, v in rows],
              note=[text(v.get("note")) for _, v in rows])


# --- the rows, written -----------------------------------------------------------------


class Batch:
    """Rows for every table, as columns (lists of equal length), for one file or a whole run."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, list]] = {}

    def add(self, table: str, **columns: list) -> None:
        into = self.tables.get(table)
        if into is None:
            self.tables[table] = {k: list(v) for k, v in columns.items()}
            return
        for k, v in columns.items():
            into[k].extend(v)

    def extend(self, other: "Batch") -> None:
        for table, columns in other.tables.items():
            self.add(table, **columns)


def _write(con, batch: Batch) -> None:
    """Insert a batch's rows: one statement per table (sql/load/batch_<table>.sql over a frame)."""
    import pandas as pd

    for table in TABLES:
        columns = batch.tables.get(table)
        if not columns:
            continue
        if table == "audit":
            columns = {**columns, "seq": list(range(len(columns["event"])))}
        frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
        con.register("batch", frame)
        try:
            con.execute(wh.sql(f"load/batch_{table}"))
        finally:
            con.unregister("batch")
