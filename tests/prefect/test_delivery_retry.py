"""Prefect's own retry of the delivery task: each recipient gets the briefing once, and the
home's lock is free while the task waits to retry (intake is never held up)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.integration.test_delivery import BOTH, Flaky, _configure, _per_recipient, _returns

pytestmark = [pytest.mark.server, pytest.mark.slow]  # a Prefect server or test harness, tens of seconds


def test_a_retried_delivery_task_sends_once_and_never_holds_the_home_lock_while_waiting(home, monkeypatch,
                                                                                           prefect_harness):
    from aiosmtpd.controller import Controller
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from cpip.flows.prefect_flows import cycle
    from cpip.core.lock import Busy, home_lock

    refused = threading.Event()

    class RefuseDeputyOnce(Flaky):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address == "deputy@example.org" and not refused.is_set():
                refused.set()
                return "451 4.7.1 Try again later"
            return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    handler = RefuseDeputyOnce()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _configure(home, port)  # no password in the environment: no login
        _returns(home)
        monkeypatch.setenv("CPIP_NOW", "2026-11-10T09:00")
        probe: list[str] = []

        def take_the_lock_while_delivery_waits_to_retry():
            if not refused.wait(300):
                probe.append("never refused")
                return
            time.sleep(1.0)  # the task has failed and waits 5 s before its retry
            try:
                with home_lock(home.path / ".cpip.lock", 2):
                    probe.append("free")
            except Busy:
                probe.append("held")

        t = threading.Thread(target=take_the_lock_while_delivery_waits_to_retry)
        t.start()
        state = cycle(period="2026-Q3", home=str(home.path), return_state=True)
        t.join(30)
    finally:
        controller.stop()
    assert state.is_completed(), state
    assert probe == ["free"]
    assert _per_recipient(handler) == {"private-office@example.org": 1, "deputy@example.org": 1}
    out = state.result()
    assert out["emailed"] == BOTH and out["emailed_before"] == ["private-office@example.org"]

    import asyncio

    async def delivery_runs():
        async with get_client() as client:
            runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
            return [r.run_count for r in runs if r.name.startswith("deliver-briefing")]
    assert asyncio.run(delivery_runs()) == [2]  # Prefect retried the task once
