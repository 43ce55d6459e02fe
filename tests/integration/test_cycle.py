"""The quarterly cycle on a hand-computed, two-quarter world of a different programme.

The programme (tests/fixtures/mini) has two kinds of item (task, goal), three workstreams,
three national partners and three CPCs, and three indicators: nothing of CPIP's. Every
expected figure below was worked out by hand from returns.md §9-§10.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from cpip.app import samples
from cpip.core.periods import Period
from tests.conftest import cpip_cli

pytestmark = pytest.mark.slow  # cycles with both forms rendered to PDF

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "mini"
Q2, Q3 = Period(2026, 2), Period(2026, 3)
SCRIPT = "<script>alert('owned')</script>"


def _ret(partner, period, rows, indicators=None, signed=None):
    cover = {"partner_code": partner, "period": str(period), "prepared_by": "Test Officer",
             "contact_email": "officer@example.org", "signed_off_by": "Senior Officer",
             "signed_off_on": signed or (period.last_day.replace(day=1) if False else period.last_day)}
    progress = []
    for item, status, pct, *rest in rows:
        forecast = rest[0] if rest else (None if status == "Complete" else date(2026, 12, 1))
        narrative = rest[1] if len(rest) > 1 else f"{item} is {status.lower()}."
        progress.append({"item_id": item, "status": status, "percent_complete": pct, "milestone": None,
                         "milestone_due": None, "forecast_completion": forecast, "narrative": narrative,
                         "risks": "Staffing." if status in ("At risk", "Off track") else None})
    ind = None
    if indicators is not None:
        ind = [{"indicator_id": k, "value": v, "note": n} for k, (v, n) in indicators.items()]
    return samples.SampleReturn(partner, str(period), cover, progress, ind)


def _intake(home: Path, now: str) -> list[dict]:
    r = cpip_cli("intake", "--home", str(home), "--json", env={"CPIP_NOW": now})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    home = tmp_path_factory.mktemp("mini") / "home"
    home.mkdir()
    shutil.copytree(MINI, home / "reference")
    (home / "cpip.toml").write_text(
        "[reference]\n" + "".join(f'{n} = "reference/{n}.csv"\n' for n in ("register", "partners", "assignments", "indicators"))
        + "[intake]\nsettle_seconds = 0\n[briefing]\nmarking = \"OFFICIAL-SENSITIVE\"\nsuppress_below = 5\n"
        + "programme = \"Mini Test Programme\"\n")
    assert cpip_cli("init", "--home", str(home)).returncode == 0
    inbox = home / "inbox"

    # 2026-Q2, all received 10 July 2026 (on time; due 28 July).
    samples.write_xlsx(inbox / "NAT-A" / "a-q2.xlsx", _ret("NAT-A", Q2, [("T-1", "On track", 40), ("G-1", "At risk", 20)]))
    samples.write_xlsx(inbox / "NAT-B" / "b-q2.xlsx", _ret("NAT-B", Q2, [("T-2", "Complete", 100), ("G-1", "On track", 30)]))
    samples.write_xlsx(inbox / "CPC-X" / "x-q2.xlsx", _ret("CPC-X", Q2, [("T-1", "On track", 50), ("T-3", "Off track", 10)],
                                                          {"CASES": (20, None), "URGENT": (3, None), "REVIEWS": (0, None)}))
    samples.write_xlsx(inbox / "CPC-Y" / "y-q2.xlsx", _ret("CPC-Y", Q2, [("T-1", "Not started", 0)],
                                                          {"CASES": (8, None), "URGENT": (2, None), "REVIEWS": (5, None)}))
    samples.write_xlsx(inbox / "NAT-C" / "c-q2.xlsx", _ret("NAT-C", Q2, [("G-2", "On track", 60)]))
    assert [r["outcome"] for r in _intake(home, "2026-07-10T10:00")] == ["accepted"] * 5

    # 2026-Q3 (due 28 October 2026).
    samples.write_xlsx(inbox / "NAT-A" / "a-q3.xlsx", _ret("NAT-A", Q3, [("T-1", "On track", 50), ("G-1", "Off track", 25)]))
    samples.write_progress_csv(inbox / "CPC-Z" / "z-q3-progress.csv", _ret("CPC-Z", Q3, [("T-3", "On track", 35)]))
    samples.write_indicators_csv(inbox / "CPC-Z" / "z-q3-indicators.csv", _ret(
        "CPC-Z", Q3, [], {"CASES": (2, None), "URGENT": (0, None), "REVIEWS": (1, None)}))
    out = _intake(home, "2026-10-10T09:00")
    assert [r["outcome"] for r in out] == ["accepted"] * 3

    x = _ret("CPC-X", Q3, [("T-1", "At risk", 55), ("T-3", "On track", 30, date(2027, 1, 31), SCRIPT)],
             {"CASES": (25, None), "URGENT": (2, None), "REVIEWS": (40, None)})  # REVIEWS 0 -> 40: an I05
    samples.write_xlsx(inbox / "CPC-X" / "x-q3.xlsx", x)
    bad = _ret("CPC-Y", Q3, [("T-1", "Sort of", 10)], {"CASES": (9, None), "URGENT": (1, None), "REVIEWS": (5, None)})
    samples.write_xlsx(inbox / "CPC-Y" / "y-q3.xlsx", bad)
    samples.write_xlsx(inbox / "y-q3-in-the-wrong-place.xlsx", _ret(
        "CPC-Y", Q3, [("T-1", "On track", 10)], {"CASES": (9, None), "URGENT": (1, None), "REVIEWS": (5, None)}))
    out = {Path(r["file"]).name: r for r in _intake(home, "2026-10-15T09:00")}
    assert out["x-q3.xlsx"]["outcome"] == "accepted_with_warnings"
    assert [i["rule"] for i in out["x-q3.xlsx"]["issues"]] == ["I05"]
    assert out["y-q3.xlsx"]["outcome"] == "rejected"
    assert [i["rule"] for i in out["y-q3-in-the-wrong-place.xlsx"]["issues"]] == ["C03"]

    # NAT-A resubmits (supersedes); its G-1 forecast is after the target date: a P11 warning.
    samples.write_xlsx(inbox / "NAT-A" / "a-q3-v2.xlsx", _ret(
        "NAT-A", Q3, [("T-1", "Complete", 100), ("G-1", "At risk", 30, date(2027, 3, 31), "Waiting times fell, but not enough.")]))
    # CPC-X replaces only its indicators part.
    samples.write_indicators_csv(inbox / "CPC-X" / "x-q3-indicators.csv", _ret(
        "CPC-X", Q3, [], {"CASES": (30, None), "URGENT": (4, None), "REVIEWS": (None, "System down in September. " + SCRIPT)}))
    out = {Path(r["file"]).name: r for r in _intake(home, "2026-10-20T09:00")}
    assert [i["rule"] for i in out["a-q3-v2.xlsx"]["issues"]] == ["P11"]
    assert out["x-q3-indicators.csv"]["outcome"] == "accepted"

    # NAT-B is late. NAT-C sends nothing for Q3.
    samples.write_progress_csv(inbox / "NAT-B" / "b-q3.csv", _ret(
        "NAT-B", Q3, [("T-2", "Complete", 100), ("G-1", "On track", 40)]))
    assert [r["outcome"] for r in _intake(home, "2026-11-02T11:00")] == ["accepted"]

    r = cpip_cli("cycle", "--period", "2026-Q3", "--home", str(home), "--json", env={"CPIP_NOW": "2026-11-10T09:00"})
    assert r.returncode == 0, r.stderr
    paths = json.loads(r.stdout)
    return home, paths


def test_cycle_json_lists_what_was_written(world):
    home, paths = world
    assert paths["period"] == "2026-Q3"
    for key in ("briefing_json", "publication_json"):
        assert Path(paths[key]).is_file() and Path(paths[key]).is_absolute()
    for form in ("restricted", "publication"):
        for kind in ("html", "pdf"):
            assert Path(paths[form][kind]).is_file()


def test_the_restricted_form_is_readable_by_owner_and_group_only(world):
    home, paths = world
    restricted = Path(paths["restricted"]["html"]).parent
    written = [p for p in restricted.iterdir() if p.is_file()]
    assert {p.suffix for p in written} >= {".html", ".pdf", ".xlsx", ".csv"}
    for p in written + [Path(paths["briefing_json"])]:
        assert p.stat().st_mode & 0o777 == 0o640, p
    for kind in ("html", "pdf"):
        assert Path(paths["publication"][kind]).stat().st_mode & 0o004  # the release for the public: as any file


def test_briefing_json_figures(world):
    home, paths = world
    b = json.loads(Path(paths["briefing_json"]).read_text())
    assert b["period"] == "2026-Q3" and b["generated_at"].startswith("2026-11-10T09:00")
    assert b["items"] == [
        {"item_id": "T-1", "kind": "task", "workstream": "Alpha", "status": "Complete", "rag": "Blue",
         "percent_complete": 100, "previous_status": "On track", "movement": "improved", "lead_partner": "NAT-A",
         "contributors": [{"partner_code": "CPC-X", "status": "At risk"}, {"partner_code": "CPC-Y", "status": None}]},
        {"item_id": "T-2", "kind": "task", "workstream": "Alpha", "status": "Complete", "rag": "Blue",
         "percent_complete": 100, "previous_status": "Complete", "movement": "unchanged", "lead_partner": "NAT-B",
         "contributors": []},
        {"item_id": "T-3", "kind": "task", "workstream": "Beta", "status": "On track", "rag": "Green",
         "percent_complete": 30, "previous_status": "Off track", "movement": "improved", "lead_partner": "CPC-X",
         "contributors": [{"partner_code": "CPC-Z", "status": "On track"}]},
        {"item_id": "G-1", "kind": "goal", "workstream": "Beta", "status": "At risk", "rag": "Amber",
         "percent_complete": 30, "previous_status": "At risk", "movement": "unchanged", "lead_partner": "NAT-A",
         "contributors": [{"partner_code": "NAT-B", "status": "On track"}]},
        {"item_id": "G-2", "kind": "goal", "workstream": "Gamma", "status": "No return", "rag": None,
         "percent_complete": None, "previous_status": "On track", "movement": None, "lead_partner": "NAT-C",
         "contributors": []},
    ]
    assert b["totals"] == {
        "task": {"Not started": 0, "On track": 1, "At risk": 0, "Off track": 0, "Complete": 2, "No return": 0},
        "goal": {"Not started": 0, "On track": 0, "At risk": 1, "Off track": 0, "Complete": 0, "No return": 1},
    }
    assert b["movement"] == {"improved": 2, "worsened": 0, "unchanged": 2, "new": 0}
    assert b["returns"] == {"expected": 6, "accepted": 4, "late": ["NAT-B"], "missing": ["NAT-C"],
                            "rejected_only": ["CPC-Y"]}
    assert b["indicators"] == {
        "national": {"CASES": 32, "URGENT": 4, "REVIEWS": 1},
        "reporting_cpcs": 2,
        "by_partner": {"CPC-X": {"CASES": 30, "URGENT": 4, "REVIEWS": None},
                       "CPC-Z": {"CASES": 2, "URGENT": 0, "REVIEWS": 1}},
    }
    # The I05 on CPC-X's workbook belongs to an indicators part since replaced: only NAT-A's P11 is open.
    assert b["data_quality"] == {"open_warnings": 1, "by_rule": {"P11": 1}}
    assert list(b) == ["period", "generated_at", "items", "totals", "movement", "returns", "indicators", "data_quality"]


def test_publication_json_suppresses_small_numbers(world):
    home, paths = world
    b = json.loads(Path(paths["briefing_json"]).read_text())
    p = json.loads(Path(paths["publication_json"]).read_text())
    assert p["indicators"] == {
        # CASES: CPC-Z's 2 is primary; CPC-X's 30 is the secondary. URGENT: CPC-X's 4 is primary and
        # the only other value is a zero, so the national total goes. REVIEWS: likewise (CPC-X is blank).
        "national": {"CASES": 32, "URGENT": "[c]", "REVIEWS": "[c]"},
        "reporting_cpcs": 2,
        "by_partner": {"CPC-X": {"CASES": "[c]", "URGENT": "[c]", "REVIEWS": None},
                       "CPC-Z": {"CASES": "[c]", "URGENT": 0, "REVIEWS": "[c]"}},
    }
    assert {k: v for k, v in p.items() if k != "indicators"} == {k: v for k, v in b.items() if k != "indicators"}


def test_status_json(world):
    home, _ = world
    r = cpip_cli("status", "--period", "2026-Q3", "--home", str(home), "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["period"] == "2026-Q3" and s["due_date"] == "2026-10-28"
    got = {p["partner_code"]: (p["state"], p["first_accepted_at"], p["files"]) for p in s["partners"]}
    assert got == {
        "CPC-X": ("accepted", "2026-10-15T09:00:00+01:00", 2),
        "CPC-Y": ("rejected_only", None, 2),  # its own rejected file, and the one dropped outside its folder
        "CPC-Z": ("accepted", "2026-10-10T09:00:00+01:00", 2),
        "NAT-A": ("accepted", "2026-10-10T09:00:00+01:00", 2),
        "NAT-B": ("late", "2026-11-02T11:00:00+00:00", 1),
        "NAT-C": ("missing", None, 0),
    }
    assert [p["partner_code"] for p in s["partners"]] == sorted(got)


def test_marking_on_every_page_of_the_restricted_pdf_and_none_on_the_publication(world):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    _, paths = world
    for form, marked in (("restricted", True), ("publication", False)):
        text = subprocess.run(["pdftotext", "-layout", paths[form]["pdf"], "-"], capture_output=True,
                              text=True, check=True).stdout
        pages = [pg for pg in text.split("\f") if pg.strip()]
        assert len(pages) >= 2
        for n, page in enumerate(pages, start=1):
            lines = [ln.strip() for ln in page.strip().splitlines() if ln.strip()]
            if marked:
                assert lines[0] == "OFFICIAL-SENSITIVE", (form, n, lines[:2])
                assert "OFFICIAL-SENSITIVE" in lines[-1], (form, n, lines[-2:])
            else:
                assert "OFFICIAL-SENSITIVE" not in page


def test_pdfs_are_tagged(world):
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdfinfo) not installed")
    _, paths = world
    for form in ("restricted", "publication"):
        info = subprocess.run(["pdfinfo", paths[form]["pdf"]], capture_output=True, text=True, check=True).stdout
        assert "Tagged:          yes" in info


def test_partner_text_is_escaped_and_kept_out_of_the_publication(world):
    _, paths = world
    restricted = Path(paths["restricted"]["html"]).read_text()
    public = Path(paths["publication"]["html"]).read_text()
    assert "<script>" not in restricted and "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in restricted
    assert "owned" not in public  # notes are partner free text
    assert "System down in September." in restricted and "System down in September." not in public
    assert "OFFICIAL-SENSITIVE" in restricted.split("<main>")[0] and "OFFICIAL-SENSITIVE" in restricted.split("</main>")[1]
    assert "OFFICIAL-SENSITIVE" not in public
    assert "<h1>Mini Test Programme: quarterly briefing, July to September 2026</h1>" in restricted
    # The publication is a release for the public, titled for it (interfaces.md, The publication form).
    assert "<h1>Mini Test Programme: progress and child protection figures, July to September 2026</h1>" in public
    assert "Child Protection Improvement" not in public + restricted


def test_trend_charts_are_inline_svg_with_a_text_alternative(world):
    _, paths = world
    html = Path(paths["restricted"]["html"]).read_text()
    assert html.count("<svg ") == 4 and "&lt;svg" not in html  # one on page 1, one trend line per indicator
    # The headline indicators' trends in the section, the breakdown's (trend-1) in Annex A.
    assert re.findall(r'<svg [^>]*aria-labelledby="(trend-\d+)-t', html) == ["trend-0", "trend-2", "trend-1"]
    assert 'aria-labelledby="trend-1-t' in html.split('id="annex-committees"')[1]
    # The title states the finding over the committees that reported both quarters (CPC-X: 20 to 30).
    assert '<title id="trend-0-t">Cases opened: up 10 across the one committee that reported both quarters</title>' in html
    assert ('<desc id="trend-0-d">By quarter: Apr–Jun 2026: 28 (2 committees); Jul–Sep 2026: 32 (2 committees). '
            'Vertical axis from 28 to 32, not from zero.</desc>') in html
    public = Path(paths["publication"]["html"]).read_text()
    assert "Jul–Sep 2026: [c] (2 committees)." in public  # the suppressed URGENT total, in the chart's text alternative too
    assert '<title id="trend-0-t">Cases opened: national totals over the quarters held</title>' in public


def test_exceptions_carry_the_leads_narrative_in_the_restricted_form_only(world):
    _, paths = world
    restricted = Path(paths["restricted"]["html"]).read_text()
    public = Path(paths["publication"]["html"]).read_text()
    exceptions_r = restricted.split('id="attention"')[1].split('id="on-track-but"')[0]
    # The publication lists the same item, with its figures, in its own section: never the narrative.
    exceptions_p = public.split('id="progress"')[1].split('id="indicators"')[0]
    assert ">Halve waiting times for reviews</h3>" in exceptions_r and "Waiting times fell, but not enough." in exceptions_r
    assert ">Halve waiting times for reviews</th>" in exceptions_p and "Waiting times fell" not in public
    assert "G-1" not in exceptions_r + exceptions_p  # titles, not codes, in the core pages
    assert "Set up the shared referral desk" not in exceptions_r  # T-1 is complete and improved: not an exception


def test_cycle_refuses_a_malformed_period_clearly(world):
    home, _ = world
    r = cpip_cli("cycle", "--period", "2026Q3", "--home", str(home), "--json")
    assert r.returncode != 0 and "YYYY-Qn" in r.stderr and r.stdout == ""


def _axe(url: str) -> list[dict]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    pytest.importorskip("playwright")
    axe_pkg = pytest.importorskip("axe_playwright_python")
    from playwright.sync_api import sync_playwright

    axe_js = Path(axe_pkg.__file__).parent / "axe.min.js"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            page.goto(url)
            page.add_script_tag(path=str(axe_js))
            result = page.evaluate("""async () => await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})""")
        finally:
            browser.close()
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


@pytest.mark.parametrize("form", ["restricted", "publication"])
@pytest.mark.browser
def test_briefing_html_has_no_accessibility_violations(world, form):
    _, paths = world
    assert _axe(Path(paths[form]["html"]).as_uri()) == []


@pytest.mark.browser
def test_receipt_html_has_no_accessibility_violations(world):
    home, _ = world
    receipt = next((home / "outbox" / "receipts" / "CPC-Y").glob("*.html"))
    assert _axe(receipt.as_uri()) == []


@pytest.mark.browser
def test_the_accessibility_check_does_find_violations(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><img src="x.png"><table><tr><td>1</td></tr></table>'
                   '<p style="color:#bbb;background:#fff">faint</p></body></html>')
    ids = {v["id"] for v in _axe(bad.as_uri())}
    assert {"image-alt", "html-has-lang", "color-contrast"} <= ids


def test_lineage_leads_every_figure_back_to_its_submissions(world):
    home, paths = world
    lin = json.loads(Path(paths["lineage_json"]).read_text())
    subs = lin["submissions"]
    src = lambda fig: [subs[str(s)]["file"] for s in lin["figures"][fig]]  # noqa: E731
    assert src("items.T-1.status") == ["a-q3-v2.xlsx"]          # the resubmission, not the superseded file
    assert src("items.T-3.contributors.CPC-Z") == ["z-q3-progress.csv"]
    assert src("indicators.by_partner.CPC-X.CASES") == ["x-q3-indicators.csv"]
    assert sorted(src("indicators.national.CASES")) == ["x-q3-indicators.csv", "z-q3-indicators.csv"]
    assert src("data_quality.by_rule.P11") == ["a-q3-v2.xlsx"]
    assert "items.G-2.status" not in lin["figures"]  # No return: no source
    rows = home_query(home, "SELECT count(*) FROM briefing_lineage WHERE run_id = $r", {"r": lin["run_id"]})
    assert rows[0][0] == sum(len(v) for v in lin["figures"].values())
    events = [e for (e,) in home_query(home, "SELECT DISTINCT event FROM audit_log")]
    assert {"received", "archived", "validated", "accepted", "rejected", "superseded", "briefing written"} <= set(events)


def home_query(home, q, params=None):
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(q, params or {}).fetchall()
    finally:
        con.close()


def test_a_covering_note_opens_page_one_escaped(world):
    from cpip.briefing.render import render_html

    _, paths = world
    b = json.loads(Path(paths["briefing_json"]).read_text())
    annex = json.loads(Path(paths["annex_json"]).read_text())
    assert annex["covering_note"] is None
    assert "From the programme office" not in Path(paths["restricted"]["html"]).read_text()
    annex["covering_note"] = ("Approved for the **Minister**, with two points:\n\n- waiting times " + SCRIPT
                              + "\n- the <b>pilot</b> & its review\n\n<img src=x onerror=alert(1)>")
    html = render_html(b, annex, "restricted", "OFFICIAL-SENSITIVE")
    summary = html.split('id="summary"')[1].split('id="key-messages"')[0]
    assert '<h3 id="covering-note">From the programme office</h3>' in summary
    assert "<p>Approved for the <strong>Minister</strong>, with two points:</p>" in summary
    assert "<li>waiting times &lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;</li>" in summary
    assert "<li>the &lt;b&gt;pilot&lt;/b&gt; &amp; its review</li>" in summary
    assert "<p>&lt;img src=x onerror=alert(1)&gt;</p>" in summary
    assert "<script>" not in html and "<img" not in html and "<b>" not in html


def test_compose_takes_the_covering_note_as_one_argument(world):
    from cpip.briefing.compose import read_cycle_data
    from cpip.briefing.cycle import compose
    from cpip.warehouse import db as wh
    from cpip.core.periods import Period
    from cpip.reference.tables import load_reference
    from cpip.core.settings import load_settings

    home, _ = world
    settings = load_settings(home, {})
    ref = load_reference(settings)
    with wh.home_session(settings, ref) as con:
        data = read_cycle_data(con, Period(2026, 3), settings.cycle.due_days)
    docs = compose(settings, ref, data, covering_note="Cleared by the programme board.")
    assert docs.annex["covering_note"] == "Cleared by the programme board."
    assert compose(settings, ref, data).annex["covering_note"] is None


def test_annex_holds_the_status_history_and_the_flags(world):
    _, paths = world
    annex = json.loads(Path(paths["annex_json"]).read_text())
    assert annex["status_history"]["G-1"] == [
        {"period": "2026-Q2", "status": "At risk", "percent_complete": 20, "forecast_completion": "2026-12-01",
         "movement": "new"},
        {"period": "2026-Q3", "status": "At risk", "percent_complete": 30, "forecast_completion": "2027-03-31",
         "movement": "unchanged"}]
    assert [h["status"] for h in annex["status_history"]["G-2"]] == ["On track", "No return"]
    # T-3 is On track in 2026-Q3 with its forecast moved from 1 December 2026 to 31 January 2027 (61 days):
    # a near miss of check (c); no item has three quarters held, and none has a target date it passes.
    assert annex["on_track_flags"] == []
    restricted = Path(paths["restricted"]["html"]).read_text()
    assert "On track since July 2026" not in restricted  # T-3 improved: not an exception
    assert ">Halve waiting times for reviews</h3>" in restricted
    assert "in every quarter held (April to September 2026)" in restricted
