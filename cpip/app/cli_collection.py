"""The collection team's commands: ``cpip status`` (who has sent what) and ``cpip remind`` (chase
those who have not, now, as the scheduled reminders flow does)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from cpip.app.cli_common import HomeOpt, JsonOpt, app, clear_failures, emit, period_command, run_flow
from cpip.collection.picture import status as read_status
from cpip.collection.status_page import status_lines
from cpip.core.lock import home_lock
from cpip.core.periods import period_words
from cpip.flows import reminders as reminders_flow
from cpip.intake.steps import faulted_files
from cpip.mail import delivery
from cpip.reference.tables import load_reference
from cpip.review.versions import history

REASON_WORDS = {"nothing_received": "nothing received", "all_rejected": "only files that could not be accepted"}


@app.command()
def status(period: str = typer.Option(..., "--period", help="The quarter, e.g. 2026-Q3."),
           home: Optional[Path] = HomeOpt, as_json: bool = JsonOpt) -> None:
    """Who has submitted for period P, who is late, who is missing."""
    settings, quarter = period_command(home, period)
    with clear_failures():
        ref = load_reference(settings)
        with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
            out = read_status(settings, ref, quarter)
            versions = history(settings, quarter)
            faulted = len(faulted_files(settings))
    out["faulted_files"] = faulted  # beyond interfaces.md: files a fault stopped (all periods); see `cpip retry`
    lines = status_lines(out, ref, settings.now)  # names, states and UK times in words, as the status page
    lines.append(f"Faulted files (kept, not yet processed; any period): {faulted}"
                 + (" — run `cpip retry --list`" if faulted else ""))
    out["briefing_versions"] = versions  # beyond interfaces.md: each version, state, approver, delivery
    with clear_failures():
        owed = delivery.not_delivered(settings, quarter)  # the newest approved version: who lacks it
    for v in out["briefing_versions"]:
        who = f" by {v['approved_by']} ({v['approved_account']}) at {v['approved_at']}" if v["approved_by"] else ""
        state = v["state"]
        if owed is not None and owed[0] == v["version"]:
            v["delivered"], v["not_delivered_to"] = not owed[1], owed[1]
            if owed[1]:
                state = f"approved, not yet delivered (to {', '.join(owed[1])}: run `cpip deliver --period {period}`)"
        lines.append(f"Briefing version {v['version']}: {state}{who}; made {v['made_at']}; files in {v['folder']}")
        lines += [f"    {d['decision']} by {d['by']} ({d['account']}) at {d['at']}" for d in v["decisions"]]
    emit(out, as_json, "\n".join(lines))


# Typer keeps a docstring's line breaks, so the help is written as the paragraphs it prints.
REMIND_HELP = ("Send the period's reminders now, as the scheduled flow does: to every partner without an accepted "
               "return, once per period and kind.\n\nReasons: nothing_received, or all_rejected (files sent, none "
               "accepted). --json lists the reminders this run sent; those sent earlier are counted, not sent again. "
               "Sent after the due date, a reminder says the return is overdue, whatever its kind.")


@app.command(help=REMIND_HELP)
def remind(period: str = typer.Option(..., "--period", help="The quarter to chase, e.g. 2026-Q3."),
           kind: str = typer.Option(..., "--kind", help="'before' or 'after' the due date: which of the "
                                                        "period's two reminders this is (each goes once)."),
           home: Optional[Path] = HomeOpt,
           as_json: bool = typer.Option(False, "--json", help="Print one JSON document: the list of reminders "
                                                              "this run sent, each {partner_code, to, reason}.")) -> None:
    """``cpip remind``: :data:`REMIND_HELP` says what it does."""
    settings, _ = period_command(home, period)
    out = run_flow(settings, reminders_flow.reminders, kind=kind, period=period, home=str(settings.home))
    sent = out["reminders"]
    kept = settings.outbox / "mail" / f"reminders-{out['period']}-{kind}"
    quarter = f"{period_words(out['period'])} ({out['period']})"
    lines = [f"Reminders '{kind}' for {quarter}: {len(out['partners'])} partner"
             f"{'s' if len(out['partners']) != 1 else ''} without an accepted return."]
    if not out["emailed"]:
        lines.append(f"[email] is not set: no email was sent. The reminders that would have gone are kept in "
                     f"{kept}.")
    else:
        lines.append(f"Sent now: {len(sent)}; sent by an earlier run (not sent again): {out['sent_before']}.")
        lines += [f"  {r['partner_code']:<16} {r['to']:<40} {REASON_WORDS[r['reason']]}" for r in sent]
    emit(sent, as_json, "\n".join(lines))
