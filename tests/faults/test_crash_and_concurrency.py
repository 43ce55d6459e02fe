"""Crash safety (SIGKILL at random moments), concurrent runs, and rebuilding from the archive."""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path


from tests.conftest import cpip_cli

ROOT = Path(__file__).resolve().parents[2]


def _crash_loop():
    spec = importlib.util.spec_from_file_location("crash_loop", ROOT / "bench" / "crash_loop.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_killing_intake_at_random_moments_loses_nothing_and_duplicates_nothing(tmp_path):
    """The CI size of bench/crash_loop.py (which runs 50 rounds)."""
    res = _crash_loop().run(kills=8, seed=7, out=tmp_path / "crash")
    assert res["killed"] >= 4, res  # most runs really were killed part-way
    assert res["lost"] == 0 and res["archived_more_than_once"] == 0 and res["left_in_inbox"] == 0, res
    assert res["submissions"] == res["files"] and res["duplicate_rows"] == 0 and res["missing_receipts"] == 0, res
    assert res["same_as_without_crashes"], res


def test_two_intakes_at_once_take_each_file_once(home):
    for n, code in enumerate(("CPC-FIFE", "CELCIS", "SSSC", "CPC-MORAY", "SCRA", "CHS")):
        home.drop_xlsx(home.sample(code, seed=n))
    env = {"CPIP_NOW": "2026-10-15T09:00"}
    out: list = []

    def run():
        out.append(cpip_cli("intake", "--home", str(home.path), "--json", env=env))
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in out] == [0, 0], [r.stderr for r in out]
    taken = [x for r in out for x in json.loads(r.stdout)]
    assert len(taken) == 6 and len({x["sha256"] for x in taken}) == 6
    assert home.query("SELECT count(*), count(DISTINCT sha256) FROM submissions") == [(6, 6)]


def test_an_intake_during_a_cycle_waits_for_it(home):
    home.drop_xlsx(home.sample("CPC-FIFE"))
    assert len(home.intake()) == 1
    home.drop_progress_csv(home.sample("CELCIS"))
    env = {"CPIP_NOW": "2026-11-10T09:00"}
    exe = Path(sys.executable).parent / "cpip"
    lock = home.path / ".cpip.lock"
    cycle = subprocess.Popen([str(exe), "cycle", "--period", "2026-Q3", "--home", str(home.path), "--json"],
                             env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while _lock_holder(lock) != cycle.pid:  # the intake starts only once the cycle is writing
        assert cycle.poll() is None and time.monotonic() < deadline, "the cycle never took the home's lock"
        time.sleep(0.02)
    intake = subprocess.Popen([str(exe), "intake", "--home", str(home.path), "--json"],
                              env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while _lock_holder(lock) == cycle.pid:
        assert intake.poll() is None, "the intake finished while the cycle held the home's lock"
        time.sleep(0.02)
    # The intake then takes the lock the cycle let go. (The cycle may take it again for a moment
    # afterwards, to record what it sends, so the lock file's last pid proves nothing.)
    holders = set()
    while intake.poll() is None and time.monotonic() < deadline + 300:
        holders.add(_lock_holder(lock))
        time.sleep(0.01)
    i_out, i_err = intake.communicate(timeout=300)
    c_out, c_err = cycle.communicate(timeout=300)
    assert cycle.returncode == 0, c_err
    assert intake.returncode == 0, i_err
    assert intake.pid in holders  # it took the lock after the cycle let it go
    assert [x["outcome"] for x in json.loads(i_out)] == ["accepted"]
    assert Path(json.loads(c_out)["briefing_json"]).is_file()


def _lock_holder(lock: Path) -> int | None:
    """The process id written in the home's lock while one holds it (0 before it is written); None when free."""
    fd = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return int(lock.read_text().strip() or 0)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def test_rebuild_from_the_archive_gives_the_same_briefing(home):
    from datetime import date

    from cpip.core.periods import Period

    q2 = Period(2026, 2)
    for n, code in enumerate(("CPC-FIFE", "CELCIS", "SG-CPIP")):
        home.drop_xlsx(home.sample(code, period=q2, seed=n, signed_off=date(2026, 7, 3)))
    home.intake(now="2026-07-10T09:00")
    bad = home.sample("SSSC")
    bad.progress[0]["status"] = "??"
    home.drop_xlsx(bad)
    for n, code in enumerate(("CPC-FIFE", "SG-CPIP", "CPC-ORKNEY")):
        home.drop_xlsx(home.sample(code, seed=10 + n))
    home.intake(now="2026-10-20T09:00")
    home.drop_progress_csv(home.sample("CELCIS", seed=99))
    home.intake(now="2026-11-02T09:00")  # late

    env = {"CPIP_NOW": "2026-11-10T09:00"}
    first = cpip_cli("cycle", "--period", "2026-Q3", "--home", str(home.path), "--json", env=env)
    assert first.returncode == 0, first.stderr
    before = json.loads(Path(json.loads(first.stdout)["briefing_json"]).read_text())
    pub_before = json.loads(Path(json.loads(first.stdout)["publication_json"]).read_text())

    (home.path / "inbox").rename(home.path / "inbox-away")  # the rebuild must not need the inbox
    r = cpip_cli("rebuild", "--home", str(home.path), "--json", env={"CPIP_NOW": "2027-03-01T09:00"})
    assert r.returncode == 0, r.stderr
    (home.path / "inbox-away").rename(home.path / "inbox")
    second = cpip_cli("cycle", "--period", "2026-Q3", "--home", str(home.path), "--json",
                      env={"CPIP_NOW": "2026-11-11T10:00"})
    after = json.loads(Path(json.loads(second.stdout)["briefing_json"]).read_text())
    pub_after = json.loads(Path(json.loads(second.stdout)["publication_json"]).read_text())
    assert before.pop("generated_at") != after.pop("generated_at")
    assert before == after
    pub_before.pop("generated_at"), pub_after.pop("generated_at")
    assert pub_before == pub_after
    assert before["returns"]["late"] == ["CELCIS"] and before["returns"]["rejected_only"] == ["SSSC"]
