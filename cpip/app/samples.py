"""Realistic sample returns, written as real .xlsx and .csv files.

Used by ``cpip demo``, the tests and the benchmark. Everything is derived from the
reference data in use (no CPIP-specific ids), deterministic for a given seed, and
consistent with the rules: a sample return passes every error rule unless a caller
changes it to test one.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from cpip.core.periods import Period
from cpip.reference.tables import STOCK_FLOW, Reference
from cpip.core.vocabulary import AT_RISK, BEHIND, COMPLETE, NOT_STARTED, OFF_TRACK, ON_TRACK

PROGRESS_HEADER = ["item_id", "status", "percent_complete", "milestone", "milestone_due",
                   "forecast_completion", "narrative", "risks"]
# Optional Progress columns (returns.md §5, §11) a sample writes only when a row has one.
OPTIONAL_PROGRESS = ["recovery_action", "ask", "explanation"]
COVER_LABELS = [("partner_code", "Partner code"), ("period", "Reporting period"), ("prepared_by", "Prepared by"),
                ("contact_email", "Contact email"), ("signed_off_by", "Signed off by"),
                ("signed_off_on", "Date signed off")]

_FIRST = ["Aileen", "Callum", "Morag", "Euan", "Fiona", "Hamish", "Isla", "Ross", "Kirsty", "Niall", "Shona", "Ewan"]
_LAST = ["MacLeod", "Campbell", "Stewart", "Fraser", "Robertson", "Murray", "Reid", "Sinclair", "Munro", "Wallace"]

_NARRATIVES = {
    NOT_STARTED: "Work is scheduled to begin next quarter once the scoping paper is agreed.",
    ON_TRACK: "Delivery is progressing to plan; the working group met twice this quarter and agreed the next stage.",
    AT_RISK: "Recruitment delays in the project team mean the next milestone may slip; mitigation agreed with the board.",
    OFF_TRACK: "The pilot has paused because a key partner withdrew; a recovery plan goes to the programme board next month.",
    COMPLETE: "Delivered and signed off by the programme board.",
}
# What a lead does about an item behind (the recovery action), each with when it should be back on track.
_RECOVERIES = [
    "Two agency staff start next month to clear the backlog; back on track by {by}.",
    "A revised plan goes to the programme board next month; the pilot restarts by {by}.",
    "Weekly checks with the working group; the overdue stage will be done by {by}.",
    "Funding re-profiled and the contract re-let; work back on track by {by}.",
    "A replacement partner has been found; delivery back on plan by {by}.",
]
_MILESTONES = ["Draft guidance issued for consultation", "Pilot evaluation report", "Training programme launched",
               "Data sharing agreement signed", "Board sign-off of delivery plan"]


@dataclass
class SampleReturn:
    partner_code: str
    period: str
    cover: dict
    progress: list[dict]
    indicators: list[dict] | None = None
    extra: dict = field(default_factory=dict)


# A lead writes its return in the weeks after the quarter ends, so the dates it gives for what comes
# next (milestones, forecasts) fall at least this many days after the quarter's last day: a date the
# briefing finds already passed is one the demo plants on purpose (cpip/app/demo.py).
_AHEAD = 50


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def partner_scale(code: str) -> float:
    """A stable size for a partner (some CPCs are many times bigger than others)."""
    r = random.Random(f"scale:{code}")
    return r.choice([0.15, 0.3, 0.5, 0.8, 1.0, 1.5, 2.5, 4.0, 8.0])


_STEPS = {NOT_STARTED: ([ON_TRACK], [1]), ON_TRACK: ([AT_RISK, COMPLETE], [3, 2]),
          AT_RISK: ([ON_TRACK, OFF_TRACK], [3, 2]), OFF_TRACK: ([AT_RISK], [1])}


def _drifted_status(rng: random.Random, before: str | None) -> str:
    """Next quarter's status of an item as programmes report them: mostly what it was, else one step."""
    if before is None:
        return rng.choices([NOT_STARTED, ON_TRACK, AT_RISK, OFF_TRACK, COMPLETE], weights=[1, 12, 3, 1, 1])[0]
    if before == COMPLETE or rng.random() < 0.8:
        return before
    steps, weights = _STEPS[before]
    return rng.choices(steps, weights=weights)[0]


def make_return(ref: Reference, partner_code: str, period: Period, seed: int = 0,
                signed_off: date | None = None, previous: SampleReturn | None = None,
                drift: bool = False, register_size: int | None = None) -> SampleReturn:
    """A partner's return for a period. With ``drift`` an item's status follows last quarter's
    (mostly unchanged, else one step) and its forecast is kept, as real programmes report; without,
    each quarter is drawn afresh. ``register_size`` (a CPC's children on the register at the start)
    gives indicators on a realistic national scale (see :func:`make_indicators`)."""
    rng = random.Random(f"{seed}:{partner_code}:{period}")
    person = _person(rng)
    signed = signed_off or (period.last_day + timedelta(days=rng.randint(1, 10)))
    cover = {"partner_code": partner_code, "period": str(period), "prepared_by": person,
             "contact_email": f"{person.split()[0].lower()}.{person.split()[1].lower()}@{partner_code.lower()}.example.org",
             "signed_off_by": _person(rng), "signed_off_on": signed}
    prev_rows = {r["item_id"]: r for r in (previous.progress if previous else [])}
    rows = []
    for item_id in ref.assigned_items(partner_code):
        item = ref.items[item_id]
        before = prev_rows.get(item_id)
        past_target = drift and item.target_date is not None and item.target_date < period.first_day
        if before and before["status"] == COMPLETE:
            status = COMPLETE
        elif drift:
            status = _drifted_status(rng, before["status"] if before else None)
            if past_target and status in (ON_TRACK, NOT_STARTED):
                status = AT_RISK  # a lead past its target date says so
        else:
            status = rng.choices([NOT_STARTED, ON_TRACK, AT_RISK, OFF_TRACK, COMPLETE],
                                 weights=[1, 6, 2, 1, 1])[0]
        pct_before = before["percent_complete"] if before else 0
        if status == COMPLETE:
            pct = 100
        elif status == NOT_STARTED:
            pct = pct_before if before else 0
        elif drift:
            pct = min(95, pct_before + {ON_TRACK: rng.randint(5, 15), AT_RISK: rng.randint(0, 8),
                                        OFF_TRACK: rng.randint(0, 3)}[status])
        else:
            pct = min(95, pct_before + rng.randint(0, 25))
        forecast = None
        if drift and status != COMPLETE and before and before.get("forecast_completion"):
            forecast = before["forecast_completion"] + timedelta(days={AT_RISK: rng.choice([0, 0, 30]),
                                                                       OFF_TRACK: rng.choice([30, 60])}.get(status, 0))
            if forecast <= period.last_day + timedelta(days=_AHEAD):  # a forecast date reached slips a quarter at most
                forecast = max(forecast + timedelta(days=90), period.last_day + timedelta(days=_AHEAD))
        elif status != COMPLETE:
            base = item.target_date or (period.last_day + timedelta(days=365))
            forecast = base - timedelta(days=rng.randint(0, 60))
            if forecast <= period.last_day + timedelta(days=_AHEAD):
                forecast = period.last_day + timedelta(days=rng.randint(_AHEAD, 200))
            if item.target_date and forecast > item.target_date and not past_target:
                forecast = item.target_date
        narrative = _NARRATIVES[status]
        if before and status in (AT_RISK, OFF_TRACK):
            narrative = f"{narrative} Update for {period.words}: actions reviewed at the {rng.choice(['June', 'September', 'December', 'March'])} board."
        rows.append({
            "item_id": item_id, "status": status, "percent_complete": pct,
            "milestone": rng.choice(_MILESTONES) if status != COMPLETE else None,
            "milestone_due": (period.last_day + timedelta(days=rng.randint(_AHEAD, 150))) if status != COMPLETE else None,
            "forecast_completion": forecast, "narrative": narrative,
            "risks": "Capacity in partner agencies." if status in (AT_RISK, OFF_TRACK) else None,
            "recovery_action": recovery_action(seed, partner_code, period, item_id, status,
                                               before["status"] if before else None),
        })
    indicators = None
    if ref.is_cpc(partner_code):
        indicators = make_indicators(ref, partner_code, period, seed, previous.indicators if previous else None,
                                     register_size)
    return SampleReturn(partner_code, str(period), cover, rows, indicators)


def recovery_action(seed: int, partner_code: str, period: Period, item_id: str, status: str,
                    before: str | None) -> str | None:
    """A lead's recovery action for an item behind that was behind last quarter too (one newly behind
    has its plan still to make), saying by when it is back on track. It has a random generator of its
    own, so none of the return's other values depends on it."""
    if status not in BEHIND or before not in BEHIND:
        return None
    rng = random.Random(f"recovery:{seed}:{partner_code}:{period}:{item_id}")
    by = period.last_day + timedelta(days=rng.randint(120, 240))
    return rng.choice(_RECOVERIES).format(by=f"{by:%B %Y}")


# The register's stock and flows (returns.md I06), which the samples keep consistent quarter to quarter.
_STOCK, _INFLOW, _OUTFLOW = STOCK_FLOW.ids
# A committee's quarter, per child on its register at the start (Scotland: about 2,100 on the register,
# about 3,200 registrations and 3,100 de-registrations a year, so roughly 800 a quarter each way).
_PER_CHILD = {_INFLOW: 0.381, _OUTFLOW: 0.370, "IRD_HELD": 1.75, "INVESTIGATIONS": 1.0,
              "INITIAL_CONFERENCES": 0.44, "ICR_STARTED": 0.012, "SCR_STARTED": 0.0012}
# Parts as a share of their whole (a registration can carry several concerns).
_SHARE_OF_WHOLE = {"PREBIRTH_CONFERENCES": 0.17, "REREGISTRATIONS": 0.14, "CONCERN_DOMESTIC_ABUSE": 0.42,
                   "CONCERN_NEGLECT": 0.44, "CONCERN_PARENTAL_SUBSTANCE": 0.36, "CONCERN_PARENTAL_MENTAL_HEALTH": 0.37,
                   "CONCERN_EMOTIONAL_ABUSE": 0.38, "CONCERN_PHYSICAL_ABUSE": 0.21, "CONCERN_SEXUAL_ABUSE": 0.08,
                   "CONCERN_CSE": 0.03, "CONCERN_TRAFFICKING": 0.01}


def _count(rng: random.Random, mean: float) -> int:
    """A whole number near ``mean`` (small means come out as 0, 1, 2… with the right average)."""
    if mean < 5:
        return sum(1 for _ in range(20) if rng.random() < mean / 20)
    return max(0, round(mean * rng.uniform(0.9, 1.1)))


def _register_values(ref: Reference, rng: random.Random, register_size: int, prev: dict) -> dict[str, int]:
    start = prev.get(_STOCK)
    stock = register_size if start is None else start
    values: dict[str, int] = {}
    for ind in ref.indicators.values():
        if not ind.part_of:
            # Registrations follow the committee's size and de-registrations its register now, so
            # the register stays near its size (about 3% above) rather than wandering.
            base = register_size if ind.indicator_id == _INFLOW else stock
            values[ind.indicator_id] = _count(rng, _PER_CHILD.get(ind.indicator_id, 0.05) * max(base, 1))
    if _STOCK in values:
        reg, dereg = values.get(_INFLOW, 0), values.get(_OUTFLOW, 0)
        if _OUTFLOW in values:
            values[_OUTFLOW] = dereg = min(dereg, stock + reg)
        values[_STOCK] = stock + reg - dereg  # the stock-flow identity, quarter to quarter
    for ind in ref.indicators.values():
        if ind.part_of:
            whole = values.get(ind.part_of, 0)
            values[ind.indicator_id] = min(whole, _count(rng, whole * _SHARE_OF_WHOLE.get(ind.indicator_id, 0.2)))
    return values


def _scaled_values(ref: Reference, rng: random.Random, scale: float, prev: dict) -> dict[str, int]:
    values: dict[str, int] = {}
    for ind in ref.indicators.values():
        if ind.part_of:
            continue
        base = {_INFLOW: 27, _OUTFLOW: 26, _STOCK: 75, "IRD_HELD": 160,
                "INVESTIGATIONS": 90, "INITIAL_CONFERENCES": 34}.get(ind.indicator_id, 3)
        values[ind.indicator_id] = max(0, round(base * scale * rng.uniform(0.85, 1.15)))
    if _STOCK in values and _INFLOW in values and _OUTFLOW in values:
        if _STOCK in prev and prev[_STOCK] is not None:
            values[_STOCK] = max(0, prev[_STOCK] + values[_INFLOW] - values[_OUTFLOW])
    # Parts never exceed their whole; process in reference order so chains work.
    for ind in ref.indicators.values():
        if ind.part_of:
            whole = values.get(ind.part_of, 0)
            values[ind.indicator_id] = min(whole, round(whole * rng.uniform(0.05, 0.5)))
    return values


def make_indicators(ref: Reference, partner_code: str, period: Period, seed: int,
                    previous: list[dict] | None, register_size: int | None = None) -> list[dict]:
    """A CPC's indicator values. With ``register_size`` (children on its register at the start of
    the first quarter) the figures follow a realistic national scale and the register's stock and
    flows add up: on the register at the end = at the end of last quarter + registrations -
    de-registrations. Without, a stable random size per partner is used."""
    rng = random.Random(f"ind:{seed}:{partner_code}:{period}")
    prev = {r["indicator_id"]: r["value"] for r in (previous or [])}
    if register_size is not None:
        values = _register_values(ref, rng, register_size, prev)
    else:
        values = _scaled_values(ref, rng, partner_scale(partner_code), prev)
    rows = []
    for ind in ref.indicators.values():
        v = values[ind.indicator_id]
        note = None
        p = prev.get(ind.indicator_id)
        if p is not None and abs(v - p) > 10 and (p == 0 or abs(v - p) > 0.5 * p):
            note = "Change reflects local recording practice this quarter."
        rows.append({"indicator_id": ind.indicator_id, "value": v, "note": note})
    return rows


# --- writers ----------------------------------------------------------------------------


def write_xlsx(path: Path, ret: SampleReturn, dates_as_text: bool = False) -> Path:
    """A workbook as the return template lays it out (Cover, Progress, Indicators)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cover"
    ws.cell(1, 1, "Quarterly return")
    for n, (key, label) in enumerate(COVER_LABELS, start=3):
        v = ret.cover.get(key)
        ws.cell(n, 1, label)
        ws.cell(n, 2, v.isoformat() if dates_as_text and isinstance(v, date) else v)
        if isinstance(v, date) and not dates_as_text:
            ws.cell(n, 2).number_format = "dd/mm/yyyy"
    ps = wb.create_sheet("Progress")
    _write_table(ps, PROGRESS_HEADER, ret.progress, dates_as_text)
    if ret.indicators is not None:
        isheet = wb.create_sheet("Indicators")
        _write_table(isheet, ["indicator_id", "value", "note"], ret.indicators, dates_as_text)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _write_table(ws, header: list[str], rows: list[dict], dates_as_text: bool) -> None:
    for c, h in enumerate(header, start=1):
        ws.cell(1, c, h)
    for r, row in enumerate(rows, start=2):
        for c, h in enumerate(header, start=1):
            v = row.get(h)
            if isinstance(v, date) and dates_as_text:
                v = v.isoformat()
            cell = ws.cell(r, c, v)
            if isinstance(v, date):
                cell.number_format = "dd/mm/yyyy"
    for extra_col in sorted({k for row in rows for k, v in row.items() if v is not None} - set(header)):
        c = ws.max_column + 1
        ws.cell(1, c, extra_col)
        for r, row in enumerate(rows, start=2):
            ws.cell(r, c, row.get(extra_col))


def _fmt(v, date_style: str) -> str:
    if v is None:
        return ""
    if isinstance(v, date):
        return v.strftime("%d/%m/%Y") if date_style == "uk" else v.isoformat()
    return str(v)


def progress_csv_text(ret: SampleReturn, date_style: str = "iso") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    cover_keys = [k for k, _ in COVER_LABELS]
    # The optional columns (returns.md §5, §11) only when a row has one.
    header = PROGRESS_HEADER + [c for c in OPTIONAL_PROGRESS if any(r.get(c) for r in ret.progress)]
    w.writerow(cover_keys + header)
    for row in ret.progress:
        w.writerow([_fmt(ret.cover.get(k), date_style) for k in cover_keys] +
                   [_fmt(row.get(h), date_style) for h in header])
    return buf.getvalue()


def indicators_csv_text(ret: SampleReturn) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["partner_code", "period", "indicator_id", "value", "note"])
    for row in ret.indicators or []:
        w.writerow([ret.cover["partner_code"], ret.cover["period"], row["indicator_id"],
                    _fmt(row["value"], "iso"), _fmt(row["note"], "iso")])
    return buf.getvalue()


def write_progress_csv(path: Path, ret: SampleReturn, encoding: str = "utf-8", date_style: str = "iso") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(progress_csv_text(ret, date_style).encode(encoding))
    return path


def write_indicators_csv(path: Path, ret: SampleReturn, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(indicators_csv_text(ret).encode(encoding))
    return path
