"""The `cpip` console script as users and schedulers run it."""

from __future__ import annotations

import json
from pathlib import Path

from cpip.app import samples
from cpip.core.periods import Period
from tests.conftest import NOW, cpip_cli


def test_init_is_safe_twice_and_intake_json(tmp_path, ref):
    home = tmp_path / "home"
    for _ in range(2):
        r = cpip_cli("init", "--home", str(home))
        assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (home / "inbox").iterdir()) == sorted(ref.partners)
    assert "settle_seconds" in (home / "cpip.toml").read_text()
    (home / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\n")

    ret = samples.make_return(ref, "CPC-GLASGOW", Period(2026, 3))
    samples.write_xlsx(home / "inbox" / "CPC-GLASGOW" / "glasgow.xlsx", ret)
    ret.progress[0]["status"] = "nearly"
    samples.write_progress_csv(home / "inbox" / "CPC-GLASGOW" / "second.csv", ret)
    r = cpip_cli("intake", "--home", str(home), "--json", env={"CPIP_NOW": NOW})
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)  # exactly one JSON document on stdout
    assert [x["outcome"] for x in out] == ["accepted", "rejected"]
    for x in out:
        assert set(x) == {"file", "sha256", "partner_code", "period", "outcome", "late", "issues", "receipt"}
        assert Path(x["file"]).is_absolute() and Path(x["receipt"]).is_file()
    assert out[1]["issues"][0]["rule"] == "P05" and out[1]["issues"][0]["row"] == 2

    r = cpip_cli("intake", "--home", str(home), "--json", env={"CPIP_NOW": NOW})
    assert r.returncode == 0 and json.loads(r.stdout) == []
    r = cpip_cli("intake", "--home", str(home), env={"CPIP_HOME": str(home)})
    assert r.returncode == 0 and "No new files" in r.stdout


def test_home_from_environment(tmp_path):
    home = tmp_path / "h"
    r = cpip_cli("init", env={"CPIP_HOME": str(home)})
    assert r.returncode == 0 and (home / "cpip.toml").exists()


def test_system_failures_exit_non_zero_with_a_clear_message(tmp_path):
    home = tmp_path / "h"
    assert cpip_cli("init", "--home", str(home)).returncode == 0
    (home / "cpip.toml").write_text("[cycle]\ndue_days = 'a month'\n")
    r = cpip_cli("intake", "--home", str(home), "--json")
    assert r.returncode != 0 and r.stdout == ""
    assert "due_days" in r.stderr and "Traceback" not in r.stderr

    (home / "cpip.toml").write_text('[reference]\nregister = "missing.csv"\n')
    r = cpip_cli("intake", "--home", str(home))
    assert r.returncode != 0 and "missing.csv" in r.stderr and "Traceback" not in r.stderr


def test_a_second_writer_waits_then_gives_up_clearly(tmp_path):
    from cpip.core.lock import writer_lock

    home = tmp_path / "h"
    assert cpip_cli("init", "--home", str(home)).returncode == 0
    (home / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\nlock_timeout_seconds = 0.5\n")
    with writer_lock(home / ".cpip.lock", 1):
        r = cpip_cli("intake", "--home", str(home), "--json")
    assert r.returncode == 3 and "Another cpip run" in r.stderr and r.stdout == ""
