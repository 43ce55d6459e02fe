"""Each partner's return for a period, pre-filled, as a workbook that is hard to fill in wrongly,
and a CSV template pair for partners who export from their own systems.

The workbook has the sheets the reader expects (Cover, Progress, Indicators for CPCs) plus an
Instructions sheet and a hidden Lists sheet for the status drop-down. Item ids, titles, headers
and labels are locked (sheet protection without a password: it prevents accidents, not
determined editing); the cells the officer fills in are unlocked and carry data validation and an
input message saying what they need. Text copied from earlier returns is always written as text,
never as a formula, whatever it starts with.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cpip.core.periods import Period
from cpip.core.settings import Settings
from cpip.core.settings import officer_folder as folder_words
from cpip.core.text import csv_cell, day_in_words, safe_text
from cpip.core.values import EARLIEST_DATE, LATEST_DATE
from cpip.core.vocabulary import AT_RISK, COMPLETE, OFF_TRACK, STATUSES, TEXT_LIMITS
from cpip.intake.model import PROGRESS_COLUMNS, PROGRESS_CSV_COVER
from cpip.reference.tables import Reference
from cpip.warehouse import db as wh

DATE_FORMAT = "dd/mm/yyyy"

# Every partner's current (latest accepted) progress rows for a period: what templates pre-fill.
CURRENT_PROGRESS_ROWS = """
SELECT c.partner_code, r.item_id, r.status, r.percent_complete, r.forecast_completion
FROM stg_current_parts AS c
JOIN progress_rows AS r USING (submission_id)
WHERE c.part = 'progress' AND c.period = $period
ORDER BY c.partner_code, r."row"
"""


@dataclass
class LastReturn:
    """What the partner's latest accepted progress part for the previous period said, by item."""

    rows: dict[str, dict]



def workbook(ref: Reference, partner_code: str, period: Period, due_days: int, last: LastReturn | None,
             inbox_hint: str):
    """The pre-filled return workbook (an openpyxl Workbook)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    partner = ref.partners[partner_code]
    due = period.due_date(due_days)
    head = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF7D6")  # cells to fill in
    unlocked = Protection(locked=False)
    wb = openpyxl.Workbook()

    ins = wb.active
    ins.title = "Instructions"
    lines = [
        (f"Quarterly return for {period}: {partner.name} ({partner_code})", True),
        ("", False),
        (f"Due by {day_in_words(due)}. Drop the completed workbook into your folder: {inbox_hint}", True),
        ("You will get a receipt within a minute: accepted, or exactly what to fix.", False),
        ("", False),
        ("1. Cover: give who prepared the return, a contact email, who signed it off and when.", False),
        ("2. Progress: one row per item your organisation reports on. Update the status, percent complete, "
         "forecast completion date and narrative. Last quarter's accepted figures are filled in for you.", False),
        (f"   A narrative is required for items {AT_RISK} or {OFF_TRACK}; a forecast date for every item not {COMPLETE}.", False),
        ("   Explanation (optional): your answer to a query on that row, for example why the forecast is later than "
         "the target date. A query you have answered is shown as answered in the briefing, and a later forecast "
         f"date you have explained is not queried again (at most {TEXT_LIMITS['explanation']:,} characters).", False),
        (f"   Recovery action and ask (optional): for an item {AT_RISK} or {OFF_TRACK}, what you are doing to bring it "
         "back on track and by when; and any decision or help you need from the Minister or the programme board.",
         False),
    ]
    if partner.reports_indicators:
        lines.append(("3. Indicators: a whole number for every indicator; if a figure is not available, leave it "
                      "blank and say why in the note.", False))
    lines += [("", False), ("Do not rename the sheets or change the item and indicator ids. Extra sheets are ignored.", False),
              ("Dates may be typed as DD/MM/YYYY.", False)]
    for n, (text, bold) in enumerate(lines, start=1):
        c = ins.cell(n, 1)
        safe_text(c, text)
        c.font = Font(bold=bold, size=13 if n == 1 else 11)
    ins.column_dimensions["A"].width = 120
    ins.protection.sheet = True

    lists = wb.create_sheet("Lists")
    for n, s in enumerate(STATUSES, start=1):
        lists.cell(n, 1, s)
    lists.sheet_state = "hidden"
    lists.protection.sheet = True

    cover = wb.create_sheet("Cover")
    cover_rows = [("Partner code", partner_code, False), ("Reporting period", str(period), False),
                  ("Prepared by", None, True), ("Contact email", None, True), ("Signed off by", None, True),
                  ("Date signed off", None, True)]
    safe_text(cover.cell(1, 1), f"Quarterly return: {partner.name}")
    cover.cell(1, 1).font = Font(bold=True, size=13)
    for n, (label, value, editable) in enumerate(cover_rows, start=3):
        cover.cell(n, 1, label).font = head
        c = cover.cell(n, 2)
        safe_text(c, value)
        if editable:
            c.protection = unlocked
            c.fill = fill
    cover["B8"].number_format = DATE_FORMAT
    dv_text = DataValidation(type="textLength", operator="greaterThan", formula1="0", allow_blank=False,
                             showInputMessage=True, promptTitle="Required", prompt="Required.")
    dv_text.add("B5")
    dv_text.add("B7")
    dv_email = DataValidation(type="custom", formula1='ISNUMBER(SEARCH("@",B6))', showInputMessage=True,
                              showErrorMessage=True, promptTitle="Contact email",
                              prompt="An email address someone will answer, e.g. name@organisation.gov.uk.",
                              errorTitle="Email address", error="Enter an email address, e.g. name@organisation.gov.uk.")
    dv_email.add("B6")
    dv_signed = DataValidation(type="date", operator="between", formula1=f"DATE({period.first_day.year},"
                               f"{period.first_day.month},{period.first_day.day})", formula2=_excel_date(LATEST_DATE),
                               showInputMessage=True, showErrorMessage=True, promptTitle="Date signed off",
                               prompt=f"The date the return was signed off (DD/MM/YYYY), from {period.first_day:%d/%m/%Y}.",
                               errorTitle="Date signed off",
                               error=f"Enter a date from {period.first_day:%d/%m/%Y}, as DD/MM/YYYY.")
    dv_signed.add("B8")
    for dv in (dv_text, dv_email, dv_signed):
        cover.add_data_validation(dv)
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 48
    cover.protection.sheet = True

    prog = wb.create_sheet("Progress")
    # The reader's columns in its order, with each item's title (locked) after its id; widths by column.
    header = [PROGRESS_COLUMNS[0], "title", *PROGRESS_COLUMNS[1:]]
    widths = {"item_id": 12, "title": 50, "status": 14, "percent_complete": 10, "milestone": 30, "milestone_due": 14,
              "forecast_completion": 14, "narrative": 60, "risks": 40, "recovery_action": 50, "ask": 40,
              "explanation": 50}
    at = {h: n for n, h in enumerate(header, start=1)}  # column number of each heading
    letter = {h: openpyxl.utils.get_column_letter(n) for h, n in at.items()}
    wrapped = {at[h] for h in ("milestone", "narrative", "risks", "recovery_action", "ask", "explanation")}
    for h, col in at.items():
        prog.cell(1, col, h).font = head
        prog.column_dimensions[letter[h]].width = widths[h]
    items = ref.assigned_items(partner_code)
    before = last.rows if last else {}
    for r, item_id in enumerate(items, start=2):
        item = ref.items[item_id]
        prev = before.get(item_id, {})
        safe_text(prog.cell(r, 1), item_id)
        safe_text(prog.cell(r, 2), item.title)
        prog.cell(r, 2).alignment = Alignment(wrap_text=True, vertical="top")
        safe_text(prog.cell(r, at["status"]), prev.get("status"))
        prog.cell(r, at["percent_complete"], prev.get("percent_complete"))
        prog.cell(r, at["forecast_completion"], prev.get("forecast_completion"))
        for col in (at["milestone_due"], at["forecast_completion"]):
            prog.cell(r, col).number_format = DATE_FORMAT
        for col in range(at["status"], len(header) + 1):
            c = prog.cell(r, col)
            c.protection = unlocked
            c.fill = fill
            if col in wrapped:
                c.alignment = Alignment(wrap_text=True, vertical="top")
    last_row = max(len(items) + 1, 2)
    rng = lambda name: f"{letter[name]}2:{letter[name]}{last_row}"  # noqa: E731
    validations = [
        DataValidation(type="list", formula1="=Lists!$A$1:$A$5", allow_blank=False, showInputMessage=True,
                       showErrorMessage=True, promptTitle="Status", prompt="Choose: " + ", ".join(STATUSES) + ".",
                       errorTitle="Status", error="Choose one of: " + ", ".join(STATUSES) + ".", sqref=rng("status")),
        DataValidation(type="whole", operator="between", formula1="0", formula2="100", showInputMessage=True,
                       showErrorMessage=True, promptTitle="Percent complete",
                       prompt=f"A whole number from 0 to 100 (100 when {COMPLETE}).", errorTitle="Percent complete",
                       error="Enter a whole number from 0 to 100.", sqref=rng("percent_complete")),
        _text_limit("milestone", "Milestone", "Optional: the next milestone", "", rng("milestone")),
        DataValidation(type="date", operator="between", formula1=_excel_date(EARLIEST_DATE), formula2=_excel_date(LATEST_DATE),
                       showInputMessage=True, showErrorMessage=True, promptTitle="Milestone due",
                       prompt="Optional: when the milestone is due (DD/MM/YYYY).", errorTitle="Date",
                       error="Enter a date as DD/MM/YYYY.", sqref=rng("milestone_due")),
        DataValidation(type="date", operator="between", formula1=_excel_date(EARLIEST_DATE), formula2=_excel_date(LATEST_DATE),
                       showInputMessage=True, showErrorMessage=True, promptTitle="Forecast completion",
                       prompt=f"When the item will be complete (DD/MM/YYYY); required unless {COMPLETE}.",
                       errorTitle="Date", error="Enter a date as DD/MM/YYYY.", sqref=rng("forecast_completion")),
        _text_limit("narrative", "Narrative", "What happened this quarter and what is next",
                    f"; required when {AT_RISK} or {OFF_TRACK}", rng("narrative")),
        _text_limit("risks", "Risks", "Optional: risks to delivery", "", rng("risks")),
        _text_limit("recovery_action", "Recovery action", f"Optional: for an item {AT_RISK} or {OFF_TRACK}, what you "
                    "are doing to bring it back on track, and by when", "", rng("recovery_action")),
        _text_limit("ask", "Ask", "Optional: a decision or help you need from the Minister or the programme board",
                    "", rng("ask")),
        _text_limit("explanation", "Explanation", "Optional: your answer to a query on this row, e.g. why the "
                    "forecast is after the target date", "", rng("explanation")),
    ]
    for dv in validations:
        prog.add_data_validation(dv)
    prog.freeze_panes = "C2"
    prog.protection.sheet = True

    if partner.reports_indicators:
        ind = wb.create_sheet("Indicators")
        for col, (h, w) in enumerate(zip(["indicator_id", "label", "value", "note"], [30, 60, 12, 60]), start=1):
            ind.cell(1, col, h).font = head
            ind.column_dimensions[openpyxl.utils.get_column_letter(col)].width = w
        for r, i in enumerate(ref.indicators.values(), start=2):
            safe_text(ind.cell(r, 1), i.indicator_id)
            safe_text(ind.cell(r, 2), i.label + (f" (part of {i.part_of})" if i.part_of else ""))
            for col in (3, 4):
                ind.cell(r, col).protection = unlocked
                ind.cell(r, col).fill = fill
        last_i = len(ref.indicators) + 1
        for dv in (
            DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", showInputMessage=True,
                           showErrorMessage=True, promptTitle="Value", prompt="A whole number, 0 or more; leave "
                           "blank only if not available, and say why in the note.", errorTitle="Value",
                           error="Enter a whole number, 0 or more.", sqref=f"C2:C{last_i}"),
            _text_limit("note", "Note", "Explain a blank or unusual value", "", f"D2:D{last_i}"),
        ):
            ind.add_data_validation(dv)
        ind.protection.sheet = True
    wb.active = wb.sheetnames.index("Instructions")
    return wb


def progress_csv(ref: Reference, partner_code: str, period: Period, last: LastReturn | None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    header = [*PROGRESS_CSV_COVER, *PROGRESS_COLUMNS]  # the reader's columns, in its order
    w.writerow(header)
    before = last.rows if last else {}
    for item_id in ref.assigned_items(partner_code):
        prev = before.get(item_id, {})
        fc = prev.get("forecast_completion")
        pct = prev.get("percent_complete")
        known = {"partner_code": partner_code, "period": str(period), "item_id": item_id,
                 "status": csv_cell(prev.get("status")), "percent_complete": "" if pct is None else pct,
                 "forecast_completion": fc.isoformat() if isinstance(fc, date) else ""}
        w.writerow([known.get(h, "") for h in header])
    return buf.getvalue()


def indicators_csv(ref: Reference, partner_code: str, period: Period) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["partner_code", "period", "indicator_id", "value", "note"])
    for i in ref.indicators:
        w.writerow([partner_code, str(period), i, "", ""])
    return buf.getvalue()




def write_all(ref: Reference, period: Period, due_days: int, out: Path, officer_folder: str,
              last_returns: dict[str, LastReturn]) -> list[dict]:
    """Write every partner's workbook and CSV pair under ``out``; return what was written.

    The Instructions sheet names the drop folder as officers reach it from their desk
    (``[intake] officer_folder``), not as the server sees it."""
    written = []
    for code in sorted(ref.partners):
        folder = out / code
        folder.mkdir(parents=True, exist_ok=True)
        wb = workbook(ref, code, period, due_days, last_returns.get(code), folder_words(officer_folder, code))
        xlsx = folder / f"{code}_{period}_return.xlsx"
        wb.save(xlsx)
        prog = folder / f"{code}_{period}_progress.csv"
        prog.write_text(progress_csv(ref, code, period, last_returns.get(code)), encoding="utf-8")
        item = {"partner_code": code, "xlsx": str(xlsx), "progress_csv": str(prog)}
        if ref.partners[code].reports_indicators:
            ind = folder / f"{code}_{period}_indicators.csv"
            ind.write_text(indicators_csv(ref, code, period), encoding="utf-8")
            item["indicators_csv"] = str(ind)
        written.append(item)
    return written


def last_returns(settings: Settings, period: Period) -> dict[str, LastReturn]:
    """Each partner's latest accepted progress part for the period before ``period`` (what its
    template is pre-filled with); none before the warehouse exists."""
    if not settings.warehouse.exists():
        return {}
    with wh.session(settings.warehouse) as con:
        rows = con.execute(CURRENT_PROGRESS_ROWS, {"period": str(period.previous())}).fetchall()
    out: dict[str, LastReturn] = {}
    for partner, item, status, pct, forecast in rows:
        out.setdefault(partner, LastReturn({})).rows[item] = {
            "status": status, "percent_complete": pct, "forecast_completion": forecast}
    return out


def write_templates(settings: Settings, ref: Reference, period: Period, last: dict[str, LastReturn]) -> dict:
    """Every partner's templates for the period under ``outbox/templates/P/`` (:func:`write_all`)."""
    out = settings.outbox / "templates" / str(period)
    files = write_all(ref, period, settings.cycle.due_days, out, settings.intake.officer_folder, last)
    return {"period": str(period), "folder": str(out), "partners": files}


def _excel_date(d) -> str:
    return f"DATE({d.year},{d.month},{d.day})"


def _text_limit(column: str, title: str, prompt: str, after: str, sqref: str):
    """Excel's own check of a text's length, at the limit of :data:`cpip.core.vocabulary.TEXT_LIMITS` (P09)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    limit = TEXT_LIMITS[column]
    return DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(limit), showInputMessage=True,
                          showErrorMessage=True, promptTitle=title, prompt=f"{prompt} (at most {limit:,} characters){after}.",
                          errorTitle=title, error=f"At most {limit:,} characters.", sqref=sqref)
