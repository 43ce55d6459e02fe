"""The home's lock: one process changes a home at a time.

It guards everything a run changes in the home, not only the warehouse (DuckDB allows one
writing process per database file): the outbox's receipts, status pages and briefings, the
archive's records, and the record of each email sent (delivery takes it briefly for each
send, never while it talks to a mail server). Intake, the cycle and a rebuild hold it for
their whole run; a second one waits up to ``[intake] lock_timeout_seconds`` and then stops
with a clear message. The operating system releases it if the process dies.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


class Busy(Exception):
    """Another cpip process holds this home's lock."""


@contextmanager
def home_lock(path: Path, timeout: float):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(
                        f"Another cpip run is writing to {path.parent} and did not finish within {timeout:g} seconds. "
                        "Nothing was changed; run the command again when it has finished."
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)
