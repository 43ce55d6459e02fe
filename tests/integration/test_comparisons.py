"""annex.json's ``comparisons`` and ``items_not_updated`` (interfaces.md "Comparisons between quarters").

A world of two quarters with committees that report in only one of them, a blank value, a lead
that stops reporting after an item is Complete, a lead that last reported two quarters ago and a
lead that never reports. The marts' figures are checked against the same figures worked out here
independently, from the returns as they were dropped.
"""

from __future__ import annotations

import html as html_lib
import re

import pytest

from cpip.briefing.compose import annex_json, read_cycle_data
from cpip.briefing.cycle import compose
from cpip.briefing.render import render_html
from cpip.review.versions import plan_version
from cpip.core.periods import Period
from cpip.core.settings import load_settings
from cpip.core.vocabulary import COMPLETE
from cpip.warehouse import db as wh

pytestmark = pytest.mark.slow

Q1, Q2, Q3 = Period(2026, 1), Period(2026, 2), Period(2026, 3)
BOTH = ("CPC-ANGUS", "CPC-FIFE")  # report figures in both quarters
Q3_ONLY, Q2_ONLY = "CPC-MORAY", "CPC-ORKNEY"
BLANK_IN_Q2 = ("CPC-FIFE", "REGISTRATIONS")  # a figure not available last quarter: Fife is unmatched for it alone
STOPPED_AFTER_COMPLETE = "CELCIS"  # reports Q2 with one item Complete, then nothing
LAST_IN_Q1 = "SCRA"  # reported Q1 only
NEVER = "COSLA"  # never reports


@pytest.fixture(scope="module")
def world(tmp_path_factory, ref):
    from tests.conftest import Home

    mp = pytest.MonkeyPatch()
    home = Home(tmp_path_factory.mktemp("comparisons") / "home", mp, ref)
    dropped: dict[tuple[str, Period], object] = {}

    def drop(partner: str, period: Period, **change):
        ret = home.sample(partner, period, seed=7)
        if partner == STOPPED_AFTER_COMPLETE:
            row = next(r for r in ret.progress if ref.items[r["item_id"]].lead_partner == partner)
            row["status"], row["percent_complete"], row["forecast_completion"] = COMPLETE, 100, None
        if (partner, str(period)) == (BLANK_IN_Q2[0], str(Q2)):
            row = next(r for r in ret.indicators if r["indicator_id"] == BLANK_IN_Q2[1])
            row["value"], row["note"] = None, "Not available: the case system was being replaced."
        home.drop_xlsx(ret)
        dropped[(partner, period)] = ret

    drop(LAST_IN_Q1, Q1)
    for p in (*BOTH, Q2_ONLY, STOPPED_AFTER_COMPLETE):
        drop(p, Q2)
    for p in (*BOTH, Q3_ONLY):
        drop(p, Q3)
    results = home.intake(now="2026-10-15T09:00")
    assert {r["outcome"] for r in results} <= {"accepted", "accepted_with_warnings"}, results
    settings = load_settings(home.path, {"CPIP_NOW": "2026-11-10T09:00"})
    with wh.home_session(settings, ref) as con:
        data = read_cycle_data(con, Q3, settings.cycle.due_days)
    annex = annex_json(data, ref, "run-1", settings.now, settings.briefing.suppress_below, settings.cycle.due_days)
    docs = plan_version(settings, Q3, compose(settings, ref, data))  # a draft's pages, as a reviewer sees them
    html = render_html(docs.briefing, docs.annex, "restricted", settings.briefing.marking)
    yield ref, dropped, annex, html
    mp.undo()


def _values(dropped, period: Period) -> dict[str, dict[str, int]]:
    """Each committee's figures for the period, as dropped (blank values left out)."""
    return {ret.partner_code: {r["indicator_id"]: r["value"] for r in ret.indicators if r["value"] is not None}
            for (partner, p), ret in dropped.items() if p == period and ret.indicators}


def test_comparisons_match_an_independent_computation(world):
    ref, dropped, annex, _ = world
    now, before = _values(dropped, Q3), _values(dropped, Q2)
    comp = annex["comparisons"]
    assert comp["previous_period"] == "2026-Q2"
    assert list(comp["indicators"]) == list(ref.indicators)  # indicators.csv order
    for ind in ref.indicators:
        cur = {p: v[ind] for p, v in now.items() if ind in v}
        prev = {p: v[ind] for p, v in before.items() if ind in v}
        matched = sorted(set(cur) & set(prev))
        expected = {"current": sum(cur.values()) if cur else None, "current_cpcs": len(cur),
                    "previous": sum(prev.values()) if prev else None, "previous_cpcs": len(prev),
                    "matched_cpcs": len(matched),
                    "current_matched": sum(cur[p] for p in matched) if matched else None,
                    "previous_matched": sum(prev[p] for p in matched) if matched else None}
        expected["change"] = (expected["current_matched"] - expected["previous_matched"]) if matched else None
        assert comp["indicators"][ind] == expected, ind


def test_the_world_has_what_the_comparison_must_survive(world):
    """Guards the test above: unmatched committees on both sides, and one indicator matched over fewer."""
    _, _, annex, _ = world
    comp = annex["comparisons"]["indicators"]
    assert all(c["current_cpcs"] == 3 and c["matched_cpcs"] <= 2 for c in comp.values())
    assert comp[BLANK_IN_Q2[1]]["matched_cpcs"] == 1 and comp[BLANK_IN_Q2[1]]["previous_cpcs"] == 2
    assert any(c["current"] - c["previous"] != c["change"] for c in comp.values())  # totals differ from the change


def test_items_not_updated_say_what_was_last_reported(world):
    ref, dropped, annex, _ = world
    reported_q3 = {p for (p, q) in dropped if q == Q3}
    expected = []
    for item_id, item in ref.items.items():  # register order
        if item.lead_partner in reported_q3:
            continue
        earlier = sorted((q for (p, q) in dropped if p == item.lead_partner and q < Q3), reverse=True)
        last = dropped[(item.lead_partner, earlier[0])] if earlier else None
        status = next((r["status"] for r in last.progress if r["item_id"] == item_id), None) if last else None
        expected.append({"item_id": item_id, "last_status": status, "last_period": str(earlier[0]) if earlier else None})
    assert annex["items_not_updated"] == expected
    by_lead: dict[str, dict] = {}
    for e in expected:  # each lead's first item in register order
        by_lead.setdefault(ref.items[e["item_id"]].lead_partner, e)
    assert by_lead[STOPPED_AFTER_COMPLETE]["last_status"] == COMPLETE
    assert by_lead[STOPPED_AFTER_COMPLETE]["last_period"] == "2026-Q2"
    assert by_lead[LAST_IN_Q1]["last_period"] == "2026-Q1" and by_lead[LAST_IN_Q1]["last_status"]
    assert by_lead[NEVER] == {**by_lead[NEVER], "last_status": None, "last_period": None}


def test_every_change_the_restricted_form_prints_is_a_matched_change(world):
    """The indicator tables' change column is the change over the committees that reported both
    quarters, with their number, and each total says how many committees it covers."""
    ref, _, annex, html = world
    comp = annex["comparisons"]["indicators"]
    section = html[html.index('id="national-all"'):]
    section = section[:section.index("</table>")]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        cells = [html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
        if len(cells) == 5 and cells[1] in comp:
            rows[cells[1]] = cells[2:]
    assert set(rows) == set(comp)
    for ind, (now, before, change) in rows.items():
        c = comp[ind]
        assert now == f"{c['current']:,} ({c['current_cpcs']})"
        assert before == f"{c['previous']:,} ({c['previous_cpcs']})"
        assert change == f"{c['change']:+,} ({c['matched_cpcs']})"


def test_an_item_not_updated_shows_what_was_last_reported_where_it_is_read(world):
    ref, _, annex, html = world
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    assert f"{len(annex['items_not_updated'])} items were not updated this quarter (last reported:" in text
    for r in annex["items_not_updated"]:
        row = next(tr for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S) if f">{r['item_id']}<" in tr)
        said = (f"last reported {r['last_status']}, {r['last_period']}" if r["last_status"] else "never reported")
        assert said in html_lib.unescape(row), r
