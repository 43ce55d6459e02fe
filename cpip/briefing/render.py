"""The briefing as HTML and PDF, in its restricted and publication forms.

Rendered with Jinja2 (autoescape on, so partner text always appears as text) only from
``briefing.json`` / ``publication.json`` and the annex document. Charts are small
inline SVGs drawn here (no network, no chart library), each with a text alternative;
the PDF is WeasyPrint's tagged PDF/UA-1 with the marking in the page margins.

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

import html
import math
import re
from datetime import date
from typing import Any

from cpip.core import vocabulary
from cpip.core.vocabulary import AT_RISK, BEHIND, CHIP, COLOUR, COMPLETE, NO_RETURN, OFF_TRACK, ON_TRACK
from cpip.briefing.disclosure import SUPPRESSED
from cpip.core.templating import environment
from cpip.core.text import DRAFT_LINE, day_in_words, time_in_words

# The CSS class of each status (its RAG colour in lower case; "none" for No return), its order in
# tables and charts, and its chart fill: all from cpip.core.vocabulary.
RAG = {s: (vocabulary.RAG.get(s) or "none").lower() for s in vocabulary.CHART_ORDER}
SEVERITY_ORDER = {s: n for n, s in enumerate(BEHIND)}
STATUSES = vocabulary.CHART_ORDER
FILL = {s: vocabulary.FILL[vocabulary.RAG.get(s)] for s in vocabulary.CHART_ORDER}
# The styles of the status labels and of the exceptions' edges, drawn as cpip.core.vocabulary says
# (templates/briefing.html.j2 puts them in its <style>).
RAG_CSS = "\n".join(
    f"  .rag-{(rag or 'none').lower()} {{ background: {bg}; border-color: {edge}; color: {COLOUR.black}; "
    + ("font-style: italic; " if rag is None else "") + "}" for rag, (bg, edge) in CHIP.items())
SEVERITY_CSS = "  " + " ".join(
    f".exception.sev-{RAG[s]} {{ border-color: {CHIP[vocabulary.RAG[s]][1]}; }}" for s in BEHIND)
KEY_MESSAGES_MAX = 6
ATTENTION_ON_PAGE_1 = 5
# A key message about an indicator picks the largest percentage change among headline indicators
# whose previous national total is at least this (below it a percentage says little).
CHANGE_BASE_MIN = 100
# A committee's name in a table: the common ending is said once in the caption instead.
_COMMITTEE_SUFFIX = re.compile(r"\s+(Child|Public) Protection Committee$")
# On every page of both forms of a draft (issue 12), beside the marking; see cpip.review.decisions.


def fmt_num(v: Any) -> str:
    if v is None:
        return "n/a"
    if v == SUPPRESSED:
        return SUPPRESSED
    return f"{v:,}"


def long_date(value: str | None) -> str:
    """'2027-03-31' -> '31 March 2027' (GOV.UK style); None -> 'none given'."""
    if not value:
        return "none given"
    d = date.fromisoformat(value)
    return f"{d.day} {d:%B %Y}"


def short_committee(name: str) -> str:
    return _COMMITTEE_SUFFIX.sub("", name)


# --- charts ---------------------------------------------------------------------------------


def _svg_open(ident: str, width: int, height: int, title: str, desc: str, cls: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-labelledby="{ident}-t {ident}-d" class="{cls}">',
            f'<title id="{ident}-t">{html.escape(title)}</title><desc id="{ident}-d">{html.escape(desc)}</desc>']


def _nice_range(lo: int, hi: int) -> tuple[int, int]:
    """An axis range around [lo, hi] on round numbers, not from zero, so small changes show."""
    if lo == hi:
        pad = max(1, abs(hi) // 10)
        return max(0, lo - pad), hi + pad
    raw = (hi - lo) / 3
    mag = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return (lo // step) * step, -(-hi // step) * step


def trend_svg(ident: str, label: str, series: list[tuple[str, Any]], width: int = 300, height: int = 130) -> str:
    """A small line chart of a national total over the periods held, with its text alternative.

    The vertical axis runs between round numbers just below the smallest and above the largest
    value (not from zero), labelled at both ends, so that a change of a few per cent shows; every
    point carries its value."""
    pts = [(i, v) for i, (_, v) in enumerate(series) if isinstance(v, int)]
    desc_parts = [f"{p}: {fmt_num(v) if v is not None else 'not available'}" for p, v in series]
    desc = f"{label}, national total by quarter. " + "; ".join(desc_parts) + "."
    left, right, top, bottom = 40, 14, 16, 26
    w, h = width - left - right, height - top - bottom
    n = max(len(series) - 1, 1)
    parts = _svg_open(ident, width, height, label, desc, "trend")
    if pts:
        lo, hi = _nice_range(min(v for _, v in pts), max(v for _, v in pts))

        def xy(i, v):
            return left + (w * i / n if len(series) > 1 else w / 2), top + h - h * (v - lo) / (hi - lo)
        for val in (lo, hi):
            y = xy(0, val)[1]
            parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + w}" y2="{y:.1f}" stroke="{COLOUR.mid_grey}" '
                         f'stroke-width="1"/>')
            parts.append(f'<text x="{left - 4}" y="{y + 3.5:.1f}" text-anchor="end" font-size="10" '
                         f'fill="{COLOUR.black}">{val:,}</text>')
        segs, cur = [], []
        for i, (_, v) in enumerate(series):
            if isinstance(v, int):
                cur.append(xy(i, v))
            elif cur:
                segs.append(cur)
                cur = []
        if cur:
            segs.append(cur)
        for seg in segs:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in seg)
            parts.append(f'<polyline points="{d}" fill="none" stroke="{COLOUR.blue}" stroke-width="2.5"/>')
        for i, v in pts:
            x, y = xy(i, v)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{COLOUR.blue}"/>')
            bold = ' font-weight="bold"' if i == pts[-1][0] else ""
            parts.append(f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" font-size="9.5"{bold} '
                         f'fill="{COLOUR.black}">{v:,}</text>')
    else:
        parts.append(f'<text x="{left + w / 2}" y="{top + h / 2}" text-anchor="middle" font-size="11" '
                     f'fill="{COLOUR.black}">No figures to show</text>')
    for i, (p, _) in enumerate(series):
        if len(series) <= 6 or i in (0, len(series) - 1):
            x = left + (w * i / n if len(series) > 1 else w / 2)
            anchor = "start" if i == 0 and len(series) > 1 else "end" if i == len(series) - 1 and len(series) > 1 \
                else "middle"
            parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}" font-size="9" '
                         f'fill="{COLOUR.black}">{html.escape(p)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars_svg(ident: str, title: str, rows: list[tuple[str, dict[str, int]]], width: int,
                     label_width: int, scale_to: int | None = None, what: str = "items", legend: bool = True) -> str:
    """Horizontal stacked bars, one per row, segments in ``STATUSES`` order, each labelled with its
    count when it is wide enough; the total at the end of the bar; a legend above."""
    bar, gap, legend_h = 16, 5, 22 if legend else 2
    height = legend_h + len(rows) * (bar + gap) + 4
    top_n = scale_to or max((sum(c.values()) for _, c in rows), default=1) or 1
    plot_w = width - label_width - 28
    desc = "; ".join(f"{label}: " + ", ".join(f"{c[s]} {s.lower()}" for s in STATUSES if c.get(s))
                     + f" ({sum(c.values())} {what})" for label, c in rows) + "."
    parts = _svg_open(ident, width, height, title, desc, "bars")
    x = 0.0
    for s in STATUSES if legend else ():
        fill, _ = FILL[s]
        parts.append(f'<rect x="{x:.1f}" y="4" width="10" height="10" fill="{fill}" stroke="{COLOUR.black}" '
                     f'stroke-width="0.6"/>')
        parts.append(f'<text x="{x + 13:.1f}" y="13" font-size="9.5" fill="{COLOUR.black}">{s}</text>')
        x += 22 + len(s) * 5.6
    for r, (label, counts) in enumerate(rows):
        y = legend_h + r * (bar + gap)
        parts.append(f'<text x="{label_width - 6}" y="{y + bar / 2 + 3.5:.1f}" text-anchor="end" font-size="10" '
                     f'fill="{COLOUR.black}">{html.escape(label)}</text>')
        x = float(label_width)
        for s in STATUSES:
            n = counts.get(s, 0)
            if not n:
                continue
            seg = plot_w * n / top_n
            fill, ink = FILL[s]
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{seg:.1f}" height="{bar}" fill="{fill}" '
                         f'stroke="{COLOUR.black}" stroke-width="0.6"/>')
            if seg >= 11:
                parts.append(f'<text x="{x + seg / 2:.1f}" y="{y + bar / 2 + 3.5:.1f}" text-anchor="middle" font-size="9.5" '
                             f'font-weight="bold" fill="{ink}">{n}</text>')
            x += seg
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar / 2 + 3.5:.1f}" font-size="10" fill="{COLOUR.black}">'
                     f'{sum(counts.values())}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- what the pages say --------------------------------------------------------------------


def _exceptions(items: list[dict]) -> list[dict]:
    out = [i for i in items if i["status"] in BEHIND or i["movement"] == "worsened"]
    return sorted(out, key=lambda i: (SEVERITY_ORDER.get(i["status"], 2), out.index(i)))


def _workstreams(items: list[dict]) -> list[dict]:
    rows: dict[tuple[str, str], dict] = {}
    for i in items:
        key = (i["kind"], i["workstream"])
        row = rows.setdefault(key, {"kind": i["kind"], "workstream": i["workstream"], "total": 0,
                                    "counts": {s: 0 for s in STATUSES}})
        row["counts"][i["status"]] += 1
        row["total"] += 1
    return list(rows.values())


def history_text(history: list[dict]) -> str:
    """The status over the quarters held, runs collapsed: 'since 2025-Q4' when it never changed,
    else 'was On track (2025-Q4) → At risk (2026-Q1 to 2026-Q2) → Off track (2026-Q3)'."""
    runs: list[list] = []
    for h in history:
        if runs and runs[-1][0] == h["status"]:
            runs[-1][2] = h["period"]
        else:
            runs.append([h["status"], h["period"], h["period"]])
    if not runs:
        return ""
    if len(runs) == 1:
        return f"in every quarter held ({runs[0][1]} to {runs[0][2]})" if runs[0][1] != runs[0][2] else \
            f"(first quarter held, {runs[0][1]})"
    return "over the quarters held: " + " → ".join(f"{s} ({a}{'' if a == b else ' to ' + b})" for s, a, b in runs)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _names(codes: list[str], names: dict[str, str]) -> str:
    got = [names.get(c, c) for c in codes]
    if len(got) <= 1:
        return "".join(got)
    return ", ".join(got[:-1]) + " and " + got[-1]


def _status_counts(history: dict[str, list[dict]], periods: list[str]) -> list[tuple[str, dict[str, int]]]:
    out = []
    for p in periods:
        counts = {s: 0 for s in STATUSES}
        for rows in history.values():
            for h in rows:
                if h["period"] == p:
                    counts[h["status"]] += 1
        out.append((p, counts))
    return out


def key_messages(doc: dict, annex: dict, indicators: list[dict], quarters: list[tuple[str, dict[str, int]]],
                 worsened_by_quarter: list[tuple[str, int]], flags: list[dict], partner_names: dict[str, str],
                 cpcs_expected: int) -> list[str]:
    """Three to six plain sentences, each with its number and what it is compared with."""
    msgs = []
    items = doc["items"]
    now = {s: sum(1 for i in items if i["status"] == s) for s in STATUSES}
    before = quarters[-2][1] if len(quarters) >= 2 else None
    s = (f"Of {_plural(len(items), 'action and recommendation', 'actions and recommendations')}, "
         f"{now[COMPLETE] + now[ON_TRACK]:,} are complete or on track; {now[OFF_TRACK]:,} "
         f"{'is' if now[OFF_TRACK] == 1 else 'are'} off track and {now[AT_RISK]:,} at risk")
    if before:
        s += f" (last quarter: {before[OFF_TRACK]:,} off track, {before[AT_RISK]:,} at risk)"
    msgs.append(s + ".")
    worse = doc["movement"]["worsened"]
    earlier = [(p, n) for p, n in worsened_by_quarter[:-1] if n is not None]
    s = f"{_plural(worse, 'item')} worsened since last quarter ({doc['movement']['improved']:,} improved)"
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
        msgs.append(f"{_plural(len(flags), 'item')} reported on track {'shows' if len(flags) == 1 else 'show'} "
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
    s += f"; not reported: {_names(sorted(not_in), partner_names)}." if not_in else "; every partner has reported."
    msgs.append(s)
    return msgs[:KEY_MESSAGES_MAX]


def context(doc: dict, annex: dict, form: str, marking: str) -> dict:
    """Everything the template needs, derived only from briefing/publication JSON and the annex."""
    restricted = form == "restricted"
    items = doc["items"]
    trends_key = "trends" if restricted else "trends_publication"
    series_all = annex[trends_key]
    trend_periods = [t["period"] for t in series_all]
    prev_national = None
    if len(series_all) >= 2 and series_all[-1]["period"] == doc["period"]:
        prev_national = series_all[-2]["national"]
    indicators = []
    for n, (ind, value) in enumerate(doc["indicators"]["national"].items()):
        meta = annex["indicators"].get(ind, {"label": ind, "unit": "", "part_of": None})
        series = [(t["period"], t["national"].get(ind)) for t in series_all]
        before = prev_national.get(ind) if prev_national else None
        change = value - before if isinstance(value, int) and isinstance(before, int) else None
        indicators.append({
            "id": ind, "label": meta["label"], "unit": meta["unit"], "value": value, "previous": before,
            "change": change, "headline": not meta.get("part_of"),
            "part_of": annex["indicators"].get(meta.get("part_of") or "", {}).get("label"),
            "svg": trend_svg(f"trend-{n}", meta["label"], series),
        })
    headline = [i for i in indicators if i["headline"]]
    partner_names = {k: v["name"] for k, v in annex["partners"].items()}
    cpcs_expected = sum(1 for v in annex["partners"].values() if v["cpc"])
    by_partner = doc["indicators"]["by_partner"]
    committees = [{"code": p, "name": short_committee(partner_names.get(p, p)), "values": v}
                  for p, v in by_partner.items()]
    committees.sort(key=lambda c: c["name"])
    from cpip.reference.rules import RULES

    history = annex["status_history"]
    quarters = _status_counts(history, trend_periods or [doc["period"]])
    worsened_by_quarter = [(p, sum(1 for rows in history.values() for h in rows
                                   if h["period"] == p and h.get("movement") == "worsened")) for p in trend_periods]
    # The first quarter held has nothing to be compared with: every movement there is "new".
    if worsened_by_quarter:
        worsened_by_quarter[0] = (worsened_by_quarter[0][0], None)
    flags = annex["on_track_flags"]
    workstreams = _workstreams(items)
    exceptions = _exceptions(items)
    attention = [i for i in exceptions if i["status"] == OFF_TRACK or i["movement"] == "worsened"]
    provisional = _provisional(doc, annex, cpcs_expected)
    by_item = {i["item_id"]: i for i in items}
    return {
        "doc": doc, "annex": annex, "form": form, "restricted": restricted, "marking": marking if restricted else None,
        "statuses": list(STATUSES), "kinds": list(doc["totals"]), "rag": RAG, "items": items,
        "rag_css": RAG_CSS, "severity_css": SEVERITY_CSS,
        "exceptions": exceptions, "attention": attention[:ATTENTION_ON_PAGE_1],
        "attention_more": max(0, len(attention) - ATTENTION_ON_PAGE_1),
        "flags": flags, "by_item": by_item, "history": history, "history_text": history_text,
        "key_messages": key_messages(doc, annex, indicators, quarters, worsened_by_quarter, flags, partner_names,
                                     cpcs_expected),
        "workstream_svg": stacked_bars_svg(
            "chart-workstreams", f"Status of every item by workstream, {doc['period']}",
            [(w["workstream"], w["counts"]) for w in workstreams], width=440,
            label_width=min(250, 12 + round(5.6 * max((len(w["workstream"]) for w in workstreams), default=10)))),
        "quarters_svg": stacked_bars_svg(
            "chart-quarters", "Status of every item in each quarter held", quarters, width=240, label_width=50,
            legend=False),
        "workstreams": workstreams, "indicators": indicators, "indicators_nested": _nested(indicators), "headline": headline, "committees": committees,
        "partner_names": partner_names, "cpcs_expected": cpcs_expected, "trend_periods": trend_periods,
        "fmt": fmt_num, "long_date": long_date, "contributor_summary": contributor_summary,
        "rules": RULES, "by_rule": doc["data_quality"]["by_rule"], "provisional": provisional,
        "item_meta": annex["items"], "covering_note": note_html(annex.get("covering_note")),
        "indicator_labels": {k: v["label"] for k, v in annex["indicators"].items()},
        "generated": _human_time(annex["generated_at"]), "cutoff": _human_time(annex["data_cutoff"]),
        "figures_file": f"cpip-briefing-{doc['period']}-{form}-figures.xlsx",
        **review_context(annex),
    }


def review_context(annex: dict) -> dict:
    """What the review partials (templates/_review_*.html.j2) need: version, state, approver."""
    review = annex.get("review") or {}
    return {"review": review, "draft": review.get("state") == "draft", "draft_line": DRAFT_LINE,
            "human_time": _human_time, "human_day": _human_day}


def _human_day(value: str | None) -> str:
    return day_in_words(value) if value else "an unknown date"


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


def _provisional(doc: dict, annex: dict, cpcs_expected: int) -> list[str]:
    provisional = []
    no_return = sum(t.get(NO_RETURN, 0) for t in doc["totals"].values())
    if annex["provisional"]:
        provisional.append(f"The due date ({long_date(annex['due_date'])}) had not passed when this briefing was "
                           "made: every figure may change as returns arrive.")
    if no_return:
        provisional.append(f"{no_return} item{'s' if no_return != 1 else ''} had no return from the lead partner "
                           f"and are shown as {NO_RETURN}.")
    if doc["indicators"]["reporting_cpcs"] < cpcs_expected:
        provisional.append(f"Indicator totals cover {doc['indicators']['reporting_cpcs']} of {cpcs_expected} "
                           "Child Protection Committees; national totals will rise as the rest report.")
    unconfirmed = [k for k, v in annex["items"].items() if not v["confirmed"]]
    if unconfirmed:
        provisional.append(f"{len(unconfirmed)} register entries are working assumptions still to be confirmed "
                           "against the published programme.")
    if doc["returns"]["late"]:
        provisional.append(f"{len(doc['returns']['late'])} return{'s' if len(doc['returns']['late']) != 1 else ''} "
                           "arrived after the due date and are included.")
    return provisional


def note_html(text: str | None):
    """The covering note as HTML: plain text or simple Markdown (paragraphs, ``-``/``*`` lists,
    ``**bold**``), every character escaped first, so a note can never carry markup of its own."""
    from markupsafe import Markup, escape

    if not text or not text.strip():
        return None
    out = []
    bullet = re.compile(r"^\s*[-*]\s+")

    def inline(s: str) -> str:
        return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", str(escape(s.strip())))
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if lines and all(bullet.match(ln) for ln in lines):
            out.append("<ul>" + "".join(f"<li>{inline(bullet.sub('', ln))}</li>" for ln in lines) + "</ul>")
        else:
            out.append("<p>" + "<br>".join(inline(re.sub(r"^#+\s*", "", ln)) for ln in lines) + "</p>")
    return Markup("".join(out))


def contributor_summary(contributors: list[dict]) -> str:
    """Contributors in a few words, counted by status ("(3): 2 On track, 1 no return"); each one's
    own status is in briefing.json."""
    if not contributors:
        return "none"
    counts: dict[str, int] = {}
    for c in contributors:
        counts[c["status"] or "no return"] = counts.get(c["status"] or "no return", 0) + 1
    return f"({len(contributors)}): " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda x: -x[1]))


def _human_time(value: str | None) -> str:
    if not value:
        return "no files received"
    return time_in_words(value, sep=", ") + " (UK time)"


def render_html(doc: dict, annex: dict, form: str, marking: str) -> str:
    return environment().get_template("briefing.html.j2").render(**context(doc, annex, form, marking))


def render_document(html_text: str, form: str, marking: str, draft: bool = False):
    """The laid-out WeasyPrint document (pages and boxes), which :func:`render_pdf` writes and the
    tests inspect (no table row split across pages, no row left alone)."""
    import logging

    from weasyprint import CSS, HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    def no_network(url, *args, **kwargs):
        raise ValueError(f"the briefing never fetches {url}")

    doc = HTML(string=html_text, url_fetcher=no_network, base_url="/")
    return doc.render(stylesheets=[CSS(string=_page_css(form, marking, draft))], pdf_variant="pdf/ua-1")


def render_pdf(html_text: str, form: str, marking: str, draft: bool = False) -> bytes:
    """A tagged PDF (PDF/UA-1) with the marking at the top and bottom of every page (restricted form),
    and the DRAFT line with it on every page of a draft (both forms)."""
    return render_document(html_text, form, marking, draft).write_pdf(pdf_variant="pdf/ua-1")


def _page_css(form: str, marking: str, draft: bool = False) -> str:
    lines = ([marking] if form == "restricted" else []) + ([DRAFT_LINE] if draft else [])

    def content(order: list[str]) -> str:  # the marking nearest the edge of the page, top and bottom
        return ' "\\A" '.join('"' + ln.replace("\\", "\\\\").replace('"', '\\"') + '"' for ln in order)
    boxes = (f'@top-center {{ content: {content(lines)}; white-space: pre; text-align: center; '
             f'font: bold 11pt DejaVu Sans, sans-serif; color: {COLOUR.black}; }}'
             f'@bottom-center {{ content: {content(lines[::-1])}; white-space: pre; text-align: center; '
             f'font: bold 11pt DejaVu Sans, sans-serif; color: {COLOUR.black}; }}'
             if lines else "")
    edge = "20mm" if len(lines) > 1 else "17mm"  # two lines (the marking and the DRAFT line) need more room
    return (f"@page {{ size: A4; margin: {edge} 15mm {edge} 15mm; " + boxes +
            '@bottom-right { content: "Page " counter(page) " of " counter(pages); '
            f"font: 8pt DejaVu Sans, sans-serif; color: {COLOUR.black}; }} }}")
