"""Steps every flow takes: the settings, the reference data, and the collection status pages."""

from __future__ import annotations

from cpip.collection.status_page import refresh_status_pages
from cpip.core.settings import Settings, load_settings
from cpip.orchestration.steps import step
from cpip.reference.tables import Reference, load_reference


@step(name="read-settings")
def read_settings(home: str | None) -> Settings:
    return load_settings(home)


@step(name="read-reference")
def read_reference(settings: Settings) -> Reference:
    return load_reference(settings)


@step(name="status-pages")
def write_status_pages(settings: Settings, reference: Reference) -> list[str]:
    """outbox/status/P.html and P.csv for the periods being collected (:mod:`cpip.collection.status_page`);
    never fails the run that writes them, so it is not retried."""
    return refresh_status_pages(settings, reference)
