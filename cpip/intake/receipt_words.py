"""What a receipt says beyond its headline, worded once for both its forms: the page
(``templates/receipt.html.j2``, :mod:`cpip.intake.receipts`) and the email's plain text
(:mod:`cpip.mail.receipts`).

Choices where returns.md is silent, as a GOV.UK service would make them:

- **Who and what by name.** The partner by its name in the reference partners, its code beside it;
  an item by its register title, its id beside it (:mod:`cpip.intake.where`).
- **Where, as the officer sees it.** A workbook issue on one cell leads with the cell
  (``Progress!D7``), with sheet, row and column beside it; a column is named in words, its field
  name beside it when they differ ("Forecast completion (forecast_completion)"). A CSV has no
  letters and its header is the field name: "row 7, column forecast_completion".
- **Dates one way**, "9 December 2026": a date in the Value column is shown in words (the JSON's
  ``value`` stays as the file had it); a value that is not a readable date is shown as typed.
- **A rejected file** says by when to resend and how many days are left, counted in UK days from
  the day the file was received (not from when the receipt is read, so it says the same every
  time it is made); on the due date itself, "the due date is today"; after it, that a corrected
  file is still wanted and will be marked late. A file kept for a fault of ours says none of this:
  the officer has nothing to resend.
- **Whom to ask**: ``[intake] help_contact`` on every receipt, only when it is set.
"""

from __future__ import annotations

from cpip.core.periods import UK, Period, period_words, uk_date
from cpip.core.text import day_in_words, days_in_words, time_in_words
from cpip.core.values import read_date
from cpip.intake.model import COLUMN_WORDS, COVER_KEYS, DATE_COLUMNS, FAULT_ISSUE

PART_WORDS = {"progress": "Progress", "indicators": "Indicators"}


def named(name: str | None, code: str | None) -> str:
    """``Falkirk Child Protection Committee (CPC-FALKIRK)``; the code alone when it has no name."""
    if not code:
        return "not known"
    return f"{name} ({code})" if name else code


def partner_words(h) -> str:
    return named(h.partner_name, h.partner_code)


def period_line(period: str | None) -> str:
    """``July to September 2026 (2026-Q3)``; text that is not a period as written; "not known"."""
    if not period:
        return "not known"
    words = period_words(period)
    return period if words == period else f"{words} ({period})"


def when(moment) -> str:
    """A received time in words: ``20 October 2026 at 10:12 (UK time)``."""
    return f"{time_in_words(moment.astimezone(UK))} (UK time)"


def column_words(column: str | None, csv: bool) -> str | None:
    """A column as the receipt names it: in words with its field name beside (a workbook), or the
    field name as a CSV's header has it."""
    if column is None:
        return None
    if csv:
        return column
    words = COLUMN_WORDS.get(column)
    return column if words is None or column in COVER_KEYS else f"{words} ({column})"


def place(i) -> str:
    """Sheet, row and column in words: ``sheet Progress, row 7, column Forecast completion
    (forecast_completion)``; for a CSV ``row 7, column forecast_completion``; empty when none apply."""
    csv = i.sheet is None
    parts = [f"sheet {i.sheet}" if i.sheet else None, f"row {i.row}" if i.row is not None else None,
             f"column {column_words(i.column, csv)}" if i.column else None]
    return ", ".join(p for p in parts if p)


def value_words(i) -> str | None:
    """The value as the receipt shows it: a date in words, anything else as typed."""
    if i.value is None:
        return None
    if COVER_KEYS.get(i.column, i.column) in DATE_COLUMNS:
        day = read_date(i.value)
        if day is not None:
            return day_in_words(day)
    return i.value


def item_words(i) -> str | None:
    return named(i.item_title, i.item_id) if i.item_id else None


def issue_rows(issues: list) -> list[dict]:
    """Each listed issue as the receipt shows it (HTML and text alike)."""
    return [{"rule": i.rule, "severity": i.severity, "explanation": i.explanation, "message": i.message,
             "cell": i.cell, "place": place(i), "item": item_words(i), "value": value_words(i)} for i in issues]


def resend(h, due_days: int) -> str | None:
    """For a rejected file with a valid period (not one kept for a fault): by when to resend."""
    period = Period.parse(h.period)
    if h.outcome != "rejected" or h.issues == [FAULT_ISSUE] or period is None:
        return None
    due = period.due_date(due_days)
    left = (due - uk_date(h.record.received)).days
    if left < 0:
        return (f"The due date, {day_in_words(due)}, has passed, but we still need a corrected file: "
                "send it as soon as you can. It will be marked late.")
    if left == 0:
        return f"Resend by {day_in_words(due)} (the due date is today)."
    return f"Resend by {day_in_words(due)} ({days_in_words(left)} left)."


def on_time(h, due_days: int) -> str | None:
    """The "On time?" answer, for a file whose lateness is known and that counts (not a rejected one)."""
    period = Period.parse(h.period)
    if h.late is None or period is None or h.outcome == "rejected":
        return None
    due = day_in_words(period.due_date(due_days))
    return f"Late: received after the due date of {due}" if h.late else f"Yes: due by {due}"


def duplicate(h) -> dict | None:
    """For a duplicate, the sentences of "What we already have": the earlier file it matches
    (``identical``), and what is on file now for its partner and period (``standing``, then each
    part's accepted return in ``on_file``; or that nothing is accepted yet). None for other files."""
    if h.outcome != "duplicate":
        return None
    identical = f"This file is identical to {h.earlier[0]}, received {when(h.earlier[1])}." if h.earlier else None
    whose = f"{partner_words(h)}, {period_line(h.period)}"
    on_file = [f"{PART_WORDS.get(part, part)}: {name}, received {when(at)}" for part, name, at in (h.on_file or ())]
    if not (h.partner_code and Period.parse(h.period)) or h.on_file is None:
        standing = None
    elif on_file:
        standing = f"On file now for {whose}:"
    else:
        standing = (f"Nothing has been accepted yet for {whose}. If the earlier file was not accepted, its "
                    "receipt says what to fix.")
    return {"identical": identical, "standing": standing, "on_file": on_file}


def help_line(help_contact: str) -> str | None:
    return f"If you need help with your return, contact {help_contact}." if help_contact else None
