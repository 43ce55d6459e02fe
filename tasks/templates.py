"""Template tasks: last period's returns from the warehouse, then every partner's files."""

from __future__ import annotations

from cpip.collection import templates
from cpip.collection.schedules import template_period
from cpip.collection.templates import LastReturn
from cpip.core.periods import Period
from cpip.core.settings import Settings
from cpip.orchestration.steps import step
from cpip.reference.tables import Reference


@step(name="choose-template-period")
def choose_template_period(settings: Settings, period: str | None) -> Period:
    return template_period(period, settings.now)


@step(name="last-returns", retries=2, retry_delay_seconds=2)
def last_returns(settings: Settings, period: Period) -> dict[str, LastReturn]:
    """Each partner's latest accepted progress part for the period before ``period``."""
    return templates.last_returns(settings, period)


@step(name="write-templates", retries=2, retry_delay_seconds=1)
def write_templates(settings: Settings, reference: Reference, period: Period, last: dict[str, LastReturn]) -> dict:
    return templates.write_templates(settings, reference, period, last)
