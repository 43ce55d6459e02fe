"""Read an .xlsx return (from our template, Excel or LibreOffice) with python-calamine."""

from __future__ import annotations

import io
from typing import Any

from cpip.intake.model import COVER_FIELDS, INDICATOR_COLUMNS, PROGRESS_COLUMNS, Cell, FileRejected, Part, ReturnFile, make_issue
from cpip.core.values import is_blank, norm_name

_COVER_NAMES = {}
for _key, (_label, _csv, _aliases) in COVER_FIELDS.items():
    for _n in (_label, _csv, *_aliases):
        _COVER_NAMES[norm_name(_n)] = _key

_PROGRESS_NAMES = {norm_name(c): c for c in PROGRESS_COLUMNS}
_INDICATOR_NAMES = {norm_name(c): c for c in INDICATOR_COLUMNS}


def _rows(sheet) -> tuple[int, int, Any]:
    """(first row number, first column index, iterator of rows) for a calamine sheet.

    calamine's ``iter_rows`` always starts at row 1 but at the sheet's first used column.
    """
    start = sheet.start or (0, 0)
    return 1, start[1], sheet.iter_rows()


def _cell(row: list, idx: int) -> Any:
    if 0 <= idx < len(row):
        v = row[idx]
        return None if v == "" else v
    return None


def read_cover(sheet) -> dict[str, Cell]:
    first_row, first_col, rows = _rows(sheet)
    cover: dict[str, Cell] = {}
    for n, row in enumerate(rows, start=first_row):
        label = _cell(row, 0 - first_col)
        if label is None or not isinstance(label, str):
            continue
        key = _COVER_NAMES.get(norm_name(label))
        if key and key not in cover:
            cover[key] = Cell(_cell(row, 1 - first_col), n, COVER_FIELDS[key][0])
    return cover


def read_table(sheet, name: str, names: dict[str, str]) -> Part:
    """A table whose header is row 1 of the sheet; blank rows are skipped.

    The part's sheet is the canonical name (``Progress``, ``Indicators``), whatever the file
    called it: issues name the sheet as returns.md §7 spells it."""
    first_row, first_col, rows = _rows(sheet)
    part = Part(name=name, sheet=name.capitalize())
    positions: dict[str, int] = {}
    it = iter(rows)
    header = next(it, None)  # row 1; when it is blank there is no header and every column is missing
    if header is None:
        return part
    header = [None] * first_col + list(header)
    for idx, h in enumerate(header):
        col = names.get(norm_name(h)) if isinstance(h, str) else None
        if col and col not in positions:
            positions[col] = idx
    part.columns = set(positions)
    part.positions = dict(positions)
    if not positions:
        return part
    for n, row in enumerate(it, start=2):
        values = {col: _cell(row, idx - first_col) for col, idx in positions.items()}
        if all(is_blank(v) for v in values.values()):
            continue
        part.rows.append((n, values))
    return part


def read_xlsx(data: bytes) -> ReturnFile:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = {norm_name(s): s for s in reversed(wb.sheet_names)}  # first of equal names wins
        rf = ReturnFile(format="xlsx", kind="workbook")
        if "cover" in sheets:
            sh = wb.get_sheet_by_name(sheets["cover"])
            rf.cover_sheet = "Cover"  # canonical, as every issue names it
            rf.cover = read_cover(sh)
        if "progress" in sheets:
            rf.progress = read_table(wb.get_sheet_by_name(sheets["progress"]), "progress", _PROGRESS_NAMES)
        if "indicators" in sheets:
            rf.indicators = read_table(wb.get_sheet_by_name(sheets["indicators"]), "indicators", _INDICATOR_NAMES)
        return rf
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged parts
        msg = str(exc).lower()
        if "password" in msg or "encrypt" in msg:
            what = "This workbook is password-protected, so we cannot open it. Remove the password and save it again as .xlsx."
        else:
            what = "This workbook is damaged and cannot be opened; open it in Excel or LibreOffice, check it, and save it again as .xlsx."
        raise FileRejected([make_issue("F01", what)]) from None
