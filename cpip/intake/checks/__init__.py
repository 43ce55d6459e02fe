"""Checks: a read return + its context -> the issues the officer must see.

Three layers, each rule in exactly one of them:

* :func:`plan` looks at the file's shape: missing sheets and columns (F03), CSV rows
  that disagree (C06), and so which parts and columns the other rules apply to;
* :mod:`cpip.intake.checks.columns` runs the column-level rules as Great Expectations suites;
* :func:`cross_check` applies the cross-field and cross-row rules in plain Python,
  skipping any value a more specific rule already found invalid;
* :mod:`cpip.intake.checks.history` works out the warnings against last period's returns.

"Each defect is reported once, under the most specific rule" (returns.md §7) is
implemented by that layering: a later layer never looks at a value an earlier one flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cpip.intake.checks.columns import ColumnFailure
from cpip.intake.model import (COVER_FIELDS, INDICATOR_REQUIRED, PROGRESS_REQUIRED, Issue, ReturnFile, canonical_status,
                        make_issue)
from cpip.core.periods import Period, uk_date
from cpip.reference.tables import Reference
from cpip.core.values import QUOTE_LIMIT, cut, is_blank, read_date, text, whole_number
from cpip.core.vocabulary import BEHIND, COMPLETE
from cpip.core.text import day_in_words


@dataclass(frozen=True)
class FileContext:
    """Where and when a file was received."""

    folder_partner: str | None  # the partner whose inbox folder the file was in, else None
    received_at: datetime


@dataclass
class Plan:
    issues: list[Issue] = field(default_factory=list)  # F03 and C06
    parts: set[str] = field(default_factory=set)  # parts the other rules check
    missing: dict[str, set[str]] = field(default_factory=dict)  # part -> required columns missing
    partner_code: str | None = None  # as the file writes it (trimmed)
    period_text: str | None = None
    part_kind: str | None = None  # "progress", "indicators" or "both": what the file would supply


def plan(rf: ReturnFile, ref: Reference) -> Plan:
    """Decide from the file's shape what the other rules look at (F03 and C06 here)."""
    p = Plan()
    p.partner_code = text(rf.cover_value("partner_code"))
    p.period_text = text(rf.cover_value("period"))
    known = ref.partners.get(p.partner_code or "")

    if rf.kind == "workbook":
        if rf.cover_sheet is None:
            p.issues.append(make_issue("F03", "The workbook has no sheet called Cover.", sheet="Cover"))
        else:
            p.parts.add("cover")
        if rf.progress is None:
            p.issues.append(make_issue("F03", "The workbook has no sheet called Progress.", sheet="Progress"))
        else:
            p.parts.add("progress")
            _missing_columns(p, rf.progress, PROGRESS_REQUIRED)
        p.part_kind = "progress"
        if known is not None and known.reports_indicators:
            p.part_kind = "both"
            if rf.indicators is None:
                p.issues.append(make_issue(
                    "F03", f"The workbook has no sheet called Indicators; {known.partner_code} reports indicators.",
                    sheet="Indicators"))
            else:
                p.parts.add("indicators")
                _missing_columns(p, rf.indicators, INDICATOR_REQUIRED)
        return p

    # A CSV: one part, with the cover repeated on every row.
    part = rf.progress if rf.kind == "progress_csv" else rf.indicators
    p.part_kind = part.name
    p.missing["cover"] = {key for key in rf.cover_fields if key not in rf.cover}  # F03 alone: no C04/C05 about them
    for key in rf.cover_fields:
        if key not in rf.cover:
            p.issues.append(make_issue(
                "F03", f"The CSV has no {key} column; every {part.name} CSV needs "
                       f"{', '.join(rf.cover_fields)} on every row.", column=key))
    disagree = []
    first_n, first = part.rows[0]
    for key in ("partner_code", "period"):
        if key not in rf.cover:
            continue
        want = text(first.get(key))
        for n, values in part.rows[1:]:
            if text(values.get(key)) != want:
                disagree.append(make_issue(
                    "C06", f"Row {n} gives {key} '{cut(values.get(key), QUOTE_LIMIT) or ''}' but row {first_n} "
                           f"gives '{cut(want, QUOTE_LIMIT) or ''}'.",
                    row=n, column=key, value=values.get(key)))
    if disagree:
        p.issues = disagree  # C06 alone
        p.parts = set()
        return p
    p.parts.add("cover")
    p.parts.add(part.name)
    required = PROGRESS_REQUIRED if part.name == "progress" else INDICATOR_REQUIRED
    _missing_columns(p, part, required)
    if part.name == "indicators" and known is not None and not known.reports_indicators:
        p.issues.append(make_issue(
            "C01", f"{known.partner_code} does not report indicators, so it cannot send an indicators CSV; "
                   "send only your progress return.", row=first_n, column="partner_code", value=p.partner_code))
        p.parts.discard("indicators")
    return p


def _missing_columns(p: Plan, part, required) -> None:
    missing = {c for c in required if c not in part.columns}
    p.missing[part.name] = missing
    for c in required:
        if c in missing:
            where = f"the {part.sheet} sheet" if part.sheet else "the CSV"
            p.issues.append(make_issue(
                "F03", f"{where[0].upper()}{where[1:]} has no '{c}' column in its first row.", sheet=part.sheet, column=c))


def _cover_place(rf: ReturnFile, key: str) -> tuple[str | None, int | None, str]:
    cell = rf.cover.get(key)
    sheet = rf.cover_sheet if rf.kind == "workbook" else None
    if cell is None:
        return sheet, None, COVER_FIELDS[key][0] if rf.kind == "workbook" else key
    return sheet, cell.row, cell.column


@dataclass
class Checked:
    issues: list[Issue]  # every error, in the order the officer reads the file
    period: Period | None  # valid and ended by the received time


def cross_check(rf: ReturnFile, pl: Plan, ref: Reference, ctx: FileContext,
                failures: list[ColumnFailure]) -> Checked:
    """Column failures turned into issues, plus the cross-field and cross-row error rules."""
    issues: list[Issue] = list(pl.issues)
    bad: set[tuple[str, int | None, str]] = set()
    for f in failures:
        if f.part not in pl.parts or f.column in pl.missing.get(f.part, ()):
            continue  # F03 alone: nothing about a missing sheet or column
        if f.part == "cover":
            if f.column not in rf.cover_fields:
                continue
            sheet, row, col = _cover_place(rf, f.column)
        else:
            part = getattr(rf, f.part)
            sheet, row, col = part.sheet, f.row, f.column
        bad.add((f.part, f.row, f.column))
        issues.append(make_issue(f.rule, f.what, sheet=sheet, row=row, column=col, value=f.raw))

    def ok(part: str, row: int | None, column: str) -> bool:
        return (part, row, column) not in bad and column not in pl.missing.get(part, ())

    partner = None
    period = None
    if "cover" in pl.parts:
        if ok("cover", None, "partner_code") and pl.partner_code in ref.partners:
            partner = ref.partners[pl.partner_code]
        if ok("cover", None, "period"):
            period = Period.parse(pl.period_text)
        received_day = uk_date(ctx.received_at)
        if period is not None and not period.ended_by(ctx.received_at):
            sheet, row, col = _cover_place(rf, "period")
            issues.append(make_issue(
                "C02", f"The period {period} has not ended yet: it ends on {day_in_words(period.last_day)}, "
                       f"and this file was received on {day_in_words(received_day)}.",
                sheet=sheet, row=row, column=col, value=rf.cover_value("period")))
            wellformed, period = period, None
        else:
            wellformed = period
        if partner is not None and ctx.folder_partner != partner.partner_code:
            sheet, row, col = _cover_place(rf, "partner_code")
            where = (f"the folder of {ctx.folder_partner}" if ctx.folder_partner
                     else "a folder that belongs to no partner")
            issues.append(make_issue(
                "C03", f"The cover says this return is from {partner.partner_code}, but it was dropped into {where}.",
                sheet=sheet, row=row, column=col, value=pl.partner_code))
        if "signed_off_on" in rf.cover_fields and ok("cover", None, "signed_off_on"):
            signed = read_date(rf.cover_value("signed_off_on"))
            sheet, row, col = _cover_place(rf, "signed_off_on")
            if signed is not None and wellformed is not None and signed < wellformed.first_day:
                issues.append(make_issue(
                    "C04", f"The sign-off date {day_in_words(signed)} is before the period {wellformed} began "
                           f"({day_in_words(wellformed.first_day)}).", sheet=sheet, row=row, column=col,
                    value=rf.cover_value("signed_off_on")))
            elif signed is not None and signed > received_day:
                issues.append(make_issue(
                    "C04", f"The sign-off date {day_in_words(signed)} is after the day the file was received "
                           f"({day_in_words(received_day)}).", sheet=sheet, row=row, column=col,
                    value=rf.cover_value("signed_off_on")))

    if "progress" in pl.parts and rf.progress is not None:
        issues += _progress_rules(rf, pl, ref, partner, ok)
    if "indicators" in pl.parts and rf.indicators is not None:
        issues += _indicator_rules(rf, pl, ref, ok)
    order = {"F": 0, "C": 1, "P": 2, "I": 3}
    sheet_order = {None: 0}

    def key(i: Issue):
        fam = order[i.rule[0]]
        if i.rule == "P09" and i.sheet and rf.indicators and i.sheet == rf.indicators.sheet:
            fam = 3
        return (fam, sheet_order.get(i.sheet, 1), i.row if i.row is not None else 10**9)

    issues.sort(key=key)
    return Checked(issues, period)


def _progress_rules(rf, pl, ref, partner, ok) -> list[Issue]:
    part = rf.progress
    out: list[Issue] = []
    sheet = part.sheet
    assigned = ref.assignments.get(partner.partner_code, {}) if partner else None
    seen: dict[str, int] = {}
    has_items = "item_id" not in pl.missing.get("progress", ())
    for n, values in part.rows:
        item = text(values.get("item_id"))
        if has_items and ok("progress", n, "item_id") and item:
            if assigned is not None and item not in assigned:
                out.append(make_issue("P02", f"Item {item} is not one {partner.partner_code} reports on.",
                                      sheet=sheet, row=n, column="item_id", value=values.get("item_id")))
            elif item in seen:
                out.append(make_issue("P03", f"Item {item} appears again here; it is already on row {seen[item]}.",
                                      sheet=sheet, row=n, column="item_id", value=values.get("item_id")))
            else:
                seen[item] = n
        if not ok("progress", n, "status"):
            continue
        status = canonical_status(values.get("status"))
        if status is None:
            continue
        label = f"Item {cut(item, QUOTE_LIMIT)}" if item else "This item"
        if status == COMPLETE and ok("progress", n, "percent_complete"):
            pct = whole_number(values.get("percent_complete"))
            if pct is not None and pct < 100:
                out.append(make_issue("P07", f"{label} is marked {COMPLETE} but is {pct}% complete.",
                                      sheet=sheet, row=n, column="percent_complete",
                                      value=values.get("percent_complete")))
        if status in BEHIND and "narrative" not in pl.missing.get("progress", ()) \
                and is_blank(values.get("narrative")):
            out.append(make_issue("P08", f"{label} is {status} but has no narrative.",
                                  sheet=sheet, row=n, column="narrative", value=values.get("narrative") or ""))
        if status != COMPLETE and "forecast_completion" not in pl.missing.get("progress", ()) \
                and is_blank(values.get("forecast_completion")):
            out.append(make_issue("P10", f"{label} is {status}, so it needs a forecast completion date.",
                                  sheet=sheet, row=n, column="forecast_completion", value=""))
    if has_items and assigned is not None:
        for item in ref.assigned_items(partner.partner_code):
            if item not in seen:
                out.append(make_issue("P04", f"Item {item} is assigned to {partner.partner_code} but has no row.",
                                      sheet=sheet, column="item_id", value=item))
    return out


def _indicator_rules(rf, pl, ref, ok) -> list[Issue]:
    part = rf.indicators
    out: list[Issue] = []
    sheet = part.sheet
    has_ids = "indicator_id" not in pl.missing.get("indicators", ())
    has_values = "value" not in pl.missing.get("indicators", ())
    seen: dict[str, int] = {}
    values_by_id: dict[str, int] = {}
    rows_by_id: dict[str, tuple[int, dict]] = {}
    for n, values in part.rows:
        ind = text(values.get("indicator_id"))
        valid_id = has_ids and ok("indicators", n, "indicator_id") and ind
        if valid_id:
            if ind in seen:
                out.append(make_issue("I01", f"Indicator {ind} is listed again here; it is already on row {seen[ind]}.",
                                      sheet=sheet, row=n, column="indicator_id", value=values.get("indicator_id")))
                continue
            seen[ind] = n
            rows_by_id[ind] = (n, values)
        if valid_id and has_values and is_blank(values.get("value")) and is_blank(values.get("note")):
            out.append(make_issue("I03", f"The value for {ind} is blank and there is no note saying why.",
                                  sheet=sheet, row=n, column="value", value=""))
        elif valid_id and has_values and ok("indicators", n, "value"):
            v = whole_number(values.get("value"))
            if v is not None:
                values_by_id[ind] = v
    if has_ids:
        for ind in ref.indicators:
            if ind not in seen:
                out.append(make_issue("I03", f"Indicator {ind} ({ref.indicators[ind].label}) has no row.",
                                      sheet=sheet, column="indicator_id", value=ind))
    for ind, v in values_by_id.items():
        parent = ref.indicators[ind].part_of
        if parent and parent in values_by_id and v > values_by_id[parent]:
            n, values = rows_by_id[ind]
            out.append(make_issue("I04", f"{ind} is {v}, more than {parent} ({values_by_id[parent]}), which it is part of.",
                                  sheet=sheet, row=n, column="value", value=values.get("value")))
    return out
