"""Reading and checking files within a budget, so that no file can hold the home or stop the others.

The intake steps that cost in proportion to a file's content, reading it (:func:`read_files`) and
checking it (:func:`check_files`), run in watched child processes (:mod:`cpip.core.watchdog`),
a few files at a time: a group of files goes to one child (groups are bounded in files and bytes,
so that a legitimate group is far within the budget). When a group's child runs past the budget
(``[intake] watchdog_seconds`` and ``watchdog_memory_mb``) or dies, each of its files is run again
in a child of its own, and a file that overruns alone is faulted, alone: it is loaded as faulted
(the officer is told we kept it), so that no later intake or rebuild takes it again until
`cpip retry`. Whatever a file costs, the run goes on with the others and ends, releasing the lock.

The children are forks: the rule suites made in this process (:func:`runner`) are theirs for
nothing; they never touch the warehouse, which only this process opens.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Callable

from cpip.core.faults import STEP_WORDS
from cpip.core.settings import Settings
from cpip.core.watchdog import Budget, ChildFailed, Overrun, run_within
from cpip.intake import steps
from cpip.intake.archive import Archive, Record
from cpip.reference.tables import Reference

log = logging.getLogger("cpip.intake.guard")

GROUP_FILES = 400  # the most files one child reads or checks
GROUP_BYTES = 4_000_000  # and the most bytes (a return is a few kilobytes; 10,000 rows are about 2 MB)


def budget(settings: Settings) -> Budget:
    s = settings.intake
    return Budget(s.watchdog_seconds, s.watchdog_memory_mb * 2**20)


def _groups(items: list, size: Callable) -> list[list]:
    out: list[list] = []
    n = 0
    for item in items:
        if not out or len(out[-1]) >= GROUP_FILES or n + size(item) > GROUP_BYTES:
            out.append([])
            n = 0
        out[-1].append(item)
        n += size(item)
    return out


def _size(h) -> int:
    return h.record.size or 0


def _guarded(step: str, work: Callable, handled: list, group_of: list[int], b: Budget) -> dict[int, object]:
    """``work(handlings)`` for each group of indexes in ``group_of`` split into groups, each in a
    watched child; {index: its new handling (or None: left pending)}. A group that overruns is
    run again file by file; a file that overruns alone is faulted in ``step``."""
    out: dict[int, object] = {}
    todo = _groups(group_of, lambda i: _size(handled[i]))
    while todo:
        group = todo.pop(0)
        try:
            for i, new in zip(group, run_within(b, work, [handled[i] for i in group])):
                out[i] = new
            continue
        except (Overrun, ChildFailed) as exc:
            why = exc.what if isinstance(exc, Overrun) else f"stopped: {exc}"
        if len(group) > 1:
            doing = STEP_WORDS[step].removesuffix(" it")  # "reading", "checking"
            log.warning("%s %d files together %s; %s them one by one", doing, len(group), why, doing)
            todo = [[i] for i in group] + todo
            continue
        h = handled[group[0]]
        log.error("file %d (%s) %s while %s, and was stopped", h.record.number, h.record.inbox_path, why,
                  STEP_WORDS[step])
        out[group[0]] = h.faulted(step, None, place=f"watchdog: {why}")
    return out


def read_files(settings: Settings, records: list[Record]) -> list:
    """Read each pending file from the archive (:func:`steps.triage`, then :func:`steps.read_one` in
    watched children) and spot duplicates of earlier files."""
    handled, to_read = steps.triage(settings, records)
    if not to_read:
        return handled
    archive = Archive(settings.archive)
    read = _guarded("read", lambda hs: [steps.read_one(archive, h) for h in hs], handled, to_read, budget(settings))
    return steps.kept(handled, read)


def check_files(settings: Settings, ref: Reference, handled: list) -> list:
    """:func:`steps.check_files`, in watched children; the rule suites are made here first (the
    children share them), unless they cannot be (then each child meets the fault itself)."""
    to_check = [i for i, h in enumerate(handled) if h.rf is not None]
    if not to_check:
        return handled
    from cpip.intake.checks.columns import runner

    try:
        runner()
    except Exception:  # noqa: BLE001: confined below, file by file, as check_files confines it
        pass
    def check(hs: list) -> list:  # the rows read are this process's already: not sent back
        return [dataclasses.replace(h, rf=None) for h in steps.check_files(ref, hs)]

    checked = _guarded("check", check, handled, to_check, budget(settings))
    return [h if i not in checked else
            checked[i] if checked[i].fault is not None else dataclasses.replace(checked[i], rf=h.rf)
            for i, h in enumerate(handled)]
