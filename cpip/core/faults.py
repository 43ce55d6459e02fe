"""A fault's place, for the log: the one way intake, its tasks and the rebuild name a fault."""

from __future__ import annotations

import traceback
from pathlib import Path


def fault(exc: BaseException) -> str:
    """Where a fault happened (type, file and line), never its message: a message may quote a
    partner's file, and logs must not carry more of a file than a receipt does."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}"


# The intake step a file faulted in (faulted_files.step), in the words the log and audit log use.
STEP_WORDS = {"read": "reading it", "check": "checking it", "decide": "working out its outcome",
              "receipt": "writing its receipt", "load": "loading it"}
