"""What the briefing says in sentences: page 1's key messages and Annex C's list of what is provisional.

Every count is read from ``briefing.json`` (its ``totals``, ``movement`` and ``returns``, the
figures the emails and the revision diff read too) or from the annex's status history for the
quarters before this one; none is counted again from the items.
"""

from __future__ import annotations

from cpip.briefing.charts import STATUSES
from cpip.briefing.words import long_date, names, plural
from cpip.core.vocabulary import AT_RISK, COMPLETE, NO_RETURN, OFF_TRACK, ON_TRACK

KEY_MESSAGES_MAX = 6
# A key message about an indicator picks the largest percentage change among headline indicators
# whose previous national total is at least this (below it a percentage says little).
CHANGE_BASE_MIN = 100


def status_counts(totals: dict[str, dict[str, int]]) -> dict[str, int]:
    """How many items are at each status, every kind together: briefing.json's ``totals`` added up."""
    return {s: sum(t.get(s, 0) for t in totals.values()) for s in STATUSES}


def key_messages(doc: dict, indicators: list[dict], quarters: list[tuple[str, dict[str, int]]],
                 worsened_by_quarter: list[tuple[str, int | None]], flags: list[dict], partner_names: dict[str, str],
                 cpcs_expected: int) -> list[str]:
    """Three to six plain sentences, each with its number and what it is compared with."""
    msgs = []
    now = status_counts(doc["totals"])
    before = quarters[-2][1] if len(quarters) >= 2 else None
    s = (f"Of {plural(sum(now.values()), 'action and recommendation', 'actions and recommendations')}, "
         f"{now[COMPLETE] + now[ON_TRACK]:,} are complete or on track; {now[OFF_TRACK]:,} "
         f"{'is' if now[OFF_TRACK] == 1 else 'are'} off track and {now[AT_RISK]:,} at risk")
    if before:
        s += f" (last quarter: {before[OFF_TRACK]:,} off track, {before[AT_RISK]:,} at risk)"
    msgs.append(s + ".")
    worse = doc["movement"]["worsened"]
    earlier = [(p, n) for p, n in worsened_by_quarter[:-1] if n is not None]
    s = f"{plural(worse, 'item')} worsened since last quarter ({doc['movement']['improved']:,} improved)"
    if earlier:
        top_p, top_n = max(earlier, key=lambda x: (x[1], x[0]))
        held = len(worsened_by_quarter)
        if worse > top_n:
            s += f": the most in the {held} quarters held (previous high {top_n:,}, in {top_p})"
        elif worse == top_n:
            s += f": as many as in {top_p}, the most in the {held} quarters held"
        else:
            s += f", against {top_n:,} in {top_p}, the most in the {held} quarters held"
    msgs.append(s + ".")
    if flags:
        msgs.append(f"{plural(len(flags), 'item')} reported on track {'shows' if len(flags) == 1 else 'show'} "
                    "signs of slipping: a forecast past the target date, a forecast moved months later, or no "
                    "progress for two quarters (see Reported on track, but…).")
    changes = [i for i in indicators if i["headline"] and isinstance(i["change"], int) and i["previous"]]
    sizeable = [i for i in changes if i["previous"] >= CHANGE_BASE_MIN] or changes
    if sizeable:
        big = max(sizeable, key=lambda i: abs(i["change"]) / i["previous"])
        pct = 100 * big["change"] / big["previous"]
        direction = "up" if big["change"] > 0 else "down" if big["change"] < 0 else "unchanged"
        amount = f" {abs(big['change']):,} ({abs(pct):.1f}%)" if big["change"] else ""
        cover = doc["indicators"]["reporting_cpcs"]
        msgs.append(f"{big['label']}: {big['value']:,} in {doc['period']}, {direction}{amount} on last quarter, "
                    f"the largest change of the headline indicators"
                    + (f" (figures from {cover} of {cpcs_expected} committees)." if cover < cpcs_expected else "."))
    ret = doc["returns"]
    s = f"{ret['accepted']:,} of {ret['expected']:,} partners have reported"
    if ret["late"]:
        s += f" ({len(ret['late'])} late)"
    not_in = ret["missing"] + ret["rejected_only"]
    s += f"; not reported: {names(sorted(not_in), partner_names)}." if not_in else "; every partner has reported."
    msgs.append(s)
    return msgs[:KEY_MESSAGES_MAX]


def provisional(doc: dict, annex: dict, cpcs_expected: int) -> list[str]:
    """Why a figure may still change: the due date not passed, items without a return, committees
    still to report, register entries unconfirmed, returns that came late."""
    out = []
    no_return = status_counts(doc["totals"])[NO_RETURN]
    if annex["provisional"]:
        out.append(f"The due date ({long_date(annex['due_date'])}) had not passed when this briefing was "
                   "made: every figure may change as returns arrive.")
    if no_return:
        out.append(f"{no_return} item{'s' if no_return != 1 else ''} had no return from the lead partner "
                   f"and are shown as {NO_RETURN}.")
    if doc["indicators"]["reporting_cpcs"] < cpcs_expected:
        out.append(f"Indicator totals cover {doc['indicators']['reporting_cpcs']} of {cpcs_expected} "
                   "Child Protection Committees; national totals will rise as the rest report.")
    unconfirmed = [k for k, v in annex["items"].items() if not v["confirmed"]]
    if unconfirmed:
        out.append(f"{len(unconfirmed)} register entries are working assumptions still to be confirmed "
                   "against the published programme.")
    late = len(doc["returns"]["late"])
    if late:
        out.append(f"{late} return{'s' if late != 1 else ''} arrived after the due date and are included.")
    return out
