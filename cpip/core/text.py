"""Text as people read it: dates in words, control characters, the DRAFT line, spreadsheet cells.

Every page, receipt, email and spreadsheet cpip writes for a person reads these, so a date is
written the same way everywhere (GOV.UK style: ``6 December 2026``, no leading zero), a
partner's text never carries a control character into a page or a header, and text written
back to a spreadsheet is never evaluated as a formula.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from cpip.core.periods import UK

# The line every page of a draft briefing carries, both forms, until a named person approves it.
DRAFT_LINE = "DRAFT: not approved for circulation"

# Characters that mean nothing printed: C0 (but tab, newline, carriage return), DEL and C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Every C0, DEL and C1 character, layout included: for a single line (a file name, a header).
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def without_controls(text: str) -> str:
    """``text`` with every control character dropped, keeping tabs and line breaks."""
    return _CONTROL.sub("", text)


def one_line(text: str) -> str:
    """``text`` as one line: every control character, line breaks too, dropped (a subject, a header)."""
    return _CONTROL_IN_LINE.sub("", text)


def escaped_controls(text: str) -> str:
    """``text`` with every control character made visible as ``\\x1b``: a name shown as it is."""
    return _CONTROL_IN_LINE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _as_date(value: date | str) -> date:
    if isinstance(value, str):
        return datetime.fromisoformat(value).date() if "T" in value or " " in value else date.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def day_in_words(value: date | datetime | str) -> str:
    """``6 December 2026``: a day (or an ISO date) as a person reads it."""
    d = _as_date(value)
    return f"{d.day} {d:%B %Y}"


def time_in_words(moment: datetime | str, sep: str = " at ") -> str:
    """``6 December 2026 at 09:05``: a moment in UK time (a naive time is taken as UK time)."""
    t = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    t = t.astimezone(UK) if t.tzinfo else t
    return f"{t.day} {t:%B %Y}{sep}{t:%H:%M}"


def days_in_words(n: int) -> str:
    """``1 day``, ``1,024 days``."""
    return f"{n:,} day{'' if n == 1 else 's'}"


# A cell that starts with one of these is read by a spreadsheet as a formula.
FORMULA_STARTS = ("=", "+", "-", "@")


def csv_cell(value) -> str:
    """Text for a CSV a spreadsheet may open: a leading formula character is neutralised with a quote."""
    if value is None:
        return ""
    s = str(value)
    return "'" + s if s.startswith(FORMULA_STARTS) else s


def safe_text(cell, value) -> None:
    """Write ``value`` to an openpyxl cell so that no spreadsheet ever evaluates it: a string is
    stored as a string (openpyxl would otherwise store text starting with '=' as a formula) and,
    when it starts with a formula character, marked with Excel's quote prefix so an edit keeps it text."""
    if value is None:
        cell.value = None
        return
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            from openpyxl.styles import Alignment

            cell.quotePrefix = True
            cell.alignment = Alignment(wrap_text=cell.alignment.wrap_text)
        return
    cell.value = value
