"""Loading a run's files together (cpip/intake/load.py) is the same as loading each in a run of its own.

The files of one run are judged against a snapshot of the warehouse plus what the run's earlier
files add (the overlay); these tests prove that a run of many files of the same partners, across
periods, with resubmissions, a duplicate, history warnings and a P11 explained once, leaves
exactly the warehouse rows and receipts that the same files taken one run each leave; and that
when the bulk insert fails the files are loaded one by one, a file the warehouse refuses faulted
alone.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from cpip.app import samples
from tests.conftest import Home, Q3

pytestmark = pytest.mark.slow  # runs of many files

NOW = "2027-01-20T09:00"  # 2026-Q2, Q3 and Q4 have all ended
NATIONAL = "CELCIS"  # four items, one of them (A-NEG-3) with a target date
SLIPPING = "A-NEG-3"
CPC = "CPC-DUNDEE"
Q2, Q4 = Q3.previous(), Q3.next()


def _row(ret, item_id):
    return next(r for r in ret.progress if r["item_id"] == item_id)


def _files(ref, tmp: Path) -> list[tuple[str, str, bytes]]:
    """(folder, name, bytes), in the order a run takes them (path order)."""
    out = []

    def add(folder, name, data):
        if not isinstance(data, bytes):  # a workbook: written once (openpyxl stamps the time it was made)
            data = samples.write_xlsx(tmp / folder / name, data).read_bytes()
        out.append((folder, name, data))

    # CELCIS: Q2, a P11 explained; Q3 worse (P12-P14), the same forecast (not raised again); a
    # corrected Q3 that supersedes it; Q4 against the corrected Q3; a duplicate; a rejected file.
    q2 = samples.make_return(ref, NATIONAL, Q2, seed=1)
    _row(q2, SLIPPING).update(status="On track", percent_complete=50, forecast_completion=date(2027, 3, 31),
                              explanation="Funding for the new service starts in 2027.")
    others = [r for r in q2.progress if r["item_id"] != SLIPPING]
    others[0].update(status="Complete", percent_complete=100, forecast_completion=None)
    others[1].update(status="At risk", percent_complete=40, narrative="Same words as before.")
    add(NATIONAL, "01-q2.csv", samples.progress_csv_text(q2).encode())
    q3 = samples.make_return(ref, NATIONAL, Q3, seed=2, previous=q2)
    _row(q3, SLIPPING).update(status="On track", percent_complete=60, forecast_completion=date(2027, 3, 31))
    _row(q3, others[0]["item_id"]).update(status="On track", percent_complete=95, narrative="Reopened.",
                                          forecast_completion=date(2026, 12, 31))
    _row(q3, others[1]["item_id"]).update(status="Off track", percent_complete=30, narrative="Same words as before.")
    add(NATIONAL, "02-q3.csv", samples.progress_csv_text(q3).encode())
    add(NATIONAL, "03-q2-again.csv", samples.progress_csv_text(q2).encode())  # the same bytes as 01
    q3b = samples.make_return(ref, NATIONAL, Q3, seed=3, previous=q2)
    _row(q3b, SLIPPING).update(status="At risk", percent_complete=55, forecast_completion=date(2027, 6, 30))
    add(NATIONAL, "04-q3-corrected.xlsx", q3b)
    q4 = samples.make_return(ref, NATIONAL, Q4, seed=4, previous=q3b, signed_off=date(2027, 1, 5))
    _row(q4, SLIPPING).update(status="At risk", percent_complete=56, forecast_completion=date(2027, 6, 30))
    add(NATIONAL, "05-q4.csv", samples.progress_csv_text(q4).encode())
    bad = samples.make_return(ref, NATIONAL, Q4, seed=5, signed_off=date(2027, 1, 5))
    bad.progress[0]["status"] = "Sort of"
    add(NATIONAL, "06-rejected.csv", samples.progress_csv_text(bad).encode())

    # A CPC: Q2 workbook; Q3 indicators against it (I05, I06) and progress; Q3 indicators again.
    c2 = samples.make_return(ref, CPC, Q2, seed=6)
    add(CPC, "01-q2.xlsx", c2)
    c3 = samples.make_return(ref, CPC, Q3, seed=7, previous=c2)
    v = {r["indicator_id"]: r for r in c3.indicators}
    prev = {r["indicator_id"]: r["value"] for r in c2.indicators}
    v["IRD_HELD"].update(value=prev["IRD_HELD"] * 3 + 20, note=None)
    expected = prev["ON_REGISTER_END"] + v["REGISTRATIONS"]["value"] - v["DEREGISTRATIONS"]["value"]
    v["ON_REGISTER_END"].update(value=expected + 6 + expected // 5, note="Checked.")
    add(CPC, "02-q3-indicators.csv", samples.indicators_csv_text(c3).encode())
    add(CPC, "03-q3-progress.csv", samples.progress_csv_text(c3).encode())
    c3b = samples.make_return(ref, CPC, Q3, seed=8, previous=c2)
    add(CPC, "04-q3-both.xlsx", c3b)
    c4 = samples.make_return(ref, CPC, Q4, seed=9, previous=c3b, signed_off=date(2027, 1, 6))
    add(CPC, "05-q4-both.xlsx", c4)
    return out


def _drop(home: Home, folder: str, name: str, data: bytes) -> None:
    home.drop_bytes(folder, name, data)


def _state(home: Home) -> dict:
    """Every row intake wrote, and every receipt, without what differs between runs (run ids, paths)."""
    where = str(home.path)
    tables = {
        "submissions": "SELECT * EXCLUDE (run_id) FROM submissions ORDER BY submission_id",
        "issues": "SELECT * FROM issues ORDER BY submission_id, seq",
        "progress_rows": "SELECT * FROM progress_rows ORDER BY submission_id, \"row\"",
        "indicator_values": "SELECT * FROM indicator_values ORDER BY submission_id, indicator_id",
        "explained_slippage": "SELECT * FROM explained_slippage ORDER BY submission_id, item_id",
        "files": "SELECT * FROM files ORDER BY first_received",
        "faulted_files": "SELECT * FROM faulted_files ORDER BY submission_id",
        "audit_log": "SELECT occurred_at, event, sha256, submission_id, detail FROM audit_log "
                     "WHERE submission_id IS NOT NULL ORDER BY event_id",
    }
    out = {t: json.loads(json.dumps(home.query(q), default=str).replace(where, "HOME")) for t, q in tables.items()}
    receipts = home.path / "outbox" / "receipts"
    out["receipts"] = {str(p.relative_to(receipts)): p.read_text(encoding="utf-8").replace(where, "HOME")
                       for p in sorted(receipts.rglob("*")) if p.is_file()}
    return out


def _one_run(home: Home, files) -> list[dict]:
    for f in files:
        _drop(home, *f)
    return home.intake(NOW)


def _run_each(home: Home, files) -> list[dict]:
    results = []
    for f in files:
        _drop(home, *f)
        results += home.intake(NOW)
    return results


def test_a_run_of_many_files_leaves_what_one_run_per_file_leaves(tmp_path, monkeypatch, ref):
    files = sorted(_files(ref, tmp_path / "made"), key=lambda f: (f[0], f[1]))  # the order a run takes them
    together = Home(tmp_path / "together", monkeypatch, ref)
    apart = Home(tmp_path / "apart", monkeypatch, ref)
    one = _one_run(together, files)
    each = _run_each(apart, files)
    assert [r["outcome"] for r in one] == [r["outcome"] for r in each]
    # The cases the overlay must get right are all there.
    outcomes = {Path(r["file"]).name + "@" + Path(r["file"]).parent.name: r for r in one}
    celcis_q3 = outcomes[f"02-q3.csv@{NATIONAL}"]
    assert {"P12", "P13", "P14"} <= {i["rule"] for i in celcis_q3["issues"]}
    assert "P11" not in {i["rule"] for i in celcis_q3["issues"]}  # explained in Q2: confirmed once
    assert outcomes[f"03-q2-again.csv@{NATIONAL}"]["outcome"] == "duplicate"
    assert outcomes[f"03-q2-again.csv@{NATIONAL}"]["period"] == str(Q2)
    assert outcomes[f"06-rejected.csv@{NATIONAL}"]["outcome"] == "rejected"
    assert [i["rule"] for i in outcomes[f"02-q3-indicators.csv@{CPC}"]["issues"]] == ["I05", "I06"]
    a, b = _state(together), _state(apart)
    assert any(e[1] == "superseded" for e in a["audit_log"])
    assert a["explained_slippage"] and a["faulted_files"] == []
    for key in a:
        assert a[key] == b[key], key


def test_when_the_bulk_insert_fails_the_files_are_loaded_one_by_one(tmp_path, monkeypatch, ref, caplog):
    from cpip.intake import load

    files = sorted(_files(ref, tmp_path / "made"), key=lambda f: (f[0], f[1]))
    normal = Home(tmp_path / "normal", monkeypatch, ref)
    _one_run(normal, files)
    broken = Home(tmp_path / "broken", monkeypatch, ref)
    real = load._write

    def write(con, batch):  # the warehouse refuses any batch of more than one file, and file 4 alone
        numbers = set(batch.tables["submissions"]["submission_id"])
        if len(numbers) > 1 or (4 in numbers and batch.tables["submissions"]["outcome"] != ["rejected"]):
            raise RuntimeError("the warehouse refused the insert")
        return real(con, batch)

    monkeypatch.setattr(load, "_write", write)
    caplog.set_level("WARNING")
    results = _one_run(broken, files)
    assert "loading them one by one" in caplog.text
    by_number = {n: r for n, r in enumerate(results, start=1)}
    assert by_number[4]["outcome"] == "rejected" and [i["rule"] for i in by_number[4]["issues"]] == ["F01"]
    assert broken.query("SELECT submission_id, step FROM faulted_files") == [(4, "load")]
    a, b = _state(normal), _state(broken)
    # Every other file is loaded as in a normal run (file 4 was a CELCIS Q3 correction: the files
    # after it see the Q3 file before it instead, so compare the files before it exactly).
    assert a["submissions"][:3] == b["submissions"][:3]
    assert len(b["submissions"]) == len(a["submissions"])
    monkeypatch.setattr(load, "_write", real)
    assert broken.query("SELECT count(*) FROM submissions") == [(len(files),)]


@pytest.mark.parametrize("faulty", ["02-q3.csv"])
def test_a_fault_deciding_one_file_of_a_bulk_run_leaves_the_others_as_they_would_be(tmp_path, monkeypatch, ref,
                                                                                  faulty):
    """A file that faults is loaded as faulted; the later files see it as faulted (not as data),
    exactly as when the same fault happens with each file in its own run."""
    from cpip.intake import load

    files = sorted(_files(ref, tmp_path / "made"), key=lambda f: (f[0], f[1]))
    real = load.decide

    def decide(settings, ref_, known, h):
        if h.record.name == faulty:
            raise RuntimeError("a bug in the system")
        return real(settings, ref_, known, h)

    monkeypatch.setattr(load, "decide", decide)
    together = Home(tmp_path / "together", monkeypatch, ref)
    apart = Home(tmp_path / "apart", monkeypatch, ref)
    _one_run(together, files)
    _run_each(apart, files)
    a, b = _state(together), _state(apart)
    assert [row[1] for row in a["faulted_files"]] == ["decide"]
    for key in a:
        assert a[key] == b[key], key
