"""Prefect tasks that are plain functions outside a flow run.

``@step(...)`` makes a Prefect task. Called inside a flow run (a deployment, ``cpip
serve``, or the CLI with ``PREFECT_API_URL`` set) it is a tracked task run with its
retries; called anywhere else (the CLI's in-process path, tests of the domain) it is
the plain function, so the CLI does not start a temporary Prefect server (10-16 s)
for every command. Either way the flow body is the same table of contents.
"""

from __future__ import annotations

import functools
from typing import Any, Callable


def step(**task_kwargs: Any) -> Callable:
    from prefect import task
    from prefect.cache_policies import NONE
    from prefect.context import FlowRunContext

    task_kwargs.setdefault("cache_policy", NONE)
    task_kwargs.setdefault("persist_result", False)

    def decorate(fn: Callable) -> Callable:
        t = task(fn, **task_kwargs)

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            if FlowRunContext.get() is not None:
                return t(*args, **kwargs)
            return fn(*args, **kwargs)

        call.task = t  # type: ignore[attr-defined]
        return call

    return decorate
