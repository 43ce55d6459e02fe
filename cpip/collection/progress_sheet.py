"""The Progress sheet of a partner's return workbook: one row per assigned item.

Its columns, left to right: the item's id and title and its target date from the register (locked),
then the columns the officer fills in, each with its header in words ("Percent complete"; the
readers match headers ignoring case, spaces and underscores, returns.md §3). Beside status,
percent complete and forecast completion, just to their left, a locked grey column shows what the
partner's last accepted return for the previous quarter said ("Last quarter: status"): for
reference only. The cells to fill in start empty, so a workbook sent back untouched is not
read as a fresh report of last quarter's figures.

The read-only columns are extra columns to the readers (returns.md §3: ignored): their headers
match no column's (``tests/unit/test_template_headers.py``). Text copied from earlier returns is
written with :func:`cpip.core.text.safe_text`, never as a formula.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpip.core.text import safe_text
from cpip.core.values import EARLIEST_DATE, LATEST_DATE
from cpip.core.vocabulary import AT_RISK, COLOUR, COMPLETE, OFF_TRACK, STATUSES, TEXT_LIMITS
from cpip.intake.model import DATE_COLUMNS, PROGRESS_COLUMNS, heading

DATE_FORMAT = "dd/mm/yyyy"
FILL_IN = COLOUR.cream[1:]  # the cells an officer fills in
READ_ONLY = COLOUR.light_grey[1:]  # what is shown for reference and not read back

TITLE = "Title"
TARGET = "Target date"
NO_TARGET = "None set"  # the register gives no target date
SHOWN_DATE_FORMAT = "d mmmm yyyy"  # a date shown for reference, as receipts write it: 7 December 2026
# The fields whose last accepted value is shown beside the cell to fill in.
SHOWN_FROM_LAST = ("status", "percent_complete", "forecast_completion")
WRAPPED = ("milestone", "narrative", "risks", "recovery_action", "ask", "explanation")
WIDTHS = {"item_id": 12, "status": 14, "percent_complete": 11, "milestone": 30, "milestone_due": 13,
          "forecast_completion": 13, "narrative": 60, "risks": 40, "recovery_action": 50, "ask": 40,
          "explanation": 50}


def last_quarter(column: str) -> str:
    """The header of the read-only column beside ``column``: "Last quarter: percent complete"."""
    return f"Last quarter: {heading(column).lower()}"


def read_only_headers() -> list[str]:
    """Every header on the Progress sheet that the readers must ignore."""
    return [TITLE, TARGET, *(last_quarter(c) for c in SHOWN_FROM_LAST)]


@dataclass(frozen=True)
class Column:
    key: str  # a field of PROGRESS_COLUMNS, "title", "target", or "last:<field>"
    header: str
    width: int
    kind: str  # "id" (locked), "reference" (locked, grey, ignored by the reader) or "fill"


def layout() -> list[Column]:
    """The sheet's columns in order (see the module docstring)."""
    cols = [Column("item_id", heading("item_id"), WIDTHS["item_id"], "id"), Column("title", TITLE, 50, "id"),
            Column("target", TARGET, 12, "reference")]
    for c in PROGRESS_COLUMNS[1:]:
        if c in SHOWN_FROM_LAST:
            cols.append(Column(f"last:{c}", last_quarter(c), WIDTHS[c], "reference"))
        cols.append(Column(c, heading(c), WIDTHS[c], "fill"))
    return cols


def write_progress(wb, ref, partner_code: str, previous: str, last_rows: dict[str, dict]):
    """Add the Progress sheet to ``wb``; ``last_rows``: item id -> the last accepted row's values
    (status, percent_complete, forecast_completion) of ``previous``, the quarter before."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    prog = wb.create_sheet("Progress")
    cols = layout()
    at = {c.key: n for n, c in enumerate(cols, start=1)}
    letter = {k: openpyxl.utils.get_column_letter(n) for k, n in at.items()}
    grey, cream = PatternFill("solid", fgColor=READ_ONLY), PatternFill("solid", fgColor=FILL_IN)
    for c in cols:
        head = prog.cell(1, at[c.key], c.header)
        head.font = Font(bold=True, italic=c.kind == "reference", color=COLOUR.dark_grey[1:] if c.kind == "reference" else None)
        head.alignment = Alignment(wrap_text=True, vertical="top")
        if c.kind == "reference":
            head.fill = grey
        prog.column_dimensions[letter[c.key]].width = c.width
    items = ref.assigned_items(partner_code)
    for r, item_id in enumerate(items, start=2):
        item, prev = ref.items[item_id], last_rows.get(item_id, {})
        safe_text(prog.cell(r, at["item_id"]), item_id)
        safe_text(prog.cell(r, at["title"]), item.title)
        prog.cell(r, at["target"], item.target_date or NO_TARGET)  # words, not a blank that reads as unfilled
        for f in SHOWN_FROM_LAST:
            safe_text(prog.cell(r, at[f"last:{f}"]), prev.get(f))
        for c in cols:
            cell = prog.cell(r, at[c.key])
            if c.kind == "reference":
                cell.fill, cell.font = grey, Font(italic=True, color=COLOUR.dark_grey[1:])
            elif c.kind == "fill":
                cell.protection, cell.fill = Protection(locked=False), cream
            if c.key in ("title", *WRAPPED):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if c.key in ("target", "last:forecast_completion"):
                cell.number_format = SHOWN_DATE_FORMAT
            elif c.key in DATE_COLUMNS:
                cell.number_format = DATE_FORMAT
    last_row = max(len(items) + 1, 2)
    for dv in _validations(lambda k: f"{letter[k]}2:{letter[k]}{last_row}", previous):
        prog.add_data_validation(dv)
    prog.freeze_panes = "C2"
    prog.protection.sheet = True
    return prog


def _validations(rng, previous: str) -> list:
    """Excel's own checks and an input message on every column to fill in, and an input message on
    every read-only column saying what it is."""
    from openpyxl.worksheet.datavalidation import DataValidation

    def dates(key: str, prompt: str):
        return DataValidation(type="date", operator="between", formula1=excel_date(EARLIEST_DATE),
                              formula2=excel_date(LATEST_DATE), showInputMessage=True, showErrorMessage=True,
                              promptTitle=heading(key), prompt=prompt, errorTitle="Date",
                              error="Enter a date as DD/MM/YYYY.", sqref=rng(key))

    def shown(key: str, title: str, prompt: str):  # Excel allows at most 32 characters in a title
        return DataValidation(showInputMessage=True, promptTitle=title, prompt=prompt, sqref=rng(key))

    return [
        DataValidation(type="list", formula1=f"=Lists!$A$1:$A${len(STATUSES)}", allow_blank=False,
                       showInputMessage=True, showErrorMessage=True, promptTitle=heading("status"),
                       prompt="Choose: " + ", ".join(STATUSES) + ".", errorTitle=heading("status"),
                       error="Choose one of: " + ", ".join(STATUSES) + ".", sqref=rng("status")),
        DataValidation(type="whole", operator="between", formula1="0", formula2="100", showInputMessage=True,
                       showErrorMessage=True, promptTitle=heading("percent_complete"),
                       prompt=f"A whole number from 0 to 100 (100 when {COMPLETE}).",
                       errorTitle=heading("percent_complete"), error="Enter a whole number from 0 to 100.",
                       sqref=rng("percent_complete")),
        text_limit("milestone", "Optional: the next milestone", "", rng("milestone")),
        dates("milestone_due", "Optional: when the milestone is due (DD/MM/YYYY)."),
        dates("forecast_completion", f"When the item will be complete (DD/MM/YYYY); required unless {COMPLETE}."),
        text_limit("narrative", "What happened this quarter and what is next",
                   f"; required when {AT_RISK} or {OFF_TRACK}", rng("narrative")),
        text_limit("risks", "Optional: risks to delivery", "", rng("risks")),
        text_limit("recovery_action", f"Optional: for an item {AT_RISK} or {OFF_TRACK}, what you are doing to "
                   "bring it back on track, and by when", "", rng("recovery_action")),
        text_limit("ask", "Optional: a decision or help you need from the Minister or the programme board",
                   "", rng("ask")),
        text_limit("explanation", "Optional: your answer to a query on this row, e.g. why the forecast is after "
                   "the target date", "", rng("explanation")),
        shown("target", TARGET, "The item's target date in the programme's register. For reference: you cannot change it."),
        *(shown(f"last:{f}", "Last quarter", f"What your accepted return for {previous} said. For reference only: it is not "
                             f"read back. Fill in this quarter's in the {heading(f)} column to the right.")
          for f in SHOWN_FROM_LAST),
    ]


def excel_date(d) -> str:
    return f"DATE({d.year},{d.month},{d.day})"


def text_limit(column: str, prompt: str, after: str, sqref: str, title: str | None = None):
    """Excel's own check of a text's length, at the limit of :data:`cpip.core.vocabulary.TEXT_LIMITS` (P09)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    limit, title = TEXT_LIMITS[column], title or heading(column)
    return DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(limit), showInputMessage=True,
                          showErrorMessage=True, promptTitle=title, prompt=f"{prompt} (at most {limit:,} characters){after}.",
                          errorTitle=title, error=f"At most {limit:,} characters.", sqref=sqref)
