"""Review on a real Prefect server with a worker: the cycle run written from prefect.yaml
waits, suspended, for a typed decision; resumed through Prefect's API with the input (a wrong code
first, which leaves it waiting again) it approves and delivers once; and `cpip approve` on a waiting
run resumes it instead of delivering beside it."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from uuid import UUID

import pytest

from tests.deploy.test_prefect_server import BIN, REPO, _env, _make_home, _run, _stop, server  # noqa: F401
from cpip.orchestration.prefect_api import CODE_CHECKED
from tests.integration.test_delivery import Collector

pytestmark = [pytest.mark.server, pytest.mark.slow]  # a Prefect server or test harness, tens of seconds

OFFICE = "private-office@example.org"
REVIEWER = "programme-office@example.org"


@pytest.fixture
def mail():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Collector()
    c = Controller(handler, hostname="127.0.0.1", port=port)
    c.start()
    try:
        yield port, handler
    finally:
        c.stop()


def _client_call(url, fn):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def go():
        async with get_client() as client:
            return await fn(client)
    with temporary_settings({PREFECT_API_URL: url}):
        return asyncio.run(go())


def _state(url, run_id):
    async def read(client):
        return (await client.read_flow_run(run_id)).state
    return _client_call(url, read)


def _wait_state(url, run_id, ok, seconds=240, what=""):
    deadline = time.monotonic() + seconds
    state = None
    while time.monotonic() < deadline:
        state = _state(url, run_id)
        if state is not None and ok(state):
            return state
        time.sleep(1)
    raise AssertionError(f"flow run {run_id} never became {what}; last state {state}")


def _start_cycle(url, env) -> UUID:
    r = _run([str(BIN / "prefect"), "deployment", "run", "cycle/cycle", "--param", "period=2026-Q3"], env)
    return UUID(next(ln.split()[-1] for ln in r.stdout.splitlines() if "UUID" in ln))


def _resume(url, run_id, run_input):
    from prefect.flow_runs import resume_flow_run
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: url}):
        resume_flow_run(run_id, run_input=run_input)


def _to(handler, addr):
    return [m for rcpts, m, _ in handler.messages if addr in rcpts]


def _code(msg) -> str:
    body = msg.get_body(preferencelist=("plain",)).get_content()
    return next(ln for ln in body.splitlines() if ln.startswith("Approval code: ")).split(": ", 1)[1]


def _waiting(state) -> bool:
    return state.is_paused()


def _wait_form(url, run_id, seconds=60):
    """The run saves its input form's schema just after it is suspended: wait until it is there."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = _state(url, run_id)
        keyset = state.state_details.run_input_keyset if state is not None and state.is_paused() else None
        if keyset:
            async def read(client):
                try:
                    return await client.read_flow_run_input(run_id, keyset["schema"])
                except Exception:
                    return None
            schema = _client_call(url, read)
            if schema:
                return json.loads(schema)
        time.sleep(0.5)
    raise AssertionError(f"flow run {run_id} has no input form")


def _inputs(url, run_id) -> str:
    """Everything Prefect keeps as the run's input (each form's schema and each decision typed), as text."""
    async def read(client):
        return await client.filter_flow_run_input(run_id, key_prefix="", limit=1000, exclude_keys=set())
    return json.dumps({i.key: i.value for i in _client_call(url, read)})


def _task_runs(url, run_id) -> str:
    """What Prefect keeps of the run's task runs, as text."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read(client):
        return await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
    return json.dumps([t.model_dump(mode="json") for t in _client_call(url, read)])


def test_a_cycle_run_waits_for_a_decision_and_resumes_to_deliver_once(server, mail, tmp_path):  # noqa: F811
    url, base = server
    port, handler = mail
    home = tmp_path / "home"
    env = _env(url, base, CPIP_HOME=str(home), CPIP_CODE_DIR=str(REPO), CPIP_NOW="2026-11-10T09:00",
               PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(tmp_path / "results"))
    _make_home(home, env, "[intake]\nsettle_seconds = 0\n[review]\nwait_days = 3\n"
                          f"[email]\nhost = \"127.0.0.1\"\nport = {port}\nbriefing_to = [\"{OFFICE}\"]\n")
    _run([str(BIN / "cpip"), "intake", "--home", str(home)], {**env, "PREFECT_API_URL": ""})
    _run([str(BIN / "prefect"), "work-pool", "create", "cpip", "--type", "process", "--overwrite"], env)
    _run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], env)
    worker_log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "cpip"], env=env, cwd=tmp_path,
                              stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        run_id = _start_cycle(url, env)
        state = _wait_state(url, run_id, _waiting, what="suspended")
        assert state.name == "Suspended"
        form = _wait_form(url, run_id)  # the typed input form the UI shows
        assert {"approver", "decision", "approval_code", "covering_note"} <= set(form["properties"])
        assert state.state_details.pause_timeout is not None  # never Prefect's default of one hour
        left = (state.state_details.pause_timeout - state.timestamp).total_seconds()
        assert 3 * 86400 - 600 < left <= 3 * 86400 + 60
        assert _to(handler, OFFICE) == [] and len(_to(handler, REVIEWER)) == 1
        code = _code(_to(handler, REVIEWER)[0])

        # A wrong code through the form: refused, recorded, and the run waits again.
        _resume(url, run_id, {"approver": "Mallory", "decision": "Approve", "approval_code": "2222-2222-2222-2222",
                              "covering_note": ""})
        _wait_state(url, run_id, lambda s: not s.is_paused(), 60, "resumed")
        _wait_state(url, run_id, _waiting, what="suspended again")
        _wait_form(url, run_id)
        assert _to(handler, OFFICE) == []
        assert "2222-2222-2222-2222" not in _inputs(url, run_id)  # checked, then blanked in the stored input

        _resume(url, run_id, {"approver": "Jo Bloggs, Head of Programme Office", "decision": "Approve",
                              "approval_code": code, "covering_note": "Two partners reported."})
        final = _wait_state(url, run_id, lambda s: s.is_final(), what="finished")
        assert final.is_completed(), (tmp_path / "worker.log").read_text()[-4000:]
        assert len(_to(handler, OFFICE)) == 1
        decided = [json.loads(v) for v in json.loads(_inputs(url, run_id)).values()]
        assert {"approver": "Jo Bloggs, Head of Programme Office", "decision": "Approve",  # kept, but not its code
                "approval_code": CODE_CHECKED, "covering_note": "Two partners reported."} in decided
        for kept in (_inputs(url, run_id), _task_runs(url, run_id)):
            assert code not in kept and code.replace("-", "") not in kept
        status = json.loads(_run([str(BIN / "cpip"), "status", "--period", "2026-Q3", "--json", "--home", str(home)],
                                 {**env, "PREFECT_API_URL": ""}).stdout)
        (v,) = status["briefing_versions"]
        assert (v["version"], v["state"], v["approved_by"], v["approved_account"]) == (
            1, "approved", "Jo Bloggs, Head of Programme Office", "Prefect UI")
        # One draft was made, though the run was started three times (once, then twice resumed).
        assert len(list((home / "outbox" / "briefings" / "2026-Q3" / "versions").iterdir())) == 1
        assert len(_to(handler, REVIEWER)) == 1

        # A second cycle run (version 2, a revision) waits; `cpip approve` resumes it, and the run delivers.
        run2 = _start_cycle(url, env)
        _wait_state(url, run2, _waiting, what="suspended")
        _wait_form(url, run2)
        code2 = _code(_to(handler, REVIEWER)[-1])
        r = subprocess.run([str(BIN / "cpip"), "approve", "--period", "2026-Q3", "--by", "Sam Reviewer, Deputy",
                            "--code", code2, "--json", "--home", str(home)], env=env, capture_output=True, text=True,
                           timeout=400)
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert out["version"] == 2 and out["delivered_by"] == f"Prefect flow run {run2}" and out["emailed"] == [OFFICE]
        assert _state(url, run2).is_completed()
        assert len(_to(handler, OFFICE)) == 2  # one per approved version, never two of one
        again = subprocess.run([str(BIN / "cpip"), "approve", "--period", "2026-Q3", "--by", "Sam", "--code", code2,
                                "--home", str(home)], env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 2 and len(_to(handler, OFFICE)) == 2

        # A third draft returned for changes through the form: the run ends, the typed code is not kept,
        # and the code, spent by the return, approves nothing.
        run3 = _start_cycle(url, env)
        _wait_state(url, run3, _waiting, what="suspended")
        _wait_form(url, run3)
        code3 = _code(_to(handler, REVIEWER)[-1])
        _resume(url, run3, {"approver": "Sam Reviewer", "decision": "Return for changes", "approval_code": code3,
                            "covering_note": "Check the Glasgow figures."})
        assert _wait_state(url, run3, lambda s: s.is_final(), what="finished").is_completed()
        assert code3 not in _inputs(url, run3) and code3 not in _task_runs(url, run3)
        spent = subprocess.run([str(BIN / "cpip"), "approve", "--period", "2026-Q3", "--by", "anyone", "--code", code3,
                                "--home", str(home)], env={**env, "PREFECT_API_URL": ""}, capture_output=True,
                               text=True, timeout=120)
        assert spent.returncode == 2 and "returned for changes" in spent.stderr, spent.stderr
        assert len(_to(handler, OFFICE)) == 2
    finally:
        _stop(worker)
        worker_log.close()


def test_the_ui_that_cpip_serve_starts_shows_the_deployments_and_the_waiting_runs_form(tmp_path):
    """Tried as a new user would: the UI on the port `cpip serve` chose finds its API, lists the five
    deployments, and the waiting cycle run's page offers the decision form (headless Chromium)."""
    import os
    import re
    import shutil
    import urllib.request

    from tests.deploy.test_prefect_server import _wait

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright

    home = tmp_path / "served"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update({"CPIP_NOW": "2026-11-10T09:00", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_HOME": str(tmp_path / "client"), "PREFECT_RUNNER_POLL_FREQUENCY": "2",
                "PREFECT_LOGGING_LEVEL": "WARNING"})
    _make_home(home, env, "[intake]\nsettle_seconds = 0\n")
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([str(BIN / "cpip"), "serve", "--home", str(home)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, ui = time.monotonic() + 120, None
        while ui is None and time.monotonic() < deadline:
            m = re.search(r"UI at (http://127\.0\.0\.1:\d+)", (tmp_path / "serve.log").read_text())
            ui = m.group(1) if m else None
            time.sleep(0.5)
        assert ui, (tmp_path / "serve.log").read_text()[-3000:]
        url = f"{ui}/api"
        _wait(f"{url}/health", 60)
        with urllib.request.urlopen(f"{ui}/ui-settings", timeout=5) as r:
            assert json.loads(r.read())["api_url"] == url  # not the default port 4200

        async def deployments(client):
            return {d.name: d for d in await client.read_deployments()}
        deadline = time.monotonic() + 120
        deps = {}
        while len(deps) < 5 and time.monotonic() < deadline:
            deps = _client_call(url, deployments)
            time.sleep(1)
        assert set(deps) == {"intake", "cycle", "reminders-before", "reminders-after", "templates"}

        async def start(client):
            return (await client.create_flow_run_from_deployment(deps["cycle"].id,
                                                                 parameters={"period": "2026-Q3"})).id
        run_id = _client_call(url, start)
        _wait_state(url, run_id, _waiting, what="suspended")
        _wait_form(url, run_id)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
            try:
                page = browser.new_page()
                page.goto(f"{ui}/deployments")
                for name in ("intake", "cycle", "reminders-before", "reminders-after", "templates"):
                    page.get_by_text(name, exact=True).first.wait_for(timeout=60_000)
                assert "Can't connect to Server API" not in page.content()
                page.goto(f"{ui}/runs/flow-run/{run_id}")
                page.get_by_text("Suspended").first.wait_for(timeout=60_000)
                page.get_by_role("button", name=re.compile("Resume")).first.click()
                for label in ("Your name and role", "Approval code", "Decision"):
                    page.get_by_text(label).first.wait_for(timeout=30_000)
                page.screenshot(path=str(tmp_path / "resume-form.png"))
            finally:
                browser.close()
    finally:
        _stop(proc)
        log.close()
