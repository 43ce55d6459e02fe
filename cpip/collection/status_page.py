"""The collection status page (interfaces.md "The collection status page"): who has sent what.

After every intake run and every cycle, ``outbox/status/P.html`` and ``P.csv`` are written for
the period being collected (the latest quarter that has ended) and for any period whose due date
passed less than 60 days ago. The headline counts, and each partner's state, are those of
``cpip status`` (:func:`cpip.collection.picture.status`, the one home of the returns picture); the page adds
each partner's name, latest file (its outcome in words and a relative link to its receipt, so the
page works from a shared folder), open queries and registered contact.

**Order.** The page is read to find whom to chase, so it opens with them, "To chase first":
nothing received, then only rejected files, then accepted late (:data:`CHASE_ORDER`), each group in
partner-code order. Then "Each partner" has one row per partner in partner-code order, as
interfaces.md describes the page; every row has the partner's name with its code beside it. The
CSV, read by programs and spreadsheets, keeps one row per partner in partner-code order, as
``cpip status``.

The page is self-contained: no scripts, and its styles are inline (templates/base.html.j2). Times
are UK times in words. The CSV has one row per partner, text a spreadsheet could take for a
formula neutralised. Both are rewritten only when something they show can have changed (the
audit log has grown, the day has changed, or the reference data or settings differ), so an
intake of an empty inbox costs one query here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
from datetime import date, datetime
from pathlib import Path

from cpip.collection.picture import returns_picture
from cpip.core.faults import fault
from cpip.core.files import write_atomically
from cpip.core.periods import Period, iso, period_words, uk_date
from cpip.core.settings import Settings
from cpip.core.templating import environment
from cpip.core.text import csv_cell, day_in_words, time_in_words
from cpip.reference.tables import Reference
from cpip.warehouse import db as wh

log = logging.getLogger("cpip.collection.status_page")

# Whether anything the status pages show can have changed: every load, retry and cycle writes the audit log.
AUDIT_HIGH_WATER = "SELECT coalesce(max(event_id), 0) FROM audit_log"

RECENT_DAYS = 60

STATE_WORDS = {"accepted": "Accepted", "late": "Accepted, late", "rejected_only": "Only rejected files",
               "missing": "Nothing received"}
OUTCOME_WORDS = {"accepted": "Accepted", "accepted_with_warnings": "Accepted, with queries",
                 "rejected": "Not accepted", "duplicate": "Already received"}
FAULTED_WORDS = "Kept, not processed yet"

# The page's first table: those to chase (see the module's docstring), in this order.
CHASE_ORDER = ("missing", "rejected_only", "late")


def periods_to_show(now: datetime, due_days: int) -> list[Period]:
    """The quarter being collected (the latest that has ended), then earlier quarters whose due date
    passed less than :data:`RECENT_DAYS` days ago, newest first."""
    today = uk_date(now)
    p = Period.containing(today).previous()
    out = [p]
    while True:
        p = p.previous()
        due = p.due_date(due_days)
        if not (due < today and (today - due).days < RECENT_DAYS):
            break
        out.append(p)
    return out


def uk_time_words(moment: datetime | str | None) -> str:
    """``15 October 2026 at 09:05`` (UK time), or an empty string."""
    return time_in_words(moment) if moment else ""


def due_words(due: date, today: date) -> str:
    """How far the due date is: ``in 13 days``, ``today``, ``5 days ago``."""
    days = (due - today).days
    if days == 0:
        return "today"
    n = abs(days)
    return f"in {n} day{'s' if n != 1 else ''}" if days > 0 else f"{n} day{'s' if n != 1 else ''} ago"


def gather(con, settings: Settings, ref: Reference, period: Period) -> dict:
    """Everything the page shows for ``period``: the status of :func:`cpip.collection.picture.status`, plus each
    partner's name, latest file, open queries and contact. ``con``: the warehouse, holding this
    run's reference data (:func:`cpip.warehouse.db.load_reference_tables`)."""
    doc = returns_picture(con, settings, period)
    latest = {r[0]: r for r in con.execute(wh.sql("queries/status_latest_files"), {"period": str(period)}).fetchall()}
    status_dir = settings.outbox / "status"
    rows = []
    for p in doc["partners"]:
        code = p["partner_code"]
        partner = ref.partners.get(code)
        _, number, name, outcome, received, receipt, faulted, open_q = latest.get(code, (code,) + (None,) * 5 + (False, 0))
        href = None
        if receipt and os.path.exists(receipt):
            href = Path(os.path.relpath(receipt, status_dir)).as_posix()
        rows.append({**p, "name": partner.name if partner else code, "state_words": STATE_WORDS[p["state"]],
                     "first_accepted_words": uk_time_words(p["first_accepted_at"]),
                     "latest_file": name, "latest_number": number,
                     "latest_outcome": outcome, "latest_faulted": bool(faulted),
                     "latest_outcome_words": (FAULTED_WORDS if faulted else OUTCOME_WORDS.get(outcome, "")) if outcome else "",
                     "latest_received_at": iso(received) if received else None,
                     "latest_received_words": uk_time_words(received), "receipt": href,
                     "open_queries": int(open_q or 0), "contact_email": partner.contact_email if partner else ""})
    counts = {s: sum(1 for r in rows if r["state"] == s) for s in STATE_WORDS}
    today = uk_date(settings.now)
    due = date.fromisoformat(doc["due_date"])
    return {"period": doc["period"], "due_date": doc["due_date"], "due_words": day_in_words(due),
            "due_in": due_words(due, today), "due_passed": due < today, "ended": period.ended_by(settings.now),
            "generated_words": uk_time_words(settings.now), "programme": settings.briefing.programme,
            "expected": len(rows), "accepted": counts["accepted"] + counts["late"], "late": counts["late"],
            "rejected_only": counts["rejected_only"], "missing": counts["missing"],
            "open_queries": sum(r["open_queries"] for r in rows), "partners": rows,
            "to_chase_first": sorted((r for r in rows if r["state"] in CHASE_ORDER),
                                     key=lambda r: CHASE_ORDER.index(r["state"]))}


def status_lines(doc: dict, ref: Reference, now: datetime) -> list[str]:
    """The human form of ``cpip status``: the headline, then a line per partner, in the page's words."""
    due = date.fromisoformat(doc["due_date"])
    today = uk_date(now)
    states = [p["state"] for p in doc["partners"]]
    lines = [f"Returns for {period_words(doc['period'])} ({doc['period']}), due {day_in_words(due)} ({'was due ' if due < today else 'due '}"
             f"{due_words(due, today)}):",
             f"  {len(states)} expected; {states.count('accepted') + states.count('late')} accepted "
             f"({states.count('late')} late); {states.count('rejected_only')} only rejected files; "
             f"{states.count('missing')} nothing received.", ""]
    width = 48
    for p in doc["partners"]:
        partner = ref.partners.get(p["partner_code"])
        name = partner.name if partner else p["partner_code"]
        name = name if len(name) <= width else name[: width - 1] + "…"
        files = f"{p['files']} file{'s' if p['files'] != 1 else ''}"
        when = f", first accepted {uk_time_words(p['first_accepted_at'])}" if p["first_accepted_at"] else ""
        lines.append(f"  {name:<{width}}  {STATE_WORDS[p['state']]:<19}  {files}{when}")
    return lines


def render_html(page: dict) -> str:
    return environment().get_template("status.html.j2").render(page=page, programme=page["programme"])


CSV_COLUMNS = ("partner_code", "name", "state", "first_accepted_at", "files", "latest_file", "latest_outcome",
               "latest_received_at", "receipt", "open_queries", "contact_email")


def render_csv(page: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in page["partners"]:
        outcome = "faulted" if r["latest_faulted"] else r["latest_outcome"]
        w.writerow([csv_cell(v) for v in (r["partner_code"], r["name"], r["state"], r["first_accepted_at"], r["files"],
                                          r["latest_file"], outcome, r["latest_received_at"], r["receipt"],
                                          r["open_queries"], r["contact_email"])])
    return buf.getvalue()


def _fingerprint(con, settings: Settings, ref: Reference, periods: list[Period]) -> str:
    events = con.execute(AUDIT_HIGH_WATER).fetchone()[0]
    partners = [(p.partner_code, p.name, p.contact_email) for p in ref.partners.values()]
    return hashlib.sha256(json.dumps([events, uk_date(settings.now).isoformat(), [str(p) for p in periods],
                                      partners, settings.cycle.due_days, settings.briefing.programme],
                                     default=str).encode()).hexdigest()


def write_status_pages(settings: Settings, ref: Reference, force: bool = False) -> list[str]:
    """Write ``outbox/status/P.html`` and ``P.csv`` for every period to show; the paths written
    (none when nothing they show has changed since they were last written)."""
    if not settings.warehouse.exists():
        return []
    periods = periods_to_show(settings.now, settings.cycle.due_days)
    out_dir = settings.outbox / "status"
    stamp = out_dir / ".written"
    with wh.session(settings.warehouse) as con:
        key = _fingerprint(con, settings, ref, periods)
        missing = any(not (out_dir / f"{p}.html").exists() for p in periods)
        if not force and not missing and stamp.exists() and stamp.read_text(encoding="utf-8") == key:
            return []
        wh.load_reference_tables(con, ref)  # this run's reference data, once for every page
        pages = [gather(con, settings, ref, p) for p in periods]
    written = []
    for p, page in zip(periods, pages):
        for suffix, text in ((".html", render_html(page)), (".csv", render_csv(page))):
            write_atomically(out_dir / f"{p}{suffix}", text)
            written.append(str(out_dir / f"{p}{suffix}"))
    write_atomically(stamp, key)
    return written


def refresh_status_pages(settings: Settings, ref: Reference) -> list[str]:
    """:func:`write_status_pages`, which never fails intake or the cycle: a fault is logged (where it
    happened, never a message that could quote a file) and the next run writes the pages."""
    try:
        return write_status_pages(settings, ref)
    except Exception as exc:
        log.error("could not write the status pages: %s; the next run writes them", fault(exc))
        return []
