"""Each partner's return for a period as a workbook that is hard to fill in wrongly, and a CSV
template pair for partners who export from their own systems.

The workbook has the sheets the reader expects (Cover, Progress, Indicators for CPCs) plus an
Instructions sheet and a hidden Lists sheet for the status drop-down. Headers are in words
("Percent complete": :func:`cpip.intake.model.heading`, read back as the column). Item ids,
titles, target dates, last quarter's figures, headers and labels are locked (sheet protection
without a password: it prevents accidents, not determined editing); the cells the officer fills
in start empty, are unlocked and carry data validation and an input message saying what they
need (the Progress sheet: :mod:`cpip.collection.progress_sheet`). Text copied from earlier
returns is always written as text, never as a formula, whatever it starts with.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from cpip.core.periods import Period
from cpip.core.settings import Settings
from cpip.core.settings import officer_folder as folder_words
from cpip.core.text import csv_cell, day_in_words, safe_text
from cpip.collection.progress_sheet import DATE_FORMAT, FILL_IN, excel_date, text_limit, write_progress
from cpip.core.values import LATEST_DATE
from cpip.core.vocabulary import AT_RISK, COMPLETE, OFF_TRACK, STATUSES, TEXT_LIMITS
from cpip.intake.model import PROGRESS_COLUMNS, PROGRESS_CSV_COVER, heading
from cpip.reference.tables import Reference
from cpip.warehouse import db as wh

@dataclass
class LastReturn:
    """What the partner's latest accepted progress part for the previous period said, by item."""

    rows: dict[str, dict]



def workbook(ref: Reference, partner_code: str, period: Period, due_days: int, last: LastReturn | None,
             inbox_hint: str):
    """The pre-filled return workbook (an openpyxl Workbook)."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    partner = ref.partners[partner_code]
    due = period.due_date(due_days)
    head = Font(bold=True)
    fill = PatternFill("solid", fgColor=FILL_IN)  # cells to fill in
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
        ("2. Progress: one row per item your organisation reports on, with its target date. Fill in this quarter's "
         "status, percent complete, forecast completion date and narrative in the yellow cells. The grey columns "
         "beside them show what your accepted return said last quarter, for reference: they are not read back.",
         False),
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
                               f"{period.first_day.month},{period.first_day.day})", formula2=excel_date(LATEST_DATE),
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

    write_progress(wb, ref, partner_code, str(period.previous()), last.rows if last else {})

    if partner.reports_indicators:
        ind = wb.create_sheet("Indicators")
        headers = [heading("indicator_id"), "Label", heading("value"), heading("note")]
        for col, (h, w) in enumerate(zip(headers, [30, 60, 12, 60]), start=1):
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
            text_limit("note", "Explain a blank or unusual value", "", f"D2:D{last_i}"),
        ):
            ind.add_data_validation(dv)
        ind.protection.sheet = True
    wb.active = wb.sheetnames.index("Instructions")
    return wb


def progress_csv(ref: Reference, partner_code: str, period: Period) -> str:
    """The progress CSV template: the reader's columns in its order, one row per assigned item with
    the partner, period and item filled in and the rest empty (as the workbook's cells to fill in:
    a file sent back untouched is not read as a fresh report of last quarter's figures)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    header = [*PROGRESS_CSV_COVER, *PROGRESS_COLUMNS]
    w.writerow(header)
    for item_id in ref.assigned_items(partner_code):
        known = {"partner_code": partner_code, "period": str(period), "item_id": csv_cell(item_id)}
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
        prog.write_text(progress_csv(ref, code, period), encoding="utf-8")
        item = {"partner_code": code, "xlsx": str(xlsx), "progress_csv": str(prog)}
        if ref.partners[code].reports_indicators:
            ind = folder / f"{code}_{period}_indicators.csv"
            ind.write_text(indicators_csv(ref, code, period), encoding="utf-8")
            item["indicators_csv"] = str(ind)
        written.append(item)
    return written


def last_returns(settings: Settings, period: Period) -> dict[str, LastReturn]:
    """Each partner's latest accepted progress part for the period before ``period`` (what its
    template shows as last quarter's, beside the cells to fill in); none before the warehouse exists."""
    if not settings.warehouse.exists():
        return {}
    with wh.session(settings.warehouse) as con:
        rows = con.execute(wh.sql("queries/current_progress_rows"), {"period": str(period.previous())}).fetchall()
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

