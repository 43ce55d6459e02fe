"""The `cpip` console script as users and schedulers run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cpip.app import samples
from cpip.core.periods import Period
from tests.conftest import NOW, cpip_cli


@pytest.mark.slow
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


@pytest.mark.slow
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
    from cpip.core.lock import home_lock

    home = tmp_path / "h"
    assert cpip_cli("init", "--home", str(home)).returncode == 0
    (home / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\nlock_timeout_seconds = 0.5\n")
    with home_lock(home / ".cpip.lock", 1):
        r = cpip_cli("intake", "--home", str(home), "--json")
    assert r.returncode == 3 and "Another cpip run" in r.stderr and r.stdout == ""


# `cpip intake` as the console script runs it, then which of the heavy libraries the process imported.
_RUN_AND_LIST_IMPORTS = """
import sys
from cpip.app.cli import main
try:
    main()
except SystemExit:
    pass
heavy = ("prefect", "great_expectations", "pandas", "duckdb", "weasyprint")
sys.stderr.write("imported: " + " ".join(m for m in heavy if m in sys.modules) + "\\n")
"""


@pytest.mark.slow
def test_an_intake_without_a_prefect_server_imports_no_prefect(tmp_path, ref):
    home = tmp_path / "home"
    assert cpip_cli("init", "--home", str(home)).returncode == 0
    (home / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\n")
    samples.write_progress_csv(home / "inbox" / "CPC-GLASGOW" / "q3.csv",
                               samples.make_return(ref, "CPC-GLASGOW", Period(2026, 3)))
    env = {**os.environ, "CPIP_NOW": NOW}
    env.pop("PREFECT_API_URL", None)
    r = subprocess.run([sys.executable, "-c", _RUN_AND_LIST_IMPORTS, "intake", "--home", str(home), "--json"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert [x["outcome"] for x in json.loads(r.stdout)] == ["accepted"], r.stderr
    imported = r.stderr.strip().splitlines()[-1].split()[1:]
    assert "great_expectations" in imported and "duckdb" in imported  # the file was checked and loaded
    assert "prefect" not in imported  # every step a plain call: no Prefect for a run without a server

@pytest.mark.parametrize("toml,setting", [
    ("[intake]\nsettle_seconds = inf\n", "[intake] settle_seconds"),
    ("[cycle]\ndue_days = 99999999\n", "[cycle] due_days"),
    ("[briefing]\nsuppress_below = 1\n", "[briefing] suppress_below"),
    ("[briefing]\nmarking = \"\"\n", "[briefing] marking"),
    ("[email]\nsender = \"a@example.org\\r\\nBcc: b@example.net\"\n", "[email] sender"),
])
def test_each_bad_setting_exits_2_naming_it(tmp_path, toml, setting):
    home = tmp_path / "home"
    home.mkdir()
    (home / "cpip.toml").write_text(toml)
    for command in (["status", "--period", "2026-Q3"], ["intake"]):
        r = cpip_cli(*command, "--home", str(home))
        assert r.returncode == 2 and setting in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_cpip_toml_that_is_a_folder_exits_2(tmp_path):
    home = tmp_path / "home"
    (home / "cpip.toml").mkdir(parents=True)
    r = cpip_cli("status", "--period", "2026-Q3", "--home", str(home))
    assert r.returncode == 2 and "cpip.toml is a folder" in r.stderr


def _snapshot(folder: Path) -> dict:
    """Every path under ``folder`` with its bytes (files), its kind and its modification time."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(folder))] = (p.is_dir(), st.st_mtime_ns, p.read_bytes() if p.is_file() else None)
    return out


def test_demo_refuses_a_folder_that_is_neither_empty_nor_a_demo_home_and_touches_nothing(tmp_path):
    real = tmp_path / "real-home"
    assert cpip_cli("init", "--home", str(real)).returncode == 0
    (real / "notes.txt").write_text("the operator's notes\n")
    (real / "archive" / "kept.bin").write_bytes(b"\x00" * 64)
    before = _snapshot(real)
    r = cpip_cli("demo", "--home", str(real))
    assert r.returncode == 2, r.stderr
    assert str(real) in r.stderr and "not a demo home" in r.stderr and "nothing was changed" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert _snapshot(real) == before
    # A file where the home would be is refused too.
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    r = cpip_cli("demo", "--home", str(a_file))
    assert r.returncode == 2 and a_file.read_text() == "x"


def test_demo_homes_are_marked_and_a_marked_or_empty_folder_is_taken(tmp_path):
    from cpip.app.demo import DEMO_MARK, OLD_DEMO_TOML, clear_target, is_demo_home
    from cpip.core.errors import NotAsAsked

    empty = tmp_path / "empty"
    empty.mkdir()
    clear_target(empty)
    assert empty.is_dir()  # used as it is
    marked = tmp_path / "marked"
    (marked / "inbox").mkdir(parents=True)
    (marked / DEMO_MARK).write_text("demo\n")
    (marked / "notes.txt").write_text("in a demo home")
    assert is_demo_home(marked)
    clear_target(marked)
    assert not marked.exists()  # an earlier demo home is made again
    older = tmp_path / "older"
    older.mkdir()
    (older / "cpip.toml").write_text(OLD_DEMO_TOML + "\n[intake]\nsettle_seconds = 0.2\n")
    assert is_demo_home(older)
    other = tmp_path / "other"
    other.mkdir()
    (other / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\n")
    (other / DEMO_MARK).symlink_to(tmp_path / "marked-elsewhere")  # a planted link is no mark
    assert not is_demo_home(other)
    with pytest.raises(NotAsAsked):
        clear_target(other)
    assert (other / "cpip.toml").is_file()



def test_a_read_only_home_is_one_line_for_status_and_approve(tmp_path):
    """A real read-only mount (a private mount namespace; root only): `cpip status` and `cpip approve`,
    which take the home's lock, say so in one line naming the path and what to do, exit 1."""
    import shutil

    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a read-only bind mount")
    home = tmp_path / "home"
    assert cpip_cli("init", "--home", str(home)).returncode == 0
    exe = Path(sys.executable).parent / "cpip"
    script = (f"mount --bind {home} {home} && mount -o remount,bind,ro {home} && "
              f"{exe} status --period 2026-Q3 --home {home}; echo rc=$?; "
              f"{exe} approve --period 2026-Q3 --by Jo --code X --home {home}; echo rc=$?")
    r = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    if "rc=" not in r.stdout:
        pytest.skip(f"no read-only bind mount here: {r.stderr.strip()}")
    assert r.stdout.split() == ["rc=1", "rc=1"], (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in r.stderr, r.stderr
    for line in lines:
        assert line.startswith(f"cpip: cannot write to {home}") and "read-only" in line and "writable" in line, line
