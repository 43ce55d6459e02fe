"""`cpip rebuild` keeps what the archive cannot give back, and a failed rebuild changes nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from cpip.warehouse import carryover, migrations
from cpip.warehouse import db as wh
from cpip.warehouse.migrations import SCHEMA_VERSION
from tests.conftest import Q3, cpip_cli

pytestmark = pytest.mark.slow  # intakes and cycles, then a rebuild of the warehouse

CPC, NATIONAL = "CPC-FIFE", "SG-CPIP"
INTAKE_EVENTS = "event IN ('received', 'archived', 'validated', 'accepted', 'rejected', 'duplicate', 'superseded')"


def _settings(home, now="2026-11-10T09:00"):
    from cpip.core.settings import load_settings

    return load_settings(home.path, {"CPIP_NOW": now})


def _home_with_history(home) -> None:
    """Two quarters of intake (a warning, a rejection, a duplicate, a superseded file), a cycle's
    briefing and lineage, and a delivery of it by email."""
    from cpip.briefing import cycle
    from cpip.reference.tables import load_reference

    q2 = home.sample(CPC, period=Q3.previous(), signed_off=date(2026, 7, 2))
    home.drop_xlsx(q2)
    home.intake(now="2026-07-05T10:00")
    q3 = home.sample(CPC, previous=q2)
    q3.indicators[1]["value"] = q3.indicators[1]["value"] * 6 + 40  # an I05 warning
    again = home.drop_xlsx(q3).read_bytes()
    rejected = home.sample(NATIONAL)
    rejected.progress[1]["status"] = "Nearly"
    home.drop_xlsx(rejected)
    home.intake(now="2026-10-20T10:00")
    home.drop_bytes(CPC, "copy.xlsx", again)  # a duplicate
    home.drop_xlsx(home.sample(CPC, previous=q2, seed=7), name="resubmitted.xlsx")  # supersedes
    home.intake(now="2026-10-25T10:00")

    settings = _settings(home)
    ref = load_reference(settings)
    docs = cycle.compose(settings, ref, cycle.read_marts(settings, ref, Q3))
    cycle.record_briefing(settings, ref, Q3, docs, {"briefing_json": "outbox/briefings/2026-Q3/briefing.json"})
    con = wh.connect(settings.warehouse)
    try:  # what delivery records when the mail server accepts the briefing
        wh.audit(con, settings.now, "briefing delivered", {"run_id": docs.run_id, "to": ["minister@example.gov.scot"]})
        con.execute("INSERT INTO email_sent (message_key, recipient, sent_at, subject, message_id) "
                    "VALUES ($k, 'minister@example.gov.scot', now(), 'CPIP briefing 2026-Q3', '<m1@example.org>')",
                    {"k": f"briefing/2026-Q3/{docs.run_id}"})
    finally:
        con.close()


def _history(home):
    """What the archive cannot give back."""
    return (home.query(f"SELECT occurred_at, event, sha256, submission_id, detail FROM audit_log "
                       f"WHERE NOT ({INTAKE_EVENTS}) AND event <> 'warehouse rebuilt' ORDER BY event_id"),
            home.query("SELECT * FROM briefing_lineage ORDER BY ALL"),
            home.query("SELECT * FROM email_sent ORDER BY ALL"))


def _from_the_archive(home):
    """What a replay of the archive makes again (times of validation and outcome are the replay's)."""
    return (home.query("SELECT submission_id, sha256, partner_code, period, part, outcome, late, duplicate_of, "
                       "receipt_html FROM submissions ORDER BY 1"),
            home.query("SELECT * FROM files ORDER BY ALL"),
            home.query("SELECT * FROM issues ORDER BY ALL"),
            home.query("SELECT * FROM progress_rows ORDER BY ALL"),
            home.query("SELECT * FROM indicator_values ORDER BY ALL"),
            home.query(f"SELECT event, sha256, submission_id, detail, "
                       f"CASE WHEN event IN ('received', 'archived') THEN occurred_at END "
                       f"FROM audit_log WHERE {INTAKE_EVENTS} ORDER BY ALL"))


def _everything(home):
    tables = [t for (t,) in home.query("SELECT table_name FROM duckdb_tables() ORDER BY 1")]
    return {t: home.query(f'SELECT * FROM "{t}" ORDER BY ALL') for t in tables}


def _no_leftovers(home):
    return sorted(p.name for p in home.path.iterdir() if p.name.startswith("warehouse.duckdb."))


def test_a_rebuild_keeps_deliveries_lineage_and_sent_email_and_remakes_the_rest(home):
    _home_with_history(home)
    history, derived = _history(home), _from_the_archive(home)
    lineage, delivered = history[1], [e for e in history[0] if e[1] == "briefing delivered"]
    assert lineage and len(delivered) == 1 and history[2]
    assert {e[1] for e in history[0]} == {"briefing written", "briefing delivered"}
    assert {o for (*_, o, _l, _d, _r) in derived[0]} >= {"accepted", "rejected", "duplicate"} and derived[2]
    assert home.query("SELECT count(*) FROM audit_log WHERE event = 'superseded'")[0][0] >= 1

    r = cpip_cli("rebuild", "--home", str(home.path), "--json", env={"CPIP_NOW": "2027-05-01T10:00"})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"files": len(derived[0])}
    assert _history(home) == history
    assert _from_the_archive(home) == derived
    rebuilt = home.query("SELECT detail FROM audit_log WHERE event = 'warehouse rebuilt'")
    assert len(rebuilt) == 1
    detail = json.loads(rebuilt[0][0])
    assert detail["records"] == len(derived[0]) and detail["schema_version"] == SCHEMA_VERSION
    assert detail["kept"]["audit_log"] == 2 and detail["kept"]["briefing_lineage"] == len(lineage)
    assert home.query("SELECT max(version) FROM schema_migrations") == [(SCHEMA_VERSION,)]
    assert _no_leftovers(home) == []
    for row in derived[0]:  # receipts written again
        assert Path(row[-1]).is_file()

    # A second rebuild keeps the same history once, and the record of the first rebuild.
    r = cpip_cli("rebuild", "--home", str(home.path), env={"CPIP_NOW": "2027-06-01T10:00"})
    assert r.returncode == 0, r.stderr
    assert _history(home) == history
    assert _from_the_archive(home) == derived
    assert home.query("SELECT count(*) FROM audit_log WHERE event = 'warehouse rebuilt'") == [(2,)]


def _fail_loading_the_second_file(monkeypatch):
    from cpip.intake import load

    real = load._write

    def write(con, batch):  # whether the run's files are written together or, after that fails, one by one
        if 2 in batch.tables["submissions"]["submission_id"]:
            raise OSError("disk went away")
        return real(con, batch)

    monkeypatch.setattr(load, "_write", write)


def _fail_after_carrying_over(monkeypatch):
    real = carryover.carry_over

    def carry_over(con, old):
        real(con, old)
        raise RuntimeError("power cut")

    monkeypatch.setattr(carryover, "carry_over", carry_over)


@pytest.mark.parametrize("fault", [_fail_loading_the_second_file, _fail_after_carrying_over])
def test_a_rebuild_that_fails_part_way_leaves_the_old_warehouse_in_use(home, monkeypatch, fault):
    from cpip.intake.rebuild import rebuild_warehouse

    _home_with_history(home)
    before = _everything(home)
    with monkeypatch.context() as m:
        fault(m)
        with pytest.raises(wh.WarehouseError, match="The warehouse was not changed and is still in use") as exc:
            rebuild_warehouse(_settings(home, "2027-05-01T10:00"))
    assert exc.value.__cause__ is not None
    assert _everything(home) == before
    assert _no_leftovers(home) == []

    # The old warehouse is still the home's: intake goes on, and a later rebuild keeps everything.
    home.drop_progress_csv(home.sample(NATIONAL))
    assert home.one(now="2026-10-26T10:00")["outcome"] == "accepted"
    history = _history(home)
    rebuild_warehouse(_settings(home, "2027-05-02T10:00"))
    assert _history(home) == history


def test_a_rebuild_that_cannot_read_the_archive_says_so_and_changes_nothing(home):
    _home_with_history(home)
    before = _everything(home)
    record = sorted((home.path / "archive" / "records").glob("*.json"))[-1]
    record.write_text(record.read_text()[:20])  # a damaged archive record
    r = cpip_cli("rebuild", "--home", str(home.path), env={"CPIP_NOW": "2027-05-01T10:00"})
    assert r.returncode == 1
    assert "The rebuild stopped before it finished" in r.stderr and "was not changed" in r.stderr
    assert "Traceback" not in r.stderr
    assert _everything(home) == before
    assert _no_leftovers(home) == []


def test_a_rebuild_upgrades_a_previous_release_warehouse_and_keeps_its_history(home):
    """An upgrade followed at once by a rebuild: the history is carried over from the old schema."""
    _home_with_history(home)
    history = _history(home)
    con = wh.connect(home.path / "warehouse.duckdb")
    try:  # as the previous release left it: no record of versions, none of the tables added since
        added = [t for t in carryover.rebuild_roles() if t not in {"files", "submissions", "issues", "progress_rows",
                                                              "indicator_values", "audit_log", "ref_register",
                                                              "ref_partners", "ref_assignments", "ref_indicators",
                                                              "briefing_lineage"}]
        for t in added:
            con.execute(f'DROP TABLE "{t}"')
        con.execute("DROP TABLE schema_migrations")
    finally:
        con.close()
    migrations._ENSURED.clear()
    r = cpip_cli("rebuild", "--home", str(home.path), env={"CPIP_NOW": "2027-05-01T10:00"})
    assert r.returncode == 0, r.stderr
    kept = _history(home)
    assert kept[:2] == history[:2] and kept[2] == []
    assert {h for (h,) in home.query("SELECT DISTINCT how FROM schema_migrations")} == {"applied"}


def test_a_warehouse_that_cannot_be_opened_is_not_replaced_without_being_told(home):
    """Its history cannot be carried over: the rebuild says so, and rebuilds once it is moved away."""
    home.drop_progress_csv(home.sample(NATIONAL))
    home.one()
    path = home.path / "warehouse.duckdb"
    path.write_bytes(b"not a database" * 100)
    migrations._ENSURED.clear()
    r = cpip_cli("rebuild", "--home", str(home.path), env={"CPIP_NOW": "2027-05-01T10:00"})
    assert r.returncode == 1 and "cannot be opened" in r.stderr and "move it out of the home" in r.stderr
    assert path.read_bytes() == b"not a database" * 100
    path.rename(home.path.parent / "damaged.duckdb")
    r = cpip_cli("rebuild", "--home", str(home.path), env={"CPIP_NOW": "2027-05-01T10:00"})
    assert r.returncode == 0, r.stderr
    assert home.query("SELECT outcome FROM submissions") == [("accepted",)]
