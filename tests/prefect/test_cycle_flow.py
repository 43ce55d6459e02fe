"""The cycle flow as a real Prefect flow run, named after its period."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import NOW

pytestmark = [pytest.mark.server, pytest.mark.slow]  # a Prefect server or test harness, tens of seconds


def test_cycle_flow_runs_under_prefect(home, monkeypatch, prefect_harness):
    from cpip.flows.prefect_flows import cycle
    from cpip.flows.prefect_flows import intake

    home.drop_xlsx(home.sample("CPC-MORAY"))
    home.drop_progress_csv(home.sample("SSSC"))
    monkeypatch.setenv("CPIP_NOW", NOW)
    assert intake(home=str(home.path), return_state=True).is_completed()
    state = cycle(period="2026-Q3", home=str(home.path), return_state=True)
    assert state.is_completed()
    out = state.result()
    assert Path(out["restricted"]["pdf"]).is_file() and Path(out["publication"]["html"]).is_file()

    import asyncio

    from prefect.client.orchestration import get_client

    async def name():
        async with get_client() as client:
            return (await client.read_flow_run(state.state_details.flow_run_id)).name
    assert asyncio.run(name()) == "cycle-2026-Q3"


def test_flows_publish_artifacts(home, monkeypatch, prefect_harness):
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from cpip.flows.prefect_flows import cycle
    from cpip.flows.prefect_flows import intake

    home.drop_xlsx(home.sample("CPC-FALKIRK"))
    monkeypatch.setenv("CPIP_NOW", NOW)
    intake(home=str(home.path))
    cycle(period="2026-Q3", home=str(home.path))

    async def latest(key):
        async with get_client() as client:
            arts = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
            return max(arts, key=lambda a: a.created) if arts else None

    import time

    deadline = time.monotonic() + 30
    table = asyncio.run(latest("intake-files"))
    while (table is None or "CPC-FALKIRK" not in str(table.data)) and time.monotonic() < deadline:
        time.sleep(0.5)  # artifacts are recorded asynchronously
        table = asyncio.run(latest("intake-files"))
    assert table is not None and "CPC-FALKIRK" in str(table.data) and table.type == "table"
    md = asyncio.run(latest("cycle-2026-q3"))
    assert md is not None and "# Briefing for 2026-Q3" in md.data and "Coverage:" in md.data
    assert "cpip-briefing-2026-Q3-restricted.pdf" in md.data
