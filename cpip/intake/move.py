"""The archive move: from the inbox into the archive, then out of the inbox, losing nothing.

For each settled file (in path order):

1. it is opened without following a symbolic link and streamed into the archive, hashed on
   the way (memory holds one chunk, whatever the file's size); a file that changed while it
   was being read is left for the next run;
2. its archive record (received time, original name and folder, SHA-256) is written durably;
3. only then is it removed from the inbox, by renaming it aside and checking that what was
   renamed is the very file that was read (same inode, size and modification time): a file a
   partner re-saved under the same name in the meantime is put back, never deleted, and is
   taken as a new file by the next run.

A file that cannot be removed (the service account may read the folder but not delete from
it) is archived and handled once; it is then listed in ``archive/left-in-inbox.json`` so that
later runs do not take it again while it is unchanged, and the operator is told in the log.
A symbolic link is recorded as not a regular file and the link itself removed.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cpip.intake.archive import Archive, Record, make_record
from cpip.core.faults import fault
from cpip.intake.inbox import Found, shown
from cpip.core.settings import Settings
from cpip.core.values import MAX_FILE_BYTES

log = logging.getLogger("cpip.intake.move")

_HOLD = ".cpip-taking-"  # a file being removed is renamed to this + its record number (hidden: never scanned)


@dataclass(frozen=True)
class _Read:
    sha256: str
    size: int
    identity: tuple  # (device, inode, size, mtime_ns) of the file that was read
    kept: int | None = None  # over the size limit: only this many first bytes were kept


class LeftInInbox:
    """Files archived and handled but not removable from the inbox: not taken again while unchanged."""

    def __init__(self, archive: Archive):
        self.path = archive.root / "left-in-inbox.json"
        try:
            self.entries: dict[str, dict] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.entries = {}
        self.changed = False

    @staticmethod
    def key(path: Path) -> str:
        return os.fsencode(path).hex()  # the real bytes of the name, whatever its encoding

    def holds(self, path: Path, sha: str) -> bool:
        e = self.entries.get(self.key(path))
        return e is not None and e["sha256"] == sha

    def add(self, path: Path, rec: Record, reason: str) -> None:
        self.entries[self.key(path)] = {"file": rec.inbox_path, "sha256": rec.sha256, "record": rec.number,
                                        "received_at": rec.received_at, "reason": reason}
        self.changed = True

    def forget_gone(self) -> None:
        """Drop entries whose file is no longer in the inbox (someone removed it by hand)."""
        for k in list(self.entries):
            if not os.path.lexists(os.fsdecode(bytes.fromhex(k))):
                del self.entries[k]
                self.changed = True

    def save(self, archive: Archive) -> None:
        if self.changed:
            archive.write_durably(self.path, json.dumps(self.entries, indent=1, sort_keys=True).encode())


def take_files(settings: Settings, settled: list[Found], run_id: str, pending: list[Record]) -> list[Record]:
    """Archive each settled file durably, then remove it from the inbox (see the module's doc).

    In three passes, so that the folders' syncs are made once per run rather than once per file:
    every file's bytes into the archive (each synced), then their folders synced; every record
    written (each synced), then the records' folder synced; only then each file removed from the
    inbox. A file left in the inbox by a run that crashed after archiving it (same path and bytes
    as a record not yet loaded) is removed, not taken twice. A fault with one file (anything at
    all) leaves that file in the inbox for the next run and never stops the others.
    """
    archive = Archive(settings.archive, oversize_keep=settings.intake.oversize_keep_bytes)
    archive.ensure()
    archive.clear_partial_writes()
    _recover_held(settings.inbox, archive)
    left = LeftInInbox(archive)
    left.forget_gone()
    read: list[tuple[Found, _Read | None]] = []
    for f in settled:
        try:
            r = None if f.is_symlink else _stream_into_archive(archive, f.path)
        except Exception as exc:
            log.error("could not take %s (%s); it is left in the inbox for the next run", shown(f.path), fault(exc))
            continue
        if f.is_symlink or r is not None:
            read.append((f, r))
    archive.sync_folders(archive.object_path(r.sha256).parent for _, r in read if r is not None)
    number = archive.next_number()
    leftovers = {(r.inbox_path, r.sha256): r for r in pending}
    recorded: list[tuple[Found, _Read | None, Record, bool]] = []  # (file, read, its record, taken now)
    for f, r in read:
        if not f.is_symlink and (shown(f.path), r.sha256) in leftovers:
            recorded.append((f, r, leftovers[(shown(f.path), r.sha256)], False))  # only to be removed
            continue
        if not f.is_symlink and left.holds(f.path, r.sha256):
            continue  # already handled and reported; still waiting to be removed by hand
        try:
            rec = make_record(number, settings.now, run_id, f.path, f.folder, r.sha256 if r else None,
                              r.size if r else None, not_regular=f.is_symlink, kept=r.kept if r else None)
            archive.add_record(rec, sync_dir=False)
        except Exception as exc:
            log.error("could not take %s (%s); it is left in the inbox for the next run", shown(f.path), fault(exc))
            continue
        recorded.append((f, r, rec, True))
        number += 1
    archive.sync_folders([archive.records])
    taken: list[Record] = []
    journal = _Journal(archive)
    journal.write({f.path.with_name(f"{_HOLD}{rec.number}"): (rec.number, r.identity)
                   for f, r, rec, _ in recorded if r is not None})
    for f, r, rec, now in recorded:
        try:
            _remove(left, f, r, rec, now)
        except Exception as exc:
            log.error("could not remove %s from the inbox (%s); the next run removes it", shown(f.path), fault(exc))
        if now:
            taken.append(rec)
    journal.write({})
    left.save(archive)
    return taken


def _remove(left: LeftInInbox, f: Found, read: _Read | None, rec: Record, taken_now: bool) -> None:
    """Remove a file (or link) from the inbox, now that its record is durable."""
    if f.is_symlink:
        try:
            os.unlink(f.path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            _cannot_remove(left, f.path, rec, exc)
        return
    result = _remove_if_unchanged(f.path, read.identity, rec.number)
    if not taken_now:
        return
    if isinstance(result, OSError):
        _cannot_remove(left, f.path, rec, result)
    elif result == "changed":
        log.warning("%s changed after it was read (saved again under the same name); the version read is "
                    "archived as file %d and the new version is left in the inbox for the next run",
                    rec.inbox_path, rec.number)


def _cannot_remove(left: LeftInInbox, path: Path, rec: Record, exc: OSError) -> None:
    reason = exc.strerror or type(exc).__name__
    left.add(path, rec, reason)
    log.warning("could not remove %s from the inbox (%s). It is archived as file %d and handled once; it will "
                "not be taken again while it is unchanged. Please remove it by hand, or give the service "
                "account permission to delete files in that folder.", rec.inbox_path, reason, rec.number)


def _identity(st: os.stat_result) -> tuple:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _stream_into_archive(archive: Archive, path: Path) -> _Read | None:
    """Stream a regular file into the archive (its folder synced by the caller); None when it
    vanished, is not regular, cannot be opened or read, or changed while it was read (each left
    for the next run). A file over the size limit (refused, F02) is hashed whole but only its first
    ``archive.oversize_keep`` bytes are kept, so that no partner can fill the disk."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("could not open %s (%s); left for the next run", shown(path), exc.strerror)
        return None
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode) or before.st_nlink > 1:  # hard-linked since the scan: the next run refuses it
            return None
        keep = min(archive.oversize_keep, MAX_FILE_BYTES) if before.st_size > MAX_FILE_BYTES else None
        try:
            sha, size = archive.store_stream(fd, sync_dir=False, keep=keep)
        except OSError as exc:
            log.warning("could not read %s into the archive (%s); left for the next run", shown(path), exc.strerror)
            return None
        after = os.fstat(fd)
        if _identity(after) != _identity(before) or size != before.st_size:
            log.info("still changing while it was read, left for the next run: %s", shown(path))
            return None
        return _Read(sha, size, _identity(before), min(keep, size) if keep is not None else None)
    finally:
        os.close(fd)


def _remove_if_unchanged(path: Path, identity: tuple, number: int) -> str | OSError:
    """Remove the file that was read, and only that file: "removed", "changed" (a new version
    was saved in its place and is left, or put back, where the partner put it) or the OSError
    that stopped the removal."""
    hold = path.with_name(f"{_HOLD}{number}")
    try:
        os.rename(path, hold)
    except FileNotFoundError:
        return "removed"  # taken back by its owner; the archived copy stands
    except OSError as exc:
        return exc
    try:
        same = _identity(os.lstat(hold)) == identity
    except FileNotFoundError:
        return "removed"
    if same:
        try:
            os.unlink(hold)
        except OSError as exc:
            _put_back(hold, path)
            return exc
        return "removed"
    _put_back(hold, path)
    return "changed"


def _put_back(hold: Path, path: Path) -> None:
    """Return a held file to the inbox under its own name, or beside it when that name is taken."""
    target = path
    if os.path.lexists(target):
        target = path.with_name(f"{path.stem} (saved again){path.suffix}")
    try:
        os.rename(hold, target)
    except OSError as exc:
        log.error("could not put %s back in the inbox (%s): it is kept as %s", shown(path), exc.strerror, shown(hold))




class _Journal:
    """The files this service is renaming aside (``.cpip-taking-N``) to remove them from the inbox,
    written durably before the first rename and emptied after the last: only a name it lists, for
    the very file it names (same device, inode, size and modification time), is ever recovered, so
    a file someone plants under such a name is never acted on."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self.path = archive.root / "taking.json"

    def write(self, entries: dict[Path, tuple[int, tuple]]) -> None:
        if not entries and not self.path.exists():
            return
        data = {os.fsencode(p).hex(): {"record": n, "identity": list(ident)} for p, (n, ident) in entries.items()}
        self.archive.write_durably(self.path, json.dumps(data, sort_keys=True).encode())

    def read(self) -> dict[Path, tuple[int, tuple]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {Path(os.fsdecode(bytes.fromhex(k))): (v["record"], tuple(v["identity"])) for k, v in data.items()}


def _recover_held(inbox: Path, archive: Archive) -> None:
    """A run killed while removing a file leaves it renamed aside: remove it when it is the archived
    file, else put it back under its name so that the next run takes it. Only the files the
    service's own journal lists are touched (:class:`_Journal`)."""
    journal = _Journal(archive)
    for held, (number, identity) in journal.read().items():
        try:
            if _identity(os.lstat(held)) != identity:
                continue  # not the file this service renamed aside: left alone
            rec = archive.read_record(number)
        except (OSError, ValueError):
            continue
        read = _stream_into_archive(archive, held)
        if read is not None and read.sha256 == rec.sha256:
            archive.sync_folders([archive.kept_path(rec).parent])
            os.unlink(held)
        elif read is not None:
            _put_back(held, held.parent / Path(rec.inbox_path).name)
    journal.write({})
