"""Prefect tasks that are plain functions outside a flow run.

``@step(...)`` makes a Prefect task. Called inside a flow run (a deployment, ``cpip
serve``, or the CLI with ``PREFECT_API_URL`` set) it is a tracked task run with its
retries; called anywhere else (the CLI's in-process path, tests of the domain) it is
the plain function, so the CLI does not start a temporary Prefect server (10-16 s)
for every command. Either way the flow body is the same table of contents.

``@step(resumable=True)`` marks a step of a flow that may be *suspended* (the cycle, waiting
for a reviewer's decision: :mod:`cpip.tasks.review`). A suspended flow run is started again
from the top when it is resumed; in a deployment run such a step keeps its result (in
Prefect's result storage, ``PREFECT_LOCAL_STORAGE_PATH``) under a key made of the flow run
and the step, so the resumed run reads it back instead of doing the step again. A step
called more than once in a run passes ``attempt=`` to tell the calls apart. Outside
deployment runs nothing is kept (those runs are never suspended).

**How the flows run, with or without Prefect.** Each flow is a plain function in ``flows/``
(``cpip.flows.intake.intake``: a table of contents of ``@step`` calls), and it imports no
Prefect. ``flows/prefect_flows.py`` makes each of them a Prefect flow, explicitly, with its
name and run name; ``prefect.yaml``'s entrypoints, ``cpip serve``, the CLI when
``PREFECT_API_URL`` names a server, and the Prefect tests use those. The CLI without a server
calls the plain function: no Prefect is imported (its import costs about 1.2 s), and every step
is a plain call. Inside a Prefect flow run, a step makes its Prefect task the first time it is
called. Prefect not yet imported means no flow run is under way (:func:`in_flow_run`).
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable


def _run_key(name: str):
    def key(context, parameters: dict) -> str:
        return f"cpip-{context.task_run.flow_run_id}-{name}-{parameters.get('attempt', '')}"
    return key


def in_flow_run() -> bool:
    """True inside a Prefect flow run (never when Prefect has not even been imported)."""
    if "prefect.context" not in sys.modules:
        return False
    from prefect.context import FlowRunContext

    return FlowRunContext.get() is not None


def in_deployment_run() -> bool:
    """True inside a flow run of a deployment (a worker, or ``cpip serve``): one that can be suspended."""
    if not in_flow_run():
        return False
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return ctx is not None and ctx.flow_run is not None and ctx.flow_run.deployment_id is not None


def step(resumable: bool = False, **task_kwargs: Any) -> Callable:
    def decorate(fn: Callable) -> Callable:
        made: dict[str, Any] = {}

        def tasks() -> dict[str, Any]:
            if not made:
                from prefect import task
                from prefect.cache_policies import NONE

                kw = {"cache_policy": NONE, "persist_result": False, **task_kwargs}
                made["task"] = task(fn, **kw)
                made["kept"] = None
                if resumable:
                    made["kept"] = task(fn, **{k: v for k, v in kw.items() if k not in ("cache_policy", "persist_result")},
                                        cache_key_fn=_run_key(kw.get("name") or fn.__name__), persist_result=True)
            return made

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            if in_flow_run():
                t = tasks()
                if t["kept"] is not None and in_deployment_run():
                    return t["kept"](*args, **kwargs)
                return t["task"](*args, **kwargs)
            return fn(*args, **kwargs)

        return call

    return decorate
