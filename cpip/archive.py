"""The archive: every file taken, kept forever, keyed by its SHA-256.

Layout under ``<home>/archive``::

    objects/ab/abcdef…          the bytes, once per distinct content (read-only)
    records/00000001.json       one record per file taken, in the order taken:
                                received time, original name and folder, sha256

A file leaves the inbox only after its bytes and its record are on disk and synced
(write to a temporary name, fsync, rename, fsync the folder). The records alone,
replayed in order, rebuild the warehouse (``cpip rebuild``): every time-dependent rule
is judged at the recorded received time.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from cpip.periods import iso


@dataclass(frozen=True)
class Record:
    number: int  # order of taking, across all runs
    received_at: str  # ISO 8601, UK local time with offset
    run_id: str
    inbox_path: str  # absolute path where the file lay
    folder: str  # folder directly under inbox/ ("" for inbox/ itself)
    name: str  # original file name
    sha256: str | None  # None for something that was not a regular file
    size: int | None
    not_regular: bool = False

    @property
    def received(self) -> datetime:
        return datetime.fromisoformat(self.received_at)


class Archive:
    def __init__(self, root: Path):
        self.root = root
        self.objects = root / "objects"
        self.records = root / "records"
        self.tmp = root / "tmp"

    def ensure(self) -> None:
        for p in (self.objects, self.records, self.tmp):
            p.mkdir(parents=True, exist_ok=True)

    def clear_partial_writes(self) -> None:
        """Remove temporary files a killed run left half-written (called under the writer lock)."""
        if self.tmp.is_dir():
            for p in self.tmp.iterdir():
                p.unlink(missing_ok=True)

    def object_path(self, sha: str) -> Path:
        return self.objects / sha[:2] / sha

    def read(self, sha: str) -> bytes:
        return self.object_path(sha).read_bytes()

    def _write_durably(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp / f"{target.name}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    def store(self, data: bytes) -> str:
        """Keep the bytes (once per content); return their SHA-256."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.object_path(sha)
        if not target.exists() or target.stat().st_size != len(data):
            self._write_durably(target, data)
        return sha

    def _numbers(self) -> list[int]:
        """Record numbers in the archive (plain names: at 10,000 records Path objects cost 0.25 s)."""
        try:
            names = os.listdir(self.records)
        except FileNotFoundError:
            return []
        return [int(n[:8]) for n in names if len(n) == 13 and n.endswith(".json") and n[:8].isdigit()]

    def next_number(self) -> int:
        return max(self._numbers(), default=0) + 1

    def add_record(self, record: Record) -> None:
        data = json.dumps(asdict(record), sort_keys=True, indent=1).encode()
        self._write_durably(self.records / f"{record.number:08d}.json", data)

    def read_record(self, number: int) -> Record:
        return Record(**json.loads((self.records / f"{number:08d}.json").read_text()))

    def all_records(self) -> list[Record]:
        return [self.read_record(n) for n in sorted(self._numbers())]

    def records_after(self, number: int, skip: set[int] | None = None) -> list[Record]:
        skip = skip or set()
        return [self.read_record(n) for n in sorted(self._numbers()) if n > number and n not in skip]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_record(number: int, received_at: datetime, run_id: str, inbox_path: Path, folder: str,
                sha: str | None, size: int | None, not_regular: bool = False) -> Record:
    return Record(number, iso(received_at), run_id, str(inbox_path), folder, inbox_path.name, sha, size, not_regular)
