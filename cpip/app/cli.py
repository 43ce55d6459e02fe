"""The ``cpip`` command: a thin adapter over the flows and the domain (what the commands share is in
:mod:`cpip.app.cli_common`; the collection team's commands, ``status`` and ``remind``, in
:mod:`cpip.app.cli_collection`).

With ``--json`` a command prints exactly one JSON document on standard output; logs
and messages go to standard error. Heavy libraries are imported only by the commands
that need them, so ``cpip --help`` and an intake of an empty inbox start quickly.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from cpip.app import cli_collection  # noqa: F401  (registers `cpip status` and `cpip remind`)
from cpip.app.cli_common import (HomeOpt, JsonOpt, app, clear_failures, emit, fail, period_command, run_flow,
                                 run_period_flow, settings_of, setup_logging)
from cpip.app.demo import build_demo
from cpip.app.home import init_home
from cpip.app.serve import serve_forever, start_local_server
from cpip.core.lock import home_lock
from cpip.flows import cycle as cycle_flow, intake as intake_flow, templates as templates_flow
from cpip.intake.checks import suites
from cpip.intake.rebuild import rebuild_warehouse
from cpip.intake.steps import faulted_files
from cpip.mail import delivery
from cpip.mail.transport import DeliveryError
from cpip.orchestration import prefect_api
from cpip.review import decisions as review
from cpip.review.decisions import APPROVE, FROM_CLI, RETURN


@app.command()
def init(home: Optional[Path] = HomeOpt) -> None:
    """Create the home: inbox folders for every partner, archive, outbox, warehouse and cpip.toml."""
    settings = settings_of(home)
    with clear_failures():
        made = init_home(settings)
    typer.echo(f"Home ready at {settings.home} ({made} inbox folders).", err=True)


@app.command()
def intake(home: Optional[Path] = HomeOpt, as_json: bool = JsonOpt) -> None:
    """Take every settled file from the inbox once: archive, validate, load, write receipts."""
    setup_logging()
    settings = settings_of(home)
    results = _run_intake(settings)
    if as_json:
        typer.echo(json.dumps(results, indent=2, ensure_ascii=False))
        return
    if not results:
        typer.echo("No new files in the inbox.")
        return
    for r in results:
        n = len(r["issues"])
        extra = f" ({n} issue{'s' if n != 1 else ''})" if n else ""
        typer.echo(f"{r['outcome']:<24} {r['file']}{extra}\n{'':<24} receipt: {r['receipt']}")


def _run_intake(settings) -> list[dict]:
    return run_flow(settings, intake_flow.intake, home=str(settings.home))


def _faulted(settings) -> list[dict]:
    """The faulted files, read under the home's lock (another process may be writing the warehouse)."""
    with clear_failures(), home_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        return faulted_files(settings)


@app.command()
def retry(home: Optional[Path] = HomeOpt, as_json: bool = JsonOpt,
          list_only: bool = typer.Option(False, "--list", help="Only list the faulted files; change nothing."),
          files: Optional[list[int]] = typer.Option(None, "--file", help="Retry only this file number (repeatable).")) -> None:
    """List the files a fault in the system stopped us processing, and run them again once it is fixed."""
    setup_logging()
    settings = settings_of(home)
    faulted = _faulted(settings)
    if list_only or not faulted:
        lines = [f"{len(faulted)} faulted file{'s' if len(faulted) != 1 else ''}."]
        lines += [f"  file {f['file_number']}: {f['file']} (received {f['received_at']}; faulted while {f['step']}: "
                  f"{f['place']}; {f['attempts']} attempt{'s' if f['attempts'] != 1 else ''})" for f in faulted]
        if faulted:
            lines.append("Fix the fault (see the log lines that name these files), then run: cpip retry")
        emit({"faulted": faulted}, as_json, "\n".join(lines))
        return
    results = run_flow(settings, intake_flow.retry_faulted, home=str(settings.home), files=files or None)
    still = {f["file_number"] for f in _faulted(settings)}
    human = [f"{r['outcome']:<24} {r['file']}\n{'':<24} receipt: {r['receipt']}" for r in results]
    human.append(f"{len(still)} file{'s' if len(still) != 1 else ''} still faulted.")
    emit({"retried": results, "still_faulted": sorted(still)}, as_json, "\n".join(human))


@app.command()
def expectations(write: bool = typer.Option(False, "--write", help="Write the suites that are out of date.")) -> None:
    """Check (or, with --write, regenerate) the Great Expectations suites in expectations/ against
    the vocabulary and bounds they are generated from; exit 1 when a committed suite is stale."""
    if write:
        names = suites.write()
        typer.echo(f"Wrote {', '.join(names)}." if names else "Every suite was already up to date.")
        return
    names = suites.stale()
    if names:
        fail(f"out of date: {', '.join(f'expectations/{n}.json' for n in names)}; run `cpip expectations --write`.", 1)
    typer.echo("Every suite in expectations/ is up to date.")


@app.command()
def cycle(period: str = typer.Option(..., "--period", help="The quarter to close, e.g. 2026-Q3."),
          home: Optional[Path] = HomeOpt, as_json: bool = JsonOpt) -> None:
    """Close period P: build the marts and write the briefing in both forms (HTML and PDF)."""
    out = run_period_flow(cycle_flow.cycle, period, home)
    human = [f"Briefing for {period}, version {out.get('version')} ({out.get('state')}), written:",
             f"  restricted:  {out['restricted']['pdf']}", f"               {out['restricted']['html']}",
             f"  publication: {out['publication']['pdf']}", f"               {out['publication']['html']}",
             f"  data:        {out['briefing_json']}"]
    if out.get("state") == "draft":
        human.append("It is a draft: nothing was sent to the private office. A reviewer approves it with\n"
                     f"  cpip approve --period {period} --by \"NAME, ROLE\" [--note FILE] --code CODE")
        if out.get("reviewers_emailed"):
            human.append(f"The reviewers were emailed the approval code: {', '.join(out['reviewers_emailed'])}")
        if out.get("approval_code"):
            human.append(f"No reviewer email is set up ([email] / [review] reviewers), so here it is.\n"
                         f"Approval code: {out['approval_code']}")
    emit(out, as_json, "\n".join(human))


def _decision_code(code: Optional[str]) -> str:
    """The approval code given, else asked for (on a terminal); empty when neither."""
    if code is not None:
        return code
    if sys.stdin.isatty():
        return typer.prompt("Approval code (from the email to the reviewers)", hide_input=True, default="",
                            show_default=False)
    return ""


CodeOpt = typer.Option(None, "--code", help="The draft's approval code, from the email to the reviewers "
                                            "(asked for when not given).")


@app.command()
def approve(period: str = typer.Option(..., "--period", help="The quarter whose latest draft to approve."),
            by: str = typer.Option(..., "--by", help='Who approves it: "NAME, ROLE".'),
            code: Optional[str] = CodeOpt,
            note: Optional[Path] = typer.Option(None, "--note", help="A covering note (plain text or Markdown) that "
                                                                     "opens page 1."),
            home: Optional[Path] = HomeOpt, as_json: bool = JsonOpt) -> None:
    """Approve the latest draft of P: render the final forms, record it, deliver it once."""
    settings, quarter = period_command(home, period)
    with clear_failures():
        text = review.read_note(note)
        result = review.approve(settings, quarter, by, _decision_code(code), text)
        run = result.pop("flow_run_id", None)
        handed = prefect_api.resume_waiting_run(settings, run, {
            "approver": result["approved_by"], "decision": APPROVE, "approval_code": FROM_CLI["approve"],
            "covering_note": ""})
        if handed:
            finished = prefect_api.wait_for_run(settings, run)
            result = {**result, "emailed": delivery.emailed(settings, result), "delivered_by": f"Prefect flow run {run}",
                      "run_state": finished}
            failed = f"the cycle run {run} ended {finished or 'still running'}" if delivery.undelivered(
                settings, result) else None
        else:
            try:
                result, failed = delivery.deliver(settings, result), None
            except DeliveryError as exc:
                result, failed = {**result, "emailed": delivery.emailed(settings, result)}, str(exc)
    human = [f"Version {result['version']} of the {period} briefing approved by {result['approved_by']} at "
             f"{result['approved_at']}.",
             f"  restricted:  {result['outputs']['restricted']['pdf']}",
             f"  publication: {result['outputs']['publication']['pdf']}",
             f"Delivered to: {', '.join(result.get('emailed') or []) or 'nobody ([email] briefing_to is not set)'}"]
    if result.get("delivered_by"):
        human.append(f"(The cycle run that was waiting for this decision delivered it: {result['delivered_by']}.)")
    if failed is None:
        emit(result, as_json, "\n".join(human))
        return
    # Approved, but not yet delivered to everyone: say exactly what happens next, and exit 1.
    lacking = delivery.undelivered(settings, result)
    emit({**result, "delivered": False, "not_delivered_to": lacking, "delivery_error": failed}, as_json,
          "\n".join(human))
    fail(f"Approved. Delivery failed: {failed} Not yet delivered to {', '.join(lacking)}. The approval stands: run "
          f"`cpip deliver --period {period}` once the mail server accepts mail, or wait for the next scheduled run "
          "(intake, reminders or cycle), which delivers it; nothing is sent twice.", 1)


@app.command()
def deliver(period: str = typer.Option(..., "--period", help="The quarter whose approved briefing to deliver."),
            home: Optional[Path] = HomeOpt, as_json: bool = JsonOpt) -> None:
    """Deliver the period's approved briefing to the recipients who have not had it (nothing is sent twice)."""
    settings, quarter = period_command(home, period)
    with clear_failures():
        try:
            result = delivery.deliver_period(settings, quarter)
        except DeliveryError as exc:
            fail(f"Delivery failed: {exc} The approval stands; run `cpip deliver --period {period}` again, or wait "
                  "for the next scheduled run; nothing is sent twice.", 1)
    now = [r for r in result["emailed"] if r not in result["emailed_before"]]
    human = (f"Version {result['version']} of the {period} briefing: " +
             (f"delivered now to {', '.join(now)}" if now else "nothing to send") +
             (f"; it had already reached {', '.join(result['emailed_before'])}" if result["emailed_before"] else "") +
             ("" if settings.email is not None else " ([email] is not set: nothing is emailed)") + ".")
    emit({"period": result["period"], "version": result["version"], "emailed": result["emailed"],
           "emailed_now": now, "emailed_before": result["emailed_before"]}, as_json, human)


@app.command()
def reject(period: str = typer.Option(..., "--period", help="The quarter whose latest draft to return."),
           by: str = typer.Option(..., "--by", help="Who asks for changes."),
           reason: str = typer.Option(..., "--reason", help="What must change."),
           code: Optional[str] = CodeOpt,
           home: Optional[Path] = HomeOpt, as_json: bool = JsonOpt) -> None:
    """Record that changes were asked for: the draft stays a draft and nothing is delivered."""
    settings, quarter = period_command(home, period)
    with clear_failures():
        result = review.reject(settings, quarter, by, _decision_code(code), reason)
        run = result.pop("flow_run_id", None)
        prefect_api.resume_waiting_run(settings, run, {"approver": result["returned_by"], "decision": RETURN,
                                                       "approval_code": FROM_CLI["reject"], "covering_note": reason})
    emit(result, as_json, f"Version {result['version']} of the {period} briefing returned for changes by "
                           f"{result['returned_by']}; it stays a draft and nothing was sent.")


@app.command()
def templates(period: str = typer.Option(..., "--period", help="The quarter the returns are for, e.g. 2026-Q4."),
              home: Optional[Path] = HomeOpt, as_json: bool = JsonOpt) -> None:
    """Write each partner's pre-filled return workbook (and CSV template pair) for period P."""
    out = run_period_flow(templates_flow.templates, period, home)
    emit(out, as_json, f"Templates for {out['period']} for {len(out['partners'])} partners in {out['folder']}")


@app.command()
def rebuild(home: Optional[Path] = HomeOpt, as_json: bool = JsonOpt) -> None:
    """Rebuild the warehouse from the archive alone (the inbox is not touched)."""
    setup_logging()
    settings = settings_of(home)
    with clear_failures():
        results = rebuild_warehouse(settings)
    emit({"files": len(results)}, as_json, f"Rebuilt the warehouse from {len(results)} archived files.")


@app.command()
def serve(home: Optional[Path] = HomeOpt,
          polling: bool = typer.Option(False, "--polling", help="Watch the inbox by polling (network shares).")) -> None:
    """Serve the flows on their schedules, and run intake as soon as a file lands (runs until stopped)."""
    setup_logging()
    settings = settings_of(home)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    server = start_local_server(settings)
    try:
        serve_forever(settings, polling=polling)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


@app.command()
def demo(home: Optional[Path] = typer.Option(None, "--home", help="Where to build the demo home (default ./cpip-demo).")) -> None:
    """Make a demonstration home with sample returns, run intake, and say where the results are. DIR must be new,
    empty or an earlier demo home: any other folder is refused (exit 2) and left as it was."""
    setup_logging()
    target = (home or Path("cpip-demo")).resolve()
    with clear_failures():
        summary = build_demo(target)
    typer.echo(summary)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
