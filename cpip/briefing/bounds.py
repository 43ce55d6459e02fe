"""The least and greatest whole number each unknown of one component of the audit could be.

A component (:meth:`cpip.briefing.audit.Knowledge.component`) is a set of unknowns linked by
constraints; the published figures in those constraints are folded into their right-hand sides.
:func:`propagate` tightens every unknown's bounds from each constraint in turn (bounds no narrower
than the true ones, and the true ones when at most one constraint links two unknowns or more);
:meth:`Component.span` decides each small value from them, from whole-number solutions already
found (witnesses), and otherwise by integer programs (``scipy.optimize.milp``).
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

from cpip.briefing.audit import INF, Cell, Key, Span

if TYPE_CHECKING:
    from cpip.briefing.audit import Knowledge

MAX_VISITS_PER_ROW = 60  # propagation stops here (its bounds stay valid, only less tight)
UNBOUNDED_CAP = 10 ** 7  # an exact greatest beyond this is reported as no limit
NEAR_DEPTH = 2  # how many constraints away an unknown may move when looking for a witness


class Folded:
    """One constraint over the unknowns of a component: lo <= sum(coef * x) <= hi."""
    __slots__ = ("idx", "coef", "lo", "hi", "row")

    def __init__(self, idx: list[int], coef: list[int], lo: float, hi: float, row: int) -> None:
        self.idx, self.coef, self.lo, self.hi, self.row = idx, coef, lo, hi, row


def fold(knowledge: Knowledge, keys: list[Key], shown: set[Key]) -> list[Folded]:
    index = {k: i for i, k in enumerate(keys)}
    rows = sorted({r for k in keys for r in knowledge.rows_of.get(k, ())})
    out = []
    for r in rows:
        row = knowledge.rows[r]
        idx, coef, rhs = [], [], 0
        for k, a in row.terms:
            if k in shown:
                rhs -= a * k.value
            else:
                idx.append(index[k])
                coef.append(a)
        out.append(Folded(idx, coef, rhs if row.equal else -INF, rhs, r))
    return out


def initial_bounds(keys: list[Key]) -> tuple[list[float], list[float]]:
    """Every [c] is at least 1; a suppressed total at least 0."""
    return [1.0 if isinstance(k, Cell) else 0.0 for k in keys], [INF] * len(keys)


def propagate(rows: list[Folded], lb: list[float], ub: list[float]) -> tuple[list, list]:
    """Tighten ``lb`` and ``ub`` in place; for each unknown, the constraint that set each bound."""
    n = len(lb)
    why_lo: list[int | None] = [None] * n
    why_hi: list[int | None] = [None] * n
    rows_of: list[list[int]] = [[] for _ in range(n)]
    for r, f in enumerate(rows):
        for j in f.idx:
            rows_of[j].append(r)
    queue, queued = deque(range(len(rows))), [True] * len(rows)
    budget = MAX_VISITS_PER_ROW * max(1, len(rows))
    while queue and budget:
        budget -= 1
        r = queue.popleft()
        queued[r] = False
        f = rows[r]
        mins, maxs = [], []
        min_sum = max_sum = 0.0
        min_inf = max_inf = 0
        for j, a in zip(f.idx, f.coef):
            mn, mx = (a * lb[j], a * ub[j]) if a > 0 else (a * ub[j], a * lb[j])
            mins.append(mn)
            maxs.append(mx)
            if mn == -INF:
                min_inf += 1
            else:
                min_sum += mn
            if mx == INF:
                max_inf += 1
            else:
                max_sum += mx
        for t, (j, a) in enumerate(zip(f.idx, f.coef)):
            others_max = INF if max_inf - (maxs[t] == INF) > 0 else max_sum - (0 if maxs[t] == INF else maxs[t])
            others_min = -INF if min_inf - (mins[t] == -INF) > 0 else min_sum - (0 if mins[t] == -INF else mins[t])
            low = f.lo - others_max if f.lo != -INF and others_max != INF else -INF  # bounds of a * x_j
            high = f.hi - others_min if f.hi != INF and others_min != -INF else INF
            if a < 0:
                low, high = -high, -low
            changed = False
            if low != -INF and math.ceil(low - 1e-9) > lb[j]:
                lb[j], why_lo[j], changed = math.ceil(low - 1e-9), f.row, True
            if high != INF and math.floor(high + 1e-9) < ub[j]:
                ub[j], why_hi[j], changed = math.floor(high + 1e-9), f.row, True
            if changed:
                for r2 in rows_of[j]:
                    if r2 != r and not queued[r2]:
                        queued[r2] = True
                        queue.append(r2)
    return why_lo, why_hi


class Component:
    """The unknowns linked to one another, their constraints, and their bounds."""

    def __init__(self, knowledge: Knowledge, keys: list[Key], shown: set[Key]) -> None:
        self.knowledge, self.keys = knowledge, keys
        self.index = {k: i for i, k in enumerate(keys)}
        self.rows = fold(knowledge, keys, shown)
        self.lb, self.ub = initial_bounds(keys)
        self.why_lo, self.why_hi = propagate(self.rows, self.lb, self.ub)
        # Bounds from propagation are the true ones when at most one constraint links unknowns.
        self.propagation_exact = sum(1 for f in self.rows if len(f.idx) > 1) <= 1
        self.rows_of: dict[int, list[Folded]] = {}
        for f in self.rows:
            for i in f.idx:
                self.rows_of.setdefault(i, []).append(f)
        self.value = [k.value for k in keys]

    def width(self, j: int) -> float:
        return self.ub[j] - self.lb[j] + 1

    def span(self, key: Cell, exact: bool = False) -> Span:
        need = self.knowledge.rules.need
        j = self.index[key]
        lo, hi = int(self.lb[j]), (None if self.ub[j] == INF else int(self.ub[j]))
        if self.propagation_exact:
            return Span(key, lo, hi, self.width(j) >= need)
        if self.width(j) < need and not exact:
            return Span(key, lo, hi, False, False)
        seen = self.knowledge.witness(key)
        if seen[1] - seen[0] + 1 < need:
            lo_move, hi_move = self.moves(j)
            seen[0], seen[1] = min(seen[0], lo_move), max(seen[1], hi_move)
        if seen[1] - seen[0] + 1 < need and not exact:
            self.solve(j, maximise=True, cap=seen[0] + need - 1, near=True)
            if seen[1] - seen[0] + 1 < need:
                self.solve(j, maximise=False, near=True)
        if seen[1] - seen[0] + 1 >= need and not exact:
            return Span(key, seen[0], seen[1], True, False)
        cap = UNBOUNDED_CAP if exact else seen[0] + need - 1
        top = self.solve(j, maximise=True, cap=cap)
        if not exact and top >= cap:
            return Span(key, seen[0], top, True, False)
        bottom = self.solve(j, maximise=False)
        greatest = None if top >= UNBOUNDED_CAP else top
        return Span(key, bottom, greatest, greatest is None or greatest - bottom + 1 >= need)

    def moves(self, j: int) -> tuple[int, int]:
        """How far unknown ``j`` can move from its true value, every other unknown kept at its true value
        but (at most) one that shares its one equality and no other: a span of whole-number solutions
        found without solving (most small values beside a suppressed value or total need no more)."""
        value, rows_of = self.value, self.rows_of
        lb0, _ = initial_bounds(self.keys)
        equal = [f for f in rows_of.get(j, ()) if f.lo == f.hi]
        if len(equal) > 1:
            return value[j], value[j]
        partners: list[tuple[int, int]] = [(-1, 0)]  # (unknown moved the other way, its direction)
        if equal:
            f = equal[0]
            a = dict(zip(f.idx, f.coef))
            partners = [(i, -a[j] * a[i]) for i in f.idx if i != j
                        and sum(1 for g in rows_of.get(i, ()) if g.lo == g.hi) == 1]
        lo = hi = value[j]
        for i, direction in partners:
            for sign in (1, -1):
                step = {j: sign} if i < 0 else {j: sign, i: sign * direction}
                room = INF
                for v, s in step.items():
                    if s < 0:
                        room = min(room, value[v] - lb0[v])
                for f in {id(g): g for v in step for g in rows_of.get(v, ()) if g.lo != g.hi}.values():
                    change = sum(a * step.get(v, 0) for v, a in zip(f.idx, f.coef))
                    if change > 0:
                        room = min(room, (f.hi - sum(a * value[v] for v, a in zip(f.idx, f.coef))) / change)
                if room == INF:
                    room = UNBOUNDED_CAP
                if sign > 0:
                    hi = max(hi, value[j] + int(room))
                else:
                    lo = min(lo, value[j] - int(room))
        return lo, hi

    def near(self, j: int, depth: int = NEAR_DEPTH) -> list[int]:
        """The unknowns within ``depth`` constraints of unknown ``j``."""
        seen, frontier = {j}, [j]
        for _ in range(depth):
            nxt = []
            for i in frontier:
                for f in self.rows_of.get(i, ()):
                    for v in f.idx:
                        if v not in seen:
                            seen.add(v)
                            nxt.append(v)
            frontier = nxt
        return sorted(seen)

    def solve(self, j: int, maximise: bool, cap: float = INF, near: bool = False) -> int:
        """The greatest (or least) whole number unknown ``j`` can be, at most ``cap``; the solution
        found is kept as a witness for every unknown. With ``near``, only the unknowns near ``j`` may
        move from their true values: a solution (a witness), not always the greatest or least."""
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array

        free = self.near(j) if near else list(range(len(self.keys)))
        col = {v: n for n, v in enumerate(free)}
        rows = list({id(f): f for v in free for f in self.rows_of.get(v, ())}.values())
        data, cols, ptr, lo, hi = [], [], [0], [], []
        for f in rows:
            fixed = sum(a * self.value[v] for v, a in zip(f.idx, f.coef) if v not in col)
            for v, a in zip(f.idx, f.coef):
                if v in col:
                    data.append(a)
                    cols.append(col[v])
            ptr.append(len(data))
            lo.append(f.lo - fixed)
            hi.append(f.hi - fixed)
        n = len(free)
        c = np.zeros(n)
        c[col[j]] = -1.0 if maximise else 1.0
        lb = np.array([self.lb[v] for v in free], dtype=float)
        ub = np.array([self.ub[v] for v in free], dtype=float)
        ub[col[j]] = min(ub[col[j]], cap)
        a = csr_array((data, cols, ptr), shape=(len(rows), n))
        constraints = [LinearConstraint(a, np.array(lo), np.array(hi))] if rows else []
        res = milp(c, integrality=np.ones(n), bounds=Bounds(lb, ub), constraints=constraints,
                   options={"mip_rel_gap": 0})
        if res.status != 0 or res.x is None:
            # HiGHS's presolve (scipy 1.17) can call a feasible problem infeasible: the true figures
            # always satisfy it, so solve it again without presolve before giving up.
            res = milp(c, integrality=np.ones(n), bounds=Bounds(lb, ub), constraints=constraints,
                       options={"mip_rel_gap": 0, "presolve": False})
        if res.status != 0 or res.x is None:
            raise RuntimeError(f"the disclosure audit could not bound {self.keys[j]}: {res.message}")
        x = np.rint(res.x).astype(int)
        for v, val in zip(free, x):
            w = self.knowledge.witness(self.keys[v])
            w[0], w[1] = min(w[0], int(val)), max(w[1], int(val))
        return int(x[col[j]])

    def binding(self, key: Key, depth: int = 3) -> list[int]:
        """The constraints (rows of the knowledge) that set ``key``'s bounds, and those that set the
        bounds of the other unknowns in them, ``depth`` steps back: where printing less could help."""
        out: list[int] = []
        frontier = [self.index[key]]
        seen_vars = set(frontier)
        by_row = {f.row: f for f in self.rows}
        for _ in range(depth):
            nxt = []
            for j in frontier:
                for r in (self.why_lo[j], self.why_hi[j]):
                    if r is None or r in out:
                        continue
                    out.append(r)
                    for i in by_row[r].idx:
                        if i not in seen_vars:
                            seen_vars.add(i)
                            nxt.append(i)
            frontier = nxt
        return out
