"""The returns picture: who has sent what for a period, and who has sent nothing at all.

Read from the ``mart_returns`` mart (``sql/marts/30_mart_returns.sql``, where a partner's state
for the period is decided: ``late`` when its first accepted progress part is a late file, the
file's lateness being :func:`cpip.intake.decide.file_late`); ``cpip status``, the status page and
the reminders all read it here.
"""

from __future__ import annotations

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


def not_submitted(status_doc: dict) -> list[str]:
    """The partners from whom no file for the period has arrived at all (state ``missing``): the one
    list the reminders flow and the status page use."""
    return [p["partner_code"] for p in status_doc["partners"] if p["state"] == "missing"]
