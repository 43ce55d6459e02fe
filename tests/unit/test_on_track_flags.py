"""The "Reported on track, but…" checks on a hand-made world: each of (a), (b), (c), and a near miss of each."""

from __future__ import annotations

from datetime import date

from cpip.briefing.compose import status_history
from cpip.briefing.flags import on_track_flags

Q = ("2026-Q1", "2026-Q2", "2026-Q3")


def _item(item_id, quarters, target=None):
    """quarters: one (status, percent, forecast) per period of Q (None for No return)."""
    rows = []
    for period, q in zip(Q, quarters):
        status, pct, forecast = q if q else ("No return", None, None)
        rows.append({"period": period, "item_id": item_id, "status": status, "percent_complete": pct,
                     "forecast_completion": forecast, "target_date": target, "movement": None})
    return rows


WORLD = (
    # (a) forecast after target; near miss: forecast on the target date; and an At risk item (not checked).
    _item("A-YES", [("On track", 10, date(2027, 1, 1)), ("On track", 20, date(2027, 1, 1)),
                    ("On track", 30, date(2027, 1, 1))], target=date(2026, 12, 31))
    + _item("A-NEAR", [("On track", 10, date(2026, 12, 31)), ("On track", 20, date(2026, 12, 31)),
                       ("On track", 30, date(2026, 12, 31))], target=date(2026, 12, 31))
    + _item("A-RISK", [("On track", 10, date(2027, 6, 1)), ("On track", 20, date(2027, 6, 1)),
                       ("At risk", 30, date(2027, 6, 1))], target=date(2026, 12, 31))
    # (b) 50% in three consecutive quarters; near misses: rose once (45, 50, 50); a gap (no return in Q2);
    # and 100% three times (complete work is not stalled).
    + _item("B-YES", [("On track", 50, date(2027, 6, 1)), ("On track", 50, date(2027, 6, 1)),
                      ("On track", 50, date(2027, 6, 1))])
    + _item("B-NEAR", [("On track", 45, date(2027, 6, 1)), ("On track", 50, date(2027, 6, 1)),
                       ("On track", 50, date(2027, 6, 1))])
    + _item("B-GAP", [("On track", 50, date(2027, 6, 1)), None, ("On track", 50, date(2027, 6, 1))])
    + _item("B-FULL", [("On track", 100, date(2027, 6, 1)), ("On track", 100, date(2027, 6, 1)),
                       ("On track", 100, date(2027, 6, 1))])
    # (c) forecast moved 91 days later since last quarter; near misses: exactly 90 days, and 200 days earlier.
    + _item("C-YES", [("On track", 10, date(2027, 1, 1)), ("On track", 20, date(2027, 1, 1)),
                      ("On track", 30, date(2027, 4, 2))])
    + _item("C-NEAR", [("On track", 10, date(2027, 1, 1)), ("On track", 20, date(2027, 1, 1)),
                       ("On track", 30, date(2027, 4, 1))])
    + _item("C-EARLIER", [("On track", 10, date(2027, 9, 1)), ("On track", 20, date(2027, 9, 1)),
                          ("On track", 30, date(2027, 2, 13))])
)


def test_each_check_flags_exactly_its_case():
    flags = {f["item_id"]: [r["check"] for r in f["reasons"]] for f in on_track_flags(WORLD, "2026-Q3")}
    assert flags == {"A-YES": ["forecast_after_target"], "B-YES": ["percent_not_rising"],
                     "C-YES": ["forecast_moved_later"]}


def test_the_evidence_is_given():
    reasons = {f["item_id"]: f["reasons"][0] for f in on_track_flags(WORLD, "2026-Q3")}
    assert reasons["A-YES"]["target_date"] == "2026-12-31" and reasons["A-YES"]["forecast_completion"] == "2027-01-01"
    assert reasons["A-YES"]["text"] == "Forecast completion 1 January 2027 is 1 day after the target date, 31 December 2026."
    assert reasons["B-YES"]["periods"] == list(Q) and reasons["B-YES"]["percent_complete"] == [50, 50, 50]
    assert reasons["C-YES"]["days"] == 91 and reasons["C-YES"]["previous_forecast"] == "2027-01-01"
    assert reasons["C-YES"]["text"] == ("Forecast completion moved 91 days later since April to June 2026: "
                                        "from 1 January 2027 to 2 April 2027.")
    assert reasons["B-YES"]["text"] == ("50% complete in each of the last 3 quarters (January to September 2026): "
                                        "no progress for 2 quarters running.")


def test_only_the_period_briefed_is_judged():
    # Judged at 2026-Q2, B-YES has only two quarters held (Q1, Q2), C-YES had not yet moved, and
    # A-RISK was still reported on track.
    earlier = [r for r in WORLD if r["period"] != "2026-Q3"]
    assert [f["item_id"] for f in on_track_flags(earlier, "2026-Q2")] == ["A-YES", "A-RISK"]


def test_an_item_can_carry_several_reasons():
    rows = _item("ALL", [("On track", 50, date(2027, 1, 1)), ("On track", 50, date(2027, 1, 1)),
                         ("On track", 50, date(2027, 6, 1))], target=date(2026, 12, 31))
    (flag,) = on_track_flags(rows, "2026-Q3")
    assert [r["check"] for r in flag["reasons"]] == ["forecast_after_target", "percent_not_rising",
                                                     "forecast_moved_later"]


def test_status_history_is_oldest_first_with_iso_dates():
    h = status_history(_item("X", [("On track", 10, date(2027, 1, 1)), None, ("At risk", 20, None)]))
    assert h == {"X": [
        {"period": "2026-Q1", "status": "On track", "percent_complete": 10, "forecast_completion": "2027-01-01",
         "movement": None},
        {"period": "2026-Q2", "status": "No return", "percent_complete": None, "forecast_completion": None,
         "movement": None},
        {"period": "2026-Q3", "status": "At risk", "percent_complete": 20, "forecast_completion": None,
         "movement": None}]}
