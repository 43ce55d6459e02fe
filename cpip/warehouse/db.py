"""The DuckDB warehouse: one file in the home, one writer at a time; every open goes through here.

:func:`session` opens it with its schema current (:mod:`cpip.warehouse.migrations`);
:func:`transaction` is the one ``BEGIN``/``COMMIT``; :func:`sql` reads a statement from ``sql/``
(values always bound as parameters). Every stage imports this module as ``wh``. What a rebuild
keeps is :mod:`cpip.warehouse.carryover`.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cpip.core import vocabulary
from cpip.core.errors import NotAsAsked
from cpip.core.periods import iso
from cpip.reference.tables import Reference
from cpip.warehouse.migrations import ensure_schema
from cpip.warehouse.statements import WarehouseError, sql, transaction

__all__ = ["WarehouseError", "connect", "held", "home_session", "load_reference_tables", "session", "sql", "transaction"]


def connect(path: Path, read_only: bool = False):
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    return _configured(duckdb.connect(str(path), read_only=read_only))


def _configured(con):
    """A connection (or a cursor of one: these settings are each connection's own) set up as every session expects."""
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'Europe/London'")
    return con


@dataclass
class _Held:
    """A warehouse held open for a run, and the reference data this run has loaded into it."""

    con: Any
    reference: Reference | None = None


# The warehouses held open for a run (:func:`held`), by path: every session of one is a cursor on it;
# and the held warehouse of each open cursor, by the cursor's id.
_HELD: dict[str, _Held] = {}
_CURSORS: dict[int, _Held] = {}


@contextmanager
def held(path: Path):
    """Keep the warehouse open for the block: one connection for a whole run, its schema checked once.

    Each :func:`session` of the same file opened inside the block (in any thread) is then a cursor
    on that connection, rather than a new connection whose opening reads the catalogue and whose
    closing writes a checkpoint (about 15 ms each, and an intake run opens a dozen sessions).
    Commits are as durable as before; the checkpoint is written once, when the block ends. Held
    only under the home's lock, so no other process waits on it for longer than it would anyway.
    A warehouse not yet made is not held (the sessions make it, as they always have).
    """
    key = str(path)
    if key in _HELD or not path.exists():
        yield
        return
    con = connect(path)
    try:
        ensure_schema(con)
        _HELD[key] = _Held(con)
        yield
    finally:
        _HELD.pop(key, None)
        con.close()


@contextmanager
def session(path: Path, read_only: bool = False):
    """An open warehouse, its schema current (ensured once per process and file), closed after.

    Every reader and writer opens the warehouse this way; a writer holds the home's lock
    (:func:`cpip.core.lock.home_lock`) around it. A read-only session does not touch the schema.
    Inside :func:`held` it is a cursor on the held connection (its schema already current).
    """
    base = _HELD.get(str(path))
    con = _configured(base.con.cursor()) if base is not None else connect(path, read_only=read_only)
    if base is not None:
        _CURSORS[id(con)] = base
    try:
        if not read_only and base is None:
            ensure_schema(con)
        yield con
    finally:
        _CURSORS.pop(id(con), None)
        con.close()


@contextmanager
def home_session(settings, ref: Reference):
    """The home's warehouse for reading the marts: its schema current and this run's reference
    data in it. :class:`NotAsAsked` when there is none yet (``cpip init`` and ``cpip intake`` make it)."""
    if not settings.warehouse.exists():
        raise NotAsAsked(f"There is no warehouse at {settings.warehouse}: run `cpip init` and `cpip intake` first.")
    with session(settings.warehouse) as con:
        load_reference_tables(con, ref)
        yield con


# --- reference tables ------------------------------------------------------------------

# Reload one reference table ({table}: one of the names below, never input) from the frame
# registered as ref_frame.
REPLACE_REFERENCE_TABLE = 'DELETE FROM "{table}"; INSERT INTO "{table}" BY NAME SELECT * FROM ref_frame'


def load_reference_tables(con, ref: Reference) -> None:
    """Replace the reference tables with the reference data this run uses: once per run on a
    warehouse held for the run (:func:`held`; the load and the status pages both need them)."""
    import pandas as pd

    run = _CURSORS.get(id(con))
    if run is not None and run.reference is ref:
        return

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
        "ref_statuses": pd.DataFrame(
            [(s, n, vocabulary.SCALE.get(s), vocabulary.RAG.get(s))
             for n, s in enumerate((*vocabulary.STATUSES, vocabulary.NO_RETURN), start=1)],
            columns=["status", "status_order", "scale", "rag"]),
        "ref_indicators": pd.DataFrame(
            [(i.indicator_id, i.label, i.unit, i.part_of, i.order) for i in ref.indicators.values()],
            columns=["indicator_id", "label", "unit", "part_of", "indicator_order"]),
    }
    with transaction(con):
        for table, df in frames.items():
            con.register("ref_frame", df)
            con.execute(REPLACE_REFERENCE_TABLE.format(table=table))
            con.unregister("ref_frame")
    if run is not None:
        run.reference = ref


INSERT_AUDIT = """
INSERT INTO audit_log (occurred_at, event, sha256, submission_id, detail)
VALUES (CAST($at AS TIMESTAMPTZ), $event, NULL, NULL, $detail)
"""


def audit(con, at: datetime, event: str, detail: dict) -> None:
    """One line in the audit log that is not a file's intake event (a briefing written, a version
    approved, a warehouse rebuilt): what happened, when, and its details as JSON."""
    con.execute(INSERT_AUDIT, {"at": iso(at), "event": event, "detail": json.dumps(detail)})
