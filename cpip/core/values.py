"""How cell values are read: names, blanks, whole numbers, dates, display text.

Pure functions shared by the readers, the staging of Great Expectations batches and
the cross-row checks, so a value means the same thing everywhere.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta

# returns.md §3: the largest file accepted (F02), refused by its size before it is read; the most a
# workbook may expand to; and the most rows (a sheet's last row holding a value, or a CSV's records,
# the header included) and columns a sheet or CSV may hold, judged from its structure, streamed,
# before any row is checked.
MAX_FILE_BYTES = 10_000_000
MAX_UNCOMPRESSED = 100_000_000
MAX_ROWS = 10_000
MAX_COLUMNS = 1_000

_NAME_RE = re.compile(r"[\s_]+")


def norm_name(text: object) -> str:
    """Sheet names, headers and cover labels match ignoring case, spaces and underscores."""
    if text is None:
        return ""
    return _NAME_RE.sub("", str(text)).lower()


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and value.strip() == "":
        return True
    return False


def text(value: object) -> str | None:
    """A value as text with surrounding spaces removed; ``None`` when blank."""
    if is_blank(value):
        return None
    return display(value).strip()


def display(value: object) -> str:
    """How the officer sees a value: whole floats without ``.0``, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


_INT_RE = re.compile(r"^[+]?\d+(\.0*)?$")

# Bounds applied before any conversion: a cell is never turned into a number or a
# date unless it is within these, so an extreme value is the officer's mistake (P06, I02, P10,
# C04 with the ordinary message), never a fault. No real count or percentage has more digits
# than MAX_DIGITS; floats beyond MAX_EXACT_FLOAT are not exact whole numbers.
MAX_DIGITS = 15
MAX_EXACT_FLOAT = 1e15
MAX_COUNT = 999_999_999  # the largest indicator value accepted (I02); beyond it a figure cannot be a count of children
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def whole_number(value: object) -> int | None:
    """The whole number a cell holds (``50``, ``50.0``, ``"50"``, ``" 50 "``, ``"-3"``), else ``None``.

    Booleans, fractions, words, thousands separators, ``NaN``, ``inf``, ``1e400`` and any number
    of more than :data:`MAX_DIGITS` digits are not read as whole numbers here (the text is never
    converted); range checks are the caller's.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if abs(value) < 10 ** MAX_DIGITS else None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value) or not value.is_integer() or abs(value) >= MAX_EXACT_FLOAT:
            return None
        return int(value)
    if isinstance(value, str):
        s = value.strip()
        sign = -1 if s.startswith("-") else 1
        digits = s[1:] if sign < 0 else s
        if _INT_RE.match(digits):
            whole = digits.lstrip("+").split(".")[0]
            if len(whole) <= MAX_DIGITS:
                return sign * int(whole)
    return None


def canonical_number(value: object) -> str | None:
    """Staged form of a numeric cell for the column suites: whole numbers as plain digits
    (``-3`` keeps its sign), anything else as the text the officer typed; ``None`` when blank."""
    if is_blank(value):
        return None
    n = whole_number(value)
    if n is not None:
        return str(n)
    return display(value).strip()


_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_UK_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def read_date(value: object) -> date | None:
    """A date from a real spreadsheet date, ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (UK order), from
    :data:`EARLIEST_DATE` to :data:`LATEST_DATE`.

    Returns ``None`` when blank, unreadable or outside that range; callers tell blank from
    unreadable with :func:`is_blank`. A time of day after an ISO date is allowed and dropped.
    """
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    elif isinstance(value, str) and len(value) <= 40:
        d = _parse_date_text(value.strip())
    else:
        return None
    return d if d is not None and EARLIEST_DATE <= d <= LATEST_DATE else None


def _parse_date_text(s: str) -> date | None:
    m = _ISO_RE.match(s)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _UK_RE.match(s)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None


UNREADABLE_DATE = "unreadable"  # what an unreadable or out-of-range date is staged as: fails the date format


def canonical_date(value: object) -> str | None:
    """Staged form of a date cell: ``YYYY-MM-DD`` when readable and in range, else a marker that
    fails the suites' date format (the message quotes the cell as typed, not the marker)."""
    if is_blank(value):
        return None
    d = read_date(value)
    return d.isoformat() if d is not None else UNREADABLE_DATE


QUOTE_LIMIT = 60  # how much of a value a message quotes; the issue's `value` field carries up to 200


def cut(value: object, limit: int = 200) -> str | None:
    """The offending value as reported: text, cut to ``limit`` characters."""
    if value is None:
        return None
    s = display(value)
    if len(s) > limit:
        return s[: limit - 1] + "…"
    return s
