"""The templates flow: each partner's pre-filled return for a period."""

from __future__ import annotations

from cpip.core.lock import writer_lock
from cpip.orchestration.steps import lazy_flow as flow, lazy_flows
from cpip.tasks.common import read_reference, read_settings
from cpip.tasks.templates import choose_template_period, last_returns, write_templates


def _run_name() -> str:
    from prefect.runtime import flow_run

    return f"templates-{flow_run.parameters.get('period') or 'next'}"


@flow(name="templates", flow_run_name=_run_name)
def templates(period: str | None = None, home: str | None = None) -> dict:
    """Write every partner's workbook and CSV template pair for the period (default: the quarter just ended)."""
    settings = read_settings(home)
    reference = read_reference(settings)
    quarter = choose_template_period(settings, period)
    with writer_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        last = last_returns(settings, quarter)
    return write_templates(settings, reference, quarter, last)


# Prefect is imported only when the flow is used as one (cpip.orchestration.steps.lazy_flows).
__getattr__ = lazy_flows(globals(), "templates")
