"""Loading a run's files into the warehouse: outcomes decided in Python, rows inserted together.

What each file's outcome is comes from returns.md and interfaces.md; this module is how it is
worked out and stored cheaply, whatever the number of files:

1. **What the warehouse holds**, fetched for the whole run in five set-based queries
   (:meth:`Known.fetch`): the parts currently held for each (partner, period) the files name
   and for the quarter before each, what those parts said (progress rows, indicator values),
   the P11s each partner explained, and the first file of each content received before.
2. **Each file in the order taken**: its outcome decided, its receipt rendered and its rows
   made against that snapshot *and what the run's earlier files add to it* (:meth:`Known.add`),
   so a later file sees an earlier one of the same run exactly as if each had been loaded on
   its own before it (supersession, last period, a P11 confirmed once, duplicates). A fault
   while deciding, rendering or making a file's rows faults that file alone (``faulted``).
3. **All the run's rows in one transaction**, one statement per table (pandas frames). If that
   fails, it is rolled back and the files are loaded again one transaction each, each judged
   against what is committed, so a file that breaks the warehouse insert is confined to itself.

The archive is the record of truth: a run that dies before its commit leaves its records
pending, and the next run loads them again (``bench/crash_loop.py``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict

from cpip.core import events as ev
from cpip.warehouse import db as wh
from cpip.intake.archive import Archive
from cpip.intake.checks.history import LastPeriod, Slippage, explained_slippage, indicator_warnings, progress_warnings
from cpip.core.faults import STEP_WORDS, fault
from cpip.intake.model import canonical_status, make_issue
from cpip.intake.recipients import recipients
from cpip.core.periods import Period, iso, is_late
from cpip.reference.tables import Reference
from cpip.core.settings import Settings
from cpip.core.values import is_blank, read_date, text, whole_number

log = logging.getLogger("cpip.intake.steps")

ACCEPTED = ("accepted", "accepted_with_warnings")

# The tables a batch fills, in the order they are written, with their statements (sql/load/batch_*.sql).
TABLES = ("forget", "files", "submissions", "issues", "progress_rows", "indicator_values", "explained_slippage",
          "faults", "resolved", "receipt_emails", "audit")


def load_files(settings: Settings, ref: Reference, handled: list, retrying: bool = False,
               email_receipts: bool = False) -> list:
    """Decide each file's outcome, render its receipt and load it, in the order taken.

    Returns new handlings (those given are left as they were). Warnings are worked out against
    what the warehouse holds when the run starts plus the run's earlier files. Whatever goes
    wrong with one file is confined to it: it is loaded as faulted instead, and the run goes on.
    Only a fault in recording a faulted file itself (the warehouse is unusable) stops the run.
    ``retrying`` is `cpip retry`: the files were faulted before and their rows are replaced.
    ``email_receipts`` (intake and retry, not a rebuild's replay): with ``[email] receipts`` on,
    each receipt is recorded as owed an email in the same transaction as its file
    (:mod:`cpip.mail.receipts`), so a crash before it is sent is made good by the next run.
    A run with no files does not open the warehouse (the cycle and `cpip status` load the
    reference tables themselves).
    """
    if not handled:
        return []
    job = _Job(settings, ref, retrying, email_receipts and settings.email is not None and settings.email.receipts)
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
            return done
        except Exception as exc:
            log.warning("loading the run's %d files together failed (%s); loading them one by one",
                        len(handled), fault(exc))
        return [_load_alone(job, con, known, h) for h in handled]


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


# --- what the warehouse holds ----------------------------------------------------------


class Known:
    """What the warehouse holds that a run's files are judged against, and what the run adds."""

    def __init__(self, parts=None, progress=None, indicators=None, slips=None, originals=None):
        self.parts: dict[tuple[str, str], dict[str, int]] = parts or {}  # (partner, period) -> part -> file
        self.progress: dict[int, dict[str, dict]] = progress or {}  # file -> item_id -> its row's values
        self.indicators: dict[int, dict[str, int | None]] = indicators or {}  # file -> indicator_id -> value
        self.slips: dict[str, frozenset] = slips or {}  # partner -> {(period, Slippage)} explained
        self.originals: dict[str, tuple] = originals or {}  # sha256 -> (file, partner, period) first with it

    def copy(self) -> "Known":
        return Known(dict(self.parts), dict(self.progress), dict(self.indicators), dict(self.slips),
                     dict(self.originals))

    @classmethod
    def fetch(cls, con, handled: list) -> "Known":
        """What the warehouse holds for these files, in five queries however many they are."""
        pairs, partners = set(), set()
        for h in handled:
            if h.plan is None or h.plan.partner_code is None:
                continue
            partners.add(h.plan.partner_code)
            if h.plan.period_text is not None:
                pairs.add((h.plan.partner_code, h.plan.period_text))
            if h.checked is not None and h.checked.period is not None:
                pairs.add((h.plan.partner_code, str(h.checked.period.previous())))
        shas = sorted({h.record.sha256 for h in handled if h.duplicate_of is not None and h.record.sha256})
        k = cls()
        if pairs:
            pairs_sorted = sorted(pairs)
            for partner, period, part, number in con.execute(wh.sql("queries/current_parts_all"), {
                    "partners": [p for p, _ in pairs_sorted], "periods": [q for _, q in pairs_sorted]}).fetchall():
                k.parts.setdefault((partner, period), {})[part] = number
            progress = sorted({n for parts in k.parts.values() for part, n in parts.items() if part == "progress"})
            indicators = sorted({n for parts in k.parts.values() for part, n in parts.items() if part == "indicators"})
            if progress:
                for n, item, status, percent, narrative in con.execute(
                        wh.sql("queries/progress_of"), {"ids": progress}).fetchall():
                    k.progress.setdefault(n, {})[item] = {"status": status, "percent_complete": percent,
                                                          "narrative": narrative}
            if indicators:
                for n, indicator, value in con.execute(wh.sql("queries/indicators_of"), {"ids": indicators}).fetchall():
                    k.indicators.setdefault(n, {})[indicator] = value
        if partners:
            slips = defaultdict(set)
            for partner, period, item, forecast, target in con.execute(
                    wh.sql("queries/explained_slippage_of"), {"partners": sorted(partners)}).fetchall():
                slips[partner].add((period, Slippage(item, forecast, target)))
            k.slips = {p: frozenset(s) for p, s in slips.items()}
        if shas:
            for sha, number, partner, period in con.execute(wh.sql("queries/originals_of"), {"shas": shas}).fetchall():
                k.originals[sha] = (number, partner, period)
        return k

    def last_period(self, partner: str, period: Period) -> LastPeriod:
        """What the partner's current parts for ``period`` said (none when it has none)."""
        last = LastPeriod()
        parts = self.parts.get((partner, str(period)), {})
        n = parts.get("progress")
        if n is not None and self.progress.get(n):
            last.progress_submission, last.progress = n, self.progress[n]
        n = parts.get("indicators")
        if n is not None and self.indicators.get(n):
            last.indicators_submission, last.indicators = n, self.indicators[n]
        return last

    def confirmed(self, partner: str, period: Period) -> set[Slippage]:
        """The P11s this partner explained in earlier periods (returns.md §11: confirmed once)."""
        before = str(period)
        return {s for p, s in self.slips.get(partner, ()) if p < before}

    def add(self, d, rows: "Batch") -> None:
        """What a file just handled adds for the files after it."""
        n = d.record.number
        if d.outcome in ACCEPTED:
            key = (d.partner_code, d.period)
            self.parts[key] = {**self.parts.get(key, {}), **{part: n for part in _parts_supplied(d)}}
        prog = rows.tables.get("progress_rows")
        if prog:
            self.progress[n] = {item: {"status": s, "percent_complete": p, "narrative": t} for item, s, p, t in zip(
                prog["item_id"], prog["status"], prog["percent_complete"], prog["narrative"])}
        ind = rows.tables.get("indicator_values")
        if ind:
            self.indicators[n] = dict(zip(ind["indicator_id"], ind["value"]))
        slips = rows.tables.get("explained_slippage")
        if slips:
            self.slips[d.partner_code] = self.slips.get(d.partner_code, frozenset()) | {
                (d.period, Slippage(i, f, t)) for i, f, t in zip(
                    slips["item_id"], slips["forecast_completion"], slips["target_date"])}
        sha = d.record.sha256
        if sha and d.outcome != "duplicate" and self.originals.get(sha, (n,))[0] == n:
            self.originals[sha] = (n, d.partner_code, d.period)


# --- one file --------------------------------------------------------------------------


class _Job:
    """How this run handles each file: decide, render its receipt, make its rows."""

    def __init__(self, settings: Settings, ref: Reference, retrying: bool, email_receipts: bool):
        self.settings, self.ref, self.retrying, self.email_receipts = settings, ref, retrying, email_receipts
        self.now = iso(settings.now)
        self.rules_page = settings.outbox / "rules.html"
        self.archive = Archive(settings.archive)

    def handle(self, known: Known, h):
        """(the file's new handling, its rows); a fault on the way faults the file alone."""
        d = h.with_receipt_paths(self.settings)
        step = "decide"
        try:
            if d.fault is None:
                d = _decide(self.settings, self.ref, known, d)
                step = "receipt"
                d = self.render(d)
                step = "load"
                return d, self.rows(d, known)
        except Exception as exc:
            d = self.faulted(d, step, exc)
        else:  # faulted in an earlier step
            d = self.render(d, fallback=True)
        return d, self.rows(d)

    def faulted(self, d, step: str, exc: BaseException):
        d = d.faulted(step, exc)
        return self.render(d, fallback=True)

    def render(self, d, fallback: bool = False):
        from cpip.intake import receipts

        s = self.settings
        try:
            html = receipts.render_receipt(d, self.rules_page, s.cycle.due_days, s.briefing.programme,
                                           s.intake.officer_folder)
        except Exception:
            if not fallback:
                raise
            html = receipts.plain_receipt(d)
        return dataclasses.replace(d, rendered=html)

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
        object_path = self.archive.object_path(rec.sha256) if rec.sha256 else None
        if self.retrying:
            b.add("forget", submission_id=[n])
        if rec.sha256 and d.outcome != "duplicate":
            b.add("files", sha256=[rec.sha256], size=[rec.size], archive_path=[str(object_path)], first_received=[n])
        superseded = []
        if accepted and known is not None:
            current = known.parts.get((d.partner_code, d.period), {})
            superseded = [(part, current[part]) for part in _parts_supplied(d) if part in current]
        b.add("submissions", submission_id=[n], run_id=[rec.run_id], sha256=[rec.sha256], inbox_path=[rec.inbox_path],
              original_name=[rec.name], folder=[rec.folder], from_partner=[from_partner],
              received_at=[rec.received_at], file_format=[d.rf.format if d.rf else None],
              partner_code=[d.partner_code], period=[d.period], period_valid=[period_valid],
              part=[d.plan.part_kind if d.plan else None], outcome=[d.outcome], late=[d.late],
              duplicate_of=[d.duplicate_of], receipt_html=[d.receipt_html], receipt_json=[d.receipt_json])
        if d.issues:
            b.add("issues", submission_id=[n] * len(d.issues), seq=list(range(1, len(d.issues) + 1)),
                  **{k: [getattr(i, k) for i in d.issues]
                     for k in ("rule", "severity", "sheet", "row", "column", "value", "message", "explanation")})
        if accepted:
            _data_rows(b, d)
            self._explained(b, d)
        if d.fault is not None:
            b.add("faults", submission_id=[n], step=[d.fault[0]], place=[d.fault[1]], at=[self.now])
        elif self.retrying:
            b.add("resolved", submission_id=[n], at=[self.now])
        if self.email_receipts:
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


def _decide(settings: Settings, ref: Reference, known: Known, h):
    """The file's outcome, issues, partner, period and lateness (a new handling)."""
    rec = h.record
    if rec.not_regular:
        return dataclasses.replace(h, outcome="rejected", issues=[make_issue(
            "F01", "This is not a regular file (it is a shortcut or link), so it was removed without being opened. "
                   "Copy the file itself into your folder.")])
    if h.duplicate_of is not None:
        _, partner, period = known.originals.get(rec.sha256, (None, h.partner_code, h.period))
        return dataclasses.replace(h, outcome="duplicate", partner_code=partner, period=period,
                                   late=_late(settings, rec, period))
    if h.read_issues:
        return dataclasses.replace(h, outcome="rejected", issues=list(h.read_issues))
    partner, period_text = h.plan.partner_code, h.plan.period_text
    late = _late(settings, rec, period_text)
    if h.checked.issues:
        return dataclasses.replace(h, outcome="rejected", issues=h.checked.issues, partner_code=partner,
                                   period=period_text, late=late)
    period = h.checked.period
    last = known.last_period(partner, period.previous())
    warnings = []
    if h.rf.progress is not None and "progress" in h.plan.parts:
        warnings += progress_warnings(h.rf, ref, last, known.confirmed(partner, period))
    if h.rf.indicators is not None and "indicators" in h.plan.parts:
        warnings += indicator_warnings(h.rf, ref, last)
    return dataclasses.replace(h, outcome="accepted_with_warnings" if warnings else "accepted", issues=warnings,
                               partner_code=partner, period=period_text, late=late)


def _late(settings: Settings, rec, period: str | None) -> bool | None:
    """interfaces.md: ``true``/``false`` for every file whose period is a valid ``YYYY-Qn`` (judged at its
    received time, so a period not yet ended is on time), ``null`` when it is missing or not valid."""
    p = Period.parse(period)
    return None if p is None else is_late(p, rec.received, settings.cycle.due_days)


def _parts_supplied(d) -> list[str]:
    if d.plan is None or d.plan.part_kind is None:
        return []
    return ["progress", "indicators"] if d.plan.part_kind == "both" else [d.plan.part_kind]


def _data_rows(b: "Batch", d) -> None:
    """An accepted file's progress rows and indicator values, each cell converted once."""
    common = (d.record.number, d.partner_code, d.period)
    if d.rf.progress is not None and "progress" in d.plan.parts:
        rows = d.rf.progress.rows
        cols = {k: [] for k in ("row", "item_id", "status", "percent_complete", "milestone", "milestone_due",
                                "forecast_completion", "narrative", "risks", "explanation")}
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

    def numbers(self) -> set[int]:
        return set(self.tables.get("submissions", {}).get("submission_id", []))


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
