"""The disclosure audit (returns.md §10) as the oracle: exact against brute force on tiny worlds; the
suppression passes it on random small worlds of several quarters (register identity holding), with
and without an earlier approved release; the first release's rule fails it on the issue's cases."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from cpip.briefing.audit import SUPPRESSED, Quarter, Release, Rules, audit, spans
from cpip.briefing.disclosure import first_release_rule, protect, publication, release_of
from cpip.review.changes import published_changes

E, R, D, B, S = "ON_REGISTER_END", "REGISTRATIONS", "DEREGISTRATIONS", "REREGISTRATIONS", "SCR_STARTED"
RULES = Rules(5, {B: R}, (E, R, D))
PERIODS = ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


def national(by_partner: dict) -> dict:
    inds = sorted({i for v in by_partner.values() for i in v})
    out = {}
    for i in inds:
        vals = [v[i] for v in by_partner.values() if v.get(i) is not None]
        out[i] = sum(vals) if vals else None
    return out


def quarters_of(values: list[dict]) -> list[dict]:
    return [{"period": PERIODS[n], "by_partner": v, "national": national(v)} for n, v in enumerate(values)]


def release(name: str, quarters: list[dict], shown: list[dict]) -> Release:
    return Release(name, tuple(Quarter(q["period"], q["by_partner"], s["by_partner"], s["national"])
                               for q, s in zip(quarters, shown)))


def fixed_rule(quarters: list[dict]) -> list[dict]:
    return [dict(zip(("by_partner", "national"), first_release_rule(q["by_partner"], q["national"], 5)))
            for q in quarters]


@st.composite
def worlds(draw, n_quarters=(2, 3), cpcs=(2, 5)):
    """Committees' register stock and flows over a few quarters, the identity holding, many values small."""
    names = [f"CPC-{c}" for c in "ABCDE"[:draw(st.integers(*cpcs))]]
    n = draw(st.integers(*n_quarters))
    small = st.integers(0, 6)
    values = [dict() for _ in range(n)]
    for c in names:
        end = draw(st.one_of(small, st.integers(0, 60)))
        for q in range(n):
            reg = draw(st.one_of(small, st.integers(0, 30)))
            dereg = draw(st.integers(0, end + reg))
            end = end + reg - dereg
            values[q][c] = {E: end, R: reg, D: dereg, B: draw(st.integers(0, reg)), S: draw(st.integers(0, 3))}
            if draw(st.integers(0, 9)) == 0:
                values[q][c][draw(st.sampled_from([E, R, D, B, S]))] = None  # not available
    return quarters_of(values)


def published_ok(quarters: list[dict], protection) -> None:
    for q, p in zip(quarters, protection.quarters):
        for c, vals in q["by_partner"].items():
            for i, v in vals.items():
                shown = p["by_partner"][c][i]
                if RULES.small(v):
                    assert shown == SUPPRESSED
                elif v in (0, None):
                    assert shown == v  # zeros and blanks are shown as they are
                else:
                    assert shown in (v, SUPPRESSED)


def _v(end, reg, dereg, rereg) -> dict:
    return {E: end, R: reg, D: dereg, B: rereg, S: 0}


# A world on which HiGHS's presolve called a feasible problem infeasible (found by Hypothesis).
PRESOLVE_CASE = quarters_of([
    {"CPC-A": _v(21, 18, 0, 0), "CPC-B": _v(7, 7, 0, 0), "CPC-C": _v(1, 1, 0, 0)},
    {"CPC-A": _v(1, 6, 26, 3), "CPC-B": _v(8, 1, 0, 1), "CPC-C": _v(3, 2, None, 1)},
    {"CPC-A": _v(1, 0, 0, 0), "CPC-B": _v(8, 0, 0, 0), "CPC-C": _v(3, 0, 0, 0)}])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
@example(PRESOLVE_CASE)
def test_what_protect_publishes_passes_the_audit(quarters):
    p = protect(quarters, RULES)
    published_ok(quarters, p)
    assert audit([release("v1", quarters, p.quarters)], RULES) == []
    assert p.report["unprotectable"] == []


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(n_quarters=(3, 3)), st.data())
def test_a_later_release_and_a_revision_pass_the_audit_with_the_approved_ones(quarters, data):
    """Quarter 2 approved, then quarter 3 (every quarter reprinted), then quarter 3 revised after a late
    correction of one value: each passes the audit over itself and every release before it."""
    first = protect(quarters[:2], RULES)
    v1 = release("2026-Q2 version 1", quarters[:2], first.quarters)
    second = protect(quarters, RULES, [v1])
    v2 = release("2026-Q3 version 1", quarters, second.quarters)
    assert audit([v1, v2], RULES) == []
    c = data.draw(st.sampled_from(sorted(quarters[2]["by_partner"])))
    revised = [dict(q, by_partner={p: dict(v) for p, v in q["by_partner"].items()}) for q in quarters]
    revised[2]["by_partner"][c][S] = data.draw(st.integers(0, 3))  # a flow no identity holds
    revised[2]["national"] = national(revised[2]["by_partner"])
    third = protect(revised, RULES, [v1, v2])
    published_ok(revised, third)
    assert audit([v1, v2, release("2026-Q3 version 2", revised, third.quarters)], RULES) == []
    assert third.report["unprotectable"] == []


def test_the_significant_case_reviews_of_the_issue():
    """Dundee 1, Fife 2, every other committee 0, total 3: each could only be 1 or 2."""
    q = quarters_of([{"CPC-DUNDEE": {S: 1}, "CPC-FIFE": {S: 2}, "CPC-GLASGOW": {S: 0}, "CPC-ANGUS": {S: 0}}])
    found = audit([release("old", q, fixed_rule(q))], RULES)
    assert {(s.key.partner, s.least, s.greatest) for s in found} == {("CPC-DUNDEE", 1, 2), ("CPC-FIFE", 1, 2)}
    p = protect(q, RULES)
    assert p.quarters[0]["national"][S] == SUPPRESSED and p.report["totals"] == 1
    assert audit([release("new", q, p.quarters)], RULES) == []
    assert p.report["national_totals"] == [{"period": PERIODS[0], "indicator": S, "value": 3,
                                           "why": f"protects CPC-DUNDEE's {S} of {PERIODS[0]}"}]


def test_registrations_follow_from_the_register_identity():
    """Registrations [c] beside de-registrations and this and last quarter's register: exact."""
    before = {"CPC-A": {E: 50, R: 12, D: 10}, "CPC-B": {E: 80, R: 20, D: 18}, "CPC-C": {E: 70, R: 15, D: 14}}
    now = {"CPC-A": {E: 48, R: 3, D: 5}, "CPC-B": {E: 85, R: 22, D: 17}, "CPC-C": {E: 71, R: 16, D: 15}}
    q = quarters_of([before, now])
    found = audit([release("old", q, fixed_rule(q))], RULES)
    assert [(s.key.partner, s.key.indicator, s.least, s.greatest) for s in found] == [("CPC-A", R, 3, 3)]
    p = protect(q, RULES)
    assert audit([release("new", q, p.quarters)], RULES) == []
    assert p.quarters[1]["national"][R] == 41  # committee values protect it; no national total needed
    assert p.report["totals"] == 0


def test_a_revision_that_prints_a_suppressed_total_gives_fife_away():
    """The first release's revision printed the total 3 -> 2 while suppressing it and Fife's value."""
    v1_values = {"CPC-DUNDEE": {S: 1}, "CPC-FIFE": {S: 2}, "CPC-GLASGOW": {S: 0}}
    v2_values = {"CPC-DUNDEE": {S: 0}, "CPC-FIFE": {S: 2}, "CPC-GLASGOW": {S: 0}}
    q1, q2 = quarters_of([v1_values]), quarters_of([v2_values])
    p1 = protect(q1, RULES)
    v1 = release("v1", q1, p1.quarters)
    p2 = protect(q2, RULES, [v1])
    assert p2.quarters[0]["national"][S] == SUPPRESSED and p2.quarters[0]["by_partner"]["CPC-FIFE"][S] == SUPPRESSED
    assert audit([v1, release("v2", q2, p2.quarters)], RULES) == []
    # As the first release printed it: the total 2 beside Dundee's 0 and Fife's [c].
    leaked = dict(p2.quarters[0], national={S: 2})
    assert [s.key.partner for s in audit([v1, release("v2", q2, [leaked])], RULES)] == ["CPC-FIFE"]
    # The publication's "What changed" prints no figure [c] in either version.
    brief = {"period": PERIODS[0], "items": [], "totals": {}, "movement": {}, "returns": {},
             "data_quality": {"open_warnings": 0}}
    old = publication({**brief, "indicators": {"national": national(v1_values), "reporting_cpcs": 3,
                                               "by_partner": v1_values}}, p1)
    new = publication({**brief, "indicators": {"national": national(v2_values), "reporting_cpcs": 3,
                                               "by_partner": v2_values}}, p2)
    assert old["indicators"]["national"][S] == SUPPRESSED
    assert [c["figure"] for c in published_changes(old, new, {}, [])] == []


def test_an_approved_version_is_read_back_as_it_was_printed():
    q = quarters_of([{"CPC-A": {S: 1}, "CPC-B": {S: 7}}, {"CPC-A": {S: 2}, "CPC-B": {S: 9}}])
    p = protect(q, RULES)
    annex = {"trends": [{"period": t["period"], "by_partner": t["by_partner"]} for t in q],
             "trends_publication": p.quarters}
    pub = {"period": PERIODS[1], "indicators": {"national": p.quarters[1]["national"],
                                                "by_partner": p.quarters[1]["by_partner"]}}
    r = release_of("v1", annex, pub)
    assert r == release("v1", q, p.quarters)


# --- the audit is exact: brute force on tiny worlds ------------------------------------------

BOX = 12  # brute force looks at whole numbers up to this; a greatest at it means "at least"


def brute_spans(quarters: list[dict], shown: list[dict]) -> dict[tuple, tuple[int, int]]:
    """Every assignment of the suppressed values in 1..BOX meeting the reader's knowledge."""
    unknown = [(q["period"], c, i) for q, s in zip(quarters, shown) for c, v in q["by_partner"].items()
               for i, x in v.items() if s["by_partner"][c][i] == SUPPRESSED]
    truth = {(q["period"], c, i): x for q in quarters for c, v in q["by_partner"].items() for i, x in v.items()}
    seen: dict[tuple, list[int]] = {k: [BOX + 1, 0] for k in unknown}
    for values in itertools.product(range(1, BOX + 1), repeat=len(unknown)):
        world = {**truth, **dict(zip(unknown, values))}
        if not _consistent(world, quarters, shown):
            continue
        for k, v in zip(unknown, values):
            seen[k][0], seen[k][1] = min(seen[k][0], v), max(seen[k][1], v)
    return {k: tuple(v) for k, v in seen.items()}


def _consistent(world: dict, quarters: list[dict], shown: list[dict]) -> bool:
    for q, s in zip(quarters, shown):
        p = q["period"]
        for i, t in s["national"].items():
            if t not in (SUPPRESSED, None) and sum(world[(p, c, i)] for c in q["by_partner"]
                                                   if world.get((p, c, i)) is not None) != t:
                return False
        for c in q["by_partner"]:
            b, w = world.get((p, c, B)), world.get((p, c, R))
            if b is not None and w is not None and b > w:
                return False
    for n, q in enumerate(quarters[1:], start=1):
        p, before = q["period"], quarters[n - 1]["period"]
        for c in q["by_partner"]:
            vals = [world.get(k) for k in ((p, c, E), (before, c, E), (p, c, R), (p, c, D))]
            truth = [quarters[m]["by_partner"].get(c, {}).get(i) for m, i in ((n, E), (n - 1, E), (n, R), (n, D))]
            if None in vals or None in truth or truth[0] != truth[1] + truth[2] - truth[3]:
                continue
            if vals[0] != vals[1] + vals[2] - vals[3]:
                return False
    return True


@st.composite
def tiny(draw):
    """One or two quarters of two or three committees, with up to three values suppressed, each in a
    sum printed below BOX (where brute force is exact)."""
    quarters = draw(worlds(n_quarters=(1, 2), cpcs=(2, 3)))
    for q in quarters:
        for v in q["by_partner"].values():
            for i in list(v):
                if v[i] is not None and v[i] > 9:
                    v[i] = draw(st.integers(5, 9))
            if v[B] is not None and v[R] is not None:
                v[B] = min(v[B], v[R])  # a part is never more than its whole (I04)
        q["national"] = national(q["by_partner"])
    cells = sorted((n, c, i) for n, q in enumerate(quarters) for c, v in q["by_partner"].items()
                   for i, x in v.items() if x and q["national"][i] < BOX)
    assume(cells)
    hidden = set(draw(st.lists(st.sampled_from(cells), min_size=1, max_size=3, unique=True)))
    shown = []
    for n, q in enumerate(quarters):
        by_partner = {c: {i: SUPPRESSED if (n, c, i) in hidden else x for i, x in v.items()}
                      for c, v in q["by_partner"].items()}
        rows = {i for (m, _, i) in hidden if m == n}
        nat = {i: (SUPPRESSED if i not in rows and t and draw(st.integers(0, 3)) == 0 else t)
               for i, t in q["national"].items()}
        shown.append({"by_partner": by_partner, "national": nat})
    return quarters, shown


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny())
def test_the_audit_finds_exactly_what_brute_force_finds(world):
    quarters, shown = world
    want = brute_spans(quarters, shown)
    got = spans([release("r", quarters, shown)], RULES)
    for key, span in got.items():
        assert (span.least, span.greatest) == want.get((key.period, key.partner, key.indicator),
                                                       (key.value, key.value)), key  # a small value shown: exact
    # The quick decisions (propagation, witnesses) agree with the exact ones.
    assert {s.key for s in audit([release("r", quarters, shown)], RULES, exact=False)} == \
        {k for k, s in got.items() if not s.protected}
