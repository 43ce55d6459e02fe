"""Where each issue is, and which item it concerns, in the officer's words: for the receipt alone.

The issue's own fields (sheet, row, column, value, message) are what interfaces.md fixes and stay
as the checks made them; this adds beside them, once the file's outcome is decided:

- **the cell** as the officer's spreadsheet names it, ``Progress!D7``: the column letter is where
  that header actually is in the officer's sheet, as the reader found it (headers may be in any
  order), and a Cover value is in column B beside its label. A CSV has no letters (its receipt says
  "row 7, column forecast_completion"), and an issue with no row or no column has no cell;
- **the item** of a Progress row (or the item an issue names without a row, P04), when the register
  has it: its id, and its title from the register, so the receipt names it as the officer knows it.

Both are kept with the issue in the warehouse (``issues.cell``, ``issues.item_id``), so a receipt
made again later (its email, one a crash left unwritten) says the same, without the file.
"""

from __future__ import annotations

import dataclasses

from cpip.core.values import text
from cpip.intake.model import Issue, ReturnFile
from cpip.reference.tables import Reference

COVER_VALUE_COLUMN = 1  # returns.md §4: on the Cover, labels in column A and values in column B


def column_letter(index: int) -> str:
    """The spreadsheet's name of a column: 0 is A, 25 is Z, 26 is AA (openpyxl's, counted from 0)."""
    from openpyxl.utils import get_column_letter  # only a workbook's issues have cells: openpyxl is loaded then

    return get_column_letter(index + 1)


def cell_of(rf: ReturnFile, issue: Issue) -> str | None:
    """``Sheet!D7`` for an issue on one cell of a workbook; None for a CSV or where no cell applies."""
    if rf.kind != "workbook" or issue.sheet is None or issue.row is None or issue.column is None:
        return None
    if issue.sheet == rf.cover_sheet:
        return f"{issue.sheet}!{column_letter(COVER_VALUE_COLUMN)}{issue.row}"
    part = next((p for p in (rf.progress, rf.indicators) if p is not None and p.sheet == issue.sheet), None)
    index = part.positions.get(issue.column) if part is not None else None
    return None if index is None else f"{issue.sheet}!{column_letter(index)}{issue.row}"


def _item_of(rf: ReturnFile, issue: Issue, rows: dict[int, str | None]) -> str | None:
    """The item an issue concerns: its Progress row's item, or (no row) the item it names (P04)."""
    progress = rf.progress
    if progress is None or issue.sheet != progress.sheet or issue.rule.startswith(("C", "F")):
        return None
    if issue.row is not None:
        return rows.get(issue.row)
    return issue.value if issue.column == "item_id" else None


def placed(rf: ReturnFile | None, ref: Reference, issues: list[Issue]) -> list[Issue]:
    """The issues, each with its cell and its register item (id and title) where it has them."""
    if rf is None or not issues:
        return issues
    rows = {n: text(v.get("item_id")) for n, v in rf.progress.rows} if rf.progress is not None else {}
    out = []
    for i in issues:
        item = ref.items.get(_item_of(rf, i, rows) or "")
        out.append(dataclasses.replace(i, cell=cell_of(rf, i), item_id=item.item_id if item else None,
                                       item_title=item.title if item else None))
    return out


def described(d, ref: Reference, known):
    """The handling with what its receipt names: the partner's name (from the reference partners),
    each issue's cell and item, and for a duplicate what it matches and what is on file."""
    partner = ref.partners.get(d.partner_code or "")
    d = dataclasses.replace(d, partner_name=partner.name if partner else None,
                            issues=placed(d.rf, ref, d.issues))
    return with_duplicate_facts(d, known)


def with_duplicate_facts(d, known):
    """A duplicate, with the earlier file it matches (name, received at) and the accepted return
    standing now for each part of its partner and period (:meth:`Known.on_file`: the latest accepted
    part, as ``queries/current_parts_all`` finds it, with the run's earlier files); others as they are."""
    if d.outcome != "duplicate":
        return d
    on_file = tuple((part, *known.files[n]) for part, n in known.on_file(d.partner_code, d.period)
                    if n in known.files)
    return dataclasses.replace(d, earlier=known.files.get(d.duplicate_of), on_file=on_file)
