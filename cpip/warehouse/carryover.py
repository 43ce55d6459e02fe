"""What a rebuild keeps: the rows of the old warehouse the archive cannot give back.

Each table's schema file says what ``cpip rebuild`` does with it: ``-- rebuild remakes:
<table>, ...`` for tables the replay of the archive (or the reference data) fills again,
``-- rebuild keeps: <table>, ...`` for history the archive cannot give back. A table that says
neither is kept: no rebuild loses rows because a line was forgotten, and one that finds the
replay has filled an undeclared table stops (see :func:`carry_over`).
``sql/rebuild/keep_<table>.sql``, when present, says which of a kept table's rows to keep
(the audit log keeps all but the intake events the replay writes again).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from cpip.core.events import INTAKE_EVENTS
from cpip.warehouse.migrations import BOOKKEEPING, MIGRATIONS, tables
from cpip.warehouse.statements import WarehouseError, has_sql, sql, transaction

log = logging.getLogger("cpip.warehouse.carryover")

# The events intake writes for each file: replaying the archive writes them again, so a rebuild does
# not carry them over (their one home is cpip/core/events.py).
REPLAYED_EVENTS = INTAKE_EVENTS

# The kinds of event the replay of the archive wrote.
REPLAYED = "SELECT DISTINCT event FROM audit_log ORDER BY event"
# The warehouse being replaced, read-only, beside the one being built.
ATTACH_OLD = "ATTACH $path AS old (READ_ONLY)"
DETACH_OLD = "DETACH old"
# {table} is a table name from sql/schema/, checked before it is put here (identifiers cannot be parameters).
COUNT_ROWS = 'SELECT count(*) FROM main."{table}"'  # how many rows the replay put in a table
KEEP_TABLE = 'INSERT INTO main."{table}" BY NAME SELECT * FROM old."{table}"'  # every row, column by name

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
    return [e for (e,) in con.execute(REPLAYED).fetchall()]


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
                             "cpip.warehouse.carryover.REPLAYED_EVENTS does not list, so a rebuild cannot tell them "
                             "from history to keep. List them there.")
    roles = rebuild_roles()
    con.execute(ATTACH_OLD, {"path": str(old)})
    try:
        old_tables = set(tables(con, "old"))
        kept: dict[str, int] = {}
        with transaction(con):
            for table in tables(con):
                if not _IDENT.match(table):
                    raise WarehouseError(f"The rebuilt warehouse has a table named {table!r}, which is not a cpip name.")
                if table in BOOKKEEPING or roles.get(table, "keeps") != "keeps" or table not in old_tables:
                    continue
                if has_sql(f"rebuild/keep_{table}"):  # which rows to keep; may use $replayed
                    keep = sql(f"rebuild/keep_{table}")
                    params = {"replayed": list(REPLAYED_EVENTS)} if "$replayed" in keep else {}
                    n = con.execute(keep, params).fetchone()[0]
                else:
                    if con.execute(COUNT_ROWS.format(table=table)).fetchone()[0]:
                        raise WarehouseError(
                            f"Replaying the archive filled table {table}, which its schema file does not say a "
                            f"rebuild remakes; add '-- rebuild remakes: {table}' to it (or "
                            f"sql/rebuild/keep_{table}.sql to say which rows to keep).")
                    n = con.execute(KEEP_TABLE.format(table=table)).fetchone()[0]
                kept[table] = n
        for table in sorted(old_tables - set(tables(con)) - BOOKKEEPING):
            log.warning("table %s in the old warehouse is not part of cpip's schema; it was not carried over", table)
        return kept
    finally:
        con.execute(DETACH_OLD)
