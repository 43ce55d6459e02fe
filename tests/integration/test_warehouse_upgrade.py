"""Schema versions: a warehouse made by the previous release is upgraded in place, without loss;
migrations apply once, in order, each in a transaction; a migration may alter a table with rows."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from cpip.warehouse import carryover
from cpip.warehouse import db as wh
from cpip.warehouse import migrations
from cpip.warehouse.migrations import MIGRATIONS, PREVIOUS_RELEASE_VERSION, SCHEMA_VERSION, Migration
from cpip.warehouse.statements import WarehouseError

PREVIOUS = [m for m in MIGRATIONS if m.version <= PREVIOUS_RELEASE_VERSION]

ROWS = {
    "files": "INSERT INTO files VALUES ('aa11', 120, '/h/archive/objects/aa/aa11', 1), "
             "('bb22', 340, '/h/archive/objects/bb/bb22', 2)",
    "submissions": "INSERT INTO submissions VALUES "
                   "(1, 'run-1', 'aa11', '/h/inbox/CPC-FIFE/a.xlsx', 'a.xlsx', 'CPC-FIFE', 'CPC-FIFE', "
                   " TIMESTAMPTZ '2026-10-05 09:00:00+01', 'xlsx', 'CPC-FIFE', '2026-Q3', true, 'both', "
                   " 'accepted_with_warnings', false, NULL, '/h/outbox/r/1.html', '/h/outbox/r/1.json'), "
                   "(2, 'run-1', 'bb22', '/h/inbox/SSSC/b.csv', 'b.csv', 'SSSC', 'SSSC', "
                   " TIMESTAMPTZ '2026-10-06 10:00:00+01', 'csv', 'SSSC', '2026-Q3', true, NULL, "
                   " 'rejected', false, NULL, '/h/outbox/r/2.html', '/h/outbox/r/2.json')",
    "issues": "INSERT INTO issues VALUES (1, 1, 'I05', 'warning', 'Indicators', 4, 'value', '530', 'A big change'), "
              "(2, 1, 'P03', 'error', NULL, 2, 'status', '??', 'Not a status')",
    "progress_rows": "INSERT INTO progress_rows VALUES (1, 'CPC-FIFE', '2026-Q3', 2, 'T-1', 'On track', 40, "
                     "'Pilot', DATE '2026-12-01', DATE '2027-03-31', 'Going well', NULL)",
    "indicator_values": "INSERT INTO indicator_values VALUES (1, 'CPC-FIFE', '2026-Q3', 2, 'IND-01', 530, NULL), "
                        "(1, 'CPC-FIFE', '2026-Q3', 3, 'IND-02', NULL, 'not available')",
    "audit_log": "INSERT INTO audit_log (occurred_at, event, sha256, submission_id, detail) VALUES "
                 "(TIMESTAMPTZ '2026-10-05 09:00:00+01', 'received', 'aa11', 1, NULL), "
                 "(TIMESTAMPTZ '2026-10-15 09:00:00+01', 'briefing written', NULL, NULL, '{\"period\": \"2026-Q3\"}'), "
                 "(TIMESTAMPTZ '2026-10-15 09:01:00+01', 'briefing delivered', NULL, NULL, '{\"run_id\": \"c1\"}')",
    "briefing_lineage": "INSERT INTO briefing_lineage VALUES ('c1', '2026-Q3', 'items.T-1.status', 1)",
    "ref_partners": "INSERT INTO ref_partners VALUES ('CPC-FIFE', 'Fife CPC', 'CPC', true, 'fife@example.org')",
}


def _previous_release_warehouse(path):
    """A warehouse as the previous release left it: files 001-008 applied, no schema_migrations."""
    con = duckdb.connect(str(path))
    for m in PREVIOUS:
        con.execute(m.text)
    for statement in ROWS.values():
        con.execute(statement)
    con.close()


def _everything(con, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of the tables in ROWS: all columns, or only those named (a later migration may add a
    column, with a default, to a table the previous release had)."""
    def cols(t):
        return ", ".join(f'"{c}"' for c in columns[t]) if columns else "*"
    return {t: con.execute(f'SELECT {cols(t)} FROM "{t}" ORDER BY ALL').fetchall() for t in ROWS}


def _columns(con) -> dict[str, list[str]]:
    return {t: [d[0] for d in con.execute(f'SELECT * FROM "{t}" LIMIT 0').description] for t in ROWS}


def test_a_warehouse_from_the_previous_release_is_upgraded_in_place_without_loss(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _previous_release_warehouse(path)
    con = duckdb.connect(str(path), read_only=True)
    before, columns = _everything(con), _columns(con)
    con.close()
    assert all(before.values())

    con = wh.connect(path)
    try:
        assert migrations.schema_version(con) == PREVIOUS_RELEASE_VERSION
        migrations.ensure_schema(con)
        assert migrations.schema_version(con) == SCHEMA_VERSION > PREVIOUS_RELEASE_VERSION
        assert _everything(con, columns) == before
        recorded = con.execute("SELECT version, name, how FROM schema_migrations ORDER BY version").fetchall()
        assert recorded == [(m.version, m.name, "previous release" if m.version <= PREVIOUS_RELEASE_VERSION
                             else "applied") for m in MIGRATIONS]
        # The tables later migrations add are there, and the audit log's numbering carries on.
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert set(carryover.rebuild_roles()) <= tables
        wh.audit(con, datetime.fromisoformat("2026-11-01T09:00:00+00:00"), "briefing written", {})
        assert con.execute("SELECT max(event_id), count(*) FROM audit_log").fetchone() == (4, 4)
        # The views and macros work over the upgraded tables.
        assert con.execute("SELECT count(*) FROM stg_accepted_parts").fetchone()[0] == 2
    finally:
        con.close()

    con = wh.connect(path)  # opened again: nothing more to apply, nothing changed
    try:
        assert migrations.migrate(con) == []
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)
        assert {t: rows for t, rows in _everything(con, columns).items() if t != "audit_log"} == \
               {t: rows for t, rows in before.items() if t != "audit_log"}
    finally:
        con.close()


def test_a_new_warehouse_is_made_at_the_latest_version(tmp_path):
    con = wh.connect(tmp_path / "warehouse.duckdb")
    try:
        assert migrations.schema_version(con) == 0
        migrations.ensure_schema(con)
        assert migrations.schema_version(con) == SCHEMA_VERSION
        assert {h for (h,) in con.execute("SELECT DISTINCT how FROM schema_migrations").fetchall()} == {"applied"}
    finally:
        con.close()


def test_a_migration_can_add_columns_to_tables_that_hold_rows(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _previous_release_warehouse(path)
    con = wh.connect(path)
    try:
        migrations.ensure_schema(con)
        before = _everything(con)
        alter = Migration(SCHEMA_VERSION + 1, "test_add_columns",
                          "ALTER TABLE submissions ADD COLUMN reviewed BOOLEAN NOT NULL DEFAULT false;\n"
                          "ALTER TABLE audit_log ADD COLUMN actor VARCHAR DEFAULT 'system';")
        assert migrations.migrate(con, MIGRATIONS + (alter,)) == [SCHEMA_VERSION + 1]
        assert migrations.migrate(con, MIGRATIONS + (alter,)) == []  # applied once
        assert migrations.schema_version(con) == SCHEMA_VERSION + 1
        assert con.execute("SELECT submission_id, reviewed FROM submissions ORDER BY 1").fetchall() == \
               [(1, False), (2, False)]
        assert {a for (a,) in con.execute("SELECT DISTINCT actor FROM audit_log").fetchall()} == {"system"}
        after = {t: con.execute(f'SELECT * EXCLUDE ({c}) FROM "{t}" ORDER BY ALL').fetchall()
                 for t, c in (("submissions", "reviewed"), ("audit_log", "actor"))}
        assert after == {t: before[t] for t in after}
        # This cpip does not know version SCHEMA_VERSION + 1: it refuses to write to the warehouse.
        migrations._ENSURED.clear()
        with pytest.raises(WarehouseError, match="newer than this cpip knows"):
            migrations.ensure_schema(con)
    finally:
        con.close()


def test_a_migration_that_fails_is_rolled_back_whole(tmp_path):
    con = wh.connect(tmp_path / "warehouse.duckdb")
    try:
        migrations.ensure_schema(con)
        con.execute(ROWS["files"])
        bad = Migration(SCHEMA_VERSION + 1, "test_half_done",
                        "ALTER TABLE files ADD COLUMN checked BOOLEAN DEFAULT true;\n"
                        "CREATE TABLE test_new (x INTEGER);\n"
                        "SELECT * FROM no_such_table;")
        with pytest.raises(WarehouseError, match=f"{SCHEMA_VERSION + 1:03d}_test_half_done.sql could not be applied"):
            migrations.migrate(con, MIGRATIONS + (bad,))
        assert migrations.schema_version(con) == SCHEMA_VERSION
        assert "checked" not in [d[0] for d in con.execute("SELECT * FROM files").description]
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'test_new'").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM files").fetchone() == (2,)
    finally:
        con.close()


class _Counting:
    """A connection that counts the statements run through it."""

    def __init__(self, con):
        self.con, self.n = con, 0

    def execute(self, *args, **kw):
        self.n += 1
        return self.con.execute(*args, **kw)


def test_ensure_schema_costs_one_query_once_a_warehouse_is_current(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _previous_release_warehouse(path)
    con = wh.connect(path)
    try:
        counting = _Counting(con)
        migrations.ensure_schema(counting)
        assert counting.n > len(MIGRATIONS)  # upgraded, views and macros made
        counting.n = 0
        migrations.ensure_schema(counting)
        assert counting.n == 1
    finally:
        con.close()
    con = wh.connect(path)  # a new connection to the same file in this process: still one query
    try:
        counting = _Counting(con)
        migrations.ensure_schema(counting)
        assert counting.n == 1
    finally:
        con.close()


def test_migrations_are_the_numbered_files_and_every_table_says_what_a_rebuild_does():
    assert [m.version for m in MIGRATIONS] == sorted({m.version for m in MIGRATIONS})
    assert SCHEMA_VERSION == MIGRATIONS[-1].version >= 9  # 009 and later are picked up by their number
    roles = carryover.rebuild_roles()
    assert roles["audit_log"] == roles["briefing_lineage"] == "keeps"
    assert roles.get("email_sent", "keeps") == "keeps"
    assert {roles[t] for t in ("files", "submissions", "issues", "progress_rows", "indicator_values",
                               "ref_register", "ref_partners", "ref_assignments", "ref_indicators")} == {"remakes"}


def test_a_rebuild_stops_rather_than_count_rows_twice(tmp_path):
    """A table the replay filled but no schema file says a rebuild remakes is not carried over twice."""
    old, new = tmp_path / "old.duckdb", tmp_path / "new.duckdb"
    for p in (old, new):
        con = wh.connect(p)
        migrations.ensure_schema(con)
        con.execute(ROWS["briefing_lineage"])  # as if the replay of the archive had written lineage
        con.close()
    con = wh.connect(new)
    try:
        with pytest.raises(WarehouseError, match="Replaying the archive filled table briefing_lineage"):
            carryover.carry_over(con, old)
        assert con.execute("SELECT count(*) FROM briefing_lineage").fetchone() == (1,)
        con.execute("INSERT INTO audit_log (occurred_at, event, submission_id) "
                    "VALUES ('2026-11-01T09:00:00+00:00', 'invented', 1)")
        with pytest.raises(WarehouseError, match=r"audit events \(invented\)"):
            carryover.carry_over(con, old)
    finally:
        con.close()


def test_the_unsalted_hash_prefixes_of_old_codes_are_replaced_in_the_sent_ledger_and_the_audit_log(tmp_path):
    import hashlib

    salted = next(m.version for m in MIGRATIONS if m.name == "salted_code_keys")
    con = wh.connect(tmp_path / "warehouse.duckdb")
    try:
        migrations.migrate(con, tuple(m for m in MIGRATIONS if m.version < salted))
        old = [hashlib.sha256(c.encode()).hexdigest()[:12] for c in ("AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH")]
        con.execute("INSERT INTO email_sent VALUES "
                    f"('review/2026-Q3/version-1/{old[0]}', 'a@example.org', now(), 'For approval', NULL), "
                    f"('review/2026-Q3/version-1/{old[1]}', 'a@example.org', now(), 'For approval', NULL), "
                    "('briefing/2026-Q3/version-1', 'office@example.org', now(), 'Briefing', NULL)")
        con.execute("INSERT INTO audit_log (occurred_at, event, detail) VALUES (now(), 'reviewers told', "
                    f"'{{\"period\": \"2026-Q3\", \"version\": 1, \"key\": \"review/2026-Q3/version-1/{old[0]}\"}}')")
        assert migrations.migrate(con, MIGRATIONS)[0] == salted
        keys = sorted(k for (k,) in con.execute("SELECT message_key FROM email_sent").fetchall())
        (detail,) = con.execute("SELECT detail FROM audit_log WHERE event = 'reviewers told'").fetchall()[0]
    finally:
        con.close()
    assert keys[0] == "briefing/2026-Q3/version-1" and len(set(keys)) == 3
    assert all(k.startswith("review/2026-Q3/version-1/unsalted-") for k in keys[1:])
    assert not any(o in k for o in old for k in keys + [detail])
    assert '"key": "review/2026-Q3/version-1/unsalted-code"' in detail
