"""What the briefing advises, on hand-made briefing.json and annex.json: the bottom line over the same
items, the direction, what falls due next quarter, slippage in months, the issue log's items, and
the attention flags with their evidence (each check and a near miss)."""

from __future__ import annotations

from datetime import date

from cpip.briefing.advice import (ask_sentence, asks, bottom_line, direction, falls_due, falls_due_sentence,
                                  log_items, position, slippage)
from cpip.briefing.flags import attention_flags

TODAY = date(2026, 11, 11)


def _item(item_id, status, movement=None, lead="P1"):
    return {"item_id": item_id, "status": status, "movement": movement, "lead_partner": lead}


def _doc(items, improved=0, worsened=0):
    return {"period": "2026-Q3", "items": items, "movement": {"improved": improved, "worsened": worsened,
                                                              "unchanged": 0, "new": 0}}


def _annex(history, meta=None, not_updated=()):
    return {"status_history": {i: [{"period": p, "status": s} for p, s in rows] for i, rows in history.items()},
            "items": meta or {}, "items_not_updated": list(not_updated)}


def test_the_position_is_compared_over_the_same_items():
    doc = _doc([_item("A", "Complete"), _item("B", "On track"), _item("C", "No return"), _item("D", "At risk")])
    annex = _annex({"A": [("2026-Q2", "On track")], "B": [("2026-Q2", "At risk")],
                    "C": [("2026-Q2", "Complete")]})  # D is new to the register this quarter
    assert position(doc, annex) == {"done": 2, "items": 4, "same_items": 3, "done_before": 2}
    line = bottom_line(doc, {**annex, "items_not_updated": [{"item_id": "C"}]})
    assert line.startswith("2 of 4 actions and recommendations are complete or on track, against 2 of the "
                           "same 3 items last quarter (1 item not updated this quarter): broadly stable")


def test_the_direction_needs_more_than_one_item_either_way():
    assert direction({"improved": 2, "worsened": 1}) == "broadly stable"
    assert direction({"improved": 1, "worsened": 2}) == "broadly stable"
    assert direction({"improved": 3, "worsened": 1}) == "improving"
    assert direction({"improved": 0, "worsened": 2}) == "worsening"


def test_the_ask_comes_from_the_leads_and_the_covering_note():
    doc = _doc([_item("A", "Off track", lead="P1"), _item("B", "On track", lead="P2")])
    annex = _annex({}, {"A": {"title": "Title A", "ask": "Raise it with COSLA."}, "B": {"title": "Title B", "ask": None}})
    asked = asks(doc, annex, {"P1": "Police Scotland"})
    assert asked == [{"item_id": "A", "title": "Title A", "ask": "Raise it with COSLA.", "lead": "Police Scotland"}]
    assert ask_sentence(asked, True) == ("The Minister is asked to note this position and the programme office's "
                                         "note, and to consider the request from leads below.")
    assert "no lead has asked for a decision" in ask_sentence([], False)


def test_what_falls_due_runs_from_the_briefing_day_to_the_end_of_next_quarter():
    doc = _doc([_item("A", "On track"), _item("B", "At risk"), _item("C", "Complete"), _item("D", "On track"),
                _item("E", "No return")])
    meta = {"A": {"title": "A", "forecast_completion": "2026-12-31", "target_date": None, "milestone_due": "2026-11-11"},
            "B": {"title": "B", "forecast_completion": "2026-11-10", "target_date": "2026-11-20",
                  "milestone_due": "2026-11-10"},  # forecast and milestone passed: flagged, not due
            "C": {"title": "C", "forecast_completion": "2026-12-01", "target_date": None, "milestone_due": None},
            "D": {"title": "D", "forecast_completion": "2027-01-01", "target_date": None, "milestone_due": "2027-01-01"},
            "E": {"title": "E", "forecast_completion": None, "target_date": "2026-12-01", "milestone_due": None}}
    due = falls_due(doc, _annex({}, meta), TODAY)
    assert [(r["item_id"], r["date"]) for r in due["completing"]] == [("B", "2026-11-20"), ("A", "2026-12-31")]
    assert due["milestones"] == 1 and due["period"] == "October to December 2026"
    assert falls_due_sentence(due) == ("By 31 December 2026, 2 items not yet complete are forecast to complete or "
                                       "reach their target date (the first: B (20 November) and A (31 December)), "
                                       "and 1 milestone falls due.")


def test_slippage_is_given_in_months():
    assert slippage("2026-12-31", "2027-03-31") == "Target 31 December 2026; forecast 31 March 2027: 3 months late"
    assert slippage("2026-12-31", "2027-01-10") == "Target 31 December 2026; forecast 10 January 2027: less than a month late"
    assert slippage("2026-12-31", "2026-12-31").endswith("within the target")
    assert slippage(None, "2027-01-10") == "No target date; forecast 10 January 2027"


def test_the_issue_log_holds_what_is_behind_worse_or_not_started_with_a_flag():
    items = [_item("A", "At risk"), _item("B", "Off track"), _item("C", "On track", "worsened"),
             _item("D", "Not started"), _item("E", "Not started"), _item("F", "On track")]
    got = [i["item_id"] for i in log_items(items, {"D": [{}], "F": [{}]})]
    assert got == ["B", "A", "C", "D"]


def _history(item_id, q2_forecast, q3_forecast, status="At risk"):
    return [{"period": "2026-Q2", "item_id": item_id, "status": status, "forecast_completion": q2_forecast},
            {"period": "2026-Q3", "item_id": item_id, "status": status, "forecast_completion": q3_forecast}]


def test_each_attention_flag_fires_on_its_case_and_not_on_its_near_miss():
    def row(item_id, status, forecast=None, due=None):
        return {"item_id": item_id, "status": status, "forecast_completion": forecast, "milestone_due": due}
    items = [row("PASSED", "At risk", date(2026, 11, 10)), row("TODAY", "At risk", TODAY),
             row("LATE-MS", "Off track", date(2027, 6, 1), date(2026, 11, 10)), row("MS-TODAY", "Off track", date(2027, 6, 1), TODAY),
             row("MOVED", "Off track", date(2027, 4, 2)), row("MOVED-90", "At risk", date(2027, 4, 1)),
             row("DONE", "Complete", date(2026, 1, 1), date(2026, 1, 1)), row("CONTRIB", "On track", date(2027, 6, 1)),
             row("CONTRIB-RISK", "At risk", date(2027, 6, 1)), row("NR", "No return")]
    history = _history("MOVED", date(2027, 1, 1), date(2027, 4, 2)) + _history("MOVED-90", date(2027, 1, 1), date(2027, 4, 1))
    contributors = [{"item_id": "CONTRIB", "partner_code": "P9", "status": "Off track"},
                    {"item_id": "CONTRIB-RISK", "partner_code": "P9", "status": "Off track"},
                    {"item_id": "DONE", "partner_code": "P9", "status": "At risk"}]
    flags = attention_flags(items, contributors, history, "2026-Q3", TODAY, {"P9": "Police Scotland"})
    got = {f["item_id"]: [r["check"] for r in f["reasons"]] for f in flags}
    assert got == {"PASSED": ["forecast_passed"], "LATE-MS": ["milestone_overdue"], "MOVED": ["forecast_moved_later"],
                   "CONTRIB": ["contributor_off_track"]}
    reasons = {f["item_id"]: f["reasons"][0] for f in flags}
    assert reasons["PASSED"]["text"] == "Forecast completion 10 November 2026 passed before this briefing (11 November 2026)."
    assert reasons["LATE-MS"]["milestone_due"] == "2026-11-10" and "1 day before this briefing" in reasons["LATE-MS"]["text"]
    assert reasons["MOVED"]["days"] == 91 and "since April to June 2026" in reasons["MOVED"]["text"]
    assert reasons["CONTRIB"]["text"] == ("Police Scotland, a contributor, reports Off track although the lead "
                                          "reports On track.")
