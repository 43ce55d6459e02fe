"""The briefing's figures as an accessible spreadsheet and a CSV, beside each form.

``cpip-briefing-P-FORM-figures.xlsx`` has a cover sheet (what each table holds, what [c] and
[x] mean) and one sheet per table, each with its title in A1 and one header row above the
data, defined as an Excel table, no merged cells and no blank rows inside, following the
GOV.UK Analysis Function's guidance on releasing statistics in spreadsheets. It is for an
analyst, so it holds every quarter held, not just this one:

1. ``By_committee``: every indicator for every Child Protection Committee in every quarter held,
   a committee with no figure for a quarter shown as [x]; under each indicator its national
   total and a "Committees reporting" row (how many committees that total covers);
2. ``National``: national totals of every indicator in every quarter held, and the number of
   committees that sent figures each quarter;
3. ``Comparison`` (restricted form only): each indicator this quarter against the last, the
   change taken over the committees that reported both quarters only (annex.json
   ``comparisons``), with their number. The publication form has no change table: a change
   worked out over unsuppressed values, set beside suppressed ones, could give one away;
4. ``Items``: every action and recommendation with its status (dates as dates);
5. ``Quarters``: each quarter held, its first and last day and how many committees reported.

Each quarter's column is headed with the quarter in words and its coverage ("Jul–Sep 2026 (28
of 30 committees)"). ``…-figures.csv`` holds table 1 in long form (one row per quarter,
committee and indicator) for anyone who loads it into their own tools.

Both are built only from ``briefing.json`` / ``publication.json`` (this quarter) and the annex's
trends (the quarters before: ``trends``, or ``trends_publication`` for the publication form,
suppressed by :mod:`cpip.briefing.disclosure` like publication.json), so the publication
spreadsheet carries exactly the publication form's [c]. Every text cell is written with
:func:`cpip.core.text.safe_text` (:func:`~cpip.core.text.csv_cell` in the CSV), so nothing a
spreadsheet opens is ever a formula.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from cpip.briefing.disclosure import SUPPRESSED
from cpip.briefing.public import contact
from cpip.briefing.words import human_time
from cpip.core.files import write_atomically
from cpip.core.periods import Period, period_short_words, period_words
from cpip.core.text import csv_cell, safe_text

NOT_AVAILABLE = "[x]"
ALL_COMMITTEES = "All reporting committees"
REPORTING = "Committees reporting"
DATE_FORMAT = "d mmmm yyyy"


@dataclass(frozen=True)
class Table:
    sheet: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    widths: list[int]


@dataclass(frozen=True)
class Quarter:
    """One quarter held as one form shows it: its totals, coverage and each committee's values."""
    period: str
    national: dict[str, Any]
    cpcs: dict[str, int]  # committees with a value behind each national total
    reporting_cpcs: int
    by_partner: dict[str, dict[str, Any]]


def _cell(v: Any) -> Any:
    return NOT_AVAILABLE if v is None else v


def quarters(doc: dict, annex: dict, form: str) -> list[Quarter]:
    """Every quarter held, oldest first: this quarter's figures from the form's own document, the
    quarters before from the annex's trends for that form."""
    trends = annex["trends"] if form == "restricted" else annex["trends_publication"]
    ind = doc["indicators"]
    now = Quarter(doc["period"], ind["national"],
                  {i: sum(1 for v in ind["by_partner"].values() if v.get(i) is not None) for i in ind["national"]},
                  ind["reporting_cpcs"], ind["by_partner"])
    return [Quarter(t["period"], t["national"], t["cpcs"], t["reporting_cpcs"], t["by_partner"])
            for t in trends if t["period"] < doc["period"]] + [now]


def heading(q: Quarter, expected: int) -> str:
    """A quarter's column heading: ``Jul–Sep 2026 (28 of 30 committees)``."""
    return f"{period_short_words(q.period)} ({q.reporting_cpcs} of {expected} committees)"


def tables(doc: dict, annex: dict, form: str) -> list[Table]:
    """The spreadsheet's tables, from one form's document (restricted or publication) and the annex."""
    period = doc["period"]
    names = {k: v["name"] for k, v in annex["partners"].items()}
    labels = {k: v["label"] for k, v in annex["indicators"].items()}
    inds = list(doc["indicators"]["national"])
    qs = quarters(doc, annex, form)
    cpcs = sorted((p for p, v in annex["partners"].items() if v["cpc"]), key=lambda p: names.get(p, p))
    expected = len(cpcs)
    heads = [heading(q, expected) for q in qs]
    span = f"{period_short_words(qs[0].period)} to {period_short_words(period)}" if len(qs) > 1 else \
        period_words(period)
    rows1 = []
    for i in inds:
        rows1 += [[labels.get(i, i), i, names.get(p, p), p] + [_cell(q.by_partner.get(p, {}).get(i)) for q in qs]
                  for p in cpcs]
        rows1.append([labels.get(i, i), i, ALL_COMMITTEES, ""] + [_cell(q.national.get(i)) for q in qs])
        rows1.append([labels.get(i, i), i, REPORTING, ""] + [q.cpcs.get(i, 0) for q in qs])
    out = [Table("By_committee", f"Every indicator by Child Protection Committee, every quarter "
                 f"held ({span})", ["Indicator", "Indicator code", "Committee", "Committee code"] + heads, rows1,
                 [60, 30, 44, 26] + [18] * len(qs))]
    rows2 = []
    for i in inds:
        part = annex["indicators"].get(i, {}).get("part_of")
        rows2.append([labels.get(i, i), i, labels.get(part, part) if part else ""]
                     + [_cell(q.national.get(i)) for q in qs])
    rows2.append([REPORTING, "", ""] + [q.reporting_cpcs for q in qs])
    out.append(Table("National", f"National totals of every indicator, every quarter held ({span})",
                     ["Indicator", "Indicator code", "Part of"] + heads, rows2, [60, 30, 40] + [18] * len(qs)))
    if form == "restricted":
        out.append(_comparison(annex, labels, period))
    meta = annex["items"]
    out.append(Table(
        "Items", f"Every action and recommendation, {period_words(period)}",
        ["Item", "Kind", "Workstream", "Title", "Lead", "Status", "Per cent complete", "Last quarter", "Movement",
         "Target date", "Forecast completion"],
        [[i["item_id"], i["kind"], i["workstream"], meta[i["item_id"]]["title"],
          names.get(i["lead_partner"], i["lead_partner"]), i["status"], _cell(i["percent_complete"]),
          i["previous_status"] or "", i["movement"] or "", _date(meta[i["item_id"]]["target_date"]),
          _date(meta[i["item_id"]]["forecast_completion"])] for i in doc["items"]],
        [10, 14, 30, 60, 40, 12, 10, 12, 11, 16, 16]))
    out.append(Table(
        "Quarters", "The quarters held, and how many committees sent figures for each",
        ["Quarter", "Quarter code", "First day", "Last day", REPORTING, "Committees expected"],
        [[period_words(q.period), q.period, Period.parse(q.period).first_day, Period.parse(q.period).last_day,
          q.reporting_cpcs, expected] for q in qs],
        [26, 14, 16, 16, 14, 14]))
    return [replace(t, title=f"Table {n}: {t.title}") for n, t in enumerate(out, start=1)]


def _comparison(annex: dict, labels: dict[str, str], period: str) -> Table:
    """Each indicator this quarter against the last, as annex.json ``comparisons`` has it."""
    comp = annex["comparisons"]
    now, before = period_short_words(period), period_short_words(comp["previous_period"])
    rows = [[labels.get(i, i), i, _cell(c["current"]), c["current_cpcs"], _cell(c["previous"]), c["previous_cpcs"],
             c["matched_cpcs"], _cell(c["previous_matched"]), _cell(c["current_matched"]), _cell(c["change"])]
            for i, c in comp["indicators"].items()]
    return Table("Comparison", f"Change since {period_words(comp['previous_period'])}, over the committees "
                 "that reported both quarters only",
                 ["Indicator", "Indicator code", f"{now} total", f"{now} committees", f"{before} total",
                  f"{before} committees", "Committees in both quarters", f"Their {before} total",
                  f"Their {now} total", "Change, same committees"],
                 rows, [60, 30, 14, 14, 14, 14, 16, 16, 16, 16])


def _about(annex: dict) -> list[tuple[str, bool]]:
    """The publication spreadsheet's "About these statistics", as its HTML and PDF end with it."""
    return [
        ("About these statistics", True),
        ("Source: the quarterly returns the programme's partners send after each quarter (each Child Protection "
         "Committee its figures), checked against the published validation rules, received up to the data cut-off "
         "above.", False),
        ("Coverage: each quarter's heading says how many committees sent figures, and each indicator's Committees "
         "reporting row how many gave it; a committee with no figure is shown as [x].", False),
        (f"Small numbers: a committee's figure from 1 to {annex['suppress_below'] - 1} is shown as {SUPPRESSED}, and "
         f"so is any other figure needed so that no {SUPPRESSED} can be worked out or narrowed down from the figures "
         "published, in this release or an earlier one.", False),
        ("Revisions: a late or corrected return makes a revised version, which says what it replaces and what "
         "changed; earlier quarters are as held when this version was made.", False),
        (f"Contact: {contact(annex)}", False),
    ]


def _date(v: str | None) -> date | str:
    return date.fromisoformat(v) if v else ""


def write_xlsx(path: Path, doc: dict, annex: dict, form: str, mode: int | None = None) -> Path:
    import openpyxl
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table as XlTable, TableStyleInfo

    ts = tables(doc, annex, form)
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Cover"
    lines = [
        (f"{annex['programme']}: figures from the quarterly briefing, {period_words(doc['period'])}", True),
        ("Restricted version: handle as marked." if form == "restricted" else
         "Publication version: small numbers are suppressed.", False),
        (f"Data received up to {human_time(annex['data_cutoff'])}; made {human_time(annex['generated_at'])}"
         + (f"; run {annex['run_id']}." if form == "restricted" else "."), False),
        ("Tables in this workbook", True),
    ] + [(f"{t.sheet}: {t.title}", False) for t in ts] + [
        ("Symbols", True),
        (f"{NOT_AVAILABLE} not available: the committee sent no figures for that quarter, or marked this figure as "
         "not available, or no committee gave it.", False),
        (f"{SUPPRESSED} confidential: a value from 1 to {annex['suppress_below'] - 1} is suppressed, and so are other "
         "values, or a national total, where needed so that none can be worked out from the figures published, "
         "in this or an earlier version." if form == "publication" else
         f"No figure is suppressed in this version; the publication version shows small numbers as {SUPPRESSED}.",
         False),
        ("National totals are the sum over the committees that gave the figure (the Committees reporting row under "
         "each indicator in By_committee); a value not available is left out, not counted as zero. Each quarter's "
         "heading says how many committees sent figures for it.", False),
        ("Two quarters' national totals can cover different committees: compare them only over the same committees"
         + (" (the Comparison table)." if form == "restricted" else "."), False),
    ] + (_about(annex) if form == "publication" else [])
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
                    if isinstance(v, date):
                        cell.number_format = DATE_FORMAT
                    elif isinstance(v, int):
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
    write_atomically(path, buf.getvalue(), mode=mode)
    return path


def csv_text(doc: dict, annex: dict, form: str) -> str:
    """Table 1 in long form: every committee's value of every indicator in every quarter held (a
    committee with no figures as [x]), then each indicator's national total and how many committees
    it covers, one row each."""
    names = {k: v["name"] for k, v in annex["partners"].items()}
    labels = {k: v["label"] for k, v in annex["indicators"].items()}
    cpcs = sorted((p for p, v in annex["partners"].items() if v["cpc"]), key=lambda p: names.get(p, p))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["period", "quarter", "committee_code", "committee", "indicator_code", "indicator", "value"])
    for q in quarters(doc, annex, form):
        words = period_words(q.period)
        for p in cpcs:
            for i in doc["indicators"]["national"]:
                w.writerow([q.period, words, p, csv_cell(names.get(p, p)), i, csv_cell(labels.get(i, i)),
                            _cell(q.by_partner.get(p, {}).get(i))])
        for i in doc["indicators"]["national"]:
            w.writerow([q.period, words, "", ALL_COMMITTEES, i, csv_cell(labels.get(i, i)), _cell(q.national.get(i))])
            w.writerow([q.period, words, "", REPORTING, i, csv_cell(labels.get(i, i)), q.cpcs.get(i, 0)])
    return buf.getvalue()
