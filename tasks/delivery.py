"""Delivery and reporting tasks: email, reminders, Prefect artifacts."""

from __future__ import annotations

from cpip import delivery
from cpip.cycle import Documents, status
from cpip.orchestration import step
from cpip.periods import Period
from cpip.reference import Reference
from cpip.schedules import period_due_last, period_for_reminder
from cpip.settings import Settings


@step(name="choose-period", resumable=True)
def choose_period(settings: Settings, period: str | None) -> str:
    """The period asked for, else the latest whose due date has passed (a scheduled run)."""
    return period or str(period_due_last(settings.now, settings.cycle.due_days))


@step(name="choose-reminder-period")
def choose_reminder_period(settings: Settings, kind: str, period: str | None) -> Period:
    from cpip.cycle import parse_period

    if kind not in ("before", "after"):
        from cpip.cycle import CycleError

        raise CycleError(f"A reminder is 'before' or 'after' the due date, not {kind!r}.")
    return parse_period(period) if period else period_for_reminder(settings.now, settings.cycle.due_days, kind)


@step(name="partners-to-remind")
def partners_to_remind(settings: Settings, reference: Reference, period: Period) -> list[str]:
    """Partners from whom no file for the period has arrived at all (the status page's "Nothing received")."""
    from cpip.cycle import not_submitted

    return not_submitted(status(settings, reference, period))


@step(name="send-reminders", retries=3, retry_delay_seconds=[5, 30, 120])
def send_reminders(settings: Settings, reference: Reference, period: Period, kind: str, partners: list[str]) -> dict:
    """Remind each partner once: a retry, or a second run for the same period and kind, skips those reminded."""
    msgs = delivery.reminder_messages(settings, reference, period, kind, partners)
    copies = delivery.keep_copy(settings, f"reminders-{period}-{kind}", msgs)
    sent = delivery.send(settings, msgs)
    return {"period": str(period), "kind": kind, "partners": partners, "sent": len(sent.now),
            "sent_before": len(sent.before), "copies": copies}


@step(name="deliver-briefing", retries=3, retry_delay_seconds=[5, 30, 120])
def deliver_briefing(settings: Settings, outputs: dict) -> dict:
    """Email the briefing to the private office (when [email] is set): an approved version, or
    with ``[review] required = false`` the cycle's briefing; never a draft. See :func:`cpip.review.deliver`.

    Each recipient gets a briefing once (:mod:`cpip.delivery`): a retry of this step, or the
    same approval reaching it twice (the Prefect form and ``cpip approve``), sends only to those
    who do not have it yet. ``emailed`` lists the recipients who now have it, ``emailed_before``
    those of them who already had it.
    """
    from cpip import review

    return review.deliver(settings, outputs)


def _in_flow_run() -> bool:
    from cpip.orchestration import in_flow_run

    return in_flow_run()


@step(name="intake-artifact")
def publish_intake_artifact(results: list[dict]) -> list[dict]:
    """A table of this run's files and outcomes in the Prefect UI."""
    if _in_flow_run() and results:
        from prefect.artifacts import create_table_artifact

        create_table_artifact(key="intake-files", description=f"{len(results)} file(s) taken", table=[
            {"file": r["file"], "partner": r["partner_code"], "period": r["period"], "outcome": r["outcome"],
             "late": r["late"], "rules": " ".join(i["rule"] for i in r["issues"]), "receipt": r["receipt"]}
            for r in results])
    return results


@step(name="cycle-artifact")
def publish_cycle_artifact(docs: Documents, outputs: dict) -> dict:
    """A markdown summary of the headline, coverage and data quality, with the paths written."""
    if _in_flow_run():
        from prefect.artifacts import create_markdown_artifact

        create_markdown_artifact(key=f"cycle-{docs.briefing['period'].lower()}", markdown=cycle_markdown(docs, outputs),
                                 description=f"Briefing for {docs.briefing['period']}")
    return outputs


def cycle_markdown(docs: Documents, outputs: dict) -> str:
    b = docs.briefing
    lines = [f"# Briefing for {b['period']}", "", "| kind | " + " | ".join(next(iter(b["totals"].values()), {})) + " |",
             "|---|" + "---|" * len(next(iter(b["totals"].values()), {}))]
    for kind, t in b["totals"].items():
        lines.append(f"| {kind} | " + " | ".join(str(v) for v in t.values()) + " |")
    r, m = b["returns"], b["movement"]
    lines += ["", f"**Movement:** {m['improved']} improved, {m['worsened']} worsened, {m['unchanged']} unchanged, "
                  f"{m['new']} new.",
              f"**Coverage:** {r['accepted']} of {r['expected']} accepted; late: {', '.join(r['late']) or 'none'}; "
              f"missing: {', '.join(r['missing']) or 'none'}; rejected only: {', '.join(r['rejected_only']) or 'none'}.",
              f"**Data quality:** {b['data_quality']['open_warnings']} open warnings "
              f"({', '.join(f'{k} {v}' for k, v in b['data_quality']['by_rule'].items()) or 'none'}).",
              f"**Indicators:** {b['indicators']['reporting_cpcs']} CPCs reporting.", "", "**Written:**"]
    for form in ("restricted", "publication"):
        lines += [f"- {form}: `{outputs[form]['pdf']}`, `{outputs[form]['html']}`"]
    lines += [f"- `{outputs['briefing_json']}`", f"- `{outputs['publication_json']}`", "",
              f"Run id `{docs.run_id}`."]
    return "\n".join(lines)
