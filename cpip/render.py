"""The briefing as HTML and PDF, in its restricted and publication forms.

Rendered with Jinja2 (autoescape on, so partner text always appears as text) only from
``briefing.json`` / ``publication.json`` and the annex document. Charts are small
inline SVGs drawn here (no network, no chart library), each with a text alternative;
the PDF is WeasyPrint's tagged PDF/UA-1 with the marking in the page margins.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from cpip.disclosure import SUPPRESSED
from cpip.receipts import environment

RAG = {"On track": "green", "At risk": "amber", "Off track": "red", "Complete": "blue", "Not started": "grey",
       "No return": "none"}
SEVERITY_ORDER = {"Off track": 0, "At risk": 1}
# On every page of both forms of a draft (issue 12), beside the marking; see cpip.review.
DRAFT_LINE = "DRAFT: not approved for circulation"


def fmt_num(v: Any) -> str:
    if v is None:
        return "n/a"
    if v == SUPPRESSED:
        return SUPPRESSED
    return f"{v:,}"


def trend_svg(ident: str, label: str, series: list[tuple[str, Any]], width: int = 300, height: int = 130) -> str:
    """A small line chart of a national total over the periods held, with its text alternative."""
    pts = [(i, v) for i, (_, v) in enumerate(series) if isinstance(v, int)]
    desc_parts = [f"{p}: {fmt_num(v) if v is not None else 'not available'}" for p, v in series]
    desc = f"{label}, national total by quarter. " + "; ".join(desc_parts) + "."
    left, right, top, bottom = 44, 10, 10, 28
    w, h = width - left - right, height - top - bottom
    n = max(len(series) - 1, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-labelledby="{ident}-t {ident}-d" class="trend">',
             f'<title id="{ident}-t">{html.escape(label)}</title><desc id="{ident}-d">{html.escape(desc)}</desc>',
             f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#505a5f" stroke-width="1"/>']
    if pts:
        lo = 0
        hi = max(v for _, v in pts) or 1
        def xy(i, v):
            return left + w * i / n, top + h - h * (v - lo) / (hi - lo)
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
            parts.append(f'<polyline points="{d}" fill="none" stroke="#1d70b8" stroke-width="2.5"/>')
        for i, v in pts:
            x, y = xy(i, v)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1d70b8"/>')
        parts.append(f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" font-size="10" fill="#0b0c0c">{hi:,}</text>')
        parts.append(f'<text x="{left - 4}" y="{top + h}" text-anchor="end" font-size="10" fill="#0b0c0c">0</text>')
        last_i, last_v = pts[-1]
        x, y = xy(last_i, last_v)
        parts.append(f'<text x="{min(x, left + w - 2):.1f}" y="{max(y - 6, top + 8):.1f}" text-anchor="end" '
                     f'font-size="11" font-weight="bold" fill="#0b0c0c">{last_v:,}</text>')
    else:
        parts.append(f'<text x="{left + w / 2}" y="{top + h / 2}" text-anchor="middle" font-size="11" '
                     f'fill="#0b0c0c">No figures to show</text>')
    if series:
        parts.append(f'<text x="{left}" y="{height - 8}" font-size="10" fill="#0b0c0c">{html.escape(series[0][0])}</text>')
        if len(series) > 1:
            parts.append(f'<text x="{left + w}" y="{height - 8}" text-anchor="end" font-size="10" '
                         f'fill="#0b0c0c">{html.escape(series[-1][0])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _exceptions(items: list[dict]) -> list[dict]:
    out = [i for i in items if i["status"] in ("Off track", "At risk") or i["movement"] == "worsened"]
    return sorted(out, key=lambda i: (SEVERITY_ORDER.get(i["status"], 2), out.index(i)))


def _workstreams(items: list[dict], statuses: list[str]) -> list[dict]:
    rows: dict[tuple[str, str], dict] = {}
    for i in items:
        key = (i["kind"], i["workstream"])
        row = rows.setdefault(key, {"kind": i["kind"], "workstream": i["workstream"], "total": 0,
                                    "counts": {s: 0 for s in statuses}})
        row["counts"][i["status"]] += 1
        row["total"] += 1
    return list(rows.values())


def context(doc: dict, annex: dict, form: str, marking: str) -> dict:
    """Everything the template needs, derived only from briefing/publication JSON and the annex."""
    restricted = form == "restricted"
    statuses = ["Complete", "On track", "At risk", "Off track", "Not started", "No return"]
    items = doc["items"]
    trends_key = "trends" if restricted else "trends_publication"
    trend_periods = [t["period"] for t in annex[trends_key]]
    indicators = []
    prev_national = None
    series_all = annex[trends_key]
    if len(series_all) >= 2 and series_all[-1]["period"] == doc["period"]:
        prev_national = series_all[-2]["national"]
    for n, (ind, value) in enumerate(doc["indicators"]["national"].items()):
        meta = annex["indicators"].get(ind, {"label": ind, "unit": ""})
        series = [(t["period"], t["national"].get(ind)) for t in series_all]
        before = prev_national.get(ind) if prev_national else None
        change = None
        if isinstance(value, int) and isinstance(before, int):
            change = value - before
        indicators.append({
            "id": ind, "label": meta["label"], "unit": meta["unit"], "value": value, "previous": before,
            "change": change, "svg": trend_svg(f"trend-{n}", meta["label"], series),
        })
    by_partner = doc["indicators"]["by_partner"]
    ind_ids = list(doc["indicators"]["national"])
    chunks = [ind_ids[i:i + 6] for i in range(0, len(ind_ids), 6)]
    partner_names = {k: v["name"] for k, v in annex["partners"].items()}
    cpcs_expected = sum(1 for v in annex["partners"].values() if v["cpc"])
    by_rule = doc["data_quality"]["by_rule"]
    from cpip.rules import RULES

    provisional = []
    no_return = sum(t.get("No return", 0) for t in doc["totals"].values())
    if annex["provisional"]:
        provisional.append(f"The due date ({annex['due_date']}) had not passed when this briefing was made: "
                           "every figure may change as returns arrive.")
    if no_return:
        provisional.append(f"{no_return} item{'s' if no_return != 1 else ''} had no return from the lead partner "
                           "and are shown as No return.")
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
    return {
        "doc": doc, "annex": annex, "form": form, "restricted": restricted, "marking": marking if restricted else None,
        "statuses": statuses, "kinds": list(doc["totals"]), "rag": RAG, "items": items,
        "exceptions": _exceptions(items),
        "worsened": [i for i in items if i["movement"] == "worsened"],
        "improved": [i for i in items if i["movement"] == "improved"], "workstreams": _workstreams(items, statuses),
        "indicators": indicators, "chunks": chunks, "by_partner": by_partner, "partner_names": partner_names,
        "cpcs_expected": cpcs_expected, "trend_periods": trend_periods, "fmt": fmt_num,
        "contributor_summary": contributor_summary, "rules": RULES, "by_rule": by_rule, "provisional": provisional,
        "item_meta": annex["items"],
        "generated": _human_time(annex["generated_at"]), "cutoff": _human_time(annex["data_cutoff"]),
        **review_context(annex),
    }


def review_context(annex: dict) -> dict:
    """What the review partials (templates/_review_*.html.j2) need: version, state, approver, note."""
    review = annex.get("review") or {}
    return {"review": review, "draft": review.get("state") == "draft", "draft_line": DRAFT_LINE,
            "covering_note_blocks": note_blocks(annex.get("covering_note")),
            "human_time": _human_time, "human_day": _human_day}


def note_blocks(text: str | None) -> list[dict]:
    """A covering note (plain text or Markdown) as paragraphs and bullet lists of plain text:
    the template escapes every word of it, so nothing a person wrote becomes markup."""
    blocks: list[dict] = []
    for chunk in (text or "").replace("\r\n", "\n").split("\n\n"):
        lines = [ln.rstrip() for ln in chunk.strip("\n").splitlines() if ln.strip()]
        if not lines:
            continue
        if all(ln.lstrip()[:2] in ("- ", "* ", "+ ") for ln in lines):
            blocks.append({"kind": "list", "items": [ln.lstrip()[2:].strip().replace("**", "") for ln in lines]})
        elif lines[0].startswith("#"):
            blocks.append({"kind": "heading", "text": lines[0].lstrip("#").strip()})
            if lines[1:]:
                blocks.append({"kind": "text", "text": "\n".join(lines[1:]).replace("**", "")})
        else:
            blocks.append({"kind": "text", "text": "\n".join(lines).replace("**", "")})
    return blocks


def _human_day(value: str | None) -> str:
    return f"{datetime.fromisoformat(value):%-d %B %Y}" if value else "an unknown date"


def contributor_summary(contributors: list[dict]) -> str:
    """Contributors in a few words: named when there are up to three, else counted by status."""
    if not contributors:
        return "none"
    if len(contributors) <= 3:
        return "; ".join(f"{c['partner_code']}: {c['status'] or 'no return'}" for c in contributors)
    counts: dict[str, int] = {}
    for c in contributors:
        counts[c["status"] or "no return"] = counts.get(c["status"] or "no return", 0) + 1
    return f"{len(contributors)}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda x: -x[1]))


def _human_time(value: str | None) -> str:
    if not value:
        return "no files received"
    t = datetime.fromisoformat(value)
    return f"{t:%d %B %Y, %H:%M} (UK time)"


def render_html(doc: dict, annex: dict, form: str, marking: str) -> str:
    return environment().get_template("briefing.html.j2").render(**context(doc, annex, form, marking))


def render_pdf(html_text: str, form: str, marking: str, draft: bool = False) -> bytes:
    """A tagged PDF (PDF/UA-1) with the marking at the top and bottom of every page (restricted form),
    and the DRAFT line with it on every page of a draft (both forms)."""
    import logging

    from weasyprint import CSS, HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    def no_network(url, *args, **kwargs):
        raise ValueError(f"the briefing never fetches {url}")

    css = _page_css(form, marking, draft)
    doc = HTML(string=html_text, url_fetcher=no_network, base_url="/")
    return doc.write_pdf(stylesheets=[CSS(string=css)], pdf_variant="pdf/ua-1")


def _page_css(form: str, marking: str, draft: bool = False) -> str:
    lines = ([marking] if form == "restricted" else []) + ([DRAFT_LINE] if draft else [])
    def content(order: list[str]) -> str:  # the marking nearest the edge of the page, top and bottom
        return ' "\\A" '.join('"' + ln.replace("\\", "\\\\").replace('"', '\\"') + '"' for ln in order)
    boxes = (f'@top-center {{ content: {content(lines)}; white-space: pre; text-align: center; '
             f'font: bold 11pt DejaVu Sans, sans-serif; color: #0b0c0c; }}'
             f'@bottom-center {{ content: {content(lines[::-1])}; white-space: pre; text-align: center; '
             f'font: bold 11pt DejaVu Sans, sans-serif; color: #0b0c0c; }}'
             if lines else "")
    return ("@page { size: A4; margin: 20mm 16mm 20mm 16mm; " + boxes +
            '@bottom-right { content: "Page " counter(page) " of " counter(pages); '
            "font: 9pt DejaVu Sans, sans-serif; color: #0b0c0c; } }")
