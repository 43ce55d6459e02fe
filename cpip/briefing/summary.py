"""What the briefing says in sentences: page 1's key messages and Annex C's list of what is provisional.

Every count is read from ``briefing.json`` (its ``totals``, ``movement`` and ``returns``, the
figures the emails and the revision diff read too) or from the annex's status history for the
quarters before this one; none is counted again from the items.
"""

from __future__ import annotations

from cpip.briefing.charts import STATUSES
from cpip.briefing.words import change_words, long_date, names, plural
from cpip.core.periods import period_words
from cpip.core.vocabulary import AT_RISK, COMPLETE, NO_RETURN, OFF_TRACK, ON_TRACK

KEY_MESSAGES_MAX = 6
# A change in an indicator is notable when it is more than this many (as I05 asks of one committee's
# figure) and more than this share of the same committees' figure last quarter: below either, a
# national figure moves that much from one quarter to the next without anything having changed.
NOTABLE_CHANGE_MIN = 10
NOTABLE_CHANGE_SHARE = 0.05


def status_counts(totals: dict[str, dict[str, int]]) -> dict[str, int]:
    """How many items are at each status, every kind together: briefing.json's ``totals`` added up."""
    return {s: sum(t.get(s, 0) for t in totals.values()) for s in STATUSES}


def key_messages(doc: dict, annex: dict, quarters: list[tuple[str, dict[str, int]]],
                 worsened_by_quarter: list[tuple[str, int | None]], flags: list[dict], partner_names: dict[str, str],
                 cpcs_expected: int, restricted: bool = True) -> list[str]:
    """Three to six plain sentences, each with its number and what it is compared with. The
    sentences on the figures are the restricted form's only: the like-for-like changes are worked
    out over unsuppressed values, and set beside a published total they could give a suppressed
    one away."""
    msgs = []
    now = status_counts(doc["totals"])
    before = quarters[-2][1] if len(quarters) >= 2 else None
    s = (f"{now[OFF_TRACK]:,} {'item is' if now[OFF_TRACK] == 1 else 'items are'} off track and "
         f"{now[AT_RISK]:,} at risk")
    if before:
        s += f" (last quarter: {before[OFF_TRACK]:,} and {before[AT_RISK]:,})"
    worse = doc["movement"]["worsened"]
    earlier = [(p, n) for p, n in worsened_by_quarter[:-1] if n is not None]
    s += f"; {plural(worse, 'item')} worsened since last quarter and {doc['movement']['improved']:,} improved"
    if earlier:
        top_p, top_n = max(earlier, key=lambda x: (x[1], x[0]))
        held = len(worsened_by_quarter)
        if worse > top_n:
            s += f": the most worsened in the {held} quarters held (previous high {top_n:,}, in {period_words(top_p)})"
        elif worse == top_n:
            s += f": as many worsened as in {period_words(top_p)}, the most in the {held} quarters held"
        else:
            s += f" (the most to worsen in the {held} quarters held: {top_n:,}, in {period_words(top_p)})"
    msgs.append(s + ".")
    if annex.get("items_not_updated"):
        msgs.append(not_updated_sentence(annex["items_not_updated"]).strip())
    if flags:
        one = len(flags) == 1
        msgs.append(f"{plural(len(flags), 'item')} reported on track or complete {'shows' if one else 'show'} "
                    f"warning signs in {'its' if one else 'their'} own dates or progress (see Reported on "
                    "track, but…).")
    if restricted:
        msgs += indicator_messages(annex, doc["period"], cpcs_expected)
    ret = doc["returns"]
    s = f"{ret['accepted']:,} of {ret['expected']:,} partners have reported"
    if ret["late"]:
        s += f" ({len(ret['late'])} late)"
    not_in = ret["missing"] + ret["rejected_only"]
    s += f"; not reported: {names(sorted(not_in), partner_names)}." if not_in else "; every partner has reported."
    msgs.append(s)
    return msgs[:KEY_MESSAGES_MAX]


def quarters_title(quarters: list[tuple[str, dict[str, int]]]) -> str:
    """The status chart's title says what it shows: ``Complete or on track: 31 of 47 items in July to
    September 2026, 34 in April to June 2026``."""
    (p, now), before = quarters[-1], quarters[-2] if len(quarters) >= 2 else None
    s = (f"{COMPLETE} or {ON_TRACK.lower()}: {now[COMPLETE] + now[ON_TRACK]:,} of {sum(now.values()):,} items in "
         f"{period_words(p)}")
    if before:
        s += f", {before[1][COMPLETE] + before[1][ON_TRACK]:,} in {period_words(before[0])}"
    return s


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


def notable(c: dict) -> bool:
    """A like-for-like change worth a Minister's attention (see NOTABLE_CHANGE_MIN and _SHARE)."""
    return (c["change"] is not None and abs(c["change"]) > NOTABLE_CHANGE_MIN
            and abs(c["change"]) > NOTABLE_CHANGE_SHARE * (c["previous_matched"] or 0))


def indicator_messages(annex: dict, period: str, cpcs_expected: int) -> list[str]:
    """Page 1's sentences on the figures: the programme's first headline indicator always, the next
    one when its change is notable. Each total says how many committees it covers, and a change is
    only ever taken over the committees that reported the indicator in both quarters
    (annex.json ``comparisons``), with their number beside it."""
    comparisons = annex["comparisons"]["indicators"]
    out = []
    for n, ind in enumerate(i for i in annex["headline_indicators"] if i in comparisons):
        c = comparisons[ind]
        if c["current"] is None or (n > 0 and not notable(c)):
            continue
        s = (f"{annex['indicators'][ind]['label']}: {c['current']:,} in {period_words(period)} "
             f"(from {c['current_cpcs']} of {cpcs_expected} committees)")
        if c["matched_cpcs"] == 0:
            s += "; no committee reported it last quarter as well, so there is no like-for-like change."
        else:
            change = c["change"]
            how = change_words(change) + (f" ({abs(change) / c['previous_matched']:.1%})"
                                          if change and c["previous_matched"] else "")
            s += (f". Over the {plural(c['matched_cpcs'], 'committee')} that reported both quarters it is {how} "
                  f"on last quarter ({c['previous_matched']:,} to {c['current_matched']:,})"
                  + (", a notable change." if notable(c) else ", within the usual movement."))
        out.append(s)
        if len(out) == 2:
            break
    return out


def last_reported(row: dict) -> str:
    """What was last said of an item its lead did not update: ``last reported Complete, April to June 2026``."""
    if row["last_status"] is None:
        return ("never reported" if row["last_period"] is None else
                f"not in the lead's return for {period_words(row['last_period'])}")
    return f"last reported {row['last_status']}, {period_words(row['last_period'])}"


def not_updated_sentence(rows: list[dict]) -> str:
    """`` 3 were not updated this quarter (last reported: 2 Complete, 1 At risk).``, or nothing."""
    if not rows:
        return ""
    counts: dict[str, int] = {}
    for r in rows:
        word = r["last_status"] or "never reported"
        counts[word] = counts.get(word, 0) + 1
    was = ", ".join(f"{n} {w}" for w, n in sorted(counts.items(), key=lambda x: (-x[1], x[0])))
    return (f" {plural(len(rows), 'item')} {'was' if len(rows) == 1 else 'were'} not updated this quarter "
            f"(last reported: {was}).")
