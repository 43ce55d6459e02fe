"""annex.json's ``comparisons`` and ``items_not_updated`` (interfaces.md "Comparisons between quarters").

A world of two quarters with committees that report in only one of them, a blank value, a lead
that stops reporting after an item is Complete, a lead that last reported two quarters ago and a
lead that never reports. The marts' figures are checked against the same figures worked out here
independently, from the returns as they were dropped.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import datetime

import pytest

from cpip.briefing import figures
from cpip.briefing.compose import annex_json, read_cycle_data
from cpip.briefing.cycle import compose
from cpip.core.periods import period_words
from cpip.briefing.render import render_html
from cpip.review.versions import plan_version
from cpip.core.periods import Period, period_short_words
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
    yield ref, dropped, annex, html, docs
    mp.undo()


def _values(dropped, period: Period) -> dict[str, dict[str, int]]:
    """Each committee's figures for the period, as dropped (blank values left out)."""
    return {ret.partner_code: {r["indicator_id"]: r["value"] for r in ret.indicators if r["value"] is not None}
            for (partner, p), ret in dropped.items() if p == period and ret.indicators}


def test_comparisons_match_an_independent_computation(world):
    ref, dropped, annex, _, _ = world
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
    _, _, annex, _, _ = world
    comp = annex["comparisons"]["indicators"]
    assert all(c["current_cpcs"] == 3 and c["matched_cpcs"] <= 2 for c in comp.values())
    assert comp[BLANK_IN_Q2[1]]["matched_cpcs"] == 1 and comp[BLANK_IN_Q2[1]]["previous_cpcs"] == 2
    assert any(c["current"] - c["previous"] != c["change"] for c in comp.values())  # totals differ from the change


def test_items_not_updated_say_what_was_last_reported(world):
    ref, dropped, annex, _, _ = world
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


def _table_rows(html: str, start: str) -> list[list[str]]:
    """The text of each body row's cells in the first table after ``start``."""
    section = html[html.index(start):]
    section = section[section.index("<tbody"):section.index("</table>")]
    section = re.sub(r"<(title|desc)[^>]*>.*?</\1>", " ", section, flags=re.S)  # a chart's words: read apart
    return [[html_lib.unescape(re.sub(r"<[^>]+>", " ", c)).split() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S)]


def _indicator_tables(html: str) -> list[str]:
    """Every indicators table: the headline indicators in the section, their breakdowns in Annex A."""
    return re.findall(r'<table class="indicators.*?</table>', html, re.S)


def _committees(n: int) -> str:
    return f"{n} committee{'' if n == 1 else 's'}"


def _signed(n: int) -> str:
    return f"+{n:,}" if n > 0 else f"\u2212{-n:,}" if n < 0 else "0"


def test_every_change_the_restricted_form_prints_is_a_matched_change(world):
    """Both indicator tables (the section and Annex A's every indicator): each total with how many
    of the committees it covers, and the change over the committees that reported both quarters
    only, with their number; and nothing else in them reads as a change."""
    ref, _, annex, html, _ = world
    comp = annex["comparisons"]["indicators"]
    expected = sum(1 for p in annex["partners"].values() if p["cpc"])
    by_label = {ref.indicators[i].label: i for i in comp}

    def ind_of(words: list[str]) -> str:
        label = " ".join(words).removeprefix("of which: ")
        return next(i for lab, i in by_label.items() if label.startswith(lab))

    section = "".join(_indicator_tables(html))
    rows = {ind_of(r[0]): r[1:] for t in _indicator_tables(html) for r in _table_rows(t, '<table class="indicators')}
    assert set(rows) == set(comp)
    for ind, (now, change, trend) in rows.items():
        c = comp[ind]
        assert " ".join(now) == f"{c['current']:,} ({c['current_cpcs']} of {expected})"
        assert " ".join(change) == f"{_signed(c['change'])} over {_committees(c['matched_cpcs'])}", ind
        assert trend == [str(t["cpcs"][ind]) for t in annex["trends"]]  # the committees under each point
    titles = dict(re.findall(r'<title id="trend-\d+-t">([^<:]+): ([^<]*)</title>', section))
    for label, title in titles.items():
        c = comp[by_label[html_lib.unescape(label)]]
        how = "unchanged" if c["change"] == 0 else f"{'up' if c['change'] > 0 else 'down'} {abs(c['change']):,}"
        who = "the one committee" if c["matched_cpcs"] == 1 else f"the {c['matched_cpcs']} committees"
        assert title == f"{how} across {who} that reported both quarters", label
    assert len(titles) == len(comp)
    text = html_lib.unescape(re.sub(r"<(title|desc)[^>]*>.*?</\1>|<[^>]+>", " ", section, flags=re.S))
    printed = re.findall(r"[+\u2212]\d[\d,]*", text)
    assert sorted(printed) == sorted(_signed(c["change"]) for c in comp.values() if c["change"])

    annex_rows = _table_rows(html, 'id="national-all"')
    assert len(annex_rows) == len(comp)
    for r in annex_rows:
        ind = r[0][-1]  # the code under the label
        c = comp[ind]
        assert r[1:] == [f"{c['current']:,} ({c['current_cpcs']} of {expected})".split(),
                         f"{c['previous']:,} ({c['previous_cpcs']} of {expected})".split(),
                         [str(c["matched_cpcs"])], [f"{c['previous_matched']:,}"], [f"{c['current_matched']:,}"],
                         [_signed(c["change"])]]


def test_the_publication_form_prints_no_change_between_quarters(world):
    """Its totals carry their coverage, like the restricted form's; a change, worked out over
    unsuppressed values, is the restricted form's only."""
    ref, _, annex, _, docs = world
    html = render_html(docs.publication, docs.annex, "publication", "")
    expected = sum(1 for p in annex["partners"].values() if p["cpc"])
    section = html[html.index('id="indicators"'):html.index('id="all-items"')]
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", section))
    assert "same committees" not in text and "over 2 committees" not in text and "Change" not in text
    assert not re.search(r"[+\u2212]\d", text)
    rows = [r for t in _indicator_tables(html) for r in _table_rows(t, '<table class="indicators')]
    pub = docs.publication["indicators"]["national"]
    cpcs = {i: c["current_cpcs"] for i, c in annex["comparisons"]["indicators"].items()}
    assert [" ".join(r[1]) for r in rows] == [
        "n/a" if pub[i] is None else f"{pub[i]:,} ({cpcs[i]} of {expected})" if isinstance(pub[i], int)
        else f"{pub[i]} ({cpcs[i]} of {expected})" for i in _headline_then_breakdowns(ref)]
    assert all(len(r) == 3 for r in rows)  # indicator, total, trend: no change column


def _headline_then_breakdowns(ref) -> list[str]:
    """Indicators as the two tables list them: the headline ones, then each one's breakdowns in turn."""
    whole = [i for i, v in ref.indicators.items() if not v.part_of]
    return whole + [j for i in whole for j, v in ref.indicators.items() if v.part_of == i]


def test_an_item_not_updated_shows_what_was_last_reported_where_it_is_read(world):
    ref, _, annex, html, _ = world
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    assert f"{len(annex['items_not_updated'])} items were not updated this quarter (last reported:" in text
    for r in annex["items_not_updated"]:
        row = next(tr for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S) if f">{r['item_id']}<" in tr)
        said = (f"last reported {r['last_status']}, {period_words(r['last_period'])}" if r["last_status"] else "never reported")
        assert said in html_lib.unescape(row), r


def _sheet(path, name: str) -> list[list]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()


def _shown(docs, doc: dict) -> dict[str, dict]:
    """Per quarter held, what the publication shows: publication.json this quarter, its trends before."""
    shown = {t["period"]: t for t in docs.annex["trends_publication"]}
    shown[doc["period"]] = {**shown[doc["period"]], **docs.publication["indicators"]}
    return shown


@pytest.mark.parametrize("form", ["restricted", "publication"])
def test_the_figures_spreadsheet_holds_every_quarter_for_every_committee(world, tmp_path, form):
    """Every quarter held for every committee (one with no figures as [x]), each quarter headed with
    its coverage, a Committees reporting row, each figure as dropped: checked against the returns
    as they were dropped; the publication's [c] exactly where publication.json and its trends have them."""
    ref, dropped, annex, _, docs = world
    doc = docs.briefing if form == "restricted" else docs.publication
    path = figures.write_xlsx(tmp_path / "figures.xlsx", doc, docs.annex, form)
    names = {p: v["name"] for p, v in annex["partners"].items()}
    cpcs = sorted((p for p, v in annex["partners"].items() if v["cpc"]), key=names.get)
    held = [t["period"] for t in annex["trends"]]
    assert held == [str(Q1), str(Q2), str(Q3)]  # Q1: a return with no figures in it
    values = {q: _values(dropped, Period.parse(q)) for q in held}
    reporting = {q: len(v) for q, v in values.items()}
    assert reporting == {t["period"]: t["reporting_cpcs"] for t in annex["trends"]} == {"2026-Q1": 0, "2026-Q2": 3,
                                                                                       "2026-Q3": 3}
    shown = _shown(docs, doc)

    rows = _sheet(path, "By_committee")
    assert rows[0][0].startswith("Table 1: Every indicator by Child Protection Committee, every quarter held")
    assert rows[1] == ["Indicator", "Indicator code", "Committee", "Committee code"] + [
        f"{period_short_words(q)} ({reporting[q]} of {len(cpcs)} committees)" for q in held]
    body = rows[2:]
    assert len(body) == len(ref.indicators) * (len(cpcs) + 2)
    suppressed = 0
    for ind, meta in ref.indicators.items():
        block = [r for r in body if r[1] == ind]
        assert [r[3] for r in block[:-2]] == cpcs and {r[0] for r in block} == {meta.label}
        for r in block[:-2]:
            assert r[2] == names[r[3]]
            for q, cell in zip(held, r[4:]):
                dropped_value = values[q].get(r[3], {}).get(ind)
                if form == "publication" and shown[q]["by_partner"].get(r[3], {}).get(ind) == "[c]":
                    assert cell == "[c]" and isinstance(dropped_value, int)
                    suppressed += 1
                else:
                    assert cell == ("[x]" if dropped_value is None else dropped_value), (ind, r[3], q)
        with_value = [sum(1 for p in cpcs if values[q].get(p, {}).get(ind) is not None) for q in held]
        assert block[-1] == [meta.label, ind, "Committees reporting", None] + with_value
        totals = [sum(values[q][p][ind] for p in cpcs if values[q].get(p, {}).get(ind) is not None) if n else "[x]"
                  for q, n in zip(held, with_value)]
        if form == "publication":
            totals = ["[c]" if shown[q]["national"][ind] == "[c]" else t for q, t in zip(held, totals)]
        assert block[-2] == [meta.label, ind, "All reporting committees", None] + totals
    assert (suppressed > 0) == (form == "publication")
    assert ("[x]", "[x]") == (body[0][4], body[cpcs.index(Q3_ONLY)][5])  # no figures in Q1; Moray none in Q2

    national = _sheet(path, "National")
    assert national[-1] == ["Committees reporting", None, None] + [t["reporting_cpcs"] for t in annex["trends"]]
    assert len(national) == 2 + len(ref.indicators) + 1
    quarters = _sheet(path, "Quarters")[2:]
    assert [(r[0], r[1], r[2].date(), r[3].date(), r[4]) for r in quarters] == [
        (Period.parse(q).words, q, Period.parse(q).first_day, Period.parse(q).last_day, reporting[q]) for q in held]
    items = {r[0]: r for r in _sheet(path, "Items")[2:]}
    dated = 0
    for item_id, meta in docs.annex["items"].items():
        for col, key in ((9, "target_date"), (10, "forecast_completion")):
            if meta[key]:
                assert isinstance(items[item_id][col], datetime) and items[item_id][col].date().isoformat() == meta[key]
                dated += 1
    assert dated
    sheets = [name for name in ("By_committee", "National", "Comparison", "Items", "Quarters")
              if form == "restricted" or name != "Comparison"]
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["Cover"] + sheets
    cover = " ".join(str(c) for r in wb["Cover"].iter_rows(values_only=True) for c in r if c)
    wb.close()
    assert (docs.annex["run_id"] in cover) == (form == "restricted")  # the publication carries no run id


@pytest.mark.parametrize("form", ["restricted", "publication"])
def test_the_figures_csv_holds_every_quarter_for_every_committee(world, form):
    ref, dropped, annex, _, docs = world
    doc = docs.briefing if form == "restricted" else docs.publication
    rows = list(csv.DictReader(io.StringIO(figures.csv_text(doc, docs.annex, form))))
    cpcs = [p for p, v in annex["partners"].items() if v["cpc"]]
    held = [t["period"] for t in annex["trends"]]
    by_key = {(r["period"], r["committee_code"], r["indicator_code"]): r["value"] for r in rows if r["committee_code"]}
    assert len(by_key) == len(rows) - 2 * len(held) * len(ref.indicators) == len(held) * len(cpcs) * len(ref.indicators)
    shown = _shown(docs, doc)
    for q in held:
        values = _values(dropped, Period.parse(q))
        for p in cpcs:
            for ind in ref.indicators:
                v = values.get(p, {}).get(ind)
                hidden = form == "publication" and shown[q]["by_partner"].get(p, {}).get(ind) == "[c]"
                assert by_key[(q, p, ind)] == ("[c]" if hidden else "[x]" if v is None else str(v)), (q, p, ind)
    assert ("[c]" in by_key.values()) == (form == "publication")
    assert {r["quarter"] for r in rows} == {Period.parse(q).words for q in held}
    reporting = [r for r in rows if r["committee"] == "Committees reporting"]
    assert len(reporting) == len(held) * len(ref.indicators)
