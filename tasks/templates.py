"""Template tasks: last period's returns from the warehouse, then every partner's files."""

from __future__ import annotations

from cpip import warehouse as wh
from cpip.orchestration import step
from cpip.periods import Period
from cpip.reference import Reference
from cpip.return_templates import LastReturn, write_all
from cpip.schedules import period_just_ended
from cpip.settings import Settings


@step(name="choose-template-period")
def choose_template_period(settings: Settings, period: str | None) -> Period:
    from cpip.cycle import parse_period

    return parse_period(period) if period else period_just_ended(settings.now)


@step(name="last-returns", retries=2, retry_delay_seconds=2)
def last_returns(settings: Settings, reference: Reference, period: Period) -> dict[str, LastReturn]:
    """Each partner's latest accepted progress part for the period before ``period``."""
    if not settings.warehouse.exists():
        return {}
    con = wh.connect(settings.warehouse)
    try:
        wh.ensure_schema(con)
        rows = con.execute(wh.sql("queries/current_progress_rows"), {"period": str(period.previous())}).fetchall()
    finally:
        con.close()
    out: dict[str, LastReturn] = {}
    for partner, item, status, pct, forecast in rows:
        out.setdefault(partner, LastReturn({})).rows[item] = {
            "status": status, "percent_complete": pct, "forecast_completion": forecast}
    return out


@step(name="write-templates", retries=2, retry_delay_seconds=1)
def write_templates(settings: Settings, reference: Reference, period: Period, last: dict[str, LastReturn]) -> dict:
    out = settings.outbox / "templates" / str(period)
    files = write_all(reference, period, settings.cycle.due_days, out, settings.intake.officer_folder, last)
    return {"period": str(period), "folder": str(out), "partners": files}
