"""The briefing's figures as an accessible spreadsheet and a CSV, beside each form.

``cpip-briefing-P-FORM-figures.xlsx`` has a cover sheet (what each table holds, what [c] and
[x] mean) and one sheet per table, each with its title in A1 and one header row above the
data, defined as an Excel table, no merged cells and no blank rows inside, following the
GOV.UK Analysis Function's guidance on releasing statistics in spreadsheets:

1. every indicator for every Child Protection Committee (names as row heads, labels as column heads);
2. national totals of every indicator, with the previous quarter and the change;
3. national totals over the quarters held;
4. every action and recommendation with its status.

``…-figures.csv`` holds table 1 and the national totals in long form (one row per committee
and indicator) for anyone who loads it into their own tools. Both are built only from
``briefing.json`` / ``publication.json`` and the annex, so the publication spreadsheet
carries exactly the publication form's suppression ([c]; cpip.briefing.disclosure is its one home).
Every text cell is written with :func:`cpip.core.text.safe_text`, so nothing a
spreadsheet opens is ever a formula.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpip.briefing.disclosure import SUPPRESSED
from cpip.core.files import write_atomically
from cpip.core.text import csv_cell, safe_text

NOT_AVAILABLE = "[x]"


@dataclass(frozen=True)
class Table:
    sheet: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    widths: list[int]


def _cell(v: Any) -> Any:
    return NOT_AVAILABLE if v is None else v


def tables(doc: dict, annex: dict, form: str) -> list[Table]:
    """The spreadsheet's tables, from one form's document (restricted or publication) and the annex."""
    period = doc["period"]
    names = {k: v["name"] for k, v in annex["partners"].items()}
    labels = {k: v["label"] for k, v in annex["indicators"].items()}
    inds = list(doc["indicators"]["national"])
    by_partner = doc["indicators"]["by_partner"]
    committees = sorted(by_partner, key=lambda p: names.get(p, p))
    t1 = Table("By_committee", f"Table 1: Every indicator by Child Protection Committee, {period}",
               ["Committee", "Committee code"] + [labels.get(i, i) for i in inds],
               [[names.get(p, p), p] + [_cell(by_partner[p].get(i)) for i in inds] for p in committees]
               + [["All reporting committees", ""] + [_cell(doc["indicators"]["national"][i]) for i in inds]],
               [44, 26] + [18] * len(inds))
    trends = annex["trends"] if form == "restricted" else annex["trends_publication"]
    prev = trends[-2]["national"] if len(trends) >= 2 and trends[-1]["period"] == period else {}
    rows2 = []
    for i in inds:
        now, before = doc["indicators"]["national"][i], prev.get(i)
        change = now - before if isinstance(now, int) and isinstance(before, int) else None
        part = annex["indicators"].get(i, {}).get("part_of")
        rows2.append([labels.get(i, i), i, labels.get(part, "") if part else "", _cell(now), _cell(before),
                      _cell(change)])
    t2 = Table("National", f"Table 2: National totals of every indicator, {period}, with the previous quarter",
               ["Indicator", "Indicator code", "Part of", f"{period}", "Previous quarter", "Change"], rows2,
               [60, 30, 40, 14, 18, 12])
    periods = [t["period"] for t in trends]
    t3 = Table("National_trend", "Table 3: National totals over the quarters held",
               ["Indicator", "Indicator code"] + periods,
               [[labels.get(i, i), i] + [_cell(t["national"].get(i)) for t in trends] for i in inds],
               [60, 30] + [12] * len(periods))
    meta = annex["items"]
    t4 = Table("Items", f"Table 4: Every action and recommendation, {period}",
               ["Item", "Kind", "Workstream", "Title", "Lead", "Status", "Per cent complete", "Last quarter",
                "Movement", "Target date", "Forecast completion"],
               [[i["item_id"], i["kind"], i["workstream"], meta[i["item_id"]]["title"],
                 names.get(i["lead_partner"], i["lead_partner"]), i["status"], _cell(i["percent_complete"]),
                 i["previous_status"] or "", i["movement"] or "", meta[i["item_id"]]["target_date"] or "",
                 meta[i["item_id"]]["forecast_completion"] or ""] for i in doc["items"]],
               [10, 14, 30, 60, 40, 12, 10, 12, 11, 12, 12])
    return [t1, t2, t3, t4]


def write_xlsx(path: Path, doc: dict, annex: dict, form: str) -> Path:
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table as XlTable, TableStyleInfo

    ts = tables(doc, annex, form)
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Cover"
    lines = [
        (f"{annex['programme']}: figures from the quarterly briefing, {doc['period']}", True),
        ("Restricted version: handle as marked." if form == "restricted" else
         "Publication version: small numbers are suppressed.", False),
        (f"Data received up to {annex['data_cutoff'] or 'no files received'}; generated {annex['generated_at']}; "
         f"run {annex['run_id']}.", False),
        ("Tables in this workbook", True),
    ] + [(f"{t.sheet}: {t.title}", False) for t in ts] + [
        ("Symbols", True),
        (f"{NOT_AVAILABLE} not available: the committee did not give this figure, or no committee did.", False),
        (f"{SUPPRESSED} confidential: a value from 1 to {annex['suppress_below'] - 1} is suppressed, and so is one "
         "more value where needed so that none can be worked out from a total." if form == "publication" else
         f"No figure is suppressed in this version; the publication version shows small numbers as {SUPPRESSED}.",
         False),
        ("National totals are the sum over the committees that reported; a value not available is left out, "
         "not counted as zero.", False),
    ]
    for r, (text, bold) in enumerate(lines, start=1):
        safe_text(cover.cell(r, 1), text)
        if bold:
            cover.cell(r, 1).font = Font(bold=True, size=14 if r == 1 else 12)
    cover.column_dimensions["A"].width = 120
    for n, t in enumerate(ts, start=1):
        ws = wb.create_sheet(t.sheet)
        safe_text(ws.cell(1, 1), t.title)
        ws.cell(1, 1).font = Font(bold=True, size=13)
        for c, h in enumerate(t.header, start=1):
            safe_text(ws.cell(2, c), h)
            ws.cell(2, c).font = Font(bold=True)
            ws.cell(2, c).alignment = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(t.rows, start=3):
            for c, v in enumerate(row, start=1):
                cell = ws.cell(r, c)
                if isinstance(v, str):
                    safe_text(cell, v)
                    if v in (SUPPRESSED, NOT_AVAILABLE):
                        cell.alignment = Alignment(horizontal="right")
                else:
                    cell.value = v
                    if isinstance(v, int):
                        cell.number_format = "#,##0"
        for c, w in enumerate(t.widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = w
        ref = f"A2:{get_column_letter(len(t.header))}{len(t.rows) + 2}"
        xt = XlTable(displayName=f"Table{n}_{t.sheet}", ref=ref)
        xt.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
        ws.add_table(xt)
        ws.freeze_panes = "B3"
    buf = io.BytesIO()
    wb.save(buf)
    write_atomically(path, buf.getvalue())
    return path


def csv_text(doc: dict, annex: dict) -> str:
    """Every committee's value of every indicator, and the national totals, one row each."""
    names = {k: v["name"] for k, v in annex["partners"].items()}
    labels = {k: v["label"] for k, v in annex["indicators"].items()}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["period", "committee_code", "committee", "indicator_code", "indicator", "value"])
    by_partner = doc["indicators"]["by_partner"]
    for p in sorted(by_partner, key=lambda p: names.get(p, p)):
        for i in doc["indicators"]["national"]:
            w.writerow([doc["period"], p, csv_cell(names.get(p, p)), i, csv_cell(labels.get(i, i)),
                        _cell(by_partner[p].get(i))])
    for i, v in doc["indicators"]["national"].items():
        w.writerow([doc["period"], "", "All reporting committees", i, csv_cell(labels.get(i, i)), _cell(v)])
    return buf.getvalue()
