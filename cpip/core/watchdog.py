"""Running work within a time and memory budget: in a child process that is stopped when it overruns.

No rule can foresee every file that costs too much to read or check; so the work on files runs in a
forked child (a copy of this process: what it has imported and made is there at no cost), and this
process watches it: past its time budget, or once its memory grows past its budget (the resident
memory it adds to what it shares with this process at the fork),
the child is killed and :class:`Overrun` raised here, where the caller confines it to the files the
child was given. The child's result comes back pickled through a pipe; its log records are handed
to this process's loggers, as if it had logged them itself. A hard address-space limit in the child
(several times the budget) stops an allocation too quick for the watch.
"""

from __future__ import annotations

import logging
import os
import pickle
import resource
import select
import signal
import time
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger("cpip.core.watchdog")

_POLL = 0.05  # seconds between looks at the child's memory


@dataclass(frozen=True)
class Budget:
    seconds: float
    memory_bytes: int

    @property
    def memory_words(self) -> str:
        """The memory budget as the log says it: ``1,024 MB``."""
        return f"{self.memory_bytes // 2**20:,} MB"


class Overrun(Exception):
    """The child ran past its budget (``what``: in words, for the log and the faulted file's place)."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


class ChildFailed(Exception):
    """The child stopped without a result (killed from outside, or a fault before it could answer)."""


def _statm(who: str, field: int) -> int:
    """A field of ``/proc/<who>/statm`` in bytes (0 once the process is gone): 0 is the whole
    virtual size, 1 the resident memory."""
    try:
        with open(f"/proc/{who}/statm") as fh:
            return int(fh.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _rss(pid: int) -> int:
    """The child's resident memory in bytes (0 once it is gone)."""
    return _statm(str(pid), 1)


def _vm_size() -> int:
    """This process's virtual size in bytes."""
    return _statm("self", 0)


def _child(fn: Callable, args: tuple, budget: Budget, out: int) -> None:
    """In the child: collect log records instead of handling them, run, send (status, value, records)."""
    records: list[logging.LogRecord] = []

    def collect(self, record):
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args, record.exc_info = record.getMessage(), None, None
        records.append(record)

    logging.Logger.callHandlers = collect  # this process is the child's own copy: the parent's are untouched
    try:  # a backstop for a burst of allocation too quick for the watch: a hard limit well above the budget
        limit = _vm_size() + 4 * budget.memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    try:
        payload = pickle.dumps(("ok", fn(*args), records), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        payload = pickle.dumps(("memory", None, []))
    except BaseException as exc:  # noqa: BLE001: any fault is the caller's to confine
        from cpip.core.faults import fault

        payload = pickle.dumps(("error", fault(exc), records))
    view = memoryview(payload)
    while view:
        view = view[os.write(out, view[:1 << 20]):]


def run_within(budget: Budget, fn: Callable, *args: Any) -> Any:
    """``fn(*args)`` in a forked child within ``budget``: its result, or :class:`Overrun` (time or
    memory), or :class:`ChildFailed` (``fn`` raised: its place; or the child died)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        code = 0
        try:
            os.close(read_end)
            _child(fn, args, budget, write_end)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    base = _rss(pid)  # what the child shares with this process at the fork
    chunks: list[bytes] = []
    overrun = None
    deadline = time.monotonic() + budget.seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                overrun = f"ran past its time budget of {budget.seconds:g} s"
                break
            ready, _, _ = select.select([read_end], [], [], min(_POLL, left))
            if ready:
                b = os.read(read_end, 1 << 20)
                if not b:
                    break
                chunks.append(b)
            if _rss(pid) - base > budget.memory_bytes:
                overrun = f"grew past its memory budget of {budget.memory_words}"
                break
    finally:
        os.close(read_end)
        if overrun:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if overrun:
        raise Overrun(overrun)
    try:
        status, value, records = pickle.loads(b"".join(chunks))
    except Exception:
        raise ChildFailed("the child stopped without an answer") from None
    for record in records:
        logging.getLogger(record.name).handle(record)
    if status == "memory":
        raise Overrun(f"ran out of memory within its budget of {budget.memory_words}")
    if status == "error":
        raise ChildFailed(value)
    return value
