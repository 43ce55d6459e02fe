"""The DuckDB warehouse: one file in the home, one writer at a time.

SQL lives in ``sql/`` (installed as the ``cpip.sql`` package) and is read through
:func:`sql`; values are always bound as parameters. ``schema/`` holds the tables, as
numbered migrations; ``staging/`` the views over them and ``marts/`` what the briefing is
built from (both made again, ``CREATE OR REPLACE``, the first time a process opens a warehouse).

**Schema versions.** Each ``sql/schema/NNN_name.sql`` is one migration, version ``NNN``.
:func:`ensure_schema` applies every one a warehouse has not had, in order, each in its own
transaction, and records it in ``schema_migrations``; so a new release upgrades the warehouse
in place, without a rebuild and without losing a row. A migration may create tables or alter
them (a new column needs a default, so the rows already there get one). Files 001–008 are the
schema of the first release, which had no ``schema_migrations``: such a warehouse is recognised
by its tables and recorded as at version 8 (those files only create what is missing, so
applying them to it changes nothing). A warehouse made by a newer cpip is refused rather than
written to. Never edit a migration that has been released: add the next number.

**Rebuild.** Each table's schema file says what ``cpip rebuild`` does with it:
``-- rebuild remakes: <table>, ...`` for tables the replay of the archive (or the reference
data) fills again, ``-- rebuild keeps: <table>, ...`` for history the archive cannot give
back. A table that says neither is kept: no rebuild loses rows because a line was forgotten,
and one that finds the replay has filled an undeclared table stops (see :func:`carry_over`).
``sql/rebuild/keep_<table>.sql``, when present, says which of a kept table's rows to keep
(the audit log keeps all but the intake events the replay writes again).
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from cpip.core.errors import NotAsAsked
from cpip.core.events import INTAKE_EVENTS
from cpip.reference.tables import Reference

log = logging.getLogger("cpip.warehouse.db")


class WarehouseError(Exception):
    """The warehouse cannot be used or changed as asked; the message says why and what to do."""


@lru_cache(maxsize=None)
def sql(name: str) -> str:
    """The text of ``sql/<name>.sql`` from the installed package, e.g. ``sql("load/insert_file")``."""
    return resources.files("cpip.sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def _has_sql(name: str) -> bool:
    return resources.files("cpip.sql").joinpath(f"{name}.sql").is_file()


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


@contextmanager
def session(path: Path, read_only: bool = False):
    """An open warehouse, its schema current (ensured once per process and file), closed after.

    Every reader and writer opens the warehouse this way; a writer holds the writer lock
    (:func:`cpip.core.lock.writer_lock`) around it. A read-only session does not touch the schema.
    """
    con = connect(path, read_only=read_only)
    try:
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
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


@contextmanager
def transaction(con):
    """``BEGIN`` … ``COMMIT``, or ``ROLLBACK`` on any exception (which is raised again)."""
    con.execute("BEGIN")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# --- schema versions -------------------------------------------------------------------


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    text: str


_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)$")


def _read_migrations() -> tuple[Migration, ...]:
    out: dict[int, Migration] = {}
    for stem in _layer("schema"):
        m = _MIGRATION_NAME.match(stem)
        if m is None:
            raise WarehouseError(f"sql/schema/{stem}.sql is not named as a migration (NNN_name.sql, e.g. "
                                 "011_add_column.sql); rename it.")
        version = int(m.group(1))
        if version in out:
            raise WarehouseError(f"sql/schema/ has two migrations numbered {m.group(1)} ({out[version].name} and "
                                 f"{m.group(2)}); give the newer one the next free number.")
        out[version] = Migration(version, m.group(2), sql(f"schema/{stem}"))
    return tuple(out[v] for v in sorted(out))


MIGRATIONS: tuple[Migration, ...] = _read_migrations()
SCHEMA_VERSION: int = MIGRATIONS[-1].version
# The first release's schema (files 001-008), made before warehouses recorded their version.
PREVIOUS_RELEASE_VERSION = 8

_BOOKKEEPING = {"schema_migrations"}  # the record of versions: neither remade nor kept by a rebuild

# Warehouse files this process has brought up to date (tables, views and macros), by path:
# ensure_schema is called often, and then costs one query.
_ENSURED: set[str] = set()


def _tables(con, database: str | None = None) -> list[str]:
    return [t for (t,) in con.execute(sql("migrate/tables"), {"database": database}).fetchall()]


def schema_version(con) -> int:
    """The warehouse's schema version: the newest migration it has had; 0 for an empty file.
    A warehouse from before versions were recorded is at :data:`PREVIOUS_RELEASE_VERSION`."""
    import duckdb

    try:
        return con.execute(sql("migrate/state")).fetchone()[0] or 0
    except duckdb.CatalogException:
        return PREVIOUS_RELEASE_VERSION if _tables(con) else 0


def _newer(version: int) -> WarehouseError:
    return WarehouseError(
        f"The warehouse is at schema version {version}, newer than this cpip knows ({SCHEMA_VERSION}): "
        "it was upgraded by a newer release. Nothing was changed; run the newer cpip (or install it here).")


def migrate(con, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply each migration the warehouse has not had, in order, each in its own transaction
    with its record in ``schema_migrations``. Returns the versions applied."""
    import duckdb

    try:
        applied = {v for (v,) in con.execute(sql("migrate/applied")).fetchall()}
    except duckdb.CatalogException:
        con.execute(sql("migrate/create_table"))
        applied = set()
    # Tables but no version recorded: made by the first release (or a run that stopped just after).
    previous_release = not applied and bool(set(_tables(con)) - _BOOKKEEPING)
    unknown = applied - {m.version for m in migrations}
    if unknown:
        raise _newer(max(unknown))
    done = []
    for m in migrations:
        if m.version in applied:
            continue
        how = "previous release" if previous_release and m.version <= PREVIOUS_RELEASE_VERSION else "applied"
        try:
            with transaction(con):
                con.execute(m.text)
                con.execute(sql("migrate/record"), {"version": m.version, "name": m.name, "how": how})
        except Exception as exc:
            raise WarehouseError(
                f"Schema migration {m.version:03d}_{m.name}.sql could not be applied ({type(exc).__name__}); "
                f"it was rolled back, whole, and the warehouse is at version {max(applied | set(done), default=0)}. "
                "Nothing was lost; the migration needs fixing before the warehouse can be used.") from exc
        done.append(m.version)
    return done


def ensure_schema(con) -> None:
    """Bring the warehouse up to date: apply any migration it has not had, then make the views
    and macros. Once per process and file; after that one query finds the warehouse current."""
    import duckdb

    try:
        top, count, path = con.execute(sql("migrate/state")).fetchone()
    except duckdb.CatalogException:
        top = count = path = None
    if top == SCHEMA_VERSION and count == len(MIGRATIONS) and path in _ENSURED:
        return
    if top is not None and top > SCHEMA_VERSION:
        raise _newer(top)
    migrate(con)
    for layer in ("staging", "marts"):
        for name in _layer(layer):
            con.execute(sql(f"{layer}/{name}"))
    path = con.execute(sql("migrate/state")).fetchone()[2]
    if path:
        _ENSURED.add(path)


# --- what a rebuild keeps --------------------------------------------------------------

# The events intake writes for each file: replaying the archive writes them again, so a rebuild does
# not carry them over (their one home is cpip/core/events.py).
REPLAYED_EVENTS = INTAKE_EVENTS

_ROLE = re.compile(r"^--\s*rebuild (keeps|remakes):\s*([a-z0-9_, ]+)", re.MULTILINE)
_CREATE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)", re.IGNORECASE)
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


@lru_cache(maxsize=None)
def rebuild_roles() -> dict[str, str]:
    """For every table the migrations create: 'keeps' or 'remakes' (what ``cpip rebuild`` does).
    A table no schema file declares is kept."""
    roles: dict[str, str] = {}
    for m in MIGRATIONS:
        for t in _CREATE.findall(m.text):
            roles.setdefault(t.lower(), "keeps")
    declared: dict[str, str] = {}
    for m in MIGRATIONS:
        for role, names in _ROLE.findall(m.text):
            for t in filter(None, (n.strip() for n in names.split(","))):
                if declared.get(t, role) != role:
                    raise WarehouseError(f"sql/schema/ says both that a rebuild keeps and that it remakes table {t}.")
                declared[t] = role
    return {**roles, **declared}


def replayed_events(con) -> list[str]:
    return [e for (e,) in con.execute(sql("rebuild/replayed_events")).fetchall()]


def carry_over(con, old: Path) -> dict[str, int]:
    """Copy into ``con`` (a warehouse just rebuilt from the archive) every row of the old
    warehouse at ``old`` that the archive cannot give back, in one transaction.

    Returns the rows kept, by table. Stops, changing nothing, if the replay wrote an audit event
    :data:`REPLAYED_EVENTS` does not list, or filled a table no schema file says it remakes:
    carrying such rows over would count them twice.
    """
    odd = sorted(set(replayed_events(con)) - set(REPLAYED_EVENTS))
    if odd:
        raise WarehouseError(f"Replaying the archive wrote audit events ({', '.join(odd)}) that "
                             "cpip.warehouse.db.REPLAYED_EVENTS does not list, so a rebuild cannot tell them from "
                             "history to keep. List them there.")
    roles = rebuild_roles()
    con.execute(sql("rebuild/attach_old"), {"path": str(old)})
    try:
        old_tables = set(_tables(con, "old"))
        kept: dict[str, int] = {}
        with transaction(con):
            for table in _tables(con):
                if not _IDENT.match(table):
                    raise WarehouseError(f"The rebuilt warehouse has a table named {table!r}, which is not a cpip name.")
                if table in _BOOKKEEPING or roles.get(table, "keeps") != "keeps" or table not in old_tables:
                    continue
                if _has_sql(f"rebuild/keep_{table}"):  # which rows to keep; may use $replayed
                    keep = sql(f"rebuild/keep_{table}")
                    params = {"replayed": list(REPLAYED_EVENTS)} if "$replayed" in keep else {}
                    n = con.execute(keep, params).fetchone()[0]
                else:
                    if con.execute(sql("rebuild/count_rows").format(table=table)).fetchone()[0]:
                        raise WarehouseError(
                            f"Replaying the archive filled table {table}, which its schema file does not say a "
                            f"rebuild remakes; add '-- rebuild remakes: {table}' to it (or "
                            f"sql/rebuild/keep_{table}.sql to say which rows to keep).")
                    n = con.execute(sql("rebuild/keep_table").format(table=table)).fetchone()[0]
                kept[table] = n
        for table in sorted(old_tables - set(_tables(con)) - _BOOKKEEPING):
            log.warning("table %s in the old warehouse is not part of cpip's schema; it was not carried over", table)
        return kept
    finally:
        con.execute(sql("rebuild/detach_old"))


# --- reference tables ------------------------------------------------------------------


def load_reference_tables(con, ref: Reference) -> None:
    """Replace the reference tables with the reference data this run uses."""
    import pandas as pd

    from cpip.core import vocabulary

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
            con.execute(sql(f"load/replace_{table}"))
            con.unregister("ref_frame")
