"""When things run: the schedules of the deployments, and which period a scheduled run is for.

Pure functions of the settings and the clock, shared by ``cpip serve``, ``prefect.yaml``
generation and the flows. All times are UK local time (Europe/London).

* intake: every ``[schedule] intake_every_minutes`` (and at once when a file lands, under
  ``cpip serve``);
* cycle: the day after each quarter's due date, at ``cycle_hour``;
* reminders: ``reminder_days_before`` days before each due date, and the day after it, to
  partners without an accepted progress part (:func:`cpip.collection.picture.to_chase`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cpip.core.errors import NotAsAsked
from cpip.core.periods import Period, parse_period, uk_date

TIMEZONE = "Europe/London"
REMINDER_KINDS = ("before", "after")  # [schedule] reminder_days_before a due date, and the day after it


def _quarter_days(due_days: int, offset_days: int) -> list[tuple[int, int]]:
    """(month, day) in a year for each quarter's due date + offset (a leap year makes no difference
    that matters here: the dates are computed on a common year)."""
    out = []
    for q in (1, 2, 3, 4):
        d = Period(2027, q).due_date(due_days) + timedelta(days=offset_days)
        out.append((d.month, d.day))
    return sorted(set(out))


def crons(due_days: int, offset_days: int, hour: int) -> list[str]:
    """Cron expressions, one per distinct day-of-month, firing on each quarter's due date + offset."""
    by_day: dict[int, list[int]] = {}
    for month, day in _quarter_days(due_days, offset_days):
        by_day.setdefault(day, []).append(month)
    return [f"0 {hour} {day} {','.join(str(m) for m in sorted(months))} *" for day, months in sorted(by_day.items())]


def cycle_crons(due_days: int, hour: int) -> list[str]:
    return crons(due_days, 1, hour)


def reminder_crons(due_days: int, days_before: int, hour: int) -> dict[str, list[str]]:
    return {"before": crons(due_days, -days_before, hour), "after": crons(due_days, 1, hour)}


def period_due_last(now: datetime, due_days: int) -> Period:
    """The most recent period whose due date is before today (what a scheduled cycle closes)."""
    today = uk_date(now)
    p = Period.containing(today).previous()
    while p.due_date(due_days) >= today:
        p = p.previous()
    return p


def period_just_ended(now: datetime) -> Period:
    """The quarter before the one containing today: what templates are made for."""
    return Period.containing(uk_date(now)).previous()


def templates_crons(hour: int) -> list[str]:
    """The first day of each quarter: the templates for the quarter just ended."""
    return [f"0 {hour} 1 1,4,7,10 *"]


def period_for_reminder(now: datetime, due_days: int, kind: str) -> Period:
    """The period a reminder is about: the next due date (``before``) or the one just passed (``after``)."""
    today = uk_date(now)
    if kind == "after":
        return period_due_last(now, due_days)
    p = Period.containing(today).previous()
    while p.due_date(due_days) < today:
        p = p.next()
    return p


# --- which period a run is for: the one asked for, else the one its schedule means ----------

def cycle_period(asked: str | None, now: datetime, due_days: int) -> str:
    """The period asked for, else the latest whose due date has passed (a scheduled cycle)."""
    return asked or str(period_due_last(now, due_days))


def reminder_period(kind: str, asked: str | None, now: datetime, due_days: int) -> Period:
    """The period a reminder run is for: the one asked for, else :func:`period_for_reminder`."""
    if kind not in REMINDER_KINDS:
        raise NotAsAsked(f"A reminder is 'before' or 'after' the due date, not {kind!r}.")
    return parse_period(asked) if asked else period_for_reminder(now, due_days, kind)


def template_period(asked: str | None, now: datetime) -> Period:
    """The period templates are written for: the one asked for, else the quarter just ended."""
    return parse_period(asked) if asked else period_just_ended(now)

