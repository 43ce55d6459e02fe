"""The returns picture: who has sent what for a period, and who has sent nothing at all.

Read from the ``mart_returns`` mart (``sql/marts/30_mart_returns.sql``, where a partner's state
for the period is decided: ``late`` when its first accepted progress part is a late file, the
file's lateness being :func:`cpip.intake.decide.file_late`); ``cpip status``, the status page and
the reminders all read it here.

**Whom the reminders chase** (:func:`to_chase`): every partner without an accepted progress part
for the period (interfaces.md, ``cpip remind``), for one of two reasons: ``nothing_received``
(state ``missing``: no file naming the period arrived) or ``all_rejected`` (state
``rejected_only``: files arrived, but none gave an accepted progress part; usually every file was
rejected, sometimes only an indicators part was accepted). A partner whose only file a fault in
the system stopped is neither: a faulted file names no period until ``cpip retry`` reads it, so
the partner is ``missing`` and reminded as one who sent nothing (the receipt it was sent says the
file is kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cpip.core.periods import Period, iso
from cpip.core.settings import Settings
from cpip.reference.tables import Reference
from cpip.warehouse import db as wh


def status(settings: Settings, ref: Reference, period: Period) -> dict:
    """The returns picture for ``cpip status --json``."""
    with wh.home_session(settings, ref) as con:
        return returns_picture(con, settings, period)


def returns_picture(con, settings: Settings, period: Period) -> dict:
    """:func:`status` on an open warehouse that holds this run's reference data."""
    cur = con.execute("SELECT * FROM mart_returns($p)", {"p": str(period)})
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    return {"period": str(period), "due_date": period.due_date(settings.cycle.due_days).isoformat(),
            "partners": [{"partner_code": r["partner_code"], "state": r["state"],
                          "first_accepted_at": iso(r["first_accepted_at"]) if r["first_accepted_at"] else None,
                          "files": int(r["files"])} for r in rows]}


# Why a partner is reminded (``cpip remind --json``'s ``reason``), by its state for the period.
NOTHING_RECEIVED, ALL_REJECTED = "nothing_received", "all_rejected"
REMINDER_REASONS = {"missing": NOTHING_RECEIVED, "rejected_only": ALL_REJECTED}


@dataclass(frozen=True)
class SentFile:
    """A file a partner sent naming the period, as a reminder names it."""

    number: int            # the receipt number (the file's archive record)
    name: str
    received_at: datetime
    outcome: str           # accepted, accepted_with_warnings, rejected, duplicate
    part: str | None       # what an accepted file supplied: progress, indicators or both
    receipt: str | None    # the receipt's HTML file


@dataclass(frozen=True)
class ToChase:
    """A partner to remind for the period, why (:data:`REMINDER_REASONS`), and the files it sent
    naming the period, oldest first (none for ``nothing_received``)."""

    partner_code: str
    reason: str
    files: tuple[SentFile, ...] = ()


def to_chase(settings: Settings, ref: Reference, period: Period) -> list[ToChase]:
    """Every partner without an accepted progress part for the period, in partner order: those with
    nothing received and those with only rejected files (see the module's docstring)."""
    with wh.home_session(settings, ref) as con:
        doc = returns_picture(con, settings, period)
        sent: dict[str, list[SentFile]] = {}
        for code, *row in con.execute(wh.sql("queries/files_sent"), {"period": str(period)}).fetchall():
            sent.setdefault(code, []).append(SentFile(*row))
    return [ToChase(p["partner_code"], REMINDER_REASONS[p["state"]], tuple(sent.get(p["partner_code"], ())))
            for p in doc["partners"] if p["state"] in REMINDER_REASONS]
