"""The briefing's charts: small inline SVGs drawn here (no network, no chart library), each with
its text alternative (``<title>`` and ``<desc>``), in the statuses' order and fills of
:mod:`cpip.core.vocabulary`: stacked bars, from zero, and a trend line small enough for a table
row, from zero or marked as not.
"""

from __future__ import annotations

import html
import math
from typing import Any

from cpip.briefing.words import fmt_num, plural
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
    """An axis range around [lo, hi] on round numbers, not from zero, so that small changes show."""
    if lo == hi:
        pad = max(1, abs(hi) // 10)
        return max(0, lo - pad), hi + pad
    raw = (hi - lo) / 3
    mag = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return (lo // step) * step, -(-hi // step) * step


def axis_range(values: list[int]) -> tuple[int, int, bool]:
    """The vertical axis of a trend line and whether it starts from zero.

    From zero when that still shows the line's movement (its lowest value is at most half its
    highest); otherwise between round numbers around the values, and the chart marks that its axis
    does not start from zero."""
    lo, hi = min(values), max(values)
    if lo <= 0 or lo * 2 <= hi:
        return 0, max(hi, 1), True
    lo, hi = _nice_range(lo, hi)
    return lo, hi, lo == 0


# Per point: its quarter as a person reads it, its value (an int, or None / "[c]" when there is
# none to draw) and how many committees it covers.
Point = tuple[str, Any, int | None]


def sparkline_svg(ident: str, title: str, points: list[Point], width: int = 150, height: int = 34) -> str:
    """A small trend line for a table row: one point per quarter held, the number of committees
    under each point, and its text alternative (the title it is given; the series in words, each
    value with its committees, and the axis).

    The axis starts from zero, or the baseline carries a break mark (two short slanted strokes)
    and the description says it does not (see :func:`axis_range`). A value that cannot be drawn
    (not available, or suppressed) leaves a gap in the line."""
    drawn = [(n, v) for n, (_, v, _) in enumerate(points) if isinstance(v, int) and not isinstance(v, bool)]
    left, right, top, base = 18, 10, 3, height - 13
    plot_w = width - left - right
    step = plot_w / (len(points) - 1) if len(points) > 1 else 0

    def x(n: int) -> float:
        return left + (n * step if len(points) > 1 else plot_w / 2)

    said = "; ".join(f"{p}: {fmt_num(v) if v is not None else 'not available'}"
                     + (f" ({plural(c, 'committee')})" if c is not None else "") for p, v, c in points)
    if drawn:
        lo, hi, from_zero = axis_range([v for _, v in drawn])
        axis = (f"Vertical axis from {lo:,} to {hi:,}" + ("." if from_zero else ", not from zero."))
    else:
        lo, hi, from_zero, axis = 0, 1, True, "No value to draw."
    parts = _svg_open(ident, width, height, title, f"By quarter: {said}. {axis}", "spark")
    parts.append(f'<line x1="{left - 8}" y1="{base + 1}" x2="{width - 2}" y2="{base + 1}" stroke="{COLOUR.dark_grey}" '
                 f'stroke-width="1"/>')
    if not from_zero:  # the axis break: this line does not start from zero
        parts.append(f'<path d="M2,{base + 4} l3,-6 M6,{base + 4} l3,-6" stroke="{COLOUR.black}" '
                     f'stroke-width="1.2" fill="none"/>')

    def y(v: int) -> float:
        return base - (base - top) * (v - lo) / ((hi - lo) or 1)
    segs: list[list[tuple[float, float]]] = [[]]
    for n, (_, v, _) in enumerate(points):
        if isinstance(v, int) and not isinstance(v, bool):
            segs[-1].append((x(n), y(v)))
        elif segs[-1]:
            segs.append([])
    for seg in (s for s in segs if len(s) > 1):
        d = " ".join(f"{a:.1f},{b:.1f}" for a, b in seg)
        parts.append(f'<polyline points="{d}" fill="none" stroke="{COLOUR.blue}" stroke-width="1.8"/>')
    for n, v in drawn:
        r = 2.6 if n == len(points) - 1 else 1.8
        parts.append(f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="{r}" fill="{COLOUR.blue}"/>')
    labelled = range(len(points)) if len(points) <= 10 else (0, len(points) - 1)
    for n in labelled:
        if points[n][2] is not None:
            parts.append(f'<text x="{x(n):.1f}" y="{height - 3}" text-anchor="middle" font-size="9" '
                         f'fill="{COLOUR.black}">{points[n][2]}</text>')
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
