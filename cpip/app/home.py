"""The data home: creating it (``cpip init``). Rebuilding its warehouse is :mod:`cpip.intake.rebuild`."""

from __future__ import annotations

from cpip.core.lock import home_lock
from cpip.core.settings import Settings
from cpip.core.settings_toml import DEFAULT_TOML
from cpip.intake.archive import Archive
from cpip.intake.receipts import write_rule_catalogue
from cpip.reference.tables import load_reference
from cpip.warehouse import db as wh


def init_home(settings: Settings) -> int:
    """Create the home's folders, cpip.toml (if absent) and the warehouse. Safe to run twice."""
    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    toml = home / "cpip.toml"
    if not toml.exists():
        toml.write_text(DEFAULT_TOML, encoding="utf-8")
    ref = load_reference(settings)
    for code in ref.partners:
        (settings.inbox / code).mkdir(parents=True, exist_ok=True)
    Archive(settings.archive).ensure()
    settings.outbox.mkdir(parents=True, exist_ok=True)
    write_rule_catalogue(settings.outbox, settings.briefing.programme)
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds), wh.session(settings.warehouse) as con:
        wh.load_reference_tables(con, ref)
    return len(ref.partners)
