"""The shapes passed between steps: a read return, its cells, and the issues found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cpip.reference.rules import RULES
from cpip.core.vocabulary import STATUSES
from cpip.core.values import cut

# Canonical column names, as the spec spells them.
PROGRESS_COLUMNS = ("item_id", "status", "percent_complete", "milestone", "milestone_due",
                    "forecast_completion", "narrative", "risks", "recovery_action", "ask", "explanation")
PROGRESS_REQUIRED = ("item_id", "status", "percent_complete", "forecast_completion", "narrative")
INDICATOR_COLUMNS = ("indicator_id", "value", "note")
INDICATOR_REQUIRED = ("indicator_id", "value")
DATE_COLUMNS = frozenset({"signed_off_on", "milestone_due", "forecast_completion"})  # cells that hold a date


def heading(column: str) -> str:
    """A column's header in words, as the templates write it: "Percent complete" for ``percent_complete``,
    "Item ID" for ``item_id``. Headers match ignoring case, spaces and underscores (returns.md §3), so the
    readers read it back as the column itself."""
    words = column.replace("_", " ").capitalize()
    return words[:-2] + "ID" if words.endswith(" id") else words

# Cover fields: canonical key -> (label in a workbook, column in a CSV, other accepted names).
COVER_FIELDS = {
    "partner_code": ("Partner code", "partner_code", ()),
    "period": ("Reporting period", "period", ("reportingperiod",)),
    "prepared_by": ("Prepared by", "prepared_by", ()),
    "contact_email": ("Contact email", "contact_email", ()),
    "signed_off_by": ("Signed off by", "signed_off_by", ()),
    "signed_off_on": ("Date signed off", "signed_off_on", ("datesignedoff",)),
}
PROGRESS_CSV_COVER = tuple(COVER_FIELDS)
# Each column in words, as a receipt names it beside its field name (a cover field: its label).
COLUMN_WORDS = {**{c: heading(c) for c in (*PROGRESS_COLUMNS, *INDICATOR_COLUMNS)},
                **{key: label for key, (label, _, _) in COVER_FIELDS.items()}}
# A cover label as an issue names it in a workbook -> its field.
COVER_KEYS = {label: key for key, (label, _, _) in COVER_FIELDS.items()}
INDICATORS_CSV_COVER = ("partner_code", "period")

_STATUS_BY_LOWER = {s.lower(): s for s in STATUSES}


def canonical_status(value: Any) -> str | None:
    """The status a cell names (case and surrounding spaces ignored), or None when it is not one."""
    from cpip.core.values import display

    return _STATUS_BY_LOWER.get(display(value).strip().lower())




@dataclass(frozen=True)
class Issue:
    rule: str
    severity: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str
    # returns.md §11: the officer's answer to a query (the row's `explanation`, or an indicator's
    # `note`); a warning with one is *explained*. Partner text: never in to_json (the keys of
    # interfaces.md stay as they are), never in the publication form.
    explanation: str | None = None
    # Where and what, in the officer's words, for the receipt only (never in to_json): the cell as
    # the officer's spreadsheet names it (``Progress!D7``; None for a CSV or where no cell applies),
    # and the register item of the row the issue is on (its id and title).
    cell: str | None = None
    item_id: str | None = None
    item_title: str | None = None

    @property
    def explained(self) -> bool:
        return self.explanation is not None

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "sheet": self.sheet, "row": self.row,
                "column": self.column, "value": self.value, "message": self.message}


def make_issue(rule_id: str, what: str, *, sheet: str | None = None, row: int | None = None,
               column: str | None = None, value: object = None) -> Issue:
    """An issue for the officer: what is wrong here, then the rule's advice on what to do."""
    r = RULES[rule_id]
    return Issue(r.id, r.severity, sheet, row, column, cut(value), f"{what} {r.fix}")


# The one issue a file gets when a fault in the system (not in the file) stopped us processing it.
# Its words are for the officer: nothing for them to fix yet; the file is safe.
FAULT_ISSUE = Issue("F01", "error", None, None, None, None,
                    "We kept your file but could not process it; the data team has been told. "
                    "You do not need to send it again: we will process it once the fault is fixed "
                    "and send you a new receipt.")


@dataclass
class Cell:
    value: Any
    row: int | None
    column: str  # as the officer sees it: a cover label or a column name


@dataclass
class Part:
    """The Progress or Indicators part of a return as read: rows of raw values by column."""

    name: str  # "progress" or "indicators"
    sheet: str | None  # as the file spells it; None for a CSV
    columns: set[str] = field(default_factory=set)  # canonical columns present
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row as seen, values)
    # Where each canonical column's header is, as read: 0 for column A (a workbook's headers may be
    # in any order, so a receipt's cell reference comes from here, never from the spec's order).
    positions: dict[str, int] = field(default_factory=dict)


@dataclass
class ReturnFile:
    """A return read from a workbook or CSV, with no checking done beyond its shape."""

    format: str  # "xlsx" or "csv"
    kind: str  # "workbook", "progress_csv" or "indicators_csv"
    cover_sheet: str | None = None
    cover: dict[str, Cell] = field(default_factory=dict)
    progress: Part | None = None
    indicators: Part | None = None
    # The cover fields this file carries: all six for a workbook, its cover columns for a CSV.
    cover_fields: tuple[str, ...] = tuple(COVER_FIELDS)

    def cover_value(self, key: str) -> Any:
        c = self.cover.get(key)
        return None if c is None else c.value


class FileRejected(Exception):
    """The file cannot be read as a return at all (F01, F02)."""

    def __init__(self, issues: list[Issue]):
        super().__init__("; ".join(i.message for i in issues))
        self.issues = issues
