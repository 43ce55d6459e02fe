"""Writing files so that a reader never sees half of one: the one home of the atomic write."""

from __future__ import annotations

import os
from pathlib import Path

# The restricted form and the documents it is made from are readable by their owner and group only.
RESTRICTED_MODE = 0o640


def write_atomically(path: Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Write ``data`` (text is UTF-8) to ``path`` all at once: into ``<name>.tmp`` beside it, then
    renamed over it, so a crash leaves the old file or the new one, never a part. ``mode`` sets
    the permissions before the rename (a kept version's copy is read-only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)
