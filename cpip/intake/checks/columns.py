"""Column-level rules: run the Great Expectations suites in ``expectations/`` over a batch.

Every return taken in a run is staged into three pandas DataFrames (covers, progress
rows, indicator rows), each row carrying a surrogate ``_rid``; the suites run once per
batch on GX's pandas datasource (its SQL datasource does not work with DuckDB), and
``unexpected_index_column_names=["_rid"]`` maps each failure back to its file, sheet,
row and column. The rule id and the officer-facing wording of each failure come from
the expectation's ``meta`` and :mod:`cpip.reference.rules`.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cpip.core.faults import fault
from cpip.intake.model import COVER_FIELDS, DATE_COLUMNS, INDICATOR_COLUMNS, PROGRESS_COLUMNS, ReturnFile
from cpip.reference.tables import Reference
from cpip.core.values import QUOTE_LIMIT, canonical_date, canonical_number, cut, display, is_blank, text

log = logging.getLogger("cpip.intake.checks")

SUITES = ("cover", "progress", "indicators")

# How each staged column is made from a raw cell.
_DATE_COLS = DATE_COLUMNS
_NUMBER_COLS = {"percent_complete", "value"}
_EMPTY_NOT_NULL = {"item_id", "status", "percent_complete", "indicator_id"}  # blanks must fail in-set / regex


@dataclass(frozen=True)
class ColumnFailure:
    file: int  # index of the file in the batch
    part: str  # "cover", "progress" or "indicators"
    row: int | None
    column: str
    rule: str
    what: str  # the officer-facing description, with the value filled in
    raw: Any  # the value as the officer wrote it


def load_suite(name: str) -> dict:
    """A suite's JSON, read from the installed package."""
    return json.loads(resources.files("cpip.expectations").joinpath(f"{name}.json").read_text(encoding="utf-8"))


def stage_value(column: str, raw: Any) -> Any:
    if column in _DATE_COLS:
        return canonical_date(raw)
    if column in _NUMBER_COLS:
        v = canonical_number(raw)
    elif column == "status":
        v = None if is_blank(raw) else display(raw).strip().lower()
    else:
        v = text(raw)
    if v is None and column in _EMPTY_NOT_NULL:
        return ""
    return v


@dataclass
class StagedBatch:
    frames: dict[str, Any]  # suite name -> DataFrame
    where: dict[str, list[tuple[int, int | None, dict]]]  # suite -> per _rid: (file, row, raw values)


def stage(batch: list[tuple[int, ReturnFile, set[str]]]) -> StagedBatch:
    """Stage the parts to check. ``batch`` holds (file index, return, parts to check)."""
    import pandas as pd

    cols = {"cover": list(COVER_FIELDS), "progress": list(PROGRESS_COLUMNS), "indicators": list(INDICATOR_COLUMNS)}
    records: dict[str, list[dict]] = {k: [] for k in cols}
    where: dict[str, list] = {k: [] for k in cols}
    for idx, rf, parts in batch:
        if "cover" in parts:
            raw = {k: rf.cover_value(k) for k in COVER_FIELDS}
            row = {k: stage_value(k, v) for k, v in raw.items()}
            row["_rid"] = len(where["cover"])
            records["cover"].append(row)
            where["cover"].append((idx, None, raw))
        for name in ("progress", "indicators"):
            part = getattr(rf, name)
            if name not in parts or part is None:
                continue
            for n, values in part.rows:
                row = {c: stage_value(c, values.get(c)) for c in cols[name]}
                row["_rid"] = len(where[name])
                records[name].append(row)
                where[name].append((idx, n, values))
    frames = {}
    for name, recs in records.items():
        if recs:
            df = pd.DataFrame.from_records(recs, columns=[*cols[name], "_rid"])
            for c in cols[name]:
                df[c] = df[c].astype(object)
            frames[name] = df
    return StagedBatch(frames, where)


def _import_great_expectations():
    """Great Expectations and its progress-bar settings, imported with the cyclic garbage collector
    paused. The import makes about 250,000 objects that live as long as the process: collecting
    while they are made costs about 0.35 s of its 2.5 s, and walking them again costs every later
    collection, the one at the process's exit included (about 0.4 s). So they are frozen
    (:func:`gc.freeze`: never collected, as they never become garbage) and collection goes on."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    enabled = gc.isenabled()
    gc.disable()
    try:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    return gx, ProgressBarsConfig


class _Runner:
    """A GX ephemeral context with one validation definition per suite, made once per process."""

    def __init__(self) -> None:
        gx, ProgressBarsConfig = _import_great_expectations()

        for name in list(logging.root.manager.loggerDict):
            if name.startswith("great_expectations"):
                logging.getLogger(name).setLevel(logging.ERROR)
        logging.getLogger("great_expectations").setLevel(logging.ERROR)

        self.gx = gx
        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = ctx.data_sources.add_pandas("cpip").add_dataframe_asset("returns")
        bd = asset.add_batch_definition_whole_dataframe("batch")
        self.defs = {}
        self.meta = {}
        for name in SUITES:
            d = load_suite(name)
            suite = ctx.suites.add(gx.ExpectationSuite(name=d["name"], expectations=d["expectations"], meta=d.get("meta")))
            self.defs[name] = ctx.validation_definitions.add(gx.ValidationDefinition(name=f"{name}_vd", data=bd, suite=suite))

    def run(self, name: str, df, params: dict) -> list[tuple[dict, list[dict]]]:
        """The suite's failures, each with the ``_rid`` of every row that fails it. A first pass
        asks only whether each expectation holds (cheap); the rows are asked for only when one fails."""
        res = self.defs[name].run(batch_parameters={"dataframe": df}, expectation_parameters=params,
                                  result_format={"result_format": "BOOLEAN_ONLY"})
        if all(r.success for r in res.results):
            return []
        res = self.defs[name].run(
            batch_parameters={"dataframe": df},
            expectation_parameters=params,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["_rid"]},
        )
        out = []
        for r in res.results:
            if r.success:
                continue
            info = r.exception_info or {}
            if isinstance(info, dict) and info.get("raised_exception"):
                raise RuntimeError(f"Expectation {r.expectation_config.type} failed to run: {info.get('exception_message')}")
            out.append((r.expectation_config.meta or {}, r.expectation_config.kwargs.get("column"),
                        r.result.get("unexpected_index_list") or []))
        return out


_RUNNER: list[_Runner] = []  # the one runner of this process, once made
_MAKING = threading.Lock()  # held while it is made: a caller waits for a runner being made elsewhere


def runner() -> _Runner:
    """The process's runner, made on first use (importing Great Expectations takes about 2.5 s)."""
    with _MAKING:
        if not _RUNNER:
            _RUNNER.append(_Runner())
        return _RUNNER[0]


def prepare_in_background() -> None:
    """Start making the runner in a background thread, so that importing Great Expectations overlaps
    the settle wait and the archive move; :func:`runner` then waits for it. A failure there is not
    raised here: the check step, calling :func:`runner` itself, meets it where it is confined to the
    files it checks. The thread is not a daemon: a run that needs no check (only duplicates, say)
    waits for it before the process exits rather than stopping an import half-way."""
    if _RUNNER:
        return

    def make() -> None:
        try:
            runner()
        except Exception as exc:
            log.warning("the column rules could not be prepared ahead (%s); the check step tries again", fault(exc))

    threading.Thread(target=make, name="cpip-prepare-checks", daemon=False).start()


def run_column_rules(batch: list[tuple[int, ReturnFile, set[str]]], ref: Reference) -> list[ColumnFailure]:
    """All column-level failures in the batch, in file, part and row order."""
    staged = stage(batch)
    if not staged.frames:
        return []
    params = {
        "partner_codes": sorted(ref.partners),
        "item_ids": list(ref.items),
        "indicator_ids": list(ref.indicators),
    }
    failures: list[ColumnFailure] = []
    r = runner()
    for name, df in staged.frames.items():
        for meta, column, unexpected in r.run(name, df, params):
            for u in unexpected:
                rid = int(u["_rid"])
                idx, row, raw = staged.where[name][rid]
                raw_value = raw.get(column)
                shown = display(raw_value).strip() if raw_value is not None else ""
                what = meta["what"].format(value=cut(shown, QUOTE_LIMIT), length=f"{len(shown):,}")
                if name == "cover":
                    row = None  # filled in from the cover cell by the caller
                failures.append(ColumnFailure(idx, name, row, column, meta["rule"], what, raw_value))
    order = {"cover": 0, "progress": 1, "indicators": 2}
    failures.sort(key=lambda f: (f.file, order[f.part], f.row or 0))
    return failures
