"""The templates flow: each partner's pre-filled return for a period.

A plain function (the CLI calls it with no Prefect server); flows/prefect_flows.py makes it a
Prefect flow."""

from __future__ import annotations

from cpip.core.lock import home_lock
from cpip.tasks.common import read_reference, read_settings
from cpip.tasks.templates import choose_template_period, last_returns, write_templates


def templates(period: str | None = None, home: str | None = None) -> dict:
    """Write every partner's workbook and CSV template pair for the period (default: the quarter just ended)."""
    settings = read_settings(home)
    reference = read_reference(settings)
    quarter = choose_template_period(settings, period)
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        last = last_returns(settings, quarter)
    return write_templates(settings, reference, quarter, last)
