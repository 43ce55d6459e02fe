"""What an item's own figures say that its status may not: each check with its evidence.

Two lists, both in ``annex.json``:

- ``on_track_flags``: items the lead reports On track although (a) the forecast completion is
  later than the target date, (b) the percent complete has not risen for two quarters running, or
  (c) the forecast moved more than ``SLIP_DAYS`` later since last quarter. Printed under
  "Reported on track, but…".
- ``attention_flags``: for every item with a return this quarter, whatever its status: a forecast
  completion already passed when the briefing is made (``forecast_passed``), a milestone whose due
  date has passed (``milestone_overdue``), a forecast moved more than ``SLIP_DAYS`` later since last
  quarter for an item not reported On track (``forecast_moved_later``: (c) covers On track items),
  and a contributor reporting Off track under a lead reporting Complete or On track
  (``contributor_off_track``). Complete items are done: only the contributor check applies to them.

A move of a few weeks is a quarter's ordinary re-planning; more than ``SLIP_DAYS`` is news whatever
the status, so one limit serves both lists. Each reason carries ``check``, a sentence (``text``,
dates and periods in words) and its evidence (dates as ISO text).
"""

from __future__ import annotations

from datetime import date

from cpip.briefing.words import names
from cpip.core.periods import Period, iso_day, period_words, span_words
from cpip.core.text import day_in_words, days_in_words
from cpip.core.vocabulary import COMPLETE, NO_RETURN, OFF_TRACK, ON_TRACK

SLIP_DAYS = 90          # a forecast moved more than this many days later since last quarter
STALL_QUARTERS = 3      # (b) the same percent complete in this many consecutive quarters held


def on_track_flags(history: list[dict], period: str) -> list[dict]:
    """Items the lead reports On track this period although the figures say otherwise.

    An On track item is flagged when (a) its forecast completion is later than its target date,
    (b) its percent complete has not risen for two quarters running, that is the same value in
    the last ``STALL_QUARTERS`` consecutive quarters held (this one included) while below 100, or
    (c) its forecast completion moved more than ``SLIP_DAYS`` days later than the forecast of the
    previous quarter. ``history`` holds rows of ``mart_status_history`` (every quarter held, oldest
    first). Each flag lists its reasons with their evidence (dates as ISO text, percents).
    """
    by_item: dict[str, list[dict]] = {}
    for r in history:
        by_item.setdefault(r["item_id"], []).append(r)
    previous = str(Period.parse(period).previous())
    flags = []
    for item_id, rows in by_item.items():
        rows = sorted(rows, key=lambda r: r["period"])
        now = rows[-1]
        if now["period"] != period or now["status"] != ON_TRACK:
            continue
        reasons = []
        target, forecast = now["target_date"], now["forecast_completion"]
        if target and forecast and forecast > target:
            reasons.append({"check": "forecast_after_target",
                            "text": f"Forecast completion {day_in_words(forecast)} is {_days(forecast - target)} after "
                                    f"the target date, {day_in_words(target)}.",
                            "target_date": iso_day(target), "forecast_completion": iso_day(forecast)})
        last = rows[-STALL_QUARTERS:]
        pcts = [r["percent_complete"] for r in last]
        if (len(last) == STALL_QUARTERS and None not in pcts and len(set(pcts)) == 1 and pcts[0] < 100):
            reasons.append({"check": "percent_not_rising",
                            "text": f"{pcts[0]}% complete in each of the last {STALL_QUARTERS} quarters "
                                    f"({span_words(last[0]['period'], last[-1]['period'])}): no progress for "
                                    f"{STALL_QUARTERS - 1} quarters running.",
                            "periods": [r["period"] for r in last], "percent_complete": pcts})
        moved = _moved_later(rows, previous, forecast)
        if moved:
            reasons.append(moved)
        if reasons:
            flags.append({"item_id": item_id, "reasons": reasons})
    return flags


def attention_flags(items: list[dict], contributors: list[dict], history: list[dict], period: str, today: date,
                    partner_names: dict[str, str]) -> list[dict]:
    """The checks every item gets, whatever its status (see the module's docstring), in register order.

    ``items`` are rows of ``mart_item_status`` (status, forecast, milestone due date this quarter),
    ``contributors`` of ``mart_item_contributors``, ``history`` of ``mart_status_history``; ``today``
    is the day the briefing is made (UK)."""
    previous = str(Period.parse(period).previous())
    by_item: dict[str, list[dict]] = {}
    for r in history:
        by_item.setdefault(r["item_id"], []).append(r)
    off_track: dict[str, list[str]] = {}
    for c in contributors:
        if c["status"] == OFF_TRACK:
            off_track.setdefault(c["item_id"], []).append(c["partner_code"])
    out = []
    for i in items:
        status, reasons = i["status"], []
        if status == NO_RETURN:
            continue
        if status != COMPLETE:
            forecast, due = i["forecast_completion"], i["milestone_due"]
            if forecast and forecast < today:
                reasons.append({"check": "forecast_passed",
                                "text": f"Forecast completion {day_in_words(forecast)} passed before this briefing "
                                        f"({day_in_words(today)}).",
                                "forecast_completion": iso_day(forecast), "briefing_date": iso_day(today)})
            if due and due < today:
                reasons.append({"check": "milestone_overdue",
                                "text": f"Milestone due {day_in_words(due)} ({_days(today - due)} before this "
                                        "briefing), not yet reported as met.",
                                "milestone_due": iso_day(due), "briefing_date": iso_day(today)})
            if status != ON_TRACK:
                moved = _moved_later(sorted(by_item.get(i["item_id"], []), key=lambda r: r["period"]),
                                     previous, forecast)
                if moved:
                    reasons.append(moved)
        if status in (COMPLETE, ON_TRACK) and i["item_id"] in off_track:
            who = off_track[i["item_id"]]
            reasons.append({"check": "contributor_off_track",
                            "text": f"{names(who, partner_names)}, "
                                    f"{'a contributor, reports' if len(who) == 1 else 'contributors, report'} "
                                    f"{OFF_TRACK} although the lead reports {status}.",
                            "partner_codes": who})
        if reasons:
            out.append({"item_id": i["item_id"], "status": status, "reasons": reasons})
    return out


def _moved_later(rows: list[dict], previous: str, forecast: date | None) -> dict | None:
    """The forecast moved more than SLIP_DAYS later than last quarter's, with the evidence."""
    before = next((r for r in rows if r["period"] == previous), None)
    if not (before and before["forecast_completion"] and forecast):
        return None
    moved = (forecast - before["forecast_completion"]).days
    if moved <= SLIP_DAYS:
        return None
    return {"check": "forecast_moved_later",
            "text": f"Forecast completion moved {_days(moved)} later since {period_words(previous)}: "
                    f"from {day_in_words(before['forecast_completion'])} to {day_in_words(forecast)}.",
            "previous_forecast": iso_day(before["forecast_completion"]), "forecast_completion": iso_day(forecast), "days": moved}


def _days(delta) -> str:
    return days_in_words(delta if isinstance(delta, int) else delta.days)

