"""The cost of disclosure control: suppression with the audit, beside the first release's fixed rule.

Usage:  python bench/disclosure.py [--quarters 8] [--tries 3]

The world: the 30 committees and 19 indicators of the shipped reference data over 8 quarters
(2025-Q1 to 2026-Q4), made by the demo's own generator (:func:`cpip.app.samples.make_indicators`,
registers shaped like Scotland's, so the register identity holds and the island committees give
small values everywhere). Two figures, each the best of ``--tries`` runs in this process (scipy
imported first: its import, about 0.5 s, is paid once per process, not per release):

* **one release**: :func:`cpip.briefing.disclosure.protect` choosing every [c] of the 8 quarters,
  no earlier version (target: 2 s), and the audit of the result alone
  (:func:`cpip.briefing.audit.audit`);
* **the eighth release**: the same, with the 7 earlier quarterly releases approved (each made by
  ``protect`` in turn, kept as what the audit reads); only the last one is timed (target: 2 s).

Beside them, the first release's fixed rule (:func:`cpip.briefing.disclosure.first_release_rule`)
on the same quarters, the fastest plain alternative, and how many small values the audit finds it
gives away. Runs in well under a minute.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cpip.app import demo, samples  # noqa: E402
from cpip.briefing import audit as audit_mod  # noqa: E402
from cpip.briefing.disclosure import first_release_rule, protect, rules_for  # noqa: E402
from cpip.core.periods import Period  # noqa: E402
from cpip.reference.tables import load_reference  # noqa: E402

TARGET = 2.0


def world(quarters: int) -> tuple[object, list[dict]]:
    """Every committee's values in every quarter, oldest first, as ``protect`` takes them."""
    ref = load_reference(None)
    cpcs = sorted(p for p, v in ref.partners.items() if v.reports_indicators)
    periods, p = [], Period(2025, 1)
    for _ in range(quarters):
        periods.append(p)
        p = p.next()
    previous: dict[str, list[dict]] = {}
    out = []
    for period in periods:
        by_partner = {}
        for c in cpcs:
            rows = samples.make_indicators(ref, c, period, 7, previous.get(c), demo.REGISTER_AT_START.get(c, 40))
            previous[c] = rows
            by_partner[c] = {r["indicator_id"]: r["value"] for r in rows}
        national = {i: sum(v[i] for v in by_partner.values()) for i in ref.indicators}
        out.append({"period": str(period), "by_partner": by_partner, "national": national})
    return ref, out


def release(name: str, quarters: list[dict], shown: list[dict]) -> audit_mod.Release:
    return audit_mod.Release(name, tuple(audit_mod.Quarter(q["period"], q["by_partner"], s["by_partner"], s["national"])
                                         for q, s in zip(quarters, shown)))


def best(fn, tries: int):
    times, result = [], None
    for _ in range(tries):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quarters", type=int, default=8)
    ap.add_argument("--tries", type=int, default=3)
    args = ap.parse_args()
    import scipy.optimize  # noqa: F401  (once per process)

    ref, quarters = world(args.quarters)
    rules = rules_for(ref, 5)
    cells = sum(len(v) for q in quarters for v in q["by_partner"].values())
    print(f"World: {len(quarters[0]['by_partner'])} committees x {len(ref.indicators)} indicators x "
          f"{len(quarters)} quarters = {cells:,} values, "
          f"{sum(1 for q in quarters for v in q['by_partner'].values() for x in v.values() if rules.small(x))} small")

    t_one, prot = best(lambda: protect(quarters, rules), args.tries)
    r = prot.report
    t_audit, found = best(lambda: audit_mod.audit([release("one", quarters, prot.quarters)], rules, exact=False),
                          args.tries)
    print(f"one release:      protect {t_one:.2f} s (target {TARGET:.0f} s: {'met' if t_one <= TARGET else 'MISSED'}); "
          f"primary {r['primary']}, secondary {r['secondary']}, totals {r['totals']}; "
          f"its audit alone {t_audit:.2f} s, {len(found)} small values narrowed")

    earlier = []
    for n in range(1, len(quarters)):
        held = quarters[:n]
        p = protect(held, rules, earlier)
        earlier.append(release(f"{held[-1]['period']} version 1", held, p.quarters))
    t_last, prot = best(lambda: protect(quarters, rules, earlier), args.tries)
    r = prot.report
    found = audit_mod.audit(earlier + [release("last", quarters, prot.quarters)], rules, exact=False)
    print(f"eighth release:   protect {t_last:.2f} s (target {TARGET:.0f} s: {'met' if t_last <= TARGET else 'MISSED'}) "
          f"with {len(earlier)} earlier versions; primary {r['primary']}, carried {r['carried']}, "
          f"secondary {r['secondary']}, totals {r['totals']}; audit: {len(found)} small values narrowed")

    def fixed():
        return [dict(zip(("by_partner", "national"), first_release_rule(q["by_partner"], q["national"], 5)))
                for q in quarters]
    t_fixed, shown = best(fixed, args.tries)
    found = audit_mod.audit([release("fixed", quarters, shown)], rules, exact=False)
    print(f"first release's fixed rule: {t_fixed * 1000:.1f} ms, the plain alternative "
          f"({t_one / t_fixed:.0f}x faster than protect); the audit finds {len(found)} small values it gives away")


if __name__ == "__main__":
    main()
