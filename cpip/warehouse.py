"""The DuckDB warehouse: one file in the home, one writer at a time.

SQL lives in ``sql/`` (installed as the ``cpip.sql`` package) and is read through
:func:`sql`; values are always bound as parameters. ``schema/`` creates the tables,
``staging/`` the views over them, ``marts/`` what the briefing is built from.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from cpip.reference import Reference


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    """The text of ``sql/<name>.sql`` from the installed package, e.g. ``sql("load/insert_file")``."""
    return resources.files("cpip.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def _layer(layer: str) -> list[str]:
    folder = resources.files("cpip.sql").joinpath(layer)
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".sql"))


def connect(path: Path, read_only: bool = False):
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'Europe/London'")
    return con


def ensure_schema(con) -> None:
    """Create every table and view that is missing (idempotent)."""
    for layer in ("schema", "staging", "marts"):
        for name in _layer(layer):
            con.execute(sql(f"{layer}/{name}"))


def load_reference_tables(con, ref: Reference) -> None:
    """Replace the reference tables with the reference data this run uses."""
    import pandas as pd

    frames = {
        "ref_register": pd.DataFrame(
            [(i.item_id, i.kind, i.workstream, i.number, i.title, i.lead_partner, i.target_date, i.order)
             for i in ref.items.values()],
            columns=["item_id", "kind", "workstream", "number", "title", "lead_partner", "target_date", "register_order"]),
        "ref_partners": pd.DataFrame(
            [(p.partner_code, p.name, p.type, p.reports_indicators, p.contact_email) for p in ref.partners.values()],
            columns=["partner_code", "name", "type", "reports_indicators", "contact_email"]),
        "ref_assignments": pd.DataFrame(
            [(item, code, role) for code, items in ref.assignments.items() for item, role in items.items()],
            columns=["item_id", "partner_code", "role"]),
        "ref_indicators": pd.DataFrame(
            [(i.indicator_id, i.label, i.unit, i.part_of, i.order) for i in ref.indicators.values()],
            columns=["indicator_id", "label", "unit", "part_of", "indicator_order"]),
    }
    con.execute("BEGIN")
    try:
        for table, df in frames.items():
            con.register("ref_frame", df)
            con.execute(sql(f"load/replace_{table}"))
            con.unregister("ref_frame")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
