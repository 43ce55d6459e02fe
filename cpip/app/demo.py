"""``cpip demo``: a demonstration home with several quarters of realistic returns, and a briefing.

Four quarters (2025-Q4 to 2026-Q3) of returns from the partners in the reference data:
most arrive on time, as workbooks or CSV pairs; a few are late; a few partners never
send anything for a quarter; some files are rejected and one of those is corrected and
resubmitted; one partner sends the same file twice. Each batch is taken by a real
intake run with the clock (``CPIP_NOW``) set to when the files "arrived", so lateness
and the warnings against last period come out as they would have. The cycle's draft is then
approved as "Demo reviewer" with a short covering note, so the demo ends with a final briefing,
delivered (the demo home has no [email], so the message is only written to outbox/mail/).

Whatever the random draws, the 2026-Q3 briefing (made on 11 November 2026) always shows:

- a committee that skips a quarter: South Ayrshire Child Protection Committee (``CPC-SOUTH-AYRSHIRE``)
  sends nothing for 2026-Q2 and is back, on time, for 2026-Q3, so its figures are unmatched in the
  comparison with last quarter;
- a lead silent after Complete: the Care Inspectorate (``CARE-INSPECTORATE``) reports R-06 ("Make the
  Care Inspectorate the central repository for Initial and Significant Case Reviews") Complete in
  2026-Q2 and sends nothing for 2026-Q3: No return, last reported Complete;
- a recovery action with an ask: A-LEAD-3 (Leadership and Workforce Development action 3, led by Child
  Protection Committees Scotland, ``CPC-SCOTLAND``) is At risk, as last quarter, with a recovery action
  and an ask of the Minister; A-TRAF-2 (Child Trafficking action 2, Police Scotland) Off track and A-DE-1
  (Data and Evidence action 1, CELCIS) At risk have recovery actions and no ask. Every other item behind
  that was behind last quarter too has a recovery action from the samples (one newly behind has none yet);
- an overdue milestone: A-LEAD-2 (Leadership and Workforce Development action 2, Scottish Social
  Services Council, ``SSSC``) is On track with its milestone due on 15 September 2026;
- a forecast passed: A-CH-7 (Children's Hearings action 7, Children's Hearings Scotland, ``CHS``) is
  On track with the forecast completion of 18 September 2026 it gave last quarter, unchanged;
- the "Reported on track, but…" checks, once each, on items of ``PLANTED_LEAD`` (SG-CPIP).

The partners of these cases are never drawn at random to be missing, late or rejected.
"""

from __future__ import annotations

import os
import random
import shutil
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path

from cpip.app import samples
from cpip.app.home import init_home
from cpip.core.errors import NotAsAsked
from cpip.core.periods import UK, Period
from cpip.core.settings import load_settings
from cpip.core.vocabulary import AT_RISK, COMPLETE, OFF_TRACK, ON_TRACK, RAG
from cpip.flows.cycle import cycle
from cpip.flows.intake import intake
from cpip.reference.tables import load_reference
from cpip.mail.delivery import deliver
from cpip.review import decisions as review

QUARTERS = [Period(2025, 4), Period(2026, 1), Period(2026, 2), Period(2026, 3)]
DEMO_NOTE = ("Most partners reported on time. Points for the Minister:\n\n"
             "- Three returns arrived late and are included.\n"
             "- Items off track or at risk are set out from page 2, with the leads' own account.\n")

# Children on each committee's register when the demo starts, shaped like Scotland's (2,129 children
# at 31 July 2024): Glasgow by far the largest (about 16%), the island committees under ten. The
# flows (about 800 registrations and 790 de-registrations a quarter nationally) are in samples.
REGISTER_AT_START = {
    "CPC-ABERDEEN-CITY": 88, "CPC-ABERDEENSHIRE": 75, "CPC-ANGUS": 45, "CPC-ARGYLL-BUTE": 30,
    "CPC-CLACKS-STIRLING": 60, "CPC-DUMFRIES-GALLOWAY": 64, "CPC-DUNDEE": 80, "CPC-EAST-AYRSHIRE": 64,
    "CPC-EAST-DUNBARTONSHIRE": 25, "CPC-EAST-LOTHIAN-MIDLOTHIAN": 74, "CPC-EAST-RENFREWSHIRE": 20,
    "CPC-EDINBURGH": 140, "CPC-FALKIRK": 65, "CPC-FIFE": 150, "CPC-GLASGOW": 336, "CPC-HIGHLAND": 82,
    "CPC-INVERCLYDE": 40, "CPC-MORAY": 30, "CPC-NORTH-AYRSHIRE": 72, "CPC-NORTH-LANARKSHIRE": 145,
    "CPC-ORKNEY": 6, "CPC-OUTER-HEBRIDES": 6, "CPC-PERTH-KINROSS": 45, "CPC-RENFREWSHIRE": 60,
    "CPC-SCOTTISH-BORDERS": 35, "CPC-SHETLAND": 4, "CPC-SOUTH-AYRSHIRE": 45, "CPC-SOUTH-LANARKSHIRE": 115,
    "CPC-WEST-DUNBARTONSHIRE": 40, "CPC-WEST-LOTHIAN": 55,
}
# The partner whose items show the "Reported on track, but…" checks (it always reports on time).
PLANTED_LEAD = "SG-CPIP"

# The cases every demo briefing shows (the module docstring says what each is).
SILENT_LEAD, SILENT_AFTER_COMPLETE = "CARE-INSPECTORATE", "R-06"  # R-06 Complete in 2026-Q2, its lead silent in 2026-Q3
MISSING = {"CPC-SOUTH-AYRSHIRE": Period(2026, 2), SILENT_LEAD: Period(2026, 3)}  # partner: the quarter it skips
WITH_ASK = "A-LEAD-3"
RECOVERING = ("A-TRAF-2", "A-DE-1")
MILESTONE_OVERDUE = "A-LEAD-2"
FORECAST_PASSED = "A-CH-7"
_BEHIND_IN_Q3 = {  # item: (status, narrative, recovery action, ask)
    WITH_ASK: (AT_RISK,
               "Two of the four training leads left in August and partner councils have frozen recruitment, so the "
               "multi-agency training programme has stopped in six areas.",
               "Interim staffing agreed with two neighbouring councils; training resumes in January; back on track by "
               "March 2027.",
               "Agree to raise the recruitment freeze with council leaders at the February meeting."),
    RECOVERING[0]: (OFF_TRACK,
                    "The revised guidance was delayed when the specialist officer leading it moved to another post.",
                    "An investigator is seconded from the national unit; back on track by April 2027.", None),
    RECOVERING[1]: (AT_RISK,
                    "Two health boards have not yet sent their data, so the national dataset is incomplete.",
                    "Data sharing agreements now signed; missing returns loaded by February 2027.", None),
}


def _plant_on_track_signs(ref, ret: samples.SampleReturn, qi: int) -> None:
    """Three of the lead's items reported On track whose figures say otherwise: (a) a forecast after
    the target date, (b) the same percent complete in the last three quarters, (c) a forecast moved
    six months later since last quarter. The items are the lead's first ones with a target date
    (a) and without one (b, c), so the demo shows each check once."""
    rows = {r["item_id"]: r for r in ret.progress}
    dated = [i for i in rows if ref.items[i].target_date]
    undated = [i for i in rows if not ref.items[i].target_date]
    if not dated or len(undated) < 2:
        return
    a, b, c = rows[dated[0]], rows[undated[0]], rows[undated[1]]
    for r in (a, b, c):
        r.update(status=ON_TRACK, risks=None, narrative=samples._NARRATIVES[ON_TRACK])
    a.update(percent_complete=40 + 10 * qi,
             forecast_completion=max(ref.items[a["item_id"]].target_date, QUARTERS[-1].last_day) + timedelta(days=180))
    b.update(percent_complete=min(55, 40 + 15 * qi), forecast_completion=QUARTERS[-1].last_day + timedelta(days=270))
    c.update(percent_complete=50 + 5 * qi,
             forecast_completion=QUARTERS[-1].last_day + timedelta(days=90 if qi < len(QUARTERS) - 1 else 272))


def _case_partners(ref) -> set[str]:
    """The partners the demo's cases need (never drawn at random to be missing, late or rejected)."""
    items = (SILENT_AFTER_COMPLETE, *_BEHIND_IN_Q3, MILESTONE_OVERDUE, FORECAST_PASSED)
    return {PLANTED_LEAD, *MISSING, *(ref.items[i].lead_partner for i in items)}


def _plant_cases(ret: samples.SampleReturn, period: Period) -> None:
    """The cases of the module docstring, in the returns that carry them (changed after the samples
    are drawn, so every other value stays as drawn)."""
    rows = {r["item_id"]: r for r in ret.progress}
    last = QUARTERS[-1]
    if SILENT_AFTER_COMPLETE in rows and period == MISSING[SILENT_LEAD].previous():
        rows[SILENT_AFTER_COMPLETE].update(status=COMPLETE, percent_complete=100, milestone=None, milestone_due=None,
                                           forecast_completion=None, narrative=samples._NARRATIVES[COMPLETE],
                                           risks=None, recovery_action=None)
    if FORECAST_PASSED in rows and period in (last.previous(), last):  # last quarter's forecast, left as it was
        rows[FORECAST_PASSED].update(status=ON_TRACK, forecast_completion=date(2026, 9, 18))
    if period != last:
        return
    for item_id, (status, narrative, recovery, ask) in _BEHIND_IN_Q3.items():
        if item_id in rows:
            r = rows[item_id]
            r.update(status=status, narrative=narrative, recovery_action=recovery, ask=ask,
                     percent_complete=min(r["percent_complete"], 95), risks=r["risks"] or "Staffing in partner agencies.",
                     forecast_completion=r["forecast_completion"] or date(2027, 6, 30))
    if MILESTONE_OVERDUE in rows:
        r = rows[MILESTONE_OVERDUE]
        r.update(status=ON_TRACK, milestone="Revised post-registration training standards published",
                 milestone_due=date(2026, 9, 15), forecast_completion=r["forecast_completion"] or date(2027, 3, 31))


@contextmanager
def _clock(moment: datetime):
    old = os.environ.get("CPIP_NOW")
    os.environ["CPIP_NOW"] = moment.isoformat()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("CPIP_NOW", None)
        else:
            os.environ["CPIP_NOW"] = old


def _add_queries(ref, ret: samples.SampleReturn, rng: random.Random) -> None:
    """Give a return something an analyst would query: slippage, or a jump with no note."""
    for row in ret.progress:
        item = ref.items[row["item_id"]]
        if row["status"] not in (COMPLETE,) and item.target_date:
            row["forecast_completion"] = item.target_date + timedelta(days=rng.randint(30, 200))
            row["status"] = AT_RISK
            row["narrative"] = "Slipping: the supplier contract was re-tendered; revised plan to the board next month."
            break
    if ret.indicators:
        ret.indicators[0]["value"] = ret.indicators[0]["value"] * 2 + 15
        ret.indicators[0]["note"] = None


# The file that marks a folder as a demo home, which a later `cpip demo` may delete and make again; and the
# first line of a demo home's cpip.toml (which also marked demo homes made before the file did).
DEMO_MARK = ".cpip-demo"
OLD_DEMO_TOML = "# Demonstration home made by `cpip demo`."


def is_demo_home(folder: Path) -> bool:
    """Whether ``folder`` is a home ``cpip demo`` made (its mark, or an older demo home's cpip.toml)."""
    mark, toml = folder / DEMO_MARK, folder / "cpip.toml"
    if mark.is_file() and not mark.is_symlink():
        return True
    try:
        return toml.is_file() and not toml.is_symlink() and toml.read_text(encoding="utf-8").startswith(OLD_DEMO_TOML)
    except (OSError, UnicodeDecodeError):
        return False


def clear_target(target: Path) -> None:
    """Make ``target`` ready for a demo home: a new or empty folder is used as it is, an earlier demo
    home is deleted; anything else is refused (:class:`NotAsAsked`) with nothing touched."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise NotAsAsked(f"{target} exists and is not a folder; nothing was changed. Give `cpip demo --home` a new "
                         "or empty folder.")
    if not target.exists() or not any(target.iterdir()):
        return
    if not is_demo_home(target):
        raise NotAsAsked(f"{target} already exists, is not empty and is not a demo home (`cpip demo` marks its homes "
                         f"with {DEMO_MARK}); nothing was changed. Give `cpip demo --home` a new or empty folder.")
    shutil.rmtree(target)


def build_demo(target: Path) -> str:
    """Make the demo home in ``target`` (see :func:`clear_target` for which folders are refused)."""
    clear_target(target)
    target.mkdir(parents=True, exist_ok=True)
    (target / DEMO_MARK).write_text("A demonstration home made by `cpip demo`, which may delete and make it again.\n",
                                    encoding="utf-8")
    (target / "cpip.toml").write_text(
        f"{OLD_DEMO_TOML}\n[intake]\nsettle_seconds = 0.2\n\n[cycle]\ndue_days = 28\n")
    settings = load_settings(target, {})
    init_home(settings)
    ref = load_reference(settings)
    partners = sorted(ref.partners)
    rng = random.Random(2026)
    previous: dict[str, samples.SampleReturn] = {}
    pool = [p for p in partners if p not in _case_partners(ref)]  # who may be drawn to be missing, late or rejected
    outcomes: Counter = Counter()
    results_all = []
    for qi, period in enumerate(QUARTERS):
        due = period.due_date(settings.cycle.due_days)
        skipping = {p for p, q in MISSING.items() if q == period}
        missing = skipping | set(rng.sample(pool, 2 - len(skipping))) if qi else set()
        late = set(rng.sample([p for p in pool if p not in missing], 3))
        broken = rng.sample([p for p in pool if p not in missing | late], 2)
        batches: dict[str, list] = {"on_time": [], "late": [], "fix": []}
        for n, code in enumerate(partners):
            if code in missing:
                continue
            ret = samples.make_return(ref, code, period, seed=7, previous=previous.get(code),
                                      signed_off=period.last_day + timedelta(days=rng.randint(1, 9)),
                                      drift=True, register_size=REGISTER_AT_START.get(code, 50))
            if qi and n % 11 == 5:
                _add_queries(ref, ret, rng)
            if code == PLANTED_LEAD:
                _plant_on_track_signs(ref, ret, qi)
            _plant_cases(ret, period)
            previous[code] = ret
            when = "late" if code in late else "on_time"
            fmt = "csv" if n % 3 == 0 else "xlsx"
            if code in broken:
                bad = samples.SampleReturn(ret.partner_code, ret.period, dict(ret.cover),
                                           [dict(r) for r in ret.progress], ret.indicators)
                bad.progress[0]["status"] = RAG[AT_RISK]  # a colour is not a status (P05)
                bad.cover["contact_email"] = "returns at council"
                batches["on_time"].append((bad, "xlsx", f"{code}_{period}_return.xlsx"))
                if code == broken[0]:  # corrected and resubmitted; the other stays rejected only
                    batches["fix"].append((ret, "xlsx", f"{code}_{period}_return_v2.xlsx"))
                continue
            batches[when].append((ret, fmt, None))
        times = {"on_time": datetime.combine(due - timedelta(days=6), time(10, 0)),
                 "fix": datetime.combine(due - timedelta(days=2), time(15, 30)),
                 "late": datetime.combine(due + timedelta(days=9), time(11, 15))}
        for batch in ("on_time", "fix", "late"):
            for ret, fmt, name in batches[batch]:
                folder = target / "inbox" / ret.partner_code
                stem = name or f"{ret.partner_code}_{period}"
                if fmt == "xlsx":
                    samples.write_xlsx(folder / (stem if stem.endswith(".xlsx") else stem + ".xlsx"), ret)
                else:
                    samples.write_progress_csv(folder / f"{stem}_progress.csv", ret,
                                               date_style="uk" if len(stem) % 2 else "iso",
                                               encoding="cp1252" if ret.partner_code.endswith("E") else "utf-8")
                    if ret.indicators is not None:
                        samples.write_indicators_csv(folder / f"{stem}_indicators.csv", ret)
            if batch == "on_time" and period == QUARTERS[-1]:
                # One officer sends the same workbook twice.
                first = batches["on_time"][0][0]
                src = target / "inbox" / first.partner_code
                for f in list(src.iterdir())[:1]:
                    shutil.copy(f, src / f"copy_of_{f.name}")
            moment = times[batch].replace(tzinfo=UK)
            with _clock(moment):
                res = intake(home=str(target))
            results_all += res
            outcomes.update(r["outcome"] for r in res)
    decided = datetime.combine(QUARTERS[-1].due_date(settings.cycle.due_days) + timedelta(days=14), time(9, 0))
    with _clock(decided.replace(tzinfo=UK)):
        draft = cycle(period=str(QUARTERS[-1]), home=str(target))
    # The programme office clears it (no [email] in the demo home, so the cycle handed back the code).
    with _clock((decided + timedelta(hours=2)).replace(tzinfo=UK)):
        approved = review.approve(load_settings(target), QUARTERS[-1], "Demo reviewer", draft["approval_code"],
                                  DEMO_NOTE, account=review.os_account())
        approved = deliver(load_settings(target), approved)
    written = approved["outputs"]
    receipts = target / "outbox" / "receipts"
    lines = [
        f"Demo home: {target}",
        f"Files taken: {sum(outcomes.values())} over {len(QUARTERS)} quarters "
        f"({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}).",
        f"Receipts for officers: {receipts}",
        f"Rule catalogue: {target / 'outbox' / 'rules.html'}",
        f"Warehouse: {target / 'warehouse.duckdb'}",
    ]
    rejected = next((r for r in results_all if r["outcome"] == "rejected"), None)
    if rejected:
        lines.append(f"A receipt for a rejected file: {rejected['receipt']}")
    lines += [
        f"Draft (version {draft['version']}, as the reviewer saw it): {draft['version_folder']}",
        f"Approved by {approved['approved_by']} at {approved['approved_at']}; final forms in "
        f"{Path(written['briefing_json']).parent}",
        f"Briefing for {QUARTERS[-1]} (restricted, OFFICIAL-SENSITIVE): {written['restricted']['pdf']}",
        f"                                         and {written['restricted']['html']}",
        f"Briefing for {QUARTERS[-1]} (publication):               {written['publication']['pdf']}",
        f"Figures beside each form (spreadsheet and CSV):     {written['publication']['figures_xlsx']}",
        f"briefing.json: {written['briefing_json']}",
    ]
    return "\n".join(lines)
