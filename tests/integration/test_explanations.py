"""Explaining queries (returns.md §11): an officer answers a warning in the row's `explanation`."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import Q3, rules_of

pytestmark = pytest.mark.slow  # cycles with both forms rendered to PDF

PARTNER = "CELCIS"  # four items, one of them (A-NEG-3) with a target date
SLIPPING = "A-NEG-3"
ISSUE_KEYS = {"rule", "severity", "sheet", "row", "column", "value", "message"}  # interfaces.md, unchanged
ANSWER = "Board agreed a new plan <b>in June</b> & the funding is confirmed."


def _row(ret, item_id):
    return next(r for r in ret.progress if r["item_id"] == item_id)


def _q2(home):
    q2 = home.sample(PARTNER, period=Q3.previous(), signed_off=date(2026, 7, 10))
    others = [r for r in q2.progress if r["item_id"] != SLIPPING]
    others[0].update(status="Complete", percent_complete=100, forecast_completion=None)
    others[1].update(status="At risk", percent_complete=40, narrative="Same words as before.",
                     forecast_completion=date(2027, 1, 31))
    home.drop_xlsx(q2)
    assert home.one(now="2026-07-15T10:00")["outcome"] == "accepted"
    return q2, others


def _q3_with_every_query(home, explain: bool, fmt: str = "xlsx"):
    """A 2026-Q3 return raising P11, P12, P13 and P14, each row explained when ``explain``."""
    q2, others = _q2(home)
    q3 = home.sample(PARTNER, previous=q2)
    _row(q3, SLIPPING).update(status="On track", percent_complete=50, forecast_completion=date(2027, 3, 31))
    _row(q3, others[0]["item_id"]).update(status="On track", percent_complete=90, narrative="Reopened.",
                                          forecast_completion=date(2027, 1, 31))      # P12, P13
    _row(q3, others[1]["item_id"]).update(status="Off track", percent_complete=30,
                                          narrative="Same words as before.")             # P13, P14
    if explain:
        for r in q3.progress:
            if r["item_id"] in (SLIPPING, others[0]["item_id"], others[1]["item_id"]):
                r["explanation"] = f"{ANSWER} ({r['item_id']})"
    (home.drop_xlsx if fmt == "xlsx" else home.drop_progress_csv)(q3)
    return home.one(), q3


def _briefing(home, period=Q3):
    from cpip.briefing.cycle import compose, read_marts
    from cpip.reference.tables import load_reference
    from cpip.core.settings import load_settings

    settings = load_settings(home.path, {"CPIP_NOW": "2026-11-10T09:00"})
    return compose(settings, load_reference(settings), read_marts(settings, load_reference(settings), period))


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_explained_p11_p12_p13_p14_count_as_explained_not_open(home, fmt):
    r, _ = _q3_with_every_query(home, explain=True, fmt=fmt)
    assert r["outcome"] == "accepted_with_warnings"
    assert rules_of(r) == ["P11", "P12", "P13", "P14"]
    assert all(set(i) == ISSUE_KEYS for i in r["issues"])  # listed in --json with the same keys
    held = home.query("SELECT rule, explanation FROM issues WHERE submission_id = $n ORDER BY seq",
                      {"n": home.query("SELECT max(submission_id) FROM submissions")[0][0]})
    assert sorted({rule for rule, _ in held}) == ["P11", "P12", "P13", "P14"]
    assert all(e and e.startswith(ANSWER) for _, e in held)
    assert home.query("SELECT count(*) FROM progress_rows WHERE explanation IS NOT NULL") == [(3,)]

    docs = _briefing(home)
    assert docs.briefing["data_quality"] == {"open_warnings": 0, "by_rule": {}}
    explained = docs.annex["explained_warnings"]
    assert sorted(w["rule"] for w in explained) == ["P11", "P12", "P13", "P13", "P14"]
    assert all(w["explanation"].startswith(ANSWER) for w in explained)

    receipt = open(r["receipt"], encoding="utf-8").read()
    assert "Your explanation:" in receipt and "answered by your explanation" in receipt
    assert "&lt;b&gt;in June&lt;/b&gt; &amp; the funding" in receipt and "<b>in June" not in receipt
    assert "How to answer a query" not in receipt  # nothing left open


def test_open_queries_are_counted_and_the_receipt_says_how_to_answer_them(home):
    r, _ = _q3_with_every_query(home, explain=False)
    assert r["outcome"] == "accepted_with_warnings"
    docs = _briefing(home)
    assert docs.briefing["data_quality"] == {"open_warnings": 5, "by_rule": {"P11": 1, "P12": 1, "P13": 2, "P14": 1}}
    assert docs.annex["explained_warnings"] == []
    receipt = open(r["receipt"], encoding="utf-8").read()
    assert "How to answer a query" in receipt and "explanation</strong> column" in receipt
    assert "listed as open in the quarterly briefing" in receipt and "Query, open" in receipt


def test_explanations_are_in_the_restricted_form_only(home, monkeypatch):
    from pathlib import Path

    from cpip.flows.cycle import cycle

    _q3_with_every_query(home, explain=True)
    monkeypatch.setenv("CPIP_NOW", "2026-11-10T09:00")
    out = cycle(period="2026-Q3", home=str(home.path))
    read = lambda p: Path(p).read_text(encoding="utf-8")  # noqa: E731
    restricted, public = read(out["restricted"]["html"]), read(out["publication"]["html"])
    assert "Queries answered by the partner" in restricted
    assert "Board agreed a new plan &lt;b&gt;in June&lt;/b&gt; &amp; the funding" in restricted
    assert "<b>in June" not in restricted
    for text in (public, read(out["publication_json"]), read(out["briefing_json"])):
        assert "Board agreed" not in text and "in June" not in text
    assert "Queries answered by the partner" not in public
    assert json.loads(read(out["briefing_json"]))["data_quality"]["open_warnings"] == 0


def _p11_only(home, period, forecast, explanation=None, signed=None, now="2026-10-15T09:00"):
    ret = home.sample(PARTNER, period=period, signed_off=signed)
    _row(ret, SLIPPING).update(status="On track", percent_complete=50, forecast_completion=forecast,
                               explanation=explanation)
    home.drop_xlsx(ret, name=f"{PARTNER}-{period}-{forecast}.xlsx")
    return home.one(now=now)


def _p11_row(home) -> int:
    return 2 + home.ref.assigned_items(PARTNER).index(SLIPPING)


def test_an_explained_p11_is_confirmed_once_and_raised_again_for_a_new_forecast(home):
    q3 = _p11_only(home, Q3, date(2027, 3, 31), explanation="Funding for the new service starts in 2027.")
    assert rules_of(q3) == ["P11"]
    # Next quarter, the same forecast date: not raised again (nor explained again).
    q4 = _p11_only(home, Q3.next(), date(2027, 3, 31), signed=date(2027, 1, 5), now="2027-01-10T09:00")
    assert "P11" not in rules_of(q4), q4["issues"]
    # A new forecast date raises it afresh, open.
    q1 = _p11_only(home, Q3.next().next(), date(2027, 9, 30), signed=date(2027, 4, 5), now="2027-04-10T09:00")
    assert [i["row"] for i in q1["issues"] if i["rule"] == "P11"] == [_p11_row(home)]
    assert _briefing(home, Q3.next().next()).briefing["data_quality"]["by_rule"]["P11"] == 1


def test_an_unexplained_p11_is_raised_again_next_quarter(home):
    assert rules_of(_p11_only(home, Q3, date(2027, 3, 31))) == ["P11"]
    q4 = _p11_only(home, Q3.next(), date(2027, 3, 31), signed=date(2027, 1, 5), now="2027-01-10T09:00")
    assert "P11" in rules_of(q4)


def test_a_confirmation_counts_only_for_later_periods_and_survives_a_rebuild(home):
    from cpip.intake.rebuild import rebuild_warehouse
    from cpip.core.settings import load_settings

    _p11_only(home, Q3, date(2027, 3, 31), explanation="Agreed with the board.")
    # A resend for the same quarter without the explanation: the query is open again for that quarter.
    again = _p11_only(home, Q3, date(2027, 3, 31), now="2026-10-16T09:00")
    assert rules_of(again) == ["P11"]
    assert _briefing(home).briefing["data_quality"]["open_warnings"] == 1
    rebuild_warehouse(load_settings(home.path, {"CPIP_NOW": "2027-01-09T09:00"}))
    assert home.query("SELECT count(*) FROM explained_slippage") == [(1,)]
    q4 = _p11_only(home, Q3.next(), date(2027, 3, 31), signed=date(2027, 1, 5), now="2027-01-10T09:00")
    assert "P11" not in rules_of(q4)


def test_an_explanation_over_1000_characters_is_p09(home):
    ret = home.sample(PARTNER)
    ret.progress[1]["explanation"] = "x" * 1001
    home.drop_progress_csv(ret)
    r = home.one()
    assert r["outcome"] == "rejected"
    assert [(i["rule"], i["row"], i["column"]) for i in r["issues"]] == [("P09", 3, "explanation")]
    assert "explanation is 1,001 characters long; the limit is 1,000" in r["issues"][0]["message"]
    ret.progress[1]["explanation"] = "x" * 1000
    home.drop_progress_csv(ret, name="ok.csv")
    assert home.one()["outcome"] == "accepted"


def test_an_i06_with_a_note_is_explained(home, ref):
    cpc = "CPC-ANGUS"
    q2 = home.sample(cpc, period=Q3.previous(), signed_off=date(2026, 7, 10))
    home.drop_xlsx(q2)
    home.one(now="2026-07-15T10:00")
    q3 = home.sample(cpc, previous=q2)
    end = next(r for r in q3.indicators if r["indicator_id"] == "ON_REGISTER_END")
    end["value"] = end["value"] + 40
    end["note"] = "Twelve families moved into the area."
    home.drop_xlsx(q3)
    r = home.one()
    assert "I06" in rules_of(r)
    assert home.query("SELECT explanation FROM issues WHERE rule = 'I06'") == [("Twelve families moved into the area.",)]
    assert "I06" not in _briefing(home).briefing["data_quality"]["by_rule"]


def test_the_templates_carry_the_explanation_column_and_name_the_officers_folder(ref, tmp_path):
    import csv
    import io

    import openpyxl

    from cpip.collection.templates import write_all

    folder = "\\\\council-share\\cpip\\{partner_code}"
    written = write_all(ref, Q3, 28, tmp_path, folder, {})
    item = next(w for w in written if w["partner_code"] == PARTNER)
    wb = openpyxl.load_workbook(item["xlsx"])
    prog = wb["Progress"]
    header = [c.value for c in prog[1]]
    assert header[-1] == "Explanation"  # the column's header in words, read back as `explanation`
    col = openpyxl.utils.get_column_letter(len(header))
    dv = next(d for d in prog.data_validations.dataValidation if str(d.sqref).startswith(f"{col}2"))
    assert dv.promptTitle == "Explanation" and "1,000 characters" in dv.prompt and dv.formula1 == "1000"
    assert not prog[f"{col}2"].protection.locked
    instructions = "\n".join(str(c.value or "") for c in wb["Instructions"]["A"])
    assert r"\\council-share\cpip\CELCIS" in instructions and "/inbox/" not in instructions
    assert "Explanation (optional)" in instructions
    head = next(csv.reader(io.StringIO(open(item["progress_csv"], encoding="utf-8").read())))
    assert head[-1] == "explanation"

