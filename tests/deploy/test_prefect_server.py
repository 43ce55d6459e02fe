"""The deployment path on a real Prefect server: `prefect server start`, a process work pool,
`prefect deploy` of prefect.yaml, a worker, runs triggered through the API; and `cpip serve`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cpip.app import samples
from cpip.core.periods import Period
from cpip.reference.tables import load_reference
from cpip.collection.schedules import cycle_crons, reminder_crons, templates_crons

pytestmark = [pytest.mark.server, pytest.mark.slow]  # a Prefect server or test harness, tens of seconds

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NOW = "2026-11-10T09:00"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("prefect")
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(base / "server"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    log = open(base / "server.log", "w")
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait(f"{url}/health", 120)
        yield url, base
    finally:
        _stop(proc)
        log.close()


def _env(url: str, base: Path, **extra) -> dict:
    env = {**os.environ, "PREFECT_API_URL": url, "PREFECT_HOME": str(base / "client"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_WORKER_QUERY_SECONDS": "2",
           "PREFECT_RUNNER_POLL_FREQUENCY": "2", "PREFECT_LOGGING_LEVEL": "WARNING",
           "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore", **extra}
    return env


def _run(cmd: list[str], env: dict, cwd: Path = REPO, timeout: int = 300) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def _deployments(url: str) -> dict:
    """Read every deployment back from the server's API."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def read():
        async with get_client() as client:
            out = {}
            for d in await client.read_deployments():
                flow = await client.read_flow(d.flow_id)
                out[f"{flow.name}/{d.name}"] = d
            return out
    with temporary_settings({PREFECT_API_URL: url}):
        return asyncio.run(read())


def _make_home(home: Path, env: dict, toml: str) -> None:
    _run([str(BIN / "cpip"), "init", "--home", str(home)], env)
    (home / "cpip.toml").write_text(toml)
    ref = load_reference()
    for code in ("CPC-GLASGOW", "CELCIS", "SSSC"):
        samples.write_xlsx(home / "inbox" / code / f"{code}.xlsx", samples.make_return(ref, code, Period(2026, 3)))


def test_flows_deployed_from_prefect_yaml_run_on_a_worker(server, tmp_path):
    url, base = server
    home = tmp_path / "home"
    env = _env(url, base, CPIP_HOME=str(home), CPIP_CODE_DIR=str(REPO), CPIP_NOW=NOW)
    # Review off: this run goes straight through (tests/deploy/test_review_server.py has it wait for a decision).
    _make_home(home, env, "[intake]\nsettle_seconds = 0\n[review]\nrequired = false\n")
    _run([str(BIN / "prefect"), "work-pool", "create", "cpip", "--type", "process"], env)
    _run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], env)

    deps = _deployments(url)
    assert {"intake/intake", "cycle/cycle", "reminders/reminders-before", "reminders/reminders-after",
            "templates/templates"} <= set(deps)
    assert [s.schedule.cron for s in deps["templates/templates"].schedules] == templates_crons(7)
    # Schedules read back from Prefect are those computed from the default settings.
    assert [s.schedule.interval.total_seconds() for s in deps["intake/intake"].schedules] == [300]
    assert [s.schedule.cron for s in deps["cycle/cycle"].schedules] == cycle_crons(28, 6)
    assert [s.schedule.cron for s in deps["reminders/reminders-before"].schedules] == reminder_crons(28, 7, 9)["before"]
    assert [s.schedule.cron for s in deps["reminders/reminders-after"].schedules] == reminder_crons(28, 7, 9)["after"]
    assert deps["intake/intake"].parameters == {"home": str(home)}

    worker_log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "cpip"], env=env, cwd=tmp_path,
                              stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _run([str(BIN / "prefect"), "deployment", "run", "intake/intake", "--watch", "--watch-timeout", "240"], env)
        receipts = sorted((home / "outbox" / "receipts").rglob("*.json"))
        assert len(receipts) == 3
        assert {json.loads(p.read_text())["outcome"] for p in receipts} == {"accepted"}
        assert not any(any((home / "inbox" / c).iterdir()) for c in ("CPC-GLASGOW", "CELCIS", "SSSC"))

        _run([str(BIN / "prefect"), "deployment", "run", "cycle/cycle", "--param", "period=2026-Q3",
              "--watch", "--watch-timeout", "240"], env)
        out = home / "outbox" / "briefings" / "2026-Q3"
        b = json.loads((out / "briefing.json").read_text())
        assert b["returns"]["accepted"] == 3 and b["indicators"]["reporting_cpcs"] == 1
        assert (out / "restricted" / "cpip-briefing-2026-Q3-restricted.pdf").stat().st_size > 10_000
        assert (out / "publication" / "cpip-briefing-2026-Q3-publication.pdf").stat().st_size > 10_000
    finally:
        _stop(worker)
        worker_log.close()


def test_cpip_serve_registers_schedules_and_takes_a_dropped_file_within_ten_seconds(server, tmp_path):
    url, base = server
    home = tmp_path / "served"
    env = _env(url, base, CPIP_NOW=NOW)
    _make_home(home, env, "[intake]\nsettle_seconds = 1\n[cycle]\ndue_days = 30\n"
                          "[schedule]\nintake_every_minutes = 2\nreminder_days_before = 10\n")
    # Files already waiting are taken by the first triggered or scheduled run; start with an empty inbox.
    for p in (home / "inbox").rglob("*.xlsx"):
        p.rename(tmp_path / p.name)
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([str(BIN / "cpip"), "serve", "--home", str(home)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        deps = {}
        def ready(d):
            try:
                return (all(d[k].parameters.get("home") == str(home) for k in
                            ("intake/intake", "cycle/cycle", "reminders/reminders-before", "templates/templates"))
                        and [s.schedule.interval.total_seconds() for s in d["intake/intake"].schedules] == [120]
                        and len(d["cycle/cycle"].schedules) == 2)
            except (KeyError, AttributeError):
                return False
        while time.monotonic() < deadline:  # serve registers its deployments one by one
            deps = _deployments(url)
            if ready(deps):
                break
            time.sleep(1)
        assert [s.schedule.interval.total_seconds() for s in deps["intake/intake"].schedules] == [120]
        assert sorted(s.schedule.cron for s in deps["cycle/cycle"].schedules) == ["0 6 1 5 *", "0 6 31 1,7,10 *"]
        assert [s.schedule.cron for s in deps["reminders/reminders-before"].schedules] == \
            reminder_crons(30, 10, 9)["before"]
        assert deps["templates/templates"].parameters == {"home": str(home)}
        time.sleep(3)  # let the watcher start
        src = tmp_path / "CELCIS.xlsx"
        target = home / "inbox" / "CELCIS" / "CELCIS.xlsx"
        t0 = time.monotonic()
        target.write_bytes(src.read_bytes())
        receipt = None
        while time.monotonic() - t0 < 30 and receipt is None:
            found = list((home / "outbox" / "receipts" / "CELCIS").glob("*.json")) \
                if (home / "outbox" / "receipts" / "CELCIS").exists() else []
            receipt = found[0] if found else None
            time.sleep(0.1)
        elapsed = time.monotonic() - t0
        assert receipt is not None, (tmp_path / "serve.log").read_text()[-3000:]
        assert json.loads(receipt.read_text())["outcome"] == "accepted"
        assert elapsed < 10, elapsed
    finally:
        _stop(proc)
        log.close()
