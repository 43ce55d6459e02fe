"""Disclosure control for the publication form (returns.md §10): what it prints as ``[c]``.

:func:`protect` chooses the cells of every quarter a release prints:

1. *primary*: every committee's value from 1 to ``suppress_below`` - 1 is ``[c]``; zeros and blanks
   are shown as they are;
2. *carried*: a figure an earlier approved version suppressed stays suppressed while its value is
   unchanged (showing it now would undo that version's protection);
3. *secondary*: while the audit (:mod:`cpip.briefing.audit`), over this release and every approved
   version of every period, finds a small value a reader could narrow down, one more figure is
   suppressed, among those in the constraints that pin it: committee values before national totals,
   then one no other constraint would pin on its own, then the smallest. A national total goes only
   when no committee value in those constraints is left to suppress.

A figure printed by an earlier approved version is never suppressed to protect (the reader has
it already); a value an earlier version printed that is revised to a small one is suppressed like
any small value, and the report says so (annex.json ``disclosure``, Annex C, the cycle's log).

:func:`first_release_rule` is the first release's fixed rule, which the derivations of §10 defeat:
kept as the plain alternative ``bench/disclosure.py`` measures and the tests show failing.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from cpip.briefing.audit import SUPPRESSED, Cell, Key, Knowledge, Quarter, Release, Rules, Total
from cpip.briefing.bounds import Component

@dataclass
class Protection:
    """Every quarter as the release prints it, and what was suppressed and why."""
    quarters: list[dict]  # {"period", "by_partner", "national"}, oldest first
    report: dict = field(default_factory=dict)

    def quarter(self, period: str) -> dict | None:
        return next((q for q in self.quarters if q["period"] == period), None)


def rules_for(reference: Any, suppress_below: int) -> Rules:
    """The reader's knowledge besides the figures, from the reference data (part_of, the I06 identity)."""
    flow = reference.stock_flow
    return Rules(suppress_below, {i.indicator_id: i.part_of for i in reference.indicators.values() if i.part_of},
                 (flow.stock, flow.inflow, flow.outflow) if flow else None)


def protect(quarters: Iterable[dict], rules: Rules, earlier: Iterable[Release] = ()) -> Protection:
    """The release's quarters (``{"period", "by_partner"}``, true values), as published: suppressed so that
    the audit passes over them and the ``earlier`` approved versions."""
    started = time.perf_counter()
    quarters = list(quarters)
    earlier = list(earlier)
    k = Knowledge(rules, earlier)
    fixed, known = set(k.shown), set(k.rows_of)
    cur = k.add(Release("this release", tuple(Quarter(q["period"], q["by_partner"]) for q in quarters)),
                published=False)
    why: dict[Key, Any] = {c: "primary" for c in cur.cells.values() if rules.small(c.value)}
    for key in cur.keys():
        if key in known and key not in fixed and key not in why and key.value > 0:
            why[key] = "carried"
    shown_now = {key for key in cur.keys() if key not in why and key not in fixed}  # what this release may suppress
    pending: list[Cell] | None = None  # small values not yet shown protected (a protected one stays so)
    given_up: set[Cell] = set()
    while pending is None or pending:
        shown = fixed | shown_now
        spans = k.check(shown, pending)
        pending = [s.key for s in spans.values() if not s.protected and s.key not in given_up]
        touched: set[int] = set()  # constraints given one more suppressed figure this round
        for x in pending:
            component = k.components.get(x) or Component(k, k.component(shown, x), shown)
            rows = component.binding(x) + k.rows_of[x]
            if touched & set(rows):
                continue  # the next round sees what that figure did for this value
            # Where it is pinned: a committee value, else the national total; only when neither is left
            # to suppress there, anywhere it is linked to.
            linked = sorted({f.row for f in component.rows})
            choice = next((c for where in (rows, linked) for totals in (False, True)
                           if (c := _choose(k, where, shown, shown_now, totals)) is not None), None)
            if choice is None:
                given_up.add(x)
                continue
            why[choice] = x
            shown_now.discard(choice)
            touched |= set(rows) | set(k.rows_of[choice])
        pending = [x for x in pending if x not in given_up]
    report = _report(cur, why, given_up, earlier, rules)
    report["seconds"] = round(time.perf_counter() - started, 3)
    return Protection(_published(quarters, cur, why), report)


def _choose(k: Knowledge, rows: list[int], shown: set[Key], shown_now: set[Key], totals: bool) -> Key | None:
    """The figure to suppress next from the constraints ``rows`` (committee values only, unless ``totals``):
    one that no other constraint would pin on its own before one that one would, then the smallest."""
    cands = {key for r in rows for key, _ in k.rows[r].terms
             if key in shown_now and key.value > 0 and (totals or isinstance(key, Cell))}
    if not cands:
        return None

    def pinned(key: Key) -> bool:
        """Whether another equality would leave ``key`` the only unknown in it (so determine it)."""
        return any(k.rows[r].equal and r not in rows and all(t in shown for t, _ in k.rows[r].terms if t != key)
                   for r in k.rows_of[key])
    return min(cands, key=lambda c: (isinstance(c, Total), pinned(c)) + _cost(c)[1:])


def _cost(key: Key) -> tuple:
    return (isinstance(key, Total), key.value, key.period, key.indicator, getattr(key, "partner", ""))


def _published(quarters: list[dict], cur, why: dict[Key, Any]) -> list[dict]:
    out = []
    for q in quarters:
        p = q["period"]
        by_partner = {c: {i: (SUPPRESSED if (p, c, i) in cur.cells and cur.cells[(p, c, i)] in why else v)
                          for i, v in vals.items()} for c, vals in q["by_partner"].items()}
        indicators = sorted({i for vals in q["by_partner"].values() for i in vals} | set(q.get("national") or {}))
        national = {}
        for i in q.get("national") or indicators:
            t = cur.totals.get((p, i))
            national[i] = None if t is None else SUPPRESSED if t in why else t.value
        out.append({"period": p, "by_partner": by_partner, "national": national})
    return out


def _report(cur, why: dict[Key, Any], given_up: set[Cell], earlier: list[Release], rules: Rules) -> dict:
    """annex.json's ``disclosure``: counts, and what the public will not see that it could before, and why."""
    shown_before: dict[tuple, tuple[Any, str]] = {}
    for r in earlier:
        for q in r.quarters:
            for c, vals in q.shown.items():
                for i, v in vals.items():
                    if v not in (SUPPRESSED, None):
                        shown_before[(q.period, c, i)] = (v, r.name)
            for i, v in q.national.items():
                if v not in (SUPPRESSED, None):
                    shown_before[(q.period, "", i)] = (v, r.name)

    def because(reason: Any) -> str:
        if reason in ("primary", "carried"):
            return reason
        return f"protects {reason.partner}'s {reason.indicator} of {reason.period}"

    totals, before = [], []
    for key, reason in sorted(why.items(), key=lambda kv: _cost(kv[0])[2:] + (kv[0].value,)):
        partner = getattr(key, "partner", "")
        if isinstance(key, Total):
            totals.append({"period": key.period, "indicator": key.indicator, "value": key.value,
                           "why": because(reason)})
        if (key.period, partner, key.indicator) in shown_before:
            old, name = shown_before[(key.period, partner, key.indicator)]
            before.append({"period": key.period, "partner_code": partner or None, "indicator": key.indicator,
                           "value": key.value, "shown_before": old, "shown_in": name, "why": because(reason)})
    counts = {"primary": 0, "carried": 0, "secondary": 0, "totals": 0}
    for key, reason in why.items():
        kind = "totals" if isinstance(key, Total) else reason if reason in ("primary", "carried") else "secondary"
        counts[kind] += 1
    return {"suppress_below": rules.suppress_below, **counts, "earlier_versions": [r.name for r in earlier],
            "national_totals": totals, "shown_before": before,
            "unprotectable": [{"period": c.period, "partner_code": c.partner, "indicator": c.indicator}
                              for c in sorted(given_up)]}


def release_of(name: str, annex: dict, publication: dict) -> Release:
    """An approved version as the audit reads it: every quarter it printed (annex.json's ``trends`` for the
    true values, ``trends_publication`` and publication.json for what was printed)."""
    shown = {t["period"]: t for t in annex.get("trends_publication") or []}
    now = publication["indicators"]
    quarters = []
    for t in annex.get("trends") or []:
        s = shown.get(t["period"]) or {}
        by_partner, national = s.get("by_partner") or {}, s.get("national") or {}
        if t["period"] == publication["period"]:
            by_partner, national = now["by_partner"], now["national"]
        quarters.append(Quarter(t["period"], t["by_partner"], by_partner, national))
    return Release(name, tuple(quarters))


def publication(briefing: dict, protection: Protection | int) -> dict:
    """The publication twin of ``briefing.json``: the same schema, every suppressed value ``"[c]"``.

    ``protection`` is what :func:`protect` chose for the release (or ``suppress_below``, to protect this
    quarter's figures on their own)."""
    pub = copy.deepcopy(briefing)
    ind = pub["indicators"]
    if isinstance(protection, int):
        protection = protect([{"period": briefing["period"], "by_partner": ind["by_partner"],
                               "national": ind["national"]}], Rules(protection))
    q = protection.quarter(briefing["period"])
    ind["by_partner"] = {p: dict(q["by_partner"].get(p, v)) for p, v in ind["by_partner"].items()}
    ind["national"] = {i: q["national"].get(i, v) for i, v in ind["national"].items()}
    return pub


def first_release_rule(by_partner: dict[str, dict[str, Any]], national: dict[str, Any],
                       suppress_below: int) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The first release's fixed rule, per indicator and quarter: the small values, and when exactly one
    is suppressed, the smallest other non-zero value (ties: the first partner code), else the total."""
    out = {p: dict(v) for p, v in by_partner.items()}
    nat = dict(national)
    for ind in list(national) or sorted({i for v in by_partner.values() for i in v}):
        primary = [p for p in sorted(out) if Rules(suppress_below).small(by_partner[p].get(ind))]
        for p in primary:
            out[p][ind] = SUPPRESSED
        if len(primary) == 1:
            others = sorted((by_partner[p][ind], p) for p in out if p not in primary
                            and isinstance(by_partner[p].get(ind), int) and by_partner[p][ind] > 0)
            if others:
                out[others[0][1]][ind] = SUPPRESSED
            elif ind in nat:
                nat[ind] = SUPPRESSED
    return out, nat
