"""What the briefing advises: page 1's bottom line and asks, what falls due next quarter, and each
"Needs attention" entry as an issue log.

Every count is read from ``briefing.json`` (``items``, ``movement``) and the annex (``items``,
``status_history``, ``items_not_updated``, ``attention_flags``); nothing is counted again from the
warehouse. The bottom line compares the position over the same items as last quarter (the register's
items in both quarters), so a change in it is a change in the programme, not in who reported.
"""

from __future__ import annotations

from datetime import date

from cpip.briefing.words import names_list, plural
from cpip.core.periods import Period, period_words
from cpip.core.text import day_in_words
from cpip.core.vocabulary import BEHIND, COMPLETE, NO_RETURN, NOT_STARTED, ON_TRACK

# The programme's direction is "improving" (or "worsening") when more items improved than worsened
# (or the other way round) by more than this many; within it, "broadly stable": one item's
# movement either way among some fifty is not a trend.
STABLE_WITHIN = 1
# How many of the items with a date next quarter page 1 names (the rest are counted).
FALLS_DUE_ON_PAGE_1 = 2
DONE = (COMPLETE, ON_TRACK)


def position(doc: dict, annex: dict) -> dict:
    """How many items are complete or on track now and, over the same items, last quarter."""
    previous = str(Period.parse(doc["period"]).previous())
    now = [i for i in doc["items"] if i["status"] in DONE]
    before = {i: h["status"] for i, rows in annex["status_history"].items() for h in rows if h["period"] == previous}
    same = [i for i in doc["items"] if i["item_id"] in before]
    return {"done": len(now), "items": len(doc["items"]), "same_items": len(same),
            "done_before": sum(1 for i in same if before[i["item_id"]] in DONE)}


def direction(movement: dict[str, int]) -> str:
    """``improving``, ``worsening`` or ``broadly stable`` from briefing.json's movement (see STABLE_WITHIN)."""
    net = movement["improved"] - movement["worsened"]
    return "improving" if net > STABLE_WITHIN else "worsening" if net < -STABLE_WITHIN else "broadly stable"


def bottom_line(doc: dict, annex: dict) -> str:
    """One or two sentences a private secretary can say aloud: the position against last quarter over
    the same items, the direction, and how many items were not updated and what they last were."""
    p = position(doc, annex)
    mv = doc["movement"]
    s = (f"{p['done']:,} of {plural(p['items'], 'action and recommendation', 'actions and recommendations')} "
         f"{'is' if p['done'] == 1 else 'are'} complete or on track")
    if p["same_items"]:
        same = "the same items" if p["same_items"] == p["items"] else f"the same {p['same_items']:,} items"
        s += f", against {p['done_before']:,} of {same} last quarter"
    not_updated = len(annex.get("items_not_updated", []))
    if not_updated:
        s += f" ({plural(not_updated, 'item')} not updated this quarter)"
    return s + f": {direction(mv)}, with {mv['improved']:,} improved and {mv['worsened']:,} worsened."


def asks(doc: dict, annex: dict, partner_names: dict[str, str]) -> list[dict]:
    """The leads' asks of the Minister this quarter (returns.md §5 ``ask``), in register order:
    ``{item_id, title, lead, ask}``. Partner text: the restricted form only."""
    out = []
    for i in doc["items"]:
        meta = annex["items"].get(i["item_id"], {})
        if meta.get("ask"):
            out.append({"item_id": i["item_id"], "title": meta["title"], "ask": meta["ask"],
                        "lead": partner_names.get(i["lead_partner"], i["lead_partner"])})
    return out


def ask_sentence(asked: list[dict], covering_note: bool) -> str:
    """What the Minister is asked to do or note."""
    note = " and the programme office's note" if covering_note else ""
    if not asked:
        return f"The Minister is asked to note this position{note}; no lead has asked for a decision this quarter."
    return (f"The Minister is asked to note this position{note}, and to consider "
            f"{'the request' if len(asked) == 1 else f'{len(asked)} requests'} from leads below.")


def falls_due(doc: dict, annex: dict, today: date) -> dict:
    """What falls due from ``today`` (the day the briefing is made) to the end of next quarter among
    the items not yet complete: the items forecast to complete or reaching their target date (soonest
    first, ``{item_id, title, date}``) and how many milestones fall due. Dates already passed are
    not "due": they are flagged in Needs attention (``attention_flags``)."""
    nxt = Period.parse(doc["period"]).next()

    def within(d: str | None) -> bool:
        return d is not None and today <= date.fromisoformat(d) <= nxt.last_day

    completing, milestones = [], 0
    for i in doc["items"]:
        if i["status"] in (COMPLETE, NO_RETURN):
            continue
        m = annex["items"].get(i["item_id"], {})
        milestones += within(m.get("milestone_due"))
        dates = sorted(d for d in (m.get("forecast_completion"), m.get("target_date")) if within(d))
        if dates:
            completing.append({"item_id": i["item_id"], "title": m.get("title", i["item_id"]), "date": dates[0]})
    completing.sort(key=lambda r: r["date"])
    return {"period": period_words(nxt), "until": day_in_words(nxt.last_day), "completing": completing,
            "milestones": milestones}


def falls_due_sentence(due: dict) -> str:
    """``By 31 December 2026, 9 items are forecast to complete or reach their target date, the first
    A (24 November), B (1 December) and C (4 December), and 23 milestones fall due.``"""
    n = len(due["completing"])
    s = (f"By {due['until']}, {plural(n, 'item')} not yet complete {'is' if n == 1 else 'are'} forecast to "
         f"complete or reach {'its' if n == 1 else 'their'} target date")
    if n:
        first = [f"{r['title']} ({day_in_words(r['date']).rsplit(' ', 1)[0]})"
                 for r in due["completing"][:FALLS_DUE_ON_PAGE_1]]
        s += (f" (the first: {names_list(first)}{'; every forecast is in Annex B' if n > len(first) else ''})")
    m = due["milestones"]
    return s + f", and {plural(m, 'milestone')} {'falls' if m == 1 else 'fall'} due."


def slippage(target: str | None, forecast: str | None) -> str:
    """Target against forecast in words: ``Target 31 March 2027; forecast 30 June 2027: 3 months late``."""
    if not forecast:
        return f"Target {day_in_words(target)}; no forecast given" if target else "No target date; no forecast given"
    f = date.fromisoformat(forecast)
    if not target:
        return f"No target date; forecast {day_in_words(f)}"
    t = date.fromisoformat(target)
    days = (f - t).days
    s = f"Target {day_in_words(t)}; forecast {day_in_words(f)}"
    if days <= 0:
        return s + ": within the target"
    months = round(days / 30.4375)
    return s + (": less than a month late" if months == 0 else f": {plural(months, 'month')} late")


def log_items(items: list[dict], flags: dict[str, list[dict]]) -> list[dict]:
    """The items "Needs attention" sets out, the most serious first: every item off track or at risk,
    every item worse than last quarter, and any item not started whose own figures raise a flag
    (``attention_flags``; flagged items reported on track or complete are under "Reported on track,
    but…")."""
    order = {s: n for n, s in enumerate(BEHIND)}
    out = [i for i in items if i["status"] in BEHIND or i["movement"] == "worsened"
           or (i["status"] == NOT_STARTED and i["item_id"] in flags)]
    return sorted(out, key=lambda i: (order.get(i["status"], len(BEHIND)), out.index(i)))
