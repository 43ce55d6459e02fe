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
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from cpip.core.periods import iso


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
    # A file over the size limit (F02) is not kept whole: only its first ``kept`` bytes, beside its
    # SHA-256 (of the whole file). None: the whole file is kept.
    kept: int | None = None

    @property
    def received(self) -> datetime:
        return datetime.fromisoformat(self.received_at)


class Archive:
    def __init__(self, root: Path, oversize_keep: int = 0):
        self.root = root
        self.oversize_keep = oversize_keep  # how much of a file over the size limit is kept ([intake] oversize_keep_bytes)
        self.objects = root / "objects"
        self.records = root / "records"
        self.tmp = root / "tmp"

    def ensure(self) -> None:
        for p in (self.objects, self.records, self.tmp):
            make_dirs_durably(p)

    def clear_partial_writes(self) -> None:
        """Remove temporary files a killed run left half-written (called under the home's lock)."""
        if self.tmp.is_dir():
            for p in self.tmp.iterdir():
                p.unlink(missing_ok=True)

    def object_path(self, sha: str) -> Path:
        return self.objects / sha[:2] / sha

    def head_path(self, sha: str) -> Path:
        """Where the start of a file kept only in part is kept."""
        return self.objects / sha[:2] / f"{sha}.head"

    def kept_path(self, record: Record) -> Path:
        """Where a record's bytes are kept: the whole file, or the start of one kept only in part."""
        return self.object_path(record.sha256) if record.kept is None else self.head_path(record.sha256)

    def read(self, sha: str, attempts: int = 3) -> bytes:
        """The bytes kept for ``sha``. An I/O error (a flaky share or disk) is retried, then raised:
        it is the system's fault, never turned into a rejection of the partner's file."""
        for attempt in range(attempts):
            try:
                return self.object_path(sha).read_bytes()
            except FileNotFoundError:
                raise
            except OSError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def write_durably(self, target: Path, data: bytes, sync_dir: bool = True) -> None:
        """Write a file whole (under a temporary name, synced, renamed). ``sync_dir`` False: the
        caller syncs its folder once for many files (:meth:`sync_folders`) before relying on it."""
        make_dirs_durably(target.parent)
        tmp = self.tmp / f"{target.name}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
        if sync_dir:
            _fsync_dir(target.parent)

    def sync_folders(self, folders) -> None:
        """Make the renames into these folders durable: one sync per folder, however many files."""
        for folder in sorted(set(folders)):
            _fsync_dir(folder)

    def store_stream(self, fd: int, chunk: int = 1 << 20, sync_dir: bool = True,
                     keep: int | None = None) -> tuple[str, int]:
        """Copy an open file into the archive as it streams, hashing the bytes on the way.

        Memory holds one chunk at a time, whatever the file's size (a multi-gigabyte file
        is kept like any other; the readers refuse it by its recorded size, F02). Returns
        (SHA-256, size). The bytes land under a temporary name, are synced, and are renamed
        to their content address only when complete. ``sync_dir`` False: the caller syncs the
        object's folder (:meth:`sync_folders`) before it relies on the object being there.
        ``keep``: only the first ``keep`` bytes are kept (as ``<sha>.head``), the whole file hashed.
        """
        self.tmp.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp / f"stream.{os.getpid()}.{time.monotonic_ns()}.tmp"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(tmp, "wb") as out:
                while True:
                    b = os.read(fd, chunk)
                    if not b:
                        break
                    digest.update(b)
                    out.write(b if keep is None else b[:max(0, keep - size)])
                    size += len(b)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.object_path(sha) if keep is None else self.head_path(sha)
            if target.exists() and target.stat().st_size == (size if keep is None else min(size, keep)):
                tmp.unlink()
                return sha, size
            make_dirs_durably(target.parent)
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
            if sync_dir:
                _fsync_dir(target.parent)
            return sha, size
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _numbers(self) -> list[int]:
        """Record numbers in the archive (plain names: at 10,000 records Path objects cost 0.25 s)."""
        try:
            names = os.listdir(self.records)
        except FileNotFoundError:
            return []
        return [int(n[:8]) for n in names if len(n) == 13 and n.endswith(".json") and n[:8].isdigit()]

    def next_number(self) -> int:
        return max(self._numbers(), default=0) + 1

    def add_record(self, record: Record, sync_dir: bool = True) -> None:
        data = json.dumps(asdict(record), sort_keys=True, indent=1).encode()
        self.write_durably(self.records / f"{record.number:08d}.json", data, sync_dir)

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


def make_dirs_durably(path: Path) -> None:
    """Create a folder (and any missing parents) so that it survives a crash: each new folder's
    parent is synced after the folder is made, as a new file's folder is synced after it."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        _fsync_dir(folder.parent)


def make_record(number: int, received_at: datetime, run_id: str, inbox_path: Path, folder: str,
                sha: str | None, size: int | None, not_regular: bool = False, kept: int | None = None) -> Record:
    """A record; names are stored as :func:`cpip.intake.inbox.shown` gives them (safe to print and store)."""
    from cpip.intake.inbox import shown

    return Record(number, iso(received_at), run_id, shown(inbox_path), shown(folder), shown(inbox_path.name), sha, size,
                  not_regular, kept)
