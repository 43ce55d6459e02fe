"""The intake flow as a real Prefect flow run, with its tasks tracked by the server."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.conftest import NOW

pytestmark = [pytest.mark.server, pytest.mark.slow]  # a Prefect server or test harness, tens of seconds


def test_intake_flow_runs_under_prefect_with_named_tasks(home, monkeypatch, prefect_harness):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from cpip.flows.prefect_flows import intake

    good = home.sample("CPC-HIGHLAND")
    home.drop_xlsx(good)
    bad = home.sample("SCRA")
    bad.progress[0]["percent_complete"] = "most"
    home.drop_progress_csv(bad)
    monkeypatch.setenv("CPIP_NOW", NOW)
    state = intake(home=str(home.path), return_state=True)
    assert state.is_completed()
    results = state.result()
    assert [r["outcome"] for r in results] == ["accepted", "rejected"]

    async def task_names():
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
            return {r.name.rsplit("-", 1)[0] for r in runs}
    wanted = {"read-settings", "read-reference", "scan-inbox", "prepare-checks", "settle", "unloaded-records", "archive",
              "parse", "validate", "load", "receipts"}
    deadline = time.monotonic() + 30
    names = asyncio.run(task_names())
    while not wanted <= names and time.monotonic() < deadline:  # task runs are recorded asynchronously
        time.sleep(0.5)
        names = asyncio.run(task_names())
    for step in ("read-settings", "read-reference", "scan-inbox", "prepare-checks", "settle", "unloaded-records", "archive",
                 "parse", "validate", "load", "receipts"):
        assert step in names, names
