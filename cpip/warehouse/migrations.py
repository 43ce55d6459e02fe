"""Schema versions: each ``sql/schema/NNN_name.sql`` is one migration, version ``NNN``.

:func:`ensure_schema` applies every one a warehouse has not had, in order, each in its own
transaction, and records it in ``schema_migrations``; so a new release upgrades the warehouse
in place, without a rebuild and without losing a row. A migration may create tables or alter
them (a new column needs a default, so the rows already there get one). Files 001–008 are the
schema made before warehouses recorded their version: such a warehouse is recognised by its
tables and recorded as at version 8 (those files only create what is missing, so applying them
to it changes nothing). A warehouse made by a newer cpip is refused rather than written to.
Never edit a migration that has been released: add the next number.

After the migrations, the views (``sql/staging``) and the marts' macros (``sql/marts``) are
made again, ``CREATE OR REPLACE``, the first time a process opens a warehouse file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cpip.warehouse.statements import WarehouseError, layer, sql, transaction

# The versions a warehouse has had.
APPLIED = "SELECT version FROM schema_migrations ORDER BY version"
RECORD = "INSERT INTO schema_migrations (version, name, applied_at, how) VALUES ($version, $name, now(), $how)"
# One query that says whether a warehouse is current: its newest version, how many it has, its file.
STATE = """SELECT max(version), count(*),
       (SELECT path FROM duckdb_databases() WHERE database_name = current_database())
FROM schema_migrations"""
# The tables of one attached database ('main' schema), e.g. the current one or 'old'.
TABLES = """SELECT table_name FROM duckdb_tables()
WHERE database_name = coalesce($database, current_database()) AND schema_name = 'main'
ORDER BY table_name"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    text: str


_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)$")


def _read_migrations() -> tuple[Migration, ...]:
    out: dict[int, Migration] = {}
    for stem in layer("schema"):
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
# The schema of files 001-008, made before warehouses recorded their version.
PREVIOUS_RELEASE_VERSION = 8

BOOKKEEPING = {"schema_migrations"}  # the record of versions: neither remade nor kept by a rebuild

# Warehouse files this process has brought up to date (tables, views and macros), by path:
# ensure_schema is called often, and then costs one query.
_ENSURED: set[str] = set()


def tables(con, database: str | None = None) -> list[str]:
    """The tables of the current database, or of the attached one named ``database``."""
    return [t for (t,) in con.execute(TABLES, {"database": database}).fetchall()]


def schema_version(con) -> int:
    """The warehouse's schema version: the newest migration it has had; 0 for an empty file.
    A warehouse from before versions were recorded is at :data:`PREVIOUS_RELEASE_VERSION`."""
    import duckdb

    try:
        return con.execute(STATE).fetchone()[0] or 0
    except duckdb.CatalogException:
        return PREVIOUS_RELEASE_VERSION if tables(con) else 0


def _newer(version: int) -> WarehouseError:
    return WarehouseError(
        f"The warehouse is at schema version {version}, newer than this cpip knows ({SCHEMA_VERSION}): "
        "it was upgraded by a newer release. Nothing was changed; run the newer cpip (or install it here).")


def migrate(con, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply each migration the warehouse has not had, in order, each in its own transaction
    with its record in ``schema_migrations``. Returns the versions applied."""
    import duckdb

    try:
        applied = {v for (v,) in con.execute(APPLIED).fetchall()}
    except duckdb.CatalogException:
        con.execute(sql("migrate/create_table"))
        applied = set()
    # Tables but no version recorded: made before versions were recorded (or by a run that stopped just after).
    previous_release = not applied and bool(set(tables(con)) - BOOKKEEPING)
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
                con.execute(RECORD, {"version": m.version, "name": m.name, "how": how})
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
        top, count, path = con.execute(STATE).fetchone()
    except duckdb.CatalogException:
        top = count = path = None
    if top == SCHEMA_VERSION and count == len(MIGRATIONS) and path in _ENSURED:
        return
    if top is not None and top > SCHEMA_VERSION:
        raise _newer(top)
    migrate(con)
    for folder in ("staging", "marts"):
        for name in layer(folder):
            con.execute(sql(f"{folder}/{name}"))
    path = con.execute(STATE).fetchone()[2]
    if path:
        _ENSURED.add(path)
