"""Periods (calendar quarters written ``YYYY-Qn``), due dates and the UK clock.

Everything here is a pure function; the clock itself is read once into
:class:`cpip.core.settings.Settings` (``CPIP_NOW`` or the real time) and passed down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from cpip.core.errors import NotAsAsked

UK = ZoneInfo("Europe/London")

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_PERIOD_RE = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int

    @classmethod
    def parse(cls, text: object) -> "Period | None":
        """The period a cell names, or ``None`` when it is missing or malformed.

        Surrounding spaces are ignored; otherwise the form is exactly ``YYYY-Qn``.
        """
        if not isinstance(text, str):
            return None
        m = _PERIOD_RE.match(text.strip())
        if not m:
            return None
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last_day(self) -> date:
        if self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    def due_date(self, due_days: int) -> date:
        return self.last_day + timedelta(days=due_days)

    def previous(self) -> "Period":
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def next(self) -> "Period":
        if self.quarter == 4:
            return Period(self.year + 1, 1)
        return Period(self.year, self.quarter + 1)

    @property
    def words(self) -> str:
        """The quarter as a person says it: ``July to September 2026``."""
        return f"{_MONTHS[3 * self.quarter - 3]} to {_MONTHS[3 * self.quarter - 1]} {self.year}"

    @property
    def short_words(self) -> str:
        """The quarter in a table heading or chart label: ``Jul–Sep 2026``."""
        return f"{_MONTHS[3 * self.quarter - 3][:3]}–{_MONTHS[3 * self.quarter - 1][:3]} {self.year}"

    def ended_by(self, moment: datetime) -> bool:
        """True when the whole quarter lies before ``moment`` (UK local date)."""
        return uk_date(moment) > self.last_day

    @classmethod
    def containing(cls, day: date) -> "Period":
        return cls(day.year, (day.month - 1) // 3 + 1)


def parse_now(text: str | None) -> datetime:
    """The system clock: ``CPIP_NOW`` (ISO 8601) when given, else the real time.

    A time without an offset is UK local time, read as ``zoneinfo`` reads it
    with ``fold=0``. The result is always timezone-aware.
    """
    if text:
        moment = datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UK, fold=0)
        return moment
    return datetime.now(UK)


def uk_date(moment: datetime) -> date:
    return moment.astimezone(UK).date()


def is_late(period: Period, received_at: datetime, due_days: int) -> bool:
    """Late when received after the due date (any time on the due date is on time)."""
    return uk_date(received_at) > period.due_date(due_days)


def iso(moment: datetime) -> str:
    """ISO 8601 in UK local time with its offset, to the second."""
    return moment.astimezone(UK).isoformat(timespec="seconds")


def iso_day(day: date | None) -> str | None:
    """A day as ISO text (``2026-12-31``), or None for no day: how the JSON documents hold dates."""
    return day.isoformat() if day is not None else None


def parse_period(text: str) -> Period:
    """The period ``text`` names (``YYYY-Qn``), or :class:`NotAsAsked` saying how to write one."""
    p = Period.parse(text)
    if p is None:
        raise NotAsAsked(f"'{text}' is not a period; write it as YYYY-Qn, for example 2026-Q3.")
    return p


def period_words(period: "Period | str") -> str:
    """``2026-Q3`` as a person reads it, ``July to September 2026``; text that is not a period is
    returned as it is."""
    p = period if isinstance(period, Period) else Period.parse(period)
    return p.words if p else str(period)


def period_short_words(period: "Period | str") -> str:
    """``2026-Q3`` as a heading reads it, ``Jul–Sep 2026``; text that is not a period as it is."""
    p = period if isinstance(period, Period) else Period.parse(period)
    return p.short_words if p else str(period)


def span_words(first: "Period | str", last: "Period | str") -> str:
    """The quarters from ``first`` to ``last`` as one stretch of months: ``October 2025 to June 2026``,
    or one quarter in words (``July to September 2026``) when they are the same."""
    a = first if isinstance(first, Period) else Period.parse(first)
    b = last if isinstance(last, Period) else Period.parse(last)
    if a is None or b is None:
        return f"{first} to {last}"
    if a == b:
        return a.words
    start, end = _MONTHS[3 * a.quarter - 3], _MONTHS[3 * b.quarter - 1]
    return f"{start} to {end} {a.year}" if a.year == b.year else f"{start} {a.year} to {end} {b.year}"
