"""The inbox: find the files partners dropped, and decide which have settled.

``inbox/<partner_code>/`` is one partner's drop folder. Only regular files directly
in ``inbox/`` or directly in one of its folders are looked at; nothing deeper. Lock
files (``~$*``), hidden files (``.*``) and partial downloads (``*.tmp``, ``*.part``,
``*.crdownload``) are ignored and left alone. Links are never followed: a symbolic
link, or a file with more than one hard link (its bytes may be any file on the disk),
is reported once (F01) and removed from the inbox, unopened. A partner folder that is a
symbolic link (an operator mapping a share) is reported once to the operator and left in
place, as is a folder inside a partner's folder (files in it are not taken). Other special
files (pipes, sockets) are left alone and logged.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import time
from cpip.core.text import escaped_controls
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("cpip.intake.inbox")

IGNORED_SUFFIXES = (".tmp", ".part", ".crdownload")


@dataclass(frozen=True)
class Found:
    path: Path  # absolute path in the inbox
    folder: str  # the folder directly under inbox/ ("" for inbox/ itself)
    is_symlink: bool  # a link (symbolic, or a file with other hard links): never opened
    size: int
    mtime_ns: int
    seen_at: float = 0.0  # time.monotonic() when the scan saw it

    @property
    def relative(self) -> str:
        return f"{self.folder}/{self.path.name}" if self.folder else self.path.name




def shown(path: object) -> str:
    """A file name or path as it may safely be shown and stored: bytes that are not valid UTF-8
    (kept by the OS as surrogate escapes) and control characters become visible escapes such as
    ``\\xff``. Used for every record, receipt, JSON output and log line; the file itself is
    always reached by its real path. (A name is at most 255 bytes, so at most 1,020 characters
    shown; receipts' own file names are cut shorter.)"""
    raw = os.fspath(path)
    text = raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return escaped_controls(text)


def ignored(name: str) -> bool:
    low = name.lower()
    return name.startswith(".") or name.startswith("~$") or low.endswith(IGNORED_SUFFIXES)


class Notices:
    """What the operator has been told once about the inbox (kept in ``archive/notices.json``), so a
    link or a sub-folder left in place is logged once, not at every run."""

    def __init__(self, path: Path | None):
        self.path = path
        try:
            self.told: set[str] = set(json.loads(path.read_text(encoding="utf-8"))) if path else set()
        except (OSError, ValueError):
            self.told = set()
        self.new = False

    def tell(self, key: str, message: str, *args) -> None:
        if key not in self.told:
            log.warning(message, *args)
            self.told.add(key)
            self.new = True

    def save(self) -> None:
        if self.new and self.path is not None and self.path.parent.is_dir():
            from cpip.core.files import write_atomically

            write_atomically(self.path, json.dumps(sorted(self.told), indent=1))


def _entries(folder: Path, name: str, notices: Notices, top: bool = False) -> list[Found]:
    out: list[Found] = []
    try:
        it = os.scandir(folder)
    except OSError as exc:
        log.warning("cannot list %s: %s", shown(folder), exc.strerror)
        return out
    with it:
        for e in it:
            if ignored(e.name):
                continue
            try:
                st = os.lstat(e.path)
            except OSError:
                continue  # vanished between listing and looking
            now = time.monotonic()
            if top and stat.S_ISLNK(st.st_mode) and os.path.isdir(e.path):
                notices.tell(f"linked-folder {shown(e.path)}", "%s is a symbolic link to a folder; it is never "
                             "followed and is left in place. Make it a real folder (or mount the share there) for "
                             "its files to be taken.", shown(e.path))
            elif stat.S_ISLNK(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_nlink > 1):
                out.append(Found(Path(e.path), name, True, 0, st.st_mtime_ns, now))  # a link: never opened
            elif stat.S_ISREG(st.st_mode):
                out.append(Found(Path(e.path), name, False, st.st_size, st.st_mtime_ns, now))
            elif stat.S_ISDIR(st.st_mode):
                if not top:
                    notices.tell(f"sub-folder {shown(e.path)}", "%s is a folder inside a partner's folder: files "
                                 "in it are not taken. Move them up into the partner's folder.", shown(e.path))
            else:
                log.warning("left alone %s: not a regular file", shown(e.path))
    return out


def scan(inbox: Path, notices_file: Path | None = None) -> list[Found]:
    """Every candidate in the inbox, in path order (the order files are taken). ``notices_file``:
    where what the operator has been told once is kept (else they are told at every scan)."""
    found: list[Found] = []
    if not inbox.is_dir():
        return found
    notices = Notices(notices_file)
    found += _entries(inbox, "", notices, top=True)
    try:
        with os.scandir(inbox) as it:
            folders = [e for e in it if e.is_dir(follow_symlinks=False) and not ignored(e.name)]
    except OSError:
        folders = []
    for f in sorted(folders, key=lambda e: e.name):
        found += _entries(Path(f.path), f.name, notices)
    try:
        notices.save()
    except OSError as exc:
        log.warning("could not keep what the operator was told (%s)", exc.strerror)
    found.sort(key=lambda x: x.relative)
    return found


def settle(found: list[Found], seconds: float) -> list[Found]:
    """Those files whose size and modification time did not change over ``seconds``.

    One wait per run, however many files, counted from when the scan saw them (so work done
    meanwhile, such as loading the rule suites, is not waited for twice); symbolic links need no
    settling.
    """
    files = [f for f in found if not f.is_symlink]
    if files and seconds > 0:
        remaining = seconds - (time.monotonic() - min(f.seen_at for f in files))
        if remaining > 0:
            time.sleep(remaining)
    out: list[Found] = []
    for f in found:
        if f.is_symlink:
            out.append(f)
            continue
        try:
            st = os.lstat(f.path)
        except OSError:
            continue  # gone: someone took it back
        if stat.S_ISREG(st.st_mode) and st.st_size == f.size and st.st_mtime_ns == f.mtime_ns:
            out.append(f)
        else:
            log.info("still changing, left for the next run: %s", shown(f.path))
    return out
