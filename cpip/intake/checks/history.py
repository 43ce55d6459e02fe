"""Warnings (queries): worked out only for files that pass every error rule.

They compare a return with the register (P11) and with what the same partner's latest
accepted part for the previous quarter said, as the warehouse held it when the file
was taken (P12-P14, I05, I06). They never block, and are never recomputed later.

returns.md §11: a warning on a Progress row whose ``explanation`` is not blank is *explained*
(the issue carries the explanation); an indicator query is explained by its row's ``note``
(I05 does not fire at all with one; an I06 is explained by the note on its stock indicator: the
indicators of I06's identity come from the reference data, :attr:`Reference.stock_flow`).
An explained P11 is remembered (:class:`Slippage`): in later periods it is not raised again
for the same partner and item while the forecast and target dates are the ones explained.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from cpip.intake.model import Issue, ReturnFile, canonical_status, make_issue
from cpip.reference.tables import Reference
from cpip.core.text import day_in_words
from cpip.core.values import is_blank, read_date, text, whole_number
from cpip.core.vocabulary import BEHIND, COMPLETE


@dataclass
class LastPeriod:
    """What the partner's latest accepted parts for the previous quarter said."""

    progress: dict[str, dict] | None = None  # item_id -> {status, percent_complete, narrative}
    indicators: dict[str, int | None] | None = None  # indicator_id -> value (None = blank)
    progress_submission: int | None = None
    indicators_submission: int | None = None


@dataclass(frozen=True)
class Slippage:
    """A P11 an officer explained: this item forecast on this date against this target date."""

    item_id: str
    forecast_completion: date
    target_date: date


def _slippage(values: dict, ref: Reference) -> Slippage | None:
    """The row's slippage (returns.md P11): not complete, forecast later than the item's target date."""
    item_id = text(values.get("item_id"))
    item = ref.items.get(item_id or "")
    forecast = read_date(values.get("forecast_completion"))
    if item and canonical_status(values.get("status")) != COMPLETE and forecast and item.target_date \
            and forecast > item.target_date:
        return Slippage(item_id, forecast, item.target_date)
    return None


def _explained(issues: list[Issue], explanation: str | None) -> list[Issue]:
    return [replace(i, explanation=explanation) for i in issues] if explanation else issues


def explained_slippage(rf: ReturnFile, ref: Reference, warnings: list[Issue]) -> list[Slippage]:
    """The P11s of this file that its officer explained: to remember (returns.md §11, confirmed once)."""
    rows = dict(rf.progress.rows) if rf.progress is not None else {}
    out = []
    for w in warnings:
        if w.rule == "P11" and w.explained and w.row in rows:
            s = _slippage(rows[w.row], ref)
            if s is not None:
                out.append(s)
    return out


def progress_warnings(rf: ReturnFile, ref: Reference, last: LastPeriod,
                      confirmed: frozenset[Slippage] | set[Slippage] = frozenset()) -> list[Issue]:
    """P11-P14 for each Progress row, explained when the row has an explanation. ``confirmed``
    holds the P11s this partner explained in earlier periods: those are not raised again."""
    out: list[Issue] = []
    for n, values in rf.progress.rows:
        out += _explained(_row_warnings(rf.progress.sheet, n, values, ref, last, confirmed),
                          text(values.get("explanation")))
    return out


def _row_warnings(sheet, n: int, values: dict, ref: Reference, last: LastPeriod, confirmed) -> list[Issue]:
    out: list[Issue] = []
    item_id = text(values.get("item_id"))
    status = canonical_status(values.get("status"))
    pct = whole_number(values.get("percent_complete"))
    narrative = text(values.get("narrative"))
    slip = _slippage(values, ref)
    if slip is not None and slip not in confirmed:
        out.append(make_issue(
            "P11", f"Item {item_id} is forecast to complete on {day_in_words(slip.forecast_completion)}, after its "
                   f"target date of {day_in_words(slip.target_date)}.", sheet=sheet, row=n,
            column="forecast_completion", value=values.get("forecast_completion")))
    before = (last.progress or {}).get(item_id or "")
    if before:
        if before["status"] == COMPLETE and status != COMPLETE:
            out.append(make_issue(
                "P12", f"Item {item_id} was reported {COMPLETE} last period and is now {status}.",
                sheet=sheet, row=n, column="status", value=values.get("status")))
        if before["percent_complete"] is not None and pct is not None and pct < before["percent_complete"]:
            out.append(make_issue(
                "P13", f"Item {item_id} is {pct}% complete, down from {before['percent_complete']}% last period.",
                sheet=sheet, row=n, column="percent_complete", value=values.get("percent_complete")))
        if status in BEHIND and narrative is not None and before["narrative"] is not None \
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
    notes: dict[str, str | None] = {}
    for n, values in part.rows:
        ind = text(values.get("indicator_id"))
        if ind in ref.indicators and ind not in now:
            v = None if is_blank(values.get("value")) else whole_number(values.get("value"))
            now[ind] = (n, v, not is_blank(values.get("note")))
            notes[ind] = text(values.get("note"))
    for ind, (n, v, has_note) in now.items():
        prev = last.indicators.get(ind)
        if v is None or prev is None or has_note:
            continue
        change = abs(v - prev)
        if (prev == 0 and change > 10) or (prev != 0 and change > 10 and change > 0.5 * prev):
            out.append(make_issue(
                "I05", f"{ind} is {v}, against {prev} last period, with no note explaining the change.",
                sheet=sheet, row=n, column="value", value=v))
    flow = ref.stock_flow
    if flow is not None and all(k in now for k in flow.ids):
        end, reg, dereg = (now[k][1] for k in flow.ids)
        prev_end = last.indicators.get(flow.stock)
        if None not in (end, reg, dereg, prev_end):
            expected = prev_end + reg - dereg
            diff = abs(end - expected)
            if diff > 5 and diff > 0.1 * expected:
                out += _explained([make_issue(
                    "I06", f"{flow.stock} is {end}, but last period's {prev_end} plus {reg} {flow.inflow_words} "
                           f"minus {dereg} {flow.outflow_words} gives {expected}.",
                    sheet=sheet, row=now[flow.stock][0], column="value", value=end)],
                    notes[flow.stock])
    return out
