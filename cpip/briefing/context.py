"""Everything the two forms' templates need (``templates/briefing.html.j2``, the restricted form;
``templates/publication.html.j2``, the release for the public, which adds :mod:`cpip.briefing.public`),
derived only from ``briefing.json`` (or ``publication.json``) and the annex.

The briefing is laid out for a private secretary with two minutes: page 1 is the
"Summary for the Minister" (what this is, the programme office's covering note when there
is one, three to six key messages built from the figures, the items that need the
Minister's attention by name, and one chart of every item's status by workstream beside
the status mix over the quarters held); then "Needs attention" (every exception with its
status history) and "Reported on track, but…"; then the national indicators. Everything
else is in annexes. People read names (partners.csv) and labels (indicators.csv); codes
appear only in the annexes, where someone must match a file.
"""

from __future__ import annotations

from datetime import datetime

from cpip.briefing.advice import (ask_sentence, asks, bottom_line, falls_due, falls_due_sentence, log_items,
                                  slippage)
from cpip.briefing.caveats import approving_despite
from cpip.briefing.charts import STATUSES, sparkline_svg, stacked_bars_svg
from cpip.briefing.markdown import note_html
from cpip.briefing.public import public_context
from cpip.briefing.summary import (key_messages, last_reported, provisional, quarters_title,
                                   status_counts)
from cpip.briefing.words import (change_words, contributor_summary, finding, fmt_num, history_text, human_day, human_time, long_date,
                                 plural, short_committee)
from cpip.core import vocabulary
from cpip.core.periods import Period, period_short_words, uk_date
from cpip.core.text import DRAFT_LINE
from cpip.core.vocabulary import BEHIND, CHIP, COLOUR, COMPLETE, OFF_TRACK, ON_TRACK
from cpip.reference.rules import RULES

# The CSS class of each status (its RAG colour in lower case; "none" for No return): from cpip.core.vocabulary.
RAG = {s: (vocabulary.RAG.get(s) or "none").lower() for s in vocabulary.CHART_ORDER}
# The styles of the status labels and of the exceptions' edges, drawn as cpip.core.vocabulary says
# (templates/_briefing_base.html.j2 puts them in its <style>).
RAG_CSS = "\n".join(
    f"  .rag-{(rag or 'none').lower()} {{ background: {bg}; border-color: {edge}; color: {COLOUR.black}; "
    + ("font-style: italic; " if rag is None else "") + "}" for rag, (bg, edge) in CHIP.items())
SEVERITY_CSS = "  " + " ".join(
    f".exception.sev-{RAG[s]} {{ border-color: {CHIP[vocabulary.RAG[s]][1]}; }}" for s in BEHIND)
ATTENTION_ON_PAGE_1 = 5
MINUS = "\u2212"  # a change below zero, as printed: a minus sign, which a screen reader reads as "minus"


def context(doc: dict, annex: dict, form: str, marking: str) -> dict:
    """Everything the template needs, derived only from briefing/publication JSON and the annex."""
    restricted = form == "restricted"
    items = doc["items"]
    series_all = annex["trends" if restricted else "trends_publication"]
    trend_periods = [t["period"] for t in series_all]
    indicators = _indicators(doc, annex, series_all, restricted)
    partner_names = {k: v["name"] for k, v in annex["partners"].items()}
    cpcs_expected = sum(1 for v in annex["partners"].values() if v["cpc"])
    committees = [{"code": p, "name": short_committee(partner_names.get(p, p)), "values": v}
                  for p, v in doc["indicators"]["by_partner"].items()]
    committees.sort(key=lambda c: c["name"])
    history = annex["status_history"]
    quarters = _quarters(doc, history, trend_periods or [doc["period"]])
    worsened_by_quarter = _worsened_by_quarter(doc, history, trend_periods)
    item_flags = {f["item_id"]: f["reasons"] for f in annex.get("attention_flags", [])}
    flags = _on_track_but(items, annex["on_track_flags"], item_flags)
    workstreams = _workstreams(items)
    exceptions = log_items(items, item_flags)
    asked = asks(doc, annex, partner_names) if restricted else []
    due = falls_due(doc, annex, uk_date(datetime.fromisoformat(annex["generated_at"])))
    attention = [i for i in exceptions if i["status"] == OFF_TRACK or i["movement"] == "worsened"]
    return {
        "doc": doc, "annex": annex, "form": form, "restricted": restricted, "marking": marking if restricted else None,
        "statuses": list(STATUSES), "kinds": list(doc["totals"]), "rag": RAG, "items": items,
        "rag_css": RAG_CSS, "severity_css": SEVERITY_CSS,
        "exceptions": exceptions, "attention": attention[:ATTENTION_ON_PAGE_1],
        "attention_more": max(0, len(attention) - ATTENTION_ON_PAGE_1),
        "bottom_line": bottom_line(doc, annex), "asks": asked,
        "ask_sentence": ask_sentence(asked, bool(annex.get("covering_note"))) if restricted else "",
        "falls_due": due, "falls_due_sentence": falls_due_sentence(due), "item_flags": item_flags,
        "slippage": slippage, "finding": finding,
        "forecasts": {i["item_id"]: annex["items"][i["item_id"]]["forecast_completion"]
                      for i in items if i["status"] != COMPLETE},
        "flags": flags, "by_item": {i["item_id"]: i for i in items}, "history": history, "history_text": history_text,
        "last_reported": {r["item_id"]: last_reported(r) for r in annex.get("items_not_updated", [])},
        "key_messages": key_messages(doc, annex, quarters, worsened_by_quarter, flags, partner_names,
                                     cpcs_expected, restricted),
        "quarters_svg": stacked_bars_svg(
            "chart-quarters", quarters_title(quarters), [(period_short_words(p), c) for p, c in quarters],
            width=560, label_width=84),
        "workstreams": workstreams, "indicators": indicators, "indicators_nested": _nested(indicators),
        "previous_period": str(Period.parse(doc["period"]).previous()), "signed": signed,
        "committees_without": sorted(short_committee(n) for p, n in partner_names.items()
                                     if annex["partners"][p]["cpc"] and p not in doc["indicators"]["by_partner"]),
        "headline": [i for i in indicators if i["headline"]], "committees": committees,
        "partner_names": partner_names, "cpcs_expected": cpcs_expected, "trend_periods": trend_periods,
        "fmt": fmt_num, "long_date": long_date, "contributor_summary": contributor_summary,
        "rules": RULES, "by_rule": doc["data_quality"]["by_rule"],
        "provisional": provisional(doc, annex, cpcs_expected),
        "item_meta": annex["items"],
        "covering_note": note_html(annex.get("covering_note")) if restricted else None,
        "indicator_labels": {k: v["label"] for k, v in annex["indicators"].items()},
        "generated": human_time(annex["generated_at"]), "cutoff": human_time(annex["data_cutoff"]),
        "figures_file": f"cpip-briefing-{doc['period']}-{form}-figures.xlsx",
        "approving_despite": approving_despite(doc, annex),
        **review_context(annex),
        **({} if restricted else public_context(doc, annex, quarters, partner_names)),
    }


def review_context(annex: dict) -> dict:
    """What the review partials (templates/_review_*.html.j2) need: version, state, approver."""
    review = annex.get("review") or {}
    return {"review": review, "draft": review.get("state") == "draft", "draft_line": DRAFT_LINE,
            "human_time": human_time, "human_day": human_day}


def _indicators(doc: dict, annex: dict, series_all: list[dict], restricted: bool = False) -> list[dict]:
    """Each indicator's national total this quarter and the last, each with how many committees
    it covers, and its trend line over the quarters held (the committees under each point).

    The restricted form's change is the one over the committees that reported the indicator in
    both quarters (annex.json ``comparisons``), with their number: never the difference of two
    totals over different committees. The publication form prints no change at all: its figures
    are publication.json's and the trends' suppressed ones, and a like-for-like change, worked
    out over unsuppressed values, could give a suppressed one away beside them."""
    compared = (annex.get("comparisons") or {}).get("indicators", {}) if restricted else {}
    held = {t["period"]: t for t in series_all}
    now, before = held.get(doc["period"]), held.get(str(Period.parse(doc["period"]).previous()))
    indicators = []
    for n, (ind, value) in enumerate(doc["indicators"]["national"].items()):
        meta = annex["indicators"].get(ind, {"label": ind, "unit": "", "part_of": None})
        c = compared.get(ind)
        points = [(period_short_words(t["period"]), t["national"].get(ind), (t.get("cpcs") or {}).get(ind))
                  for t in series_all]
        indicators.append({
            "id": ind, "label": meta["label"], "unit": meta["unit"], "value": value,
            "cpcs": (now.get("cpcs") or {}).get(ind) if now else None,
            "previous": before["national"].get(ind) if before else None,
            "previous_cpcs": (before.get("cpcs") or {}).get(ind) if before else None,
            "change": c["change"] if c else None, "change_text": matched_change(c) if c else None,
            "coverage": c, "headline": not meta.get("part_of"),
            "part_of": annex["indicators"].get(meta.get("part_of") or "", {}).get("label"),
            "svg": sparkline_svg(f"trend-{n}", f"{meta['label']}: " + (
                trend_finding(c) if c else "national totals over the quarters held"), points),
        })
    return indicators


def _on_track_but(items: list[dict], on_track: list[dict], item_flags: dict[str, list[dict]]) -> list[dict]:
    """"Reported on track, but…": each item reported On track or Complete whose own figures raise a
    flag (annex ``on_track_flags``, and ``attention_flags`` for those statuses), in register order."""
    reasons: dict[str, list[dict]] = {f["item_id"]: list(f["reasons"]) for f in on_track}
    for i in items:
        if i["status"] in (ON_TRACK, COMPLETE) and i["item_id"] in item_flags:
            reasons.setdefault(i["item_id"], []).extend(item_flags[i["item_id"]])
    return [{"item_id": i["item_id"], "reasons": reasons[i["item_id"]]} for i in items if i["item_id"] in reasons]


def signed(v) -> str:
    """A change as a table prints it: "+24", "−29" (a minus sign, not a hyphen), "0"; "n/a" when there is none."""
    if v is None:
        return "n/a"
    return f"{'+' if v > 0 else MINUS if v < 0 else ''}{abs(v):,}"


def matched_change(c: dict) -> str:
    """A table's change cell, from one indicator's ``comparisons``: "−29 over 25 committees"."""
    if not c["matched_cpcs"] or c["change"] is None:
        return "none: no committee gave it both quarters"
    return f"{signed(c['change'])} over {plural(c['matched_cpcs'], 'committee')}"


def trend_finding(c: dict) -> str:
    """What a trend line's title says: the change over the committees that reported both quarters."""
    if not c["matched_cpcs"] or c["change"] is None:
        return "no committee reported it both quarters, so there is no like-for-like change"
    how = change_words(c["change"])
    who = "the one committee" if c["matched_cpcs"] == 1 else f"the {c['matched_cpcs']:,} committees"
    return f"{how} across {who} that reported both quarters"


def _workstreams(items: list[dict]) -> list[dict]:
    """Items by workstream and status (a figure briefing.json does not hold: its totals are by kind)."""
    rows: dict[tuple[str, str], dict] = {}
    for i in items:
        key = (i["kind"], i["workstream"])
        row = rows.setdefault(key, {"kind": i["kind"], "workstream": i["workstream"], "total": 0,
                                    "counts": {s: 0 for s in STATUSES}})
        row["counts"][i["status"]] += 1
        row["total"] += 1
    return list(rows.values())


def _quarters(doc: dict, history: dict[str, list[dict]], periods: list[str]) -> list[tuple[str, dict[str, int]]]:
    """Items at each status in each quarter held: this quarter's from briefing.json's totals, the
    earlier ones from the annex's status history (the same mart, read for every quarter)."""
    out = []
    for p in periods:
        if p == doc["period"]:
            out.append((p, status_counts(doc["totals"])))
            continue
        counts = {s: 0 for s in STATUSES}
        for rows in history.values():
            for h in rows:
                if h["period"] == p:
                    counts[h["status"]] += 1
        out.append((p, counts))
    return out


def _worsened_by_quarter(doc: dict, history: dict[str, list[dict]], periods: list[str]) -> list[tuple[str, int | None]]:
    """How many items worsened in each quarter held (this quarter's from briefing.json's movement);
    None for the first quarter held, which has nothing to be compared with (every movement there is "new")."""
    out: list[tuple[str, int | None]] = [
        (p, doc["movement"]["worsened"] if p == doc["period"] else
         sum(1 for rows in history.values() for h in rows if h["period"] == p and h.get("movement") == "worsened"))
        for p in periods]
    if out:
        out[0] = (out[0][0], None)
    return out


def _nested(indicators: list[dict]) -> list[dict]:
    """Indicators with each breakdown straight after the indicator it is part of."""
    by_whole: dict[str, list[dict]] = {}
    for i in indicators:
        if not i["headline"]:
            by_whole.setdefault(i["part_of"], []).append(i)
    out = []
    for i in indicators:
        if i["headline"]:
            out += [i] + by_whole.pop(i["label"], [])
    return out + [i for rest in by_whole.values() for i in rest]
