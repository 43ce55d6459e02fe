"""The demo's briefing read as its reader would: page limits, page 1, names not codes, print
layout, the flags, the figures spreadsheets, independent accessibility checks, and a demo
whose committees look like Scotland's.

One demo home is built for the module (``cpip demo``, about two minutes).
"""

from __future__ import annotations

import csv
import html as html_text
import io
import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from cpip.core.periods import period_short_words
from tests.conftest import cpip_cli, libreoffice_convert

pytestmark = pytest.mark.slow  # a demo home and its cycle (about 15 s) for the module

MARKING = "OFFICIAL-SENSITIVE"
PAGES_MAX, CORE_PAGES_MAX = 14, 4


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo") / "home"
    r = cpip_cli("demo", "--home", str(home), timeout=900)
    assert r.returncode == 0, r.stderr
    out = home / "outbox" / "briefings" / "2026-Q3"
    docs = {name: json.loads((out / f"{name}.json").read_text()) for name in ("briefing", "publication", "annex")}
    return home, out, docs


def _pdf(out: Path, form: str) -> Path:
    return out / form / f"cpip-briefing-2026-Q3-{form}.pdf"


def _pages(pdf: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


def _core(pages: list[str]) -> list[str]:
    """The pages before the annexes."""
    first_annex = next(n for n, p in enumerate(pages) if "Annex A: Figures by" in p)
    return pages[:first_annex]


@pytest.mark.parametrize("form", ["restricted", "publication"])
def test_page_limits(demo, form):
    _, out, _ = demo
    pages = _pages(_pdf(out, form))
    assert len(pages) <= PAGES_MAX, len(pages)
    assert 3 <= len(_core(pages)) <= CORE_PAGES_MAX, len(_core(pages))


def test_page_one_is_the_summary_with_key_messages_and_the_chart(demo):
    _, out, docs = demo
    page1 = _pages(_pdf(out, "restricted"))[0]
    flat = " ".join(page1.split())
    assert "Summary for the Minister" in flat and "Key messages" in flat and "Needs the Minister's attention" in flat
    b = docs["briefing"]
    assert re.search(rf"\b{b['movement']['worsened']} items? worsened since last quarter", flat)
    assert "Complete" in flat and "Off track" in flat
    assert "Needs attention" not in flat.replace("Needs the Minister's attention", "").replace("see Needs attention", "")
    html = (out / "restricted" / "cpip-briefing-2026-Q3-restricted.html").read_text()
    summary = html.split('id="summary"')[1].split('id="attention"')[0]
    messages = re.findall(r"<li>(.*?)</li>", summary.split('class="messages"')[1].split("</ul>")[0])
    assert 3 <= len(messages) <= 6 and all(re.search(r"\d", m) for m in messages)
    charts = re.findall(r'<svg [^>]*role="img" aria-labelledby="([\w-]+)-t \1-d"', summary)
    assert charts == ["chart-quarters"]
    desc = re.search(r'<desc id="chart-quarters-d">(.*?)</desc>', summary).group(1)
    assert all(q in desc for q in ("Oct–Dec 2025", "Jan–Mar 2026", "Apr–Jun 2026", "Jul–Sep 2026"))
    title = re.search(r'<title id="chart-quarters-t">(.*?)</title>', summary).group(1)
    assert title.startswith("Complete or on track: ") and "July to September 2026" in title


def test_page_one_opens_with_the_bottom_line_the_ask_and_what_falls_due(demo):
    """The order a private secretary reads: the bottom line and the ask, the key messages, then what
    falls due next quarter; the leads' asks by item title, and every period in words."""
    _, out, docs = demo
    flat = " ".join(_pages(_pdf(out, "restricted"))[0].split())
    bottom, messages, due = (flat.index(w) for w in ("The bottom line:", "Key messages",
                                                     "What falls due next quarter (October to December 2026)"))
    assert bottom < messages < due
    assert re.search(r"The bottom line: \d+ of \d+ actions and recommendations are complete or on track, against "
                     r"\d+ of the same items last quarter", flat)
    assert re.search(r"(improving|worsening|broadly stable), with \d+ improved and \d+ worsened", flat)
    asks = [(k, v) for k, v in docs["annex"]["items"].items() if v.get("ask")]
    assert asks, "the demo has an item with an ask"
    for _, v in asks:
        assert " ".join(v["ask"].split()) in flat and v["title"] in flat
    assert "The Minister is asked to note this position and the programme office's note" in flat
    assert re.search(r"By 31 December 2026, \d+ items? not yet complete", flat)
    assert not re.search(r"\b20\d\d-Q[1-4]\b", flat)


def test_needs_attention_is_an_issue_log(demo):
    """Each entry: what is wrong, what is being done, dates with slippage, the next milestone and the
    ask when there is one, and its warning signs with their evidence."""
    _, out, docs = demo
    annex = docs["annex"]
    html = (out / "restricted" / "cpip-briefing-2026-Q3-restricted.html").read_text()
    section = html.split('id="attention"')[1].split('id="on-track-but"')[0]
    entries = section.split('<article class="exception')[1:]
    assert entries
    flags = {f["item_id"]: f["reasons"] for f in annex["attention_flags"]}
    by_title = {v["title"]: (k, v) for k, v in annex["items"].items()}
    seen = {"recovery": 0, "ask": 0, "milestone": 0, "flags": set()}
    for e in entries:
        title = re.search(r"<h3 [^>]*>(.*?)</h3>", e).group(1)
        item_id, meta = by_title[title.replace("&amp;", "&").replace("&#39;", "'")]
        assert "What is wrong:" in e and "What is being done:" in e and "Dates:" in e and "Next milestone:" in e
        if meta.get("recovery_action"):
            seen["recovery"] += 1
        if meta.get("ask"):
            assert "Asks the Minister:" in e
            seen["ask"] += 1
        if meta.get("milestone"):
            seen["milestone"] += 1
        for r in flags.get(item_id, []):
            assert r["text"] in e
            seen["flags"].add(r["check"])
    assert seen["recovery"] and seen["ask"] and seen["milestone"]
    assert {"forecast_passed", "milestone_overdue"} <= {r["check"] for rs in flags.values() for r in rs}


@pytest.mark.parametrize("form", ["restricted", "publication"])
def test_no_partner_or_indicator_code_in_the_core_pages(demo, form):
    _, out, docs = demo
    annex = docs["annex"]
    names = " ".join(p["name"] for p in annex["partners"].values())
    codes = [c for c in annex["partners"] if c not in names] + list(annex["indicators"])
    core = "\n".join(_core(_pages(_pdf(out, form))))
    found = [c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", core)]
    assert found == []
    items = [c for c in annex["items"] if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", core)]
    assert items == [], "item codes belong in the annexes"
    assert "Glasgow" in "\n".join(_pages(_pdf(out, form))) and "CPC-GLASGOW" not in core


def _layout(out: Path, form: str):
    """Per table row (by element): the pages it is on; per table: body rows on each page; ids by page."""
    from weasyprint.formatting_structure import boxes

    from cpip.briefing.render import render_document

    html = (out / form / f"cpip-briefing-2026-Q3-{form}.html").read_text()
    doc = render_document(html, form, MARKING)
    row_pages: dict[int, set[int]] = {}
    table_rows: dict[int, dict[int, int]] = {}
    captions: dict[int, str] = {}
    anchors: dict[str, int] = {}

    def walk(box, page, table=None, header=False):
        el = getattr(box, "element", None)
        if el is not None and el.get("id") and el.get("id") not in anchors:
            anchors[el.get("id")] = page
        if isinstance(box, boxes.TableBox) or getattr(box, "is_table_wrapper", False):
            table = id(el)
        if isinstance(box, boxes.TableCaptionBox) and table is not None:
            captions.setdefault(table, "".join(el.itertext()))
        if isinstance(box, boxes.TableRowGroupBox):
            header = box.is_header
        if isinstance(box, boxes.TableRowBox) and not header:
            row_pages.setdefault(id(el), set()).add(page)
            per_page = table_rows.setdefault(table, {})
            per_page[page] = per_page.get(page, 0) + 1
        for child in getattr(box, "children", []):
            walk(child, page, table, header)

    for n, page in enumerate(doc.pages, start=1):
        walk(page._page_box, n)
    return doc, row_pages, table_rows, captions, anchors


@pytest.mark.parametrize("form", ["restricted", "publication"])
def test_no_table_row_is_split_and_none_is_left_alone(demo, form):
    _, out, _ = demo
    doc, row_pages, table_rows, captions, anchors = _layout(out, form)
    assert row_pages and all(len(p) == 1 for p in row_pages.values()), "a table row is split across pages"
    for table, per_page in table_rows.items():
        if len(per_page) > 1:  # a table over pages: never a single row on a page
            assert min(per_page.values()) >= 2, (captions.get(table), per_page)
    # Page 1 is the summary; the items behind start page 2 (the restricted form's Needs attention, the
    # publication's Actions and recommendations).
    assert anchors["summary"] == 1 and anchors["attention" if form == "restricted" else "progress"] == 2
    assert anchors["annex-committees"] - 1 <= CORE_PAGES_MAX
    by_cpc = next(t for t, c in captions.items() if c.startswith("Headline indicators by committee"))
    assert len(table_rows[by_cpc]) == 1, "the committee table is split over pages"


def _headings(html: str) -> list[str]:
    return [html_text.unescape(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", html, re.S)]


def test_the_publication_is_a_release_for_the_public(demo):
    """interfaces.md, The publication form: titled for the public; never the covering note, the
    approver's name, the run id or a partner's file name, in the HTML, the PDF, the spreadsheet or
    the CSV; it ends with About these statistics, which gives the contact."""
    home, out, docs = demo
    from tests.integration.test_review import publication_text

    annex = docs["annex"]
    lineage = json.loads((out / "lineage.json").read_text())
    paths = {"html": out / "publication" / "cpip-briefing-2026-Q3-publication.html",
             "pdf": _pdf(out, "publication"),
             "figures_xlsx": out / "publication" / "cpip-briefing-2026-Q3-publication-figures.xlsx",
             "figures_csv": out / "publication" / "cpip-briefing-2026-Q3-publication-figures.csv"}
    public = publication_text(paths)
    note = [ln.strip("#-* ") for ln in annex["covering_note"].splitlines() if len(ln.strip("#-* ")) > 15]
    files = sorted({s["file"] for s in lineage["submissions"].values()})
    assert note and files and annex["review"]["approved_by"] and annex["run_id"]
    secrets = [*note, annex["review"]["approved_by"], annex["run_id"], *files, "From the programme office"]
    for kind, text in public.items():
        flat = " ".join(text.split())
        assert [s for s in secrets if " ".join(s.split()) in flat] == [], kind
    title = "Child Protection Improvement Programme: progress and child protection figures, July to September 2026"
    headings = _headings(public["html"])
    assert headings[0] == title and not [h for h in headings if "Minister" in h]
    assert "Minister" in " ".join(_headings((out / "restricted" / "cpip-briefing-2026-Q3-restricted.html").read_text()))
    pages = _pages(paths["pdf"])
    assert " ".join(title.split()) in " ".join(pages[0].split())
    assert "Summary for the Minister" not in public["pdf"] and "the Minister's attention" not in public["pdf"]
    # It ends with About these statistics: source, coverage, definitions, statuses, small numbers,
    # revisions, the release, and the contact ([briefing] statistics_contact, the demo's default).
    assert headings[-8:] == ["About these statistics", "Where the figures come from", "Coverage",
                             "What each status means", "How small numbers are protected", "Revisions",
                             "This release", "Contact"]
    assert "About these statistics" in pages[-1] or "About these statistics" in pages[-2]
    for kind in ("html", "pdf", "xlsx"):
        assert "About these statistics" in public[kind] and "statistics@example.org" in public[kind], kind
    assert 'href="mailto:statistics@example.org"' in public["html"]
    flat = " ".join(public["pdf"].split())
    about = html_text.unescape(public["html"].split('id="about"')[1])
    for ind in annex["indicators"].values():  # what each indicator counts: its label and unit
        assert f"{ind['label']} <span" in about and f"<td>{ind['unit']}</td>" in about
    assert "Version 1, published 11 November 2026" in flat and "is shown as [c] (confidential)" in flat
    missing = [annex["partners"][p]["name"] for p in docs["publication"]["returns"]["missing"]]
    assert missing and all(n in flat for n in missing)


def test_the_demo_flags_each_check_once(demo):
    _, out, docs = demo
    flags = {f["item_id"]: [r["check"] for r in f["reasons"]] for f in docs["annex"]["on_track_flags"]}
    assert sorted(sum(flags.values(), [])) == ["forecast_after_target", "forecast_moved_later", "percent_not_rising"]
    assert all(len(v) == 1 for v in flags.values())
    html = (out / "restricted" / "cpip-briefing-2026-Q3-restricted.html").read_text()
    section = html.split('id="on-track-but"')[1].split('id="indicators"')[0]
    section = html_text.unescape(section)
    for f in docs["annex"]["on_track_flags"]:
        assert docs["annex"]["items"][f["item_id"]]["title"] in section and f["reasons"][0]["text"] in section
    assert "55% complete in each of the last 3 quarters (January to September 2026)" in section


@pytest.mark.parametrize("form", ["restricted", "publication"])
def test_pdfs_pass_an_independent_pdf_ua_checker(demo, form):
    page = pytest.importorskip("page")
    _, out, _ = demo
    report = page.validate_pdf(str(_pdf(out, form)), profile=page.ValidationProfile.PDF_UA_1)
    assert [(f.rule_id, f.message) for f in report.failures] == []
    assert report.is_compliant and report.rules.failed == 0 and report.rules.total >= 100


def test_the_pdf_ua_checker_does_find_failures(tmp_path):
    page = pytest.importorskip("page")
    from weasyprint import HTML

    bad = tmp_path / "untagged.pdf"
    HTML(string="<p>No language, no title, not tagged.</p>").write_pdf(bad)
    report = page.validate_pdf(str(bad), profile=page.ValidationProfile.PDF_UA_1)
    assert not report.is_compliant and report.failures


@pytest.mark.parametrize("form", ["restricted", "publication"])
@pytest.mark.browser
def test_briefing_html_has_no_accessibility_violations(demo, form):
    from tests.integration.test_cycle import _axe

    _, out, _ = demo
    assert _axe((out / form / f"cpip-briefing-2026-Q3-{form}.html").as_uri()) == []


def _sheet_values(path: Path, sheet: str) -> list[list]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def _current(v):
    return "[x]" if v is None else v


@pytest.mark.libreoffice
def test_the_figures_spreadsheets_open_in_libreoffice_and_hold_every_figure(demo, tmp_path):
    _, out, docs = demo
    b, annex = docs["briefing"], docs["annex"]
    ids = list(b["indicators"]["national"])
    cpcs = [p for p, v in annex["partners"].items() if v["cpc"]]
    held = annex["trends"]
    assert len(held) >= 4  # the demo holds several quarters: every one of them is in the spreadsheet
    for form in ("restricted", "publication"):
        src = out / form / f"cpip-briefing-2026-Q3-{form}-figures.xlsx"
        again = libreoffice_convert(src, tmp_path / form, "xlsx")
        for path in (src, again):
            rows = _sheet_values(path, "By_committee")
            assert rows[0][0].startswith("Table 1: Every indicator by Child Protection Committee, every quarter held")
            header, body = rows[1], rows[2:]
            assert header[:4] == ["Indicator", "Indicator code", "Committee", "Committee code"]
            assert header[4:] == [f"{period_short_words(t['period'])} ({t['reporting_cpcs']} of {len(cpcs)} committees)"
                                  for t in held]
            assert header[-1] == f"Jul–Sep 2026 ({b['indicators']['reporting_cpcs']} of {len(cpcs)} committees)"
            assert len(body) == len(ids) * (len(cpcs) + 2)
            assert "Glasgow Child Protection Committee" in [r[2] for r in body]
            items = _sheet_values(path, "Items")[2:]
            assert any(isinstance(r[9], datetime) for r in items) and all(isinstance(r[10], datetime) or r[10] is None
                                                                          for r in items)
        assert _sheet_values(again, "Cover")[0][0].endswith("figures from the quarterly briefing, July to September 2026")
    restricted = _sheet_values(out / "restricted" / "cpip-briefing-2026-Q3-restricted-figures.xlsx", "By_committee")
    missing = [r for r in restricted[2:] if r[3] and r[3] not in b["indicators"]["by_partner"]]
    assert missing and {r[-1] for r in missing} == {"[x]"}  # a committee with no figures this quarter: a row of [x]
    for row in restricted[2:]:
        if row[3]:
            assert row[-1] == _current(b["indicators"]["by_partner"].get(row[3], {}).get(row[1]))


def test_the_publication_spreadsheet_holds_no_unsuppressed_small_number(demo):
    _, out, docs = demo
    pub = docs["publication"]
    rows = _sheet_values(out / "publication" / "cpip-briefing-2026-Q3-publication-figures.xlsx", "By_committee")
    committee_rows = [r for r in rows[2:] if r[3]]
    cells = [v for r in committee_rows for v in r[4:]]
    assert "[c]" in cells
    assert [v for v in cells if isinstance(v, (int, float)) and 1 <= v <= 4] == []
    for row in committee_rows:
        assert row[-1] == _current(pub["indicators"]["by_partner"].get(row[3], {}).get(row[1]))
    text = (out / "publication" / "cpip-briefing-2026-Q3-publication-figures.csv").read_text(encoding="utf-8-sig")
    values = [r["value"] for r in csv.DictReader(io.StringIO(text)) if r["committee_code"]]
    assert "[c]" in values and not [v for v in values if v in ("1", "2", "3", "4")]


def test_the_publication_pages_show_the_same_cells_suppressed_as_its_json(demo):
    """The publication's committee table (its HTML, from which the PDF is rendered) shows each
    committee's headline figures exactly as publication.json has them: [c] where it has [c], and no
    committee value from 1 to 4 anywhere."""
    _, out, docs = demo
    pub, annex = docs["publication"], docs["annex"]
    html = (out / "publication" / "cpip-briefing-2026-Q3-publication.html").read_text()
    table = html[html.index('<table class="by-cpc'):]
    table = table[:table.index("</table>")]
    heads = [i for i, v in annex["indicators"].items() if not v["part_of"]]
    by_name = {re.sub(r"\s+(Child|Public) Protection Committee$", "", annex["partners"][p]["name"]): p
               for p in pub["indicators"]["by_partner"]}
    seen = 0
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = [html_text.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
        if cells and cells[0] in by_name:
            values = pub["indicators"]["by_partner"][by_name[cells[0]]]
            want = ["n/a" if values.get(i) is None else values[i] if values[i] == "[c]" else f"{values[i]:,}" for i in heads]
            assert cells[1:] == want, cells[0]
            assert not [c for c in cells[1:] if c in ("1", "2", "3", "4")]
            seen += 1
    assert seen == len(pub["indicators"]["by_partner"]) and "[c]" in table


def test_the_demo_committees_look_like_scotlands(demo):
    home, _, docs = demo
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT period, partner_code, indicator_id, value FROM mart_indicator_history('2026-Q3')"
                           ).fetchall()
    finally:
        con.close()
    v = {(p, c, i): x for p, c, i, x in rows}
    b = docs["briefing"]["indicators"]
    national = b["national"]
    assert 1_900 <= national["ON_REGISTER_END"] <= 2_400
    assert 650 <= national["REGISTRATIONS"] <= 950 and 650 <= national["DEREGISTRATIONS"] <= 950
    by = b["by_partner"]
    glasgow = by["CPC-GLASGOW"]["ON_REGISTER_END"] / national["ON_REGISTER_END"]
    assert 0.13 <= glasgow <= 0.19
    assert max(by, key=lambda p: by[p]["ON_REGISTER_END"]) == "CPC-GLASGOW"
    for island in ("CPC-ORKNEY", "CPC-SHETLAND", "CPC-OUTER-HEBRIDES"):
        if island in by:
            assert by[island]["ON_REGISTER_END"] < 10
    periods = sorted({p for p, _, _ in v})
    checked = 0
    for before, now in zip(periods, periods[1:]):
        for c in {c for p, c, _ in v if p == now}:
            if (before, c, "ON_REGISTER_END") in v:
                assert v[(now, c, "ON_REGISTER_END")] == (v[(before, c, "ON_REGISTER_END")] + v[(now, c, "REGISTRATIONS")]
                                                          - v[(now, c, "DEREGISTRATIONS")]), (now, c)
                checked += 1
    assert checked >= 50


def test_the_demo_shows_each_case_its_docstring_promises(demo):
    """cpip/app/demo.py's cases: a committee back after a quarter away, a lead silent after Complete,
    recovery actions (one with an ask), an overdue milestone and a forecast passed."""
    from cpip.app import demo as d
    from cpip.core.vocabulary import BEHIND, COMPLETE, ON_TRACK

    home, out, docs = demo
    b, annex = docs["briefing"], docs["annex"]
    status = {i["item_id"]: i["status"] for i in b["items"]}
    made = annex["generated_at"][:10]
    # A committee with no return for 2026-Q2, back for 2026-Q3: its figures are not matched.
    (skipper, quarter), = ((p, q) for p, q in d.MISSING.items() if p != d.SILENT_LEAD)
    assert str(quarter) == "2026-Q2" and skipper.startswith("CPC-") and skipper in b["indicators"]["by_partner"]
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT state FROM mart_returns('2026-Q2') WHERE partner_code = $p", {"p": skipper}
                           ).fetchall() == [("missing",)]
    finally:
        con.close()
    comparison = annex["comparisons"]["indicators"]["REGISTRATIONS"]
    assert comparison["matched_cpcs"] < comparison["current_cpcs"]
    # A lead silent after reporting an item Complete.
    assert d.SILENT_LEAD in b["returns"]["missing"] and status[d.SILENT_AFTER_COMPLETE] == "No return"
    assert {"item_id": d.SILENT_AFTER_COMPLETE, "last_status": COMPLETE, "last_period": "2026-Q2"} in \
        annex["items_not_updated"]
    # Recovery actions, one with an ask; most items behind have one.
    items = annex["items"]
    assert status[d.WITH_ASK] in BEHIND and items[d.WITH_ASK]["recovery_action"] and items[d.WITH_ASK]["ask"]
    for item_id in d.RECOVERING:
        assert status[item_id] in BEHIND and items[item_id]["recovery_action"] and items[item_id]["ask"] is None
    behind = [i for i, s in status.items() if s in BEHIND]
    assert sum(1 for i in behind if items[i]["recovery_action"]) > len(behind) / 2
    assert [i for i, m in items.items() if m["ask"]] == [d.WITH_ASK]
    # An overdue milestone and a forecast passed, on items not Complete.
    assert status[d.MILESTONE_OVERDUE] == ON_TRACK and items[d.MILESTONE_OVERDUE]["milestone_due"] < made
    assert status[d.FORECAST_PASSED] == ON_TRACK and items[d.FORECAST_PASSED]["forecast_completion"] < made
    # Partner text: never in briefing.json, publication.json or the publication form.
    public = [(out / f"{n}.json").read_text(encoding="utf-8") for n in ("briefing", "publication")]
    public.append((out / "publication" / "cpip-briefing-2026-Q3-publication.html").read_text(encoding="utf-8"))
    for text in public:
        assert items[d.WITH_ASK]["ask"] not in text and items[d.WITH_ASK]["recovery_action"] not in text
