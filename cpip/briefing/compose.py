"""What the quarterly briefing says, built only from the marts.

:func:`read_cycle_data` reads the marts (``sql/marts``) for a period; :func:`briefing_json` turns them into
``briefing.json`` exactly as interfaces.md defines it; :func:`annex_json` holds what the
briefing prints besides figures (titles, partner names, narratives, risks, warnings)
and the trend series, which are the national totals of every period held, computed by
the same marts. The HTML and PDF are rendered only from these documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cpip.briefing.disclosure import Protection, protect, rules_for
from cpip.briefing.flags import attention_flags, on_track_flags
from cpip.core.periods import Period, iso, iso_day, uk_date
from cpip.reference.tables import Reference
from cpip.core.vocabulary import NO_RETURN, STATUSES

STATUS_ORDER = (*STATUSES, NO_RETURN)  # briefing.json's totals, in the order interfaces.md lists them
MOVEMENTS = ("improved", "worsened", "unchanged", "new")

# The time the latest file was received: the briefing includes everything up to it.
DATA_CUTOFF = "SELECT max(received_at) FROM submissions"
# The files behind a list of submissions, for the lineage of the briefing's figures.
SUBMISSION_SOURCES = """
SELECT submission_id, sha256, original_name, folder, received_at
FROM submissions WHERE submission_id IN (SELECT unnest($ids)) ORDER BY submission_id
"""


def _rows(con, query: str, params: dict | None = None) -> list[dict]:
    cur = con.execute(query, params or {})
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _mart(con, mart: str, period: Period) -> list[dict]:
    """Every row of one mart of sql/marts (a table macro of the period)."""
    return _rows(con, f"SELECT * FROM {mart}($p)", {"p": str(period)})


@dataclass
class CycleData:
    period: Period
    due_date: Any
    items: list[dict]
    contributors: list[dict]
    totals: list[dict]
    movement: list[dict]
    returns: list[dict]
    indicator_values: list[dict]
    national: list[dict]
    warnings: list[dict]
    trends: list[dict]  # per period held: {"period", "national", "cpcs", "reporting_cpcs", "by_partner"}
    data_cutoff: datetime | None
    files_used: int
    sources: dict  # submission_id -> {sha256, file, folder, received_at}
    history: list[dict] = field(default_factory=list)  # mart_status_history: every item in every quarter held
    explained: list[dict] = field(default_factory=list)  # warnings the officer answered (returns.md §11)
    comparison: list[dict] = field(default_factory=list)  # mart_indicator_comparison: like with like
    not_updated: list[dict] = field(default_factory=list)  # mart_items_not_updated: No return, and what was last said
    unchanged: list[dict] = field(default_factory=list)  # mart_unchanged_rows: rows as last quarter's


def read_cycle_data(con, period: Period, due_days: int) -> CycleData:
    """Every figure of the period, and of the quarters held before it, from the marts."""
    due = period.due_date(due_days)
    items = _mart(con, "mart_item_status", period)
    contributors = _mart(con, "mart_item_contributors", period)
    values = _mart(con, "mart_indicator_values", period)
    warnings = _mart(con, "mart_open_warnings", period)
    used = {r["source_submission"] for r in items if r["source_submission"]}
    used |= {r["source_submission"] for r in contributors if r["source_submission"]}
    used |= {r["source_submission"] for r in values}
    used |= {w["submission_id"] for w in warnings}
    sources = {r["submission_id"]: {"sha256": r["sha256"], "file": r["original_name"], "folder": r["folder"],
                                    "received_at": iso(r["received_at"])}
               for r in (_rows(con, SUBMISSION_SOURCES, {"ids": sorted(used)}) if used else [])}
    return CycleData(
        period, due, items, contributors,
        totals=_mart(con, "mart_status_totals", period),
        movement=_mart(con, "mart_movement_totals", period),
        returns=_mart(con, "mart_returns", period),
        indicator_values=values,
        national=_mart(con, "mart_indicator_national", period),
        warnings=warnings,
        trends=_trends(_mart(con, "mart_indicator_history", period),
                       _mart(con, "mart_indicator_national_history", period)),
        data_cutoff=con.execute(DATA_CUTOFF).fetchone()[0],
        files_used=len(used), sources=sources,
        history=_mart(con, "mart_status_history", period),
        explained=_mart(con, "mart_explained_warnings", period),
        comparison=_mart(con, "mart_indicator_comparison", period),
        not_updated=_mart(con, "mart_items_not_updated", period),
        unchanged=_mart(con, "mart_unchanged_rows", period))


COMPARED = ("current", "current_cpcs", "previous", "previous_cpcs", "matched_cpcs", "current_matched",
            "previous_matched", "change")


def comparisons(data: CycleData) -> dict:
    """annex.json's ``comparisons``: each indicator this quarter against the one before, the change
    taken over the committees that reported it in both (sql/marts/42_mart_indicator_comparison.sql)."""
    return {"previous_period": str(data.period.previous()),
            "indicators": {r["indicator_id"]: {k: None if r[k] is None else int(r[k]) for k in COMPARED}
                           for r in data.comparison}}


def _trends(values: list[dict], national: list[dict]) -> list[dict]:
    """Per period (oldest first): the national totals, how many CPCs have a value behind each
    (``cpcs``), how many CPCs reported, and each CPC's values."""
    by_period: dict[str, dict] = {}
    for r in national:
        t = by_period.setdefault(r["period"], {"period": r["period"], "national": {}, "cpcs": {}, "reporting_cpcs": 0,
                                              "by_partner": {}})
        t["national"][r["indicator_id"]] = r["total"]
        t["cpcs"][r["indicator_id"]] = int(r["cpcs_with_value"])
        t["reporting_cpcs"] = int(r["reporting_cpcs"])
    for r in values:
        by_period[r["period"]]["by_partner"].setdefault(r["partner_code"], {})[r["indicator_id"]] = r["value"]
    for t in by_period.values():
        t["by_partner"] = dict(sorted(t["by_partner"].items()))
    return [by_period[k] for k in sorted(by_period)]


def lineage(data: CycleData) -> dict:
    """Where each figure of briefing.json came from: figure path -> submission ids, and the files."""
    figures: dict[str, list[int]] = {}
    for r in data.items:
        if r["source_submission"]:
            figures[f"items.{r['item_id']}.status"] = [r["source_submission"]]
    for c in data.contributors:
        if c["source_submission"]:
            figures[f"items.{c['item_id']}.contributors.{c['partner_code']}"] = [c["source_submission"]]
    for v in data.indicator_values:
        figures[f"indicators.by_partner.{v['partner_code']}.{v['indicator_id']}"] = [v["source_submission"]]
        figures.setdefault(f"indicators.national.{v['indicator_id']}", []).append(v["source_submission"])
    for w in data.warnings:
        key = f"data_quality.by_rule.{w['rule']}"
        if w["submission_id"] not in figures.setdefault(key, []):
            figures[key].append(w["submission_id"])
    return {"period": str(data.period), "figures": figures,
            "submissions": {str(k): v for k, v in sorted(data.sources.items())}}


def _by_partner(values: list[dict]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in values:
        out.setdefault(r["partner_code"], {})[r["indicator_id"]] = r["value"]
    return out


def briefing_json(data: CycleData, generated_at: datetime) -> dict:
    """``briefing.json``: exactly the schema of interfaces.md."""
    contrib: dict[str, list] = {}
    for c in data.contributors:
        contrib.setdefault(c["item_id"], []).append({"partner_code": c["partner_code"], "status": c["status"]})
    items = [{
        "item_id": r["item_id"], "kind": r["kind"], "workstream": r["workstream"],
        "status": r["status"], "rag": r["rag"], "percent_complete": r["percent_complete"],
        "previous_status": r["previous_status"], "movement": r["movement"],
        "lead_partner": r["lead_partner"], "contributors": contrib.get(r["item_id"], []),
    } for r in data.items]
    totals: dict[str, dict[str, int]] = {}
    for t in data.totals:
        totals.setdefault(t["kind"], {s: 0 for s in STATUS_ORDER})[t["status"]] = int(t["n"])
    movement = {m: 0 for m in MOVEMENTS}
    for m in data.movement:
        movement[m["movement"]] = int(m["n"])
    by_state: dict[str, list[str]] = {"accepted": [], "late": [], "missing": [], "rejected_only": []}
    for r in data.returns:
        by_state[r["state"]].append(r["partner_code"])
    national = {r["indicator_id"]: (None if r["total"] is None else int(r["total"])) for r in data.national}
    by_rule: dict[str, int] = {}
    for w in data.warnings:
        by_rule[w["rule"]] = by_rule.get(w["rule"], 0) + 1
    return {
        "period": str(data.period),
        "generated_at": iso(generated_at),
        "items": items,
        "totals": totals,
        "movement": movement,
        "returns": {
            "expected": len(data.returns),
            "accepted": len(by_state["accepted"]) + len(by_state["late"]),
            "late": sorted(by_state["late"]),
            "missing": sorted(by_state["missing"]),
            "rejected_only": sorted(by_state["rejected_only"]),
        },
        "indicators": {
            "national": national,
            "reporting_cpcs": int(data.national[0]["reporting_cpcs"]) if data.national else 0,
            "by_partner": {p: v for p, v in sorted(_by_partner(data.indicator_values).items())},
        },
        "data_quality": {"open_warnings": len(data.warnings), "by_rule": dict(sorted(by_rule.items()))},
    }


def annex_json(data: CycleData, ref: Reference, run_id: str, generated_at: datetime, suppress_below: int,
               due_days: int, programme: str = "", covering_note: str | None = None,
               headline_indicators: tuple[str, ...] = (), protection: Protection | None = None) -> dict:
    """What the briefing prints besides briefing.json's figures, and the trend series (both forms).

    ``covering_note`` is the programme office's note (plain text or simple Markdown) that opens
    page 1 as "From the programme office" when the briefing was approved with one; always
    rendered as text, never as HTML. ``protection`` is the publication's suppression of every
    quarter held (:func:`cpip.briefing.disclosure.protect`; by default, against no earlier version).
    """
    if protection is None:
        protection = protect(data.trends, rules_for(ref, suppress_below))
    trends_public = []
    for t in data.trends:
        shown = protection.quarter(t["period"])
        trends_public.append({"period": t["period"], "national": shown["national"], "cpcs": t["cpcs"],
                              "reporting_cpcs": t["reporting_cpcs"], "by_partner": shown["by_partner"]})
    return {
        "programme": programme,
        "period": str(data.period),
        "covering_note": covering_note or None,
        "due_date": data.due_date.isoformat(),
        "run_id": run_id,
        "generated_at": iso(generated_at),
        "data_cutoff": iso(data.data_cutoff) if data.data_cutoff else None,
        "files_used": data.files_used,
        "provisional": generated_at.date() <= data.due_date,
        "items": {r["item_id"]: {
            "title": r["title"], "number": r["number"], "target_date": iso_day(r["target_date"]),
            "narrative": r["narrative"], "risks": r["risks"],
            "recovery_action": r["recovery_action"], "ask": r["ask"], "milestone": r["milestone"],
            "milestone_due": iso_day(r["milestone_due"]), "forecast_completion": iso_day(r["forecast_completion"]),
            "confirmed": ref.items[r["item_id"]].confirmed if r["item_id"] in ref.items else True,
        } for r in data.items},
        "partners": {p.partner_code: {"name": p.name, "cpc": p.reports_indicators} for p in ref.partners.values()},
        "indicators": {i.indicator_id: {"label": i.label, "unit": i.unit, "part_of": i.part_of}
                       for i in ref.indicators.values()},
        "indicator_notes": [{"partner_code": v["partner_code"], "indicator_id": v["indicator_id"], "note": v["note"]}
                            for v in data.indicator_values if v["note"]],
        "returns": [{"partner_code": r["partner_code"], "state": r["state"], "files": int(r["files"]),
                     "first_accepted_at": iso(r["first_accepted_at"]) if r["first_accepted_at"] else None}
                    for r in data.returns],
        "warnings": [{k: w[k] for k in ("partner_code", "rule", "sheet", "row", "column", "value", "message")}
                     for w in data.warnings],
        "comparisons": comparisons(data),
        "headline_indicators": [i for i in headline_indicators if i in ref.indicators] or list(ref.indicators),
        "items_not_updated": [{"item_id": r["item_id"], "last_status": r["last_status"], "last_period": r["last_period"]}
                              for r in data.not_updated],
        # The partners whose current progress part has rows identical to their last accepted ones for
        # the quarter before (sql/staging/40_stg_unchanged_rows.sql): the restricted form's Annex C.
        "unchanged_rows": [{"partner_code": r["partner_code"], "unchanged": int(r["unchanged"]), "rows": int(r["rows"])}
                           for r in data.unchanged],
        # Partner text, printed only in the restricted form (templates/_explained_queries.html.j2).
        "explained_warnings": [{k: w[k] for k in ("partner_code", "rule", "sheet", "row", "column", "value", "message",
                                                  "explanation")} for w in data.explained],
        # Every quarter held: national totals, how many CPCs each covers, each CPC's values (the
        # charts and the figures spreadsheet; the publication's, suppressed, in trends_publication).
        "trends": [{k: t[k] for k in ("period", "national", "cpcs", "reporting_cpcs", "by_partner")}
                   for t in data.trends],
        "trends_publication": trends_public,
        "suppress_below": suppress_below,
        # What the publication suppresses and why (returns.md §10): counts, national totals and
        # figures an earlier approved version showed (the restricted form's Annex C lists them).
        "disclosure": protection.report,
        "due_days": due_days,
        "status_history": status_history(data.history),
        "on_track_flags": on_track_flags(data.history, str(data.period)),
        "attention_flags": attention_flags(data.items, data.contributors, data.history, str(data.period),
                                           uk_date(generated_at),
                                           {p.partner_code: p.name for p in ref.partners.values()}),
    }


def status_history(history: list[dict]) -> dict[str, list[dict]]:
    """Each item's status, percent complete, forecast and movement in every quarter held, oldest first."""
    out: dict[str, list[dict]] = {}
    for r in history:
        out.setdefault(r["item_id"], []).append({
            "period": r["period"], "status": r["status"], "percent_complete": r["percent_complete"],
            "forecast_completion": iso_day(r["forecast_completion"]), "movement": r["movement"]})
    return out

