"""The briefing's charts: small inline SVGs drawn here (no network, no chart library), each with
its text alternative (``<title>`` and ``<desc>``), in the statuses' order and fills of
:mod:`cpip.core.vocabulary`.
"""

from __future__ import annotations

import html
import math
from typing import Any

from cpip.briefing.words import fmt_num
from cpip.core import vocabulary
from cpip.core.vocabulary import COLOUR

# The statuses in the order the charts and tables draw them, and each one's chart fill.
STATUSES = vocabulary.CHART_ORDER
FILL = {s: vocabulary.FILL[vocabulary.RAG.get(s)] for s in vocabulary.CHART_ORDER}


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
