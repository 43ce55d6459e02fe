"""The briefing's charts say what they show: bars from zero, trend lines from zero or marked as
not, the committees under each point, labels that do not overlap, and a text alternative."""

from __future__ import annotations

import re

import pytest

from cpip.briefing.charts import STATUSES, axis_range, sparkline_svg, stacked_bars_svg


def _attrs(svg: str, tag: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', m)) for m in re.findall(rf"<{tag} ([^>]*)>", svg)]


def test_every_bar_starts_from_zero_and_its_length_is_its_count():
    rows = [("Neglect", {STATUSES[0]: 2, STATUSES[1]: 3}), ("Shared values", {STATUSES[2]: 1}),
            ("Inspections", {STATUSES[1]: 10})]
    svg = stacked_bars_svg("chart-x", "Status by workstream", rows, width=400, label_width=100)
    rects = [r for r in _attrs(svg, "rect") if float(r["y"]) > 15]  # the bars, not the legend's keys
    plot_w = 400 - 100 - 28
    per_row: dict[str, list[dict]] = {}
    for r in rects:
        per_row.setdefault(r["y"], []).append(r)
    assert len(per_row) == len(rows)
    for (label, counts), segs in zip(rows, per_row.values()):
        assert float(segs[0]["x"]) == 100  # every bar starts at the axis: zero
        ends = float(segs[-1]["x"]) + float(segs[-1]["width"])
        assert ends - 100 == pytest.approx(plot_w * sum(counts.values()) / 10, abs=0.2), label
        for a, b in zip(segs, segs[1:]):  # segments follow on, no gap or overlap
            assert float(b["x"]) == pytest.approx(float(a["x"]) + float(a["width"]), abs=0.11)


def test_a_trend_line_starts_from_zero_when_that_still_shows_its_movement():
    assert axis_range([0, 3, 1]) == (0, 3, True)
    assert axis_range([40, 100]) == (0, 100, True)
    lo, hi, from_zero = axis_range([1_950, 1_999, 2_016])
    assert not from_zero and 0 < lo <= 1_950 and hi >= 2_016


def _spark(values, committees=None):
    committees = committees or [28] * len(values)
    points = [(f"Q{n}", v, c) for n, (v, c) in enumerate(zip(values, committees))]
    return sparkline_svg("trend-0", "Children on the register: down 29", points)


def test_a_trend_line_not_from_zero_is_marked_so_in_the_picture_and_in_words():
    marked = _spark([2_089, 2_016, 1_999], [29, 27, 28])
    assert "<path " in marked and "not from zero." in marked
    assert ("<desc id=\"trend-0-d\">By quarter: Q0: 2,089 (29 committees); Q1: 2,016 (27 committees); "
            "Q2: 1,999 (28 committees). Vertical axis from") in marked
    plain = _spark([0, 3, 1])
    assert "<path " not in plain and "Vertical axis from 0 to 3." in plain


def test_the_points_sit_within_their_axis_and_a_missing_value_leaves_a_gap():
    svg = _spark([10, None, "[c]", 12, 14])
    circles = _attrs(svg, "circle")
    assert len(circles) == 3  # the values that can be drawn
    lines = _attrs(svg, "polyline")
    assert len(lines) == 1 and len(lines[0]["points"].split()) == 2  # 12 to 14; 10 stands alone
    assert "Q1: not available" in svg and "Q2: [c]" in svg
    base = float(_attrs(svg, "line")[0]["y1"])
    assert all(float(c["cy"]) <= base for c in circles)


@pytest.mark.parametrize("n", [1, 4, 10, 16])
def test_the_committees_under_the_points_do_not_overlap(n):
    svg = _spark(list(range(100, 100 + n)), [20 + k % 10 for k in range(n)])
    xs = [float(t["x"]) for t in _attrs(svg, "text")]
    assert len(xs) == (n if n <= 10 else 2)
    assert all(b - a >= 12 for a, b in zip(xs, xs[1:]))  # a two-digit count at this size is under 11 wide
    assert all(5 <= x <= 145 for x in xs)
