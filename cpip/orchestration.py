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
"""

from __future__ import annotations

import functools
from typing import Any, Callable


def _run_key(name: str):
    def key(context, parameters: dict) -> str:
        return f"cpip-{context.task_run.flow_run_id}-{name}-{parameters.get('attempt', '')}"
    return key


def in_deployment_run() -> bool:
    """True inside a flow run of a deployment (a worker, or ``cpip serve``): one that can be suspended."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return ctx is not None and ctx.flow_run is not None and ctx.flow_run.deployment_id is not None


def step(resumable: bool = False, **task_kwargs: Any) -> Callable:
    from prefect import task
    from prefect.cache_policies import NONE
    from prefect.context import FlowRunContext

    task_kwargs.setdefault("cache_policy", NONE)
    task_kwargs.setdefault("persist_result", False)

    def decorate(fn: Callable) -> Callable:
        t = task(fn, **task_kwargs)
        kept = None
        if resumable:
            kept = task(fn, **{k: v for k, v in task_kwargs.items() if k not in ("cache_policy", "persist_result")},
                        cache_key_fn=_run_key(task_kwargs.get("name") or fn.__name__), persist_result=True)

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            if FlowRunContext.get() is not None:
                if kept is not None and in_deployment_run():
                    return kept(*args, **kwargs)
                return t(*args, **kwargs)
            return fn(*args, **kwargs)

        call.task = t  # type: ignore[attr-defined]
        return call

    return decorate
