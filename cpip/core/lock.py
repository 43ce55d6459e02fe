"""One writer at a time: an exclusive lock on a file in the home.

DuckDB allows one writing process per database file. Every command that writes
(intake, cycle, rebuild) holds this lock for its whole run; a second one waits up
to ``[intake] lock_timeout_seconds`` and then stops with a clear message. The
lock is released by the operating system if the process dies.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


class Busy(Exception):
    """Another cpip process is writing to this home."""


@contextmanager
def writer_lock(path: Path, timeout: float):
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
