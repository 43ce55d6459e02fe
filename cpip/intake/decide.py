"""Deciding each file's outcome against one snapshot of the warehouse plus the run's earlier files.

What each file's outcome is comes from returns.md and interfaces.md; this module is how it is
worked out cheaply, whatever the number of files:

1. **What the warehouse holds**, fetched for the whole run in six set-based queries
   (:meth:`Known.fetch`): the parts currently held for each (partner, period) the files name
   (a duplicate names its original's) and for the quarter before each, what those parts said
   (progress rows, indicator values), the P11s each partner explained, the first file of each
   content received before, and the name and received time of each of those files (for a
   duplicate's receipt: the earlier file it matches and what is on file now).
2. **Each file in the order taken** is decided (:func:`decide`) against that snapshot *and what
   the run's earlier files add to it* (:meth:`Known.add`), so a later file sees an earlier one of
   the same run exactly as if each had been loaded on its own before it (supersession, last
   period, a P11 confirmed once, duplicates).

Writing what was decided is :mod:`cpip.intake.load`.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from cpip.core.periods import Period, is_late
from cpip.core.settings import Settings
from cpip.intake.checks.history import LastPeriod, Slippage, indicator_warnings, progress_warnings
from cpip.intake.model import make_issue
from cpip.reference.tables import Reference
from cpip.warehouse import db as wh

ACCEPTED = ("accepted", "accepted_with_warnings")

# What these submissions' progress rows and indicator values said (for the next quarter's warnings).
PROGRESS_OF = """SELECT submission_id, item_id, status, percent_complete, narrative
FROM progress_rows WHERE submission_id IN (SELECT unnest($ids))"""
INDICATORS_OF = """SELECT submission_id, indicator_id, value
FROM indicator_values WHERE submission_id IN (SELECT unnest($ids))"""
# The P11s these partners explained, in any period (returns.md §11: not raised again later).
EXPLAINED_SLIPPAGE_OF = """SELECT DISTINCT partner_code, period, item_id, forecast_completion, target_date
FROM explained_slippage WHERE partner_code IN (SELECT unnest($partners))"""
# The first file that brought each of these contents, for recording a duplicate.
ORIGINALS_OF = """SELECT f.sha256, s.submission_id, s.partner_code, s.period
FROM files AS f JOIN submissions AS s ON s.submission_id = f.first_received
WHERE f.sha256 IN (SELECT unnest($shas))"""
# The name and received time of these files, for a duplicate's receipt.
NAMES_OF = """SELECT submission_id, original_name, received_at
FROM submissions WHERE submission_id IN (SELECT unnest($ids))"""


class Known:
    """What the warehouse holds that a run's files are judged against, and what the run adds."""

    def __init__(self, parts=None, progress=None, indicators=None, slips=None, originals=None, files=None):
        self.parts: dict[tuple[str, str], dict[str, int]] = parts or {}  # (partner, period) -> part -> file
        self.progress: dict[int, dict[str, dict]] = progress or {}  # file -> item_id -> its row's values
        self.indicators: dict[int, dict[str, int | None]] = indicators or {}  # file -> indicator_id -> value
        self.slips: dict[str, frozenset] = slips or {}  # partner -> {(period, Slippage)} explained
        self.originals: dict[str, tuple] = originals or {}  # sha256 -> (file, partner, period) first with it
        self.files: dict[int, tuple] = files or {}  # file -> (its name, received at) for those above

    def copy(self) -> "Known":
        return Known(dict(self.parts), dict(self.progress), dict(self.indicators), dict(self.slips),
                     dict(self.originals), dict(self.files))

    @classmethod
    def fetch(cls, con, handled: list) -> "Known":
        """What the warehouse holds for these files, in six queries however many they are."""
        pairs, partners = set(), set()
        k = cls()
        shas = sorted({h.record.sha256 for h in handled if h.duplicate_of is not None and h.record.sha256})
        if shas:
            for sha, number, partner, period in con.execute(ORIGINALS_OF, {"shas": shas}).fetchall():
                k.originals[sha] = (number, partner, period)
                if partner is not None and period is not None:
                    pairs.add((partner, period))
        for h in handled:
            if h.plan is None or h.plan.partner_code is None:
                continue
            partners.add(h.plan.partner_code)
            if h.plan.period_text is not None:
                pairs.add((h.plan.partner_code, h.plan.period_text))
            if h.checked is not None and h.checked.period is not None:
                pairs.add((h.plan.partner_code, str(h.checked.period.previous())))
        if pairs:
            pairs_sorted = sorted(pairs)
            for partner, period, part, number in con.execute(wh.sql("queries/current_parts_all"), {
                    "partners": [p for p, _ in pairs_sorted], "periods": [q for _, q in pairs_sorted]}).fetchall():
                k.parts.setdefault((partner, period), {})[part] = number
            progress = sorted({n for parts in k.parts.values() for part, n in parts.items() if part == "progress"})
            indicators = sorted({n for parts in k.parts.values() for part, n in parts.items() if part == "indicators"})
            if progress:
                for n, item, status, percent, narrative in con.execute(PROGRESS_OF, {"ids": progress}).fetchall():
                    k.progress.setdefault(n, {})[item] = {"status": status, "percent_complete": percent,
                                                          "narrative": narrative}
            if indicators:
                for n, indicator, value in con.execute(INDICATORS_OF, {"ids": indicators}).fetchall():
                    k.indicators.setdefault(n, {})[indicator] = value
        if partners:
            slips = defaultdict(set)
            for partner, period, item, forecast, target in con.execute(
                    EXPLAINED_SLIPPAGE_OF, {"partners": sorted(partners)}).fetchall():
                slips[partner].add((period, Slippage(item, forecast, target)))
            k.slips = {p: frozenset(s) for p, s in slips.items()}
        named = sorted({n for parts in k.parts.values() for n in parts.values()}
                       | {n for n, _, _ in k.originals.values()})
        if named:
            for n, name, received in con.execute(NAMES_OF, {"ids": named}).fetchall():
                k.files[n] = (name, received)
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

    def on_file(self, partner: str | None, period: str | None) -> list[tuple[str, int]]:
        """(part, file) of the accepted return standing for each part of the partner's period, in
        the order progress, indicators; none when nothing is accepted yet."""
        current = self.parts.get((partner, period), {})
        return [(part, current[part]) for part in ("progress", "indicators") if part in current]

    def superseded(self, d) -> list[tuple[str, int]]:
        """(part, file) of the partner's current parts for the period that an accepted file replaces."""
        if d.outcome not in ACCEPTED:
            return []
        current = self.parts.get((d.partner_code, d.period), {})
        return [(part, current[part]) for part in parts_supplied(d) if part in current]

    def add(self, d, rows) -> None:
        """What a file just handled (and its rows, a :class:`cpip.intake.load.Batch`) adds for the files after it."""
        n = d.record.number
        self.files[n] = (d.record.name, d.record.received)
        if d.outcome in ACCEPTED:
            key = (d.partner_code, d.period)
            self.parts[key] = {**self.parts.get(key, {}), **{part: n for part in parts_supplied(d)}}
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


def decide(settings: Settings, ref: Reference, known: Known, h):
    """The file's outcome, issues, partner, period and lateness (a new handling)."""
    rec = h.record
    if rec.not_regular:
        return dataclasses.replace(h, outcome="rejected", issues=[make_issue(
            "F01", "This is not a regular file (it is a shortcut or link), so it was removed without being opened. "
                   "Copy the file itself into your folder.")])
    if h.duplicate_of is not None:
        _, partner, period = known.originals.get(rec.sha256, (None, h.partner_code, h.period))
        return dataclasses.replace(h, outcome="duplicate", partner_code=partner, period=period,
                                   late=file_late(period, rec.received, settings.cycle.due_days))
    if h.read_issues:
        return dataclasses.replace(h, outcome="rejected", issues=list(h.read_issues))
    partner, period_text = h.plan.partner_code, h.plan.period_text
    late = file_late(period_text, rec.received, settings.cycle.due_days)
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


def file_late(period: str | None, received, due_days: int) -> bool | None:
    """A file's lateness as interfaces.md has it (``submissions.late``): whether it was received after
    its period's due date (:func:`cpip.core.periods.is_late`, judged at its received time, so a period
    not yet ended is on time); ``None`` when its period is missing or not a valid ``YYYY-Qn``.
    Not a partner's state for a period (``late`` in ``mart_returns``)."""
    p = Period.parse(period)
    return None if p is None else is_late(p, received, due_days)


def parts_supplied(d) -> list[str]:
    if d.plan is None or d.plan.part_kind is None:
        return []
    return ["progress", "indicators"] if d.plan.part_kind == "both" else [d.plan.part_kind]
