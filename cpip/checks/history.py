"""Warnings (queries): worked out only for files that pass every error rule.

They compare a return with the register (P11) and with what the same partner's latest
accepted part for the previous quarter said, as the warehouse held it when the file
was taken (P12-P14, I05, I06). They never block, and are never recomputed later.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpip.model import Issue, ReturnFile, canonical_status, make_issue
from cpip.reference import Reference
from cpip.values import is_blank, read_date, text, whole_number


@dataclass
class LastPeriod:
    """What the partner's latest accepted parts for the previous quarter said."""

    progress: dict[str, dict] | None = None  # item_id -> {status, percent_complete, narrative}
    indicators: dict[str, int | None] | None = None  # indicator_id -> value (None = blank)
    progress_submission: int | None = None
    indicators_submission: int | None = None


def progress_warnings(rf: ReturnFile, ref: Reference, last: LastPeriod) -> list[Issue]:
    out: list[Issue] = []
    part = rf.progress
    sheet = part.sheet
    for n, values in part.rows:
        item_id = text(values.get("item_id"))
        item = ref.items.get(item_id or "")
        status = canonical_status(values.get("status"))
        pct = whole_number(values.get("percent_complete"))
        forecast = read_date(values.get("forecast_completion"))
        narrative = text(values.get("narrative"))
        if item and status != "Complete" and forecast and item.target_date and forecast > item.target_date:
            out.append(make_issue(
                "P11", f"Item {item_id} is forecast to complete on {forecast:%d/%m/%Y}, after its target date "
                       f"of {item.target_date:%d/%m/%Y}.", sheet=sheet, row=n, column="forecast_completion",
                value=values.get("forecast_completion")))
        before = (last.progress or {}).get(item_id or "")
        if not before:
            continue
        if before["status"] == "Complete" and status != "Complete":
            out.append(make_issue(
                "P12", f"Item {item_id} was reported Complete last period and is now {status}.",
                sheet=sheet, row=n, column="status", value=values.get("status")))
        if before["percent_complete"] is not None and pct is not None and pct < before["percent_complete"]:
            out.append(make_issue(
                "P13", f"Item {item_id} is {pct}% complete, down from {before['percent_complete']}% last period.",
                sheet=sheet, row=n, column="percent_complete", value=values.get("percent_complete")))
        if status in ("At risk", "Off track") and narrative is not None and before["narrative"] is not None \
                and narrative == before["narrative"].strip():
            out.append(make_issue(
                "P14", f"Item {item_id} is {status} and its narrative is word for word last period's.",
                sheet=sheet, row=n, column="narrative", value=values.get("narrative")))
    return out


def indicator_warnings(rf: ReturnFile, ref: Reference, last: LastPeriod) -> list[Issue]:
    out: list[Issue] = []
    if last.indicators is None:
        return out
    part = rf.indicators
    sheet = part.sheet
    now: dict[str, tuple[int, int | None, bool]] = {}  # id -> (row, value, has note)
    for n, values in part.rows:
        ind = text(values.get("indicator_id"))
        if ind in ref.indicators and ind not in now:
            v = None if is_blank(values.get("value")) else whole_number(values.get("value"))
            now[ind] = (n, v, not is_blank(values.get("note")))
    for ind, (n, v, has_note) in now.items():
        prev = last.indicators.get(ind)
        if v is None or prev is None or has_note:
            continue
        change = abs(v - prev)
        if (prev == 0 and change > 10) or (prev != 0 and change > 10 and change > 0.5 * prev):
            out.append(make_issue(
                "I05", f"{ind} is {v}, against {prev} last period, with no note explaining the change.",
                sheet=sheet, row=n, column="value", value=v))
    needed = ("ON_REGISTER_END", "REGISTRATIONS", "DEREGISTRATIONS")
    if all(k in ref.indicators for k in needed) and all(k in now for k in needed):
        end, reg, dereg = (now[k][1] for k in needed)
        prev_end = last.indicators.get("ON_REGISTER_END")
        if None not in (end, reg, dereg, prev_end):
            expected = prev_end + reg - dereg
            diff = abs(end - expected)
            if diff > 5 and diff > 0.1 * expected:
                out.append(make_issue(
                    "I06", f"ON_REGISTER_END is {end}, but last period's {prev_end} plus {reg} registrations "
                           f"minus {dereg} deregistrations gives {expected}.",
                    sheet=sheet, row=now["ON_REGISTER_END"][0], column="value", value=end))
    return out
