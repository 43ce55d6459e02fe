"""One bad file never stops intake for everyone, and nothing is lost on any fault.

Real homes, real files and real file-system faults (an immutable file root cannot delete, an
archive object replaced by a folder). Faults "nobody foresaw" in our own code are injected by
replacing one of our functions for one file only: everything else about the run is real.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cpip.intake.inbox import shown
from cpip.intake.model import FAULT_ISSUE
from tests.conftest import NOW, cpip_cli
from tests.faults.bombs import BOMBS, slow_workbook

VALID = ["CELCIS", "CPC-DUNDEE", "CPC-EDINBURGH", "CPC-ANGUS"]
# Valid returns whose name is the hazard (taken as any other file, shown safely everywhere).
NAMES = {
    "CPC-ABERDEEN-CITY": os.fsdecode(b"return-\xff\xfe-not-utf8.csv"),
    "CPC-ABERDEENSHIRE": "ctrl-\x1b[31m-bell\x07-new\nline.csv",
    "CPC-ARGYLL-BUTE": ("long-" + "x" * 240 + ".csv"),
}


def _csv_with(text: str, column: str, value: str, row: int = 1) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    rows[row][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def _chattr(flag: str, path: Path) -> bool:
    exe = shutil.which("chattr")
    return bool(exe) and subprocess.run([exe, flag, str(path)], capture_output=True).returncode == 0


@pytest.fixture
def faulty_world(home, monkeypatch):
    """Valid returns from four partners beside a dozen files that each fault in their own way."""
    from cpip.app import samples

    for code in VALID:
        home.drop_xlsx(home.sample(code))
    expect: dict[str, tuple[str, set[str]]] = {}  # file name -> (outcome, rules)

    def drop(partner: str, name: str, text: str, outcome: str, rules: set[str]) -> Path:
        p = home.drop_bytes(partner, name, text.encode())
        expect[name] = (outcome, rules)
        return p

    prog = samples.progress_csv_text(home.sample("CPC-FIFE"))
    drop("CPC-FIFE", "percent-5000-digits.csv", _csv_with(prog, "percent_complete", "9" * 5000), "rejected", {"P06"})
    prog = samples.progress_csv_text(home.sample("CPC-FALKIRK"))
    drop("CPC-FALKIRK", "percent-negative-300-digits.csv", _csv_with(prog, "percent_complete", "-" + "9" * 300),
         "rejected", {"P06"})
    prog = samples.progress_csv_text(home.sample("CPC-HIGHLAND"))
    drop("CPC-HIGHLAND", "percent-1e400.csv", _csv_with(prog, "percent_complete", "1e400"), "rejected", {"P06"})
    prog = samples.progress_csv_text(home.sample("CPC-INVERCLYDE"))
    drop("CPC-INVERCLYDE", "forecast-year-1.csv", _csv_with(prog, "forecast_completion", "0001-01-01"),
         "rejected", {"P10"})
    ind = samples.indicators_csv_text(home.sample("CPC-MORAY"))
    drop("CPC-MORAY", "indicator-20-digits.csv", _csv_with(ind, "value", "9" * 20), "rejected", {"I02"})
    ind = samples.indicators_csv_text(home.sample("CPC-ORKNEY"))
    drop("CPC-ORKNEY", "indicator-inf.csv", _csv_with(_csv_with(ind, "value", "inf"), "value", "NaN", row=2),
         "rejected", {"I02"})
    for code, name in NAMES.items():
        samples.write_progress_csv(home.inbox / code / name, home.sample(code))
        expect[name] = ("accepted", set())
    # A file the service account may read but not delete.
    stuck = samples.write_progress_csv(home.inbox / "CPC-RENFREWSHIRE" / "cannot-delete.csv",
                                       home.sample("CPC-RENFREWSHIRE"))
    if not _chattr("+i", stuck):
        pytest.skip("chattr +i is not available here")
    expect["cannot-delete.csv"] = ("accepted", set())

    # Faults in our own code, each for one file only, at every step.
    from cpip.intake import steps
    from cpip.intake import decide, load
    from cpip.intake import readers
    from cpip.intake import receipts

    def only_for(marker: str, real, where):
        def wrapper(*args, **kwargs):
            if marker in repr(where(*args, **kwargs)):
                raise RuntimeError("an unforeseen fault with SECRET-CONTENT-ddf1")
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(readers, "read_return", only_for("fault-read", readers.read_return, lambda name, data: name))
    monkeypatch.setattr(steps, "cross_check", only_for("CPC-SHETLAND", steps.cross_check,
                                                       lambda rf, *a: rf.cover_value("partner_code")))
    monkeypatch.setattr(decide, "progress_warnings", only_for("CPC-WEST-LOTHIAN", decide.progress_warnings,
                                                            lambda rf, *a: rf.cover_value("partner_code")))
    monkeypatch.setattr(load, "_data_rows", only_for("CPC-SOUTH-AYRSHIRE", load._data_rows,
                                                     lambda rows, h: h.partner_code))
    monkeypatch.setattr(receipts, "render_receipt", only_for("fault-receipt", receipts.render_receipt,
                                                             lambda h, *a: h.record.name))
    real_columns = steps.run_column_rules

    def columns(batch, ref):  # the suites choke on one file: the batch falls back file by file
        if any(rf.cover_value("partner_code") == "CPC-SCOTTISH-BORDERS" for _, rf, _ in batch):
            raise RuntimeError("GX could not run")
        return real_columns(batch, ref)
    monkeypatch.setattr(steps, "run_column_rules", columns)
    for code, name in [("CPC-EAST-AYRSHIRE", "fault-read.csv"), ("CPC-SHETLAND", "fault-check.csv"),
                       ("CPC-WEST-LOTHIAN", "fault-decide.csv"), ("CPC-SOUTH-AYRSHIRE", "fault-load.csv"),
                       ("CPC-PERTH-KINROSS", "fault-receipt.csv"), ("CPC-SCOTTISH-BORDERS", "fault-suites.csv")]:
        samples.write_progress_csv(home.inbox / code / name, home.sample(code))
        expect[name] = ("faulted", {"F01"})
    yield home, expect, stuck
    _chattr("-i", stuck)


def _by_name(results):
    return {Path(r["file"]).name: r for r in results}


def test_a_dozen_faults_in_one_run_beside_valid_returns(faulty_world, capfd, caplog):
    home, expect, stuck = faulty_world
    caplog.set_level("INFO")
    results = home.intake()
    log = capfd.readouterr().err + caplog.text  # wherever logging is routed (Prefect's handlers or pytest's)
    by_name = _by_name(results)
    assert len(results) == len(VALID) + len(expect)
    for code in VALID:
        r = by_name[f"{code}-2026-Q3.xlsx"]
        assert r["outcome"] == "accepted" and Path(r["receipt"]).exists()
    for name, (outcome, rules) in expect.items():
        r = by_name[shown(name)]
        if outcome == "faulted":
            assert r["outcome"] == "rejected" and r["issues"] == [FAULT_ISSUE.to_json()], name
            assert r["partner_code"] is None and r["period"] is None and r["late"] is None
            assert "we kept your file but could not process it" in FAULT_ISSUE.message.lower()
            assert "Kept safely, not processed yet" in Path(r["receipt"]).read_text() or name == "fault-receipt.csv"
        else:
            assert r["outcome"] == outcome and {i["rule"] for i in r["issues"]} == rules, (name, r["issues"])
        assert Path(r["receipt"]).exists() and json.loads(Path(r["receipt"]).with_suffix(".json").read_text()) == r
    # Names are shown safely: no raw control character or undecodable byte anywhere.
    blob = json.dumps(results, ensure_ascii=False)
    assert "\x1b" not in blob and "\x07" not in blob and "\udcff" not in blob
    assert {"return-\\xff\\xfe-not-utf8.csv", "ctrl-\\x1b[31m-bell\\x07-new\\x0aline.csv"} <= set(by_name)
    for r in results:
        html = Path(r["receipt"]).read_text()
        assert "\x1b" not in html and "\x07" not in html
    # The log names each fault's place, never the file's content or the fault's message.
    assert "SECRET-CONTENT" not in log and "\x1b" not in log
    assert log.count("faulted while") in (6, 12) and "RuntimeError at test_isolation.py" in log
    assert "could not remove" in log and "cannot-delete.csv" in log
    # Faulted files are marked in the warehouse, and counted by status.
    faulted = home.query("SELECT count(*) FROM faulted_files WHERE resolved_at IS NULL")
    assert faulted == [(6,)]
    assert stuck.exists()  # archived and handled, but the folder would not let us delete it

    # A second run changes nothing: no file taken again, faulted or stuck.
    before = home.query("SELECT count(*) FROM submissions")
    assert home.intake() == []
    assert home.query("SELECT count(*) FROM submissions") == before


def test_faulted_files_are_listed_and_retried_once_the_fault_is_fixed(faulty_world, monkeypatch):
    home, expect, stuck = faulty_world
    home.intake()
    monkeypatch.undo()  # the fault is fixed
    monkeypatch.setenv("CPIP_NOW", NOW)
    env = {"CPIP_NOW": NOW}
    listed = cpip_cli("retry", "--list", "--json", "--home", str(home.path), env=env)
    assert listed.returncode == 0, listed.stderr
    names = sorted(Path(f["file"]).name for f in json.loads(listed.stdout)["faulted"])
    assert names == sorted(n for n, (o, _) in expect.items() if o == "faulted")
    status = cpip_cli("status", "--period", "2026-Q3", "--json", "--home", str(home.path), env=env)
    assert json.loads(status.stdout)["faulted_files"] == 6
    assert "Faulted files" in cpip_cli("status", "--period", "2026-Q3", "--home", str(home.path), env=env).stdout
    out = cpip_cli("retry", "--json", "--home", str(home.path), env=env)
    assert out.returncode == 0, out.stderr
    done = json.loads(out.stdout)
    assert sorted(r["outcome"] for r in done["retried"]) == ["accepted"] * 6 and done["still_faulted"] == []
    for r in done["retried"]:
        assert "Accepted" in Path(r["receipt"]).read_text()
    assert home.query("SELECT count(*) FROM faulted_files WHERE resolved_at IS NULL") == [(0,)]
    assert home.query("SELECT count(*) FROM audit_log WHERE event = 'retried'") == [(6,)]
    assert json.loads(cpip_cli("retry", "--list", "--json", "--home", str(home.path), env=env).stdout) == {"faulted": []}


def test_an_archive_read_error_is_the_systems_fault_not_the_partners(home):
    """The bytes cannot be read back from the archive: the file stays pending (no rejection),
    and the next run, once the archive is readable, takes it normally."""
    from cpip.intake.inbox import scan
    from cpip.intake.move import take_files
    from cpip.core.settings import load_settings

    home.drop_progress_csv(home.sample("CELCIS"))
    settings = load_settings(home.path, {"CPIP_NOW": NOW})
    [rec] = take_files(settings, scan(settings.inbox), "run-1", [])
    obj = home.path / "archive" / "objects" / rec.sha256[:2] / rec.sha256
    aside = obj.with_name("aside")
    obj.rename(aside)
    obj.mkdir()  # reading it now fails with an OSError, every time
    assert home.intake() == []
    assert home.query("SELECT count(*) FROM submissions") == [(0,)]
    obj.rmdir()
    aside.rename(obj)
    [r] = home.intake()
    assert r["outcome"] == "accepted" and r["sha256"] == rec.sha256


def test_a_file_saved_again_while_it_was_being_taken_is_not_deleted(home, monkeypatch):
    from cpip.intake import move

    ret = home.sample("CELCIS")
    p = home.drop_progress_csv(ret)
    first = p.read_bytes()
    ret.progress[0]["narrative"] = "The corrected narrative, saved again under the same name."
    from cpip.app import samples

    second = samples.progress_csv_text(ret).encode()
    real = move._stream_into_archive

    def resaved_meanwhile(archive, path):
        read = real(archive, path)
        tmp = path.with_name("~saving.tmp")
        tmp.write_bytes(second)
        os.replace(tmp, path)  # as Excel saves: a new file renamed over the old
        return read
    monkeypatch.setattr(move, "_stream_into_archive", resaved_meanwhile)
    [r1] = home.intake()
    monkeypatch.setattr(move, "_stream_into_archive", real)
    assert p.read_bytes() == second  # the new version is still where the partner saved it
    import hashlib

    assert r1["sha256"] == hashlib.sha256(first).hexdigest()
    [r2] = home.intake()
    assert r2["sha256"] == hashlib.sha256(second).hexdigest() and not p.exists()


def test_a_multi_megabyte_file_is_streamed_not_held_in_memory(home):
    import tracemalloc

    from cpip.intake.inbox import scan
    from cpip.intake.move import take_files
    from cpip.core.settings import load_settings

    big = home.inbox / "CELCIS" / "huge.csv"
    with open(big, "wb") as fh:
        fh.write(b"partner_code,period\r\n")
        fh.truncate(60_000_000)  # 60 MB (sparse): six times the limit
    settings = load_settings(home.path, {"CPIP_NOW": NOW})
    tracemalloc.start()
    [rec] = take_files(settings, scan(settings.inbox), "run", [])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert rec.size == 60_000_000 and peak < 8_000_000
    [r] = home.intake()
    assert r["outcome"] == "rejected" and [i["rule"] for i in r["issues"]] == ["F02"]


def test_new_archive_folders_are_made_durably(home, monkeypatch):
    from cpip.intake import archive

    synced = []
    real = archive._fsync_dir
    monkeypatch.setattr(archive, "_fsync_dir", lambda p: (synced.append(Path(p)), real(p)))
    r = home.sample("CELCIS")
    home.drop_progress_csv(r)
    [res] = home.intake()
    objects = home.path / "archive" / "objects"
    assert objects in synced  # the new objects/ab/ folder's entry was synced into objects/
    assert objects / res["sha256"][:2] in synced


def test_contract_late_for_c06_and_for_a_period_not_yet_ended(home):
    from cpip.app import samples

    text = samples.progress_csv_text(home.sample("CELCIS"))
    rows = text.splitlines()
    rows[-1] = rows[-1].replace("2026-Q3", "2026-Q1", 1)
    home.drop_bytes("CELCIS", "disagree.csv", ("\r\n".join(rows) + "\r\n").encode())
    r = home.one(now="2026-11-20T09:00")  # after 2026-Q3's due date (28 October)
    assert [i["rule"] for i in r["issues"]] and {i["rule"] for i in r["issues"]} == {"C06"}
    assert r["period"] == "2026-Q3" and r["late"] is True


def test_contract_a_csv_without_a_cover_column_is_f03_alone(home):
    from cpip.app import samples

    text = samples.progress_csv_text(home.sample("CELCIS"))
    rows = list(csv.reader(io.StringIO(text)))
    for col in ("signed_off_by", "contact_email"):
        i = rows[0].index(col)
        rows = [row[:i] + row[i + 1:] for row in rows]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    home.drop_bytes("CELCIS", "no-sign-off.csv", buf.getvalue().encode())
    r = home.one()
    assert sorted(i["rule"] for i in r["issues"]) == ["F03", "F03"], r["issues"]
    assert {i["column"] for i in r["issues"]} == {"signed_off_by", "contact_email"}


# --- bombs: files whose cost grows with their rows or columns ---------------------------------------


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_bomb_is_rejected_beside_a_valid_return_and_not_taken_again(home, ref, name):
    """Each bomb, beside a valid return from another partner: the bomb rejected (F02 from its
    structure, or its every error listed by --json while its receipt lists the first 100 of each
    rule), the valid return accepted, no receipt over 1 MB, and nothing taken again."""
    from cpip.intake.receipts import LISTED_PER_RULE

    BOMBS[name](home.inbox / "CELCIS" / name, ref)
    home.drop_progress_csv(home.sample("CPC-FIFE"))
    by_name = _by_name(home.intake())
    assert by_name["CPC-FIFE-2026-Q3-progress.csv"]["outcome"] == "accepted"
    r = by_name[name]
    assert r["outcome"] == "rejected"
    receipts = [p for p in (home.path / "outbox" / "receipts").rglob("*") if p.is_file()]
    assert receipts and max(p.stat().st_size for p in receipts) < 1_000_000
    html = Path(r["receipt"]).read_text()
    if name.endswith("every-row.csv"):
        p01 = [i for i in r["issues"] if i["rule"] == "P01"]
        assert len(p01) == 9_000  # --json lists them all, and so does the warehouse
        assert home.query("SELECT count(*) FROM issues WHERE rule = 'P01'") == [(9_000,)]
        assert html.count(">P01</a>") == LISTED_PER_RULE and "And 8,900 more under rule P01" in html
        kept = json.loads(Path(r["receipt"]).with_suffix(".json").read_text())
        assert len(kept["issues"]) < 200 and kept["issues_not_listed"] == {"P01": 8_900}
    else:
        [issue] = r["issues"]
        assert issue["rule"] == "F02" and ("10,000 r" in issue["message"] or "1,000 columns" in issue["message"])
        assert r["partner_code"] is None and r["period"] is None
    assert home.intake() == []


def test_a_file_whose_cost_no_rule_foresaw_is_stopped_and_faulted_alone(home, ref):
    """A workbook within every limit whose five million cells cost more memory than the watchdog
    allows: stopped and faulted alone, beside a valid return accepted in the same run; not taken
    again by a later intake or a rebuild, and listed for `cpip retry`."""
    from cpip.intake.model import FAULT_ISSUE

    (home.path / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\nwatchdog_memory_mb = 256\n")
    slow_workbook(home.inbox / "CELCIS" / "five-million-cells.xlsx", ref)
    home.drop_progress_csv(home.sample("CPC-FIFE"))
    by_name = _by_name(home.intake())
    assert by_name["CPC-FIFE-2026-Q3-progress.csv"]["outcome"] == "accepted"
    r = by_name["five-million-cells.xlsx"]
    assert r["outcome"] == "rejected" and r["issues"] == [FAULT_ISSUE.to_json()]
    [(step, place)] = home.query("SELECT step, place FROM faulted_files WHERE resolved_at IS NULL")
    assert step == "read" and place.startswith("watchdog: grew past its memory budget of 256 MB")
    assert home.intake() == []
    env = {"CPIP_NOW": NOW}
    listed = json.loads(cpip_cli("retry", "--list", "--json", "--home", str(home.path), env=env).stdout)
    assert [Path(f["file"]).name for f in listed["faulted"]] == ["five-million-cells.xlsx"]
    rebuilt = cpip_cli("rebuild", "--home", str(home.path), "--json", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert home.query("SELECT place FROM faulted_files WHERE resolved_at IS NULL") == [(place,)]
    assert home.intake() == []


def test_a_file_over_the_size_limit_is_not_kept_whole(home):
    """Three 40 MB files (under three names, from three partners) beside a valid return: each refused
    (F02), only their first 64 KB kept with their SHA-256, and the receipt says so."""
    import hashlib

    blobs = {}
    for n, code in enumerate(("CELCIS", "SSSC", "CPC-ANGUS")):
        data = (b"partner_code,period\r\n" + bytes([65 + n]) * 40_000_000)
        blobs[code] = home.drop_bytes(code, f"big-{n}.csv", data), hashlib.sha256(data).hexdigest(), data[:65536]
    home.drop_progress_csv(home.sample("CPC-FIFE"))
    by_name = _by_name(home.intake())
    assert by_name["CPC-FIFE-2026-Q3-progress.csv"]["outcome"] == "accepted"
    for n, (code, (path, sha, head)) in enumerate(blobs.items()):
        r = by_name[f"big-{n}.csv"]
        assert r["outcome"] == "rejected" and r["sha256"] == sha and not path.exists()
        [issue] = r["issues"]
        assert issue["rule"] == "F02" and "kept only its first 65,536 bytes" in issue["message"]
        assert "kept only its first 65,536 bytes" in Path(r["receipt"]).read_text()
        kept = home.path / "archive" / "objects" / sha[:2] / f"{sha}.head"
        assert kept.read_bytes() == head and not kept.with_name(sha).exists()
    archived = sum(p.stat().st_size for p in (home.path / "archive").rglob("*") if p.is_file())
    assert archived < 1_000_000
    assert home.intake() == []


@pytest.fixture
def small_disk(tmp_path):
    """A home on its own 40 MB file system (a tmpfs), which a test may fill or make read-only."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    home = mnt / "home"
    home.mkdir()
    (home / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\n")
    assert cpip_cli("init", "--home", str(home)).returncode == 0
    yield mnt, home
    subprocess.run(["umount", str(mnt)], capture_output=True)


def test_a_full_disk_or_a_read_only_home_is_one_line_and_loses_nothing(small_disk, ref):
    from cpip.app import samples
    from cpip.core.periods import Period

    mnt, home = small_disk
    env = {"CPIP_NOW": NOW}
    dropped = samples.write_progress_csv(home / "inbox" / "CPC-FIFE" / "fife.csv",
                                         samples.make_return(ref, "CPC-FIFE", Period(2026, 3)))
    filler = mnt / "filler"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 2**20)
        except OSError:
            pass
    for args in (("intake",), ("status", "--period", "2026-Q3")):
        r = cpip_cli(*args, "--home", str(home), env=env)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        [line] = [x for x in r.stderr.splitlines() if x.startswith("cpip:")]
        assert str(home) in line and "the disk is full" in line and "nothing was lost" in line
    assert dropped.exists()  # still in the inbox: taken once there is room
    filler.unlink()
    subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
    for args in (("intake",), ("status", "--period", "2026-Q3")):
        r = cpip_cli(*args, "--home", str(home), env=env)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        assert "the file system is read-only" in r.stderr and str(home) in r.stderr
    subprocess.run(["mount", "-o", "remount,rw", str(mnt)], check=True)
    r = cpip_cli("intake", "--home", str(home), "--json", env=env)
    assert r.returncode == 0 and [x["outcome"] for x in json.loads(r.stdout)] == ["accepted"]


def test_links_folders_and_planted_names_beside_a_valid_return(home, caplog):
    """A partner folder that is a symbolic link (reported once, left, never followed), a hard link to
    a file outside the home (refused unopened, like a link), a sub-folder in a partner's folder
    (logged once), and a planted ``.cpip-taking-N`` (ignored: not in the service's journal), beside
    a valid return accepted in the same run."""
    caplog.set_level("WARNING")
    home.drop_progress_csv(home.sample("CELCIS"))
    [first] = home.intake()
    outside = home.path.parent / "outside"
    outside.mkdir()
    (outside / "return.csv").write_text("partner_code,period\nSECRET-THROUGH-A-LINK,2026-Q3\n")
    (home.inbox / "CPC-MAPPED").symlink_to(outside, target_is_directory=True)
    secret = outside / "secret.csv"
    secret.write_text("SECRET-HARD-LINKED")
    os.link(secret, home.inbox / "SSSC" / "linked.csv")
    (home.inbox / "CPC-ANGUS" / "old returns").mkdir()
    (home.inbox / "CPC-ANGUS" / "old returns" / "2025.csv").write_text("x")
    planted = home.drop_bytes("CELCIS", ".cpip-taking-1", Path(first["receipt"]).read_bytes())
    home.drop_progress_csv(home.sample("CPC-FIFE"))
    caplog.clear()
    by_name = _by_name(home.intake())
    assert set(by_name) == {"CPC-FIFE-2026-Q3-progress.csv", "linked.csv"}
    assert by_name["CPC-FIFE-2026-Q3-progress.csv"]["outcome"] == "accepted"
    linked = by_name["linked.csv"]
    assert linked["outcome"] == "rejected" and [i["rule"] for i in linked["issues"]] == ["F01"]
    assert linked["sha256"] is None and not (home.inbox / "SSSC" / "linked.csv").exists()
    assert secret.read_text() == "SECRET-HARD-LINKED" and (outside / "return.csv").exists()
    assert (home.inbox / "CPC-MAPPED").is_symlink() and planted.exists()
    assert (home.inbox / "CPC-ANGUS" / "old returns" / "2025.csv").exists()
    blob = "".join(p.read_text(errors="ignore") for p in (home.path / "outbox").rglob("*") if p.is_file())
    assert "SECRET" not in blob
    told = caplog.text
    assert told.count("is a symbolic link to a folder") == 1 and told.count("is a folder inside a partner") == 1
    caplog.clear()
    assert home.intake() == []
    assert "symbolic link to a folder" not in caplog.text and "folder inside a partner" not in caplog.text
    assert planted.exists() and (home.inbox / "CPC-MAPPED").is_symlink()
