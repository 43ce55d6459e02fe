"""The disclosure audit (returns.md §10): from everything published, can a reader narrow down a small value?

The reader is taken to know every figure of every release given (each approved version of the
publication form, of every period, and the release being made: each quarter it prints, per
committee and national), and that every value is a whole number of at least 0; every ``[c]`` at
least 1; a value at most the value of the indicator it is ``part_of`` (same committee and quarter);
a national total the sum of the values of the committees that gave one; and, where the indicators
have them, the register identity of I06 (``stock`` of a quarter = ``stock`` of the quarter before +
``inflow`` - ``outflow``, for each committee with all four values, where they add up).

A figure is one unknown in every release that holds it with the same true value: the reader is
taken to know which figures a revision left alone (more than a reader can know, so the audit errs
on the safe side); a revised figure is a new unknown. Published figures are constants.

For each *small value* (1 to ``suppress_below`` - 1 in the true figures of any release given), the
least and the greatest whole number it could be: it is protected when they span at least
``suppress_below`` - 1 numbers. Exact: bound propagation gives bounds no narrower than the true ones
(and the true ones when the unknowns linked to the value meet in one sum at most); otherwise integer
programs (``scipy.optimize.milp``) decide, at most two per value, none when whole-number solutions
already found show the span. Each value's unknowns are solved only with the constraints linked to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, NamedTuple

from cpip.core.periods import Period

SUPPRESSED = "[c]"
INF = math.inf


class Cell(NamedTuple):
    """A committee's value of one indicator in one quarter, as one release holds it (its true value)."""
    period: str
    partner: str
    indicator: str
    value: int


class Total(NamedTuple):
    """A national total: the sum of ``members`` (every committee that gave the indicator that quarter)."""
    period: str
    indicator: str
    value: int
    members: tuple[Cell, ...]


Key = Cell | Total


@dataclass(frozen=True)
class Quarter:
    """One quarter as one release holds it: the true values, and what the release printed."""
    period: str
    values: Mapping[str, Mapping[str, int | None]]  # committee -> indicator -> value (None: not available)
    shown: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # the value, None or "[c]"
    national: Mapping[str, Any] = field(default_factory=dict)  # national totals as printed


@dataclass(frozen=True)
class Release:
    name: str  # e.g. "2026-Q2 version 1", as the data-quality annex names it
    quarters: tuple[Quarter, ...]


@dataclass(frozen=True)
class Rules:
    """What the reader knows besides the figures (returns.md §10)."""
    suppress_below: int
    part_of: Mapping[str, str] = field(default_factory=dict)  # breakdown -> the indicator it is part of
    stock_flow: tuple[str, str, str] | None = None  # (stock, inflow, outflow) of the register identity

    @property
    def need(self) -> int:
        """How many whole numbers a small value must be able to be."""
        return self.suppress_below - 1

    def small(self, v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= self.suppress_below - 1


@dataclass(frozen=True)
class Span:
    """What a small value could be: ``least`` to ``greatest`` (None: no limit). ``exact`` is False when
    the span was shown wide enough without finding its ends (then they are the ends found so far)."""
    key: Cell
    least: int
    greatest: int | None
    protected: bool
    exact: bool = True


class Row(NamedTuple):
    terms: tuple[tuple[Key, int], ...]  # (figure, coefficient)
    equal: bool  # sum == 0, else sum <= 0


class Cells:
    """The figures of one release, by where they are printed."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str, str], Cell] = {}  # (period, committee, indicator)
        self.totals: dict[tuple[str, str], Total] = {}  # (period, indicator)

    def keys(self) -> list[Key]:
        return [*self.cells.values(), *self.totals.values()]


class Knowledge:
    """Everything the reader knows, as figures (keys) and the linear constraints between them."""

    def __init__(self, rules: Rules, releases: Iterable[Release] = ()) -> None:
        self.rules = rules
        self.rows: list[Row] = []
        self._seen_rows: set[Row] = set()
        self.rows_of: dict[Key, list[int]] = {}
        self.shown: set[Key] = set()  # printed by a release given with add(..., published=True)
        self.small: set[Cell] = set()  # each small value of any release
        self._witness: dict[Key, list[int]] = {}
        self.components: dict[Key, Any] = {}  # bounds.Component of each unknown, as the last check left them
        self._shown_last: set[Key] | None = None
        for r in releases:
            self.add(r)

    # --- building ------------------------------------------------------------------------------
    def add(self, release: Release, published: bool = True) -> Cells:
        """Add a release's figures and constraints; with ``published``, what it printed is known."""
        out = Cells()
        for q in release.quarters:
            for partner, vals in q.values.items():
                for ind, v in vals.items():
                    if v is None:
                        continue
                    key = out.cells[(q.period, partner, ind)] = Cell(q.period, partner, ind, int(v))
                    self.rows_of.setdefault(key, [])
                    if self.rules.small(v):
                        self.small.add(key)
                    if published and (q.shown.get(partner) or {}).get(ind) not in (SUPPRESSED, None):
                        self.shown.add(key)
            for ind in sorted({i for vals in q.values.values() for i in vals}):
                members = tuple(out.cells[(q.period, p, ind)] for p in sorted(q.values)
                                if (q.period, p, ind) in out.cells)
                if not members:
                    continue
                total = out.totals[(q.period, ind)] = Total(q.period, ind, sum(m.value for m in members), members)
                self.rows_of.setdefault(total, [])
                if published and q.national.get(ind) not in (SUPPRESSED, None):
                    self.shown.add(total)
                self._row(tuple((m, 1) for m in members) + ((total, -1),), True)
        self._relations(out)
        return out

    def _relations(self, out: Cells) -> None:
        for (period, partner, ind), cell in out.cells.items():
            whole = out.cells.get((period, partner, self.rules.part_of.get(ind, "")))
            if whole is not None and cell.value <= whole.value:
                self._row(((cell, 1), (whole, -1)), False)
        if self.rules.stock_flow is None:
            return
        stock, inflow, outflow = self.rules.stock_flow
        for (period, partner, ind), end in out.cells.items():
            if ind != stock:
                continue
            before = out.cells.get((str(Period.parse(period).previous()), partner, stock))
            gain, loss = out.cells.get((period, partner, inflow)), out.cells.get((period, partner, outflow))
            if before and gain and loss and end.value == before.value + gain.value - loss.value:
                self._row(((end, 1), (before, -1), (gain, -1), (loss, 1)), True)

    def _row(self, terms: tuple[tuple[Key, int], ...], equal: bool) -> None:
        row = Row(terms, equal)
        if row in self._seen_rows:
            return
        self._seen_rows.add(row)
        self.rows.append(row)
        for k, _ in terms:
            self.rows_of[k].append(len(self.rows) - 1)

    # --- solving -------------------------------------------------------------------------------
    def check(self, shown: set[Key], keys: Iterable[Cell] | None = None, exact: bool = False) -> dict[Cell, Span]:
        """The span of each small value (all of them by default) when ``shown`` are the figures printed.

        With ``exact``, every value's least and greatest are found, not just whether it is protected."""
        from cpip.briefing.bounds import Component

        self._keep_witnesses(shown)
        keys = sorted(self.small if keys is None else keys)
        out: dict[Cell, Span] = {}
        done = self.components = {}  # the components of this check, by unknown
        for key in keys:
            if key in shown:
                out[key] = Span(key, key.value, key.value, self.rules.need <= 1)
                continue
            comp = done.get(key)
            if comp is None:
                comp = Component(self, self.component(shown, key), shown)
                for k in comp.keys:
                    done[k] = comp
            out[key] = comp.span(key, exact)
        return out

    def component(self, shown: set[Key], start: Key) -> list[Key]:
        """The unknowns linked to ``start`` through constraints, given the figures printed."""
        seen, todo = {start}, [start]
        while todo:
            k = todo.pop()
            for r in self.rows_of.get(k, ()):
                for other, _ in self.rows[r].terms:
                    if other not in shown and other not in seen:
                        seen.add(other)
                        todo.append(other)
        return sorted(seen, key=_order)

    def _keep_witnesses(self, shown: set[Key]) -> None:
        """Whole-number solutions found stay solutions while no more figures are printed."""
        if self._shown_last is None or not shown <= self._shown_last:
            self._witness = {}
        self._shown_last = set(shown)

    def witness(self, key: Key) -> list[int]:
        return self._witness.setdefault(key, [key.value, key.value])


def _order(k: Key) -> tuple:
    return (k.period, k.indicator, 1, "", k.value) if isinstance(k, Total) else (k.period, k.indicator, 0, k.partner,
                                                                                  k.value)


def audit(releases: Iterable[Release], rules: Rules, exact: bool = True) -> list[Span]:
    """Every small value of the releases given that a reader could narrow down (empty: the releases pass)."""
    k = Knowledge(rules, releases)
    return [s for s in k.check(k.shown, exact=exact).values() if not s.protected]


def spans(releases: Iterable[Release], rules: Rules) -> dict[Cell, Span]:
    """The exact span of every small value of the releases given."""
    k = Knowledge(rules, releases)
    return k.check(k.shown, exact=True)
