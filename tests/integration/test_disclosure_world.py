"""Disclosure control on a real home (real DuckDB, real cycles): the issue's cases planted after an
approved quarter, then a late correction and a revision. Every approved version, read back from
``versions/N/final/``, passes the audit of returns.md §10 together; the first release's rule on the
same figures fails it; no small committee value of the restricted form is in any publication output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from cpip.app import samples
from cpip.app.demo import REGISTER_AT_START
from cpip.briefing.audit import SUPPRESSED, Quarter, Release, audit
from cpip.briefing.disclosure import first_release_rule, release_of, rules_for
from cpip.core.periods import Period
from cpip.reference.tables import load_reference
from tests.conftest import cpip_cli

pytestmark = pytest.mark.slow  # three cycles, each rendered to PDF

Q2, Q3 = Period(2026, 2), Period(2026, 3)
SCR, REG, DEREG, END = "SCR_STARTED", "REGISTRATIONS", "DEREGISTRATIONS", "ON_REGISTER_END"
BIG = "CPC-GLASGOW"  # its registrations planted small beside large de-registrations and register counts


def _indicators(ref, c: str, period: Period, previous: list[dict] | None) -> list[dict]:
    return samples.make_indicators(ref, c, period, 7, previous, REGISTER_AT_START[c])


def _drop(home: Path, ref, c: str, period: Period, rows: list[dict], name: str) -> None:
    ret = samples.make_return(ref, c, period)
    ret = samples.SampleReturn(c, str(period), ret.cover, [], [dict(r, note=None) for r in rows])
    samples.write_indicators_csv(home / "inbox" / c / name, ret)


def _run(home: Path, *args: str, now: str):
    r = cpip_cli(*args, "--home", str(home), env={"CPIP_NOW": now})
    assert r.returncode == 0, r.stderr
    return r


def _releases(home: Path) -> list[Release]:
    out = []
    for final in sorted(home.glob("outbox/briefings/*/versions/*/final")):
        out.append(release_of(f"{final.parents[2].name} version {final.parent.name}",
                              json.loads((final / "annex.json").read_text()),
                              json.loads((final / "publication.json").read_text())))
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ref = load_reference()
    home = tmp_path_factory.mktemp("disclosure") / "home"
    home.mkdir()
    (home / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\n[review]\nrequired = false\n")
    assert cpip_cli("init", "--home", str(home)).returncode == 0
    cpcs = sorted(p for p, v in ref.partners.items() if v.reports_indicators)
    q2 = {c: _indicators(ref, c, Q2, None) for c in cpcs}
    for c in cpcs:
        _drop(home, ref, c, Q2, q2[c], f"{c}-q2.csv")
    _run(home, "intake", now="2026-07-20T09:00")
    _run(home, "cycle", "--period", str(Q2), now="2026-08-10T09:00")  # approved: [review] required = false

    q3 = {c: _indicators(ref, c, Q3, q2[c]) for c in cpcs}
    for c in cpcs:
        vals = {r["indicator_id"]: r for r in q3[c]}
        vals[SCR]["value"] = {"CPC-DUNDEE": 1, "CPC-FIFE": 2}.get(c, 0)
        if c == BIG:  # registrations 3: the register still adds up (I06), every part at most 3 (I04)
            before = {r["indicator_id"]: r["value"] for r in q2[c]}[END]
            vals[REG]["value"] = 3
            vals[END]["value"] = before + 3 - vals[DEREG]["value"]
            for i, meta in ref.indicators.items():
                if meta.part_of == REG:
                    vals[i]["value"] = min(vals[i]["value"], 3)
        _drop(home, ref, c, Q3, q3[c], f"{c}-q3.csv")
    _run(home, "intake", now="2026-10-20T09:00")
    first = _run(home, "cycle", "--period", str(Q3), "--json", now="2026-11-10T09:00")
    after_q3 = _releases(home)
    # Dundee corrects its significant case reviews to 0, late: version 2 of 2026-Q3.
    late = [dict(r, value=0) if r["indicator_id"] == SCR else r for r in q3["CPC-DUNDEE"]]
    _drop(home, ref, "CPC-DUNDEE", Q3, late, "CPC-DUNDEE-q3-corrected.csv")
    _run(home, "intake", now="2026-11-20T09:00")
    second = _run(home, "cycle", "--period", str(Q3), "--json", now="2026-11-21T09:00")
    return home, ref, after_q3, first, json.loads(second.stdout), second


def test_every_approved_version_passes_the_audit_together(world):
    home, ref, after_q3, *_ = world
    rules = rules_for(ref, 5)
    assert [r.name for r in after_q3] == ["2026-Q2 version 1", "2026-Q3 version 1"]
    assert audit(after_q3, rules) == []
    everything = _releases(home)
    assert [r.name for r in everything][-1] == "2026-Q3 version 2"
    assert audit(everything, rules) == []  # the revision, against both earlier approved versions


def test_the_first_release_rule_fails_the_audit_on_the_same_figures(world):
    home, ref, after_q3, *_ = world
    old = []
    for r in after_q3:
        quarters = []
        for q in r.quarters:
            nat = {i: sum(v[i] for v in q.values.values() if v.get(i) is not None) for i in ref.indicators}
            by_partner, national = first_release_rule(q.values, nat, 5)
            quarters.append(Quarter(q.period, q.values, by_partner, national))
        old.append(Release(r.name, tuple(quarters)))
    found = {(s.key.period, s.key.partner, s.key.indicator) for s in audit(old, rules_for(ref, 5))}
    assert {("2026-Q3", "CPC-DUNDEE", SCR), ("2026-Q3", "CPC-FIFE", SCR), ("2026-Q3", BIG, REG)} <= found


def test_no_small_committee_value_is_in_any_publication_output_and_every_output_is_one_set(world):
    home, ref, _, first, revised, _ = world
    out = home / "outbox" / "briefings" / str(Q3)
    annex = json.loads((out / "annex.json").read_text())
    pub = json.loads((out / "publication.json").read_text())
    shown = {t["period"]: t for t in annex["trends_publication"]}
    assert shown[str(Q3)]["by_partner"] == pub["indicators"]["by_partner"]
    assert shown[str(Q3)]["national"] == pub["indicators"]["national"]
    small = {(t["period"], c, i) for t in annex["trends"] for c, v in t["by_partner"].items() for i, x in v.items()
             if x is not None and 1 <= x <= 4}
    assert ("2026-Q3", "CPC-FIFE", SCR) in small and ("2026-Q3", BIG, REG) in small
    for period, c, i in small:
        assert shown[period]["by_partner"][c][i] == SUPPRESSED
    # The CSV and the spreadsheet: [c] exactly where the publication's JSON has it.
    paths = revised["publication"]
    rows = list(csv.DictReader(io.StringIO(Path(paths["figures_csv"]).read_text(encoding="utf-8-sig"))))
    for r in rows:
        if r["committee_code"]:
            want = shown[r["period"]]["by_partner"].get(r["committee_code"], {}).get(r["indicator_code"])
            assert r["value"] == ("[x]" if want is None else str(want)), r
    import openpyxl
    ws = openpyxl.load_workbook(paths["figures_xlsx"])["By_committee"]
    held = [t["period"] for t in annex["trends_publication"]]
    for row in ws.iter_rows(min_row=3, values_only=True):
        if row[3]:
            for period, cell in zip(held, row[4:]):
                want = shown[period]["by_partner"].get(row[3], {}).get(row[1])
                assert cell == ("[x]" if want is None else want), (period, row[:4])
    assert pub["indicators"]["national"][SCR] == SUPPRESSED  # no committee value could protect it


def test_the_revision_prints_no_change_in_a_suppressed_figure_and_annex_c_says_what_is_hidden(world):
    home, ref, _, first, revised, second = world
    out = home / "outbox" / "briefings" / str(Q3)
    annex = json.loads((out / "annex.json").read_text())
    review = annex["review"]
    assert review["replaces"]["version"] == 1
    assert any(c["figure"] == f"indicators.national.{SCR}" for c in review["changes"])  # 3 -> 2, restricted
    assert all(SUPPRESSED not in (c["old"], c["new"]) for c in review["changes_publication"])
    assert not any(c["figure"] == f"indicators.national.{SCR}" for c in review["changes_publication"])
    public = Path(revised["publication"]["html"]).read_text()
    restricted = Path(revised["restricted"]["html"]).read_text()
    changed_p = public.split('id="what-changed"')[1]
    assert "National total: SCR_STARTED" not in changed_p
    assert "National total: SCR_STARTED" in restricted.split('id="what-changed"')[1]
    # Annex C (restricted only) and the cycle's log say which national totals are suppressed, and why.
    d = annex["disclosure"]
    assert {(t["period"], t["indicator"]) for t in d["national_totals"]} >= {(str(Q3), SCR)}
    assert "What the publication does not show" in restricted and "What the publication does not show" not in public
    assert f"the national total of {SCR} for {Q3} is suppressed" in second.stderr
    assert d["primary"] > 0 and d["carried"] > 0 and d["unprotectable"] == []
