"""Return templates: what they contain, and the round trip through LibreOffice and intake."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from cpip.core.periods import Period
from tests.conftest import libreoffice_convert, soffice

pytestmark = pytest.mark.slow  # templates for every partner, and intakes of them

Q4 = Period(2026, 4)


@pytest.fixture
def made(home, monkeypatch):
    """A home with accepted 2026-Q3 returns from two partners, and templates for 2026-Q4."""
    from cpip.flows.templates import templates

    glasgow = home.sample("CPC-GLASGOW")
    glasgow.progress[0].update(status="At risk", percent_complete=45)
    home.drop_xlsx(glasgow)
    home.drop_progress_csv(home.sample("CELCIS"))
    assert [r["outcome"] for r in home.intake()] == ["accepted", "accepted"]
    monkeypatch.setenv("CPIP_NOW", "2027-01-01T07:00")
    out = templates(home=str(home.path))  # scheduled: the quarter just ended
    assert out["period"] == "2026-Q4"
    return home, out, glasgow


def test_a_workbook_and_csv_pair_for_every_partner(made, ref):
    home, out, _ = made
    assert sorted(p["partner_code"] for p in out["partners"]) == sorted(ref.partners)
    for p in out["partners"]:
        assert Path(p["xlsx"]).is_file() and Path(p["progress_csv"]).is_file()
        assert ("indicators_csv" in p) == ref.partners[p["partner_code"]].reports_indicators


def _columns(ws) -> dict[str, int]:
    """Each header of row 1 -> its column number."""
    return {c.value: c.column for c in ws[1] if c.value is not None}


def test_workbook_headers_in_words_last_quarter_beside_locked_and_validated(made, ref):
    home, out, glasgow = made
    wb = openpyxl.load_workbook(next(p["xlsx"] for p in out["partners"] if p["partner_code"] == "CPC-GLASGOW"))
    assert wb.sheetnames == ["Instructions", "Lists", "Cover", "Progress", "Indicators"]
    assert wb["Lists"].sheet_state == "hidden"
    assert "inbox/CPC-GLASGOW/" in wb["Instructions"]["A3"].value and "28 January 2027" in wb["Instructions"]["A3"].value
    cover = wb["Cover"]
    assert (cover["B3"].value, cover["B4"].value) == ("CPC-GLASGOW", "2026-Q4")
    assert cover["B3"].protection.locked and not cover["B5"].protection.locked
    prog = wb["Progress"]
    assert [c.value for c in prog[1]] == [
        "Item ID", "Title", "Target date", "Last quarter: status", "Status", "Last quarter: percent complete",
        "Percent complete", "Milestone", "Milestone due", "Last quarter: forecast completion", "Forecast completion",
        "Narrative", "Risks", "Recovery action", "Ask", "Explanation"]
    at = _columns(prog)
    items = ref.assigned_items("CPC-GLASGOW")
    rows = range(2, 2 + len(items))
    assert [prog.cell(r, 1).value for r in rows] == items
    last = {r["item_id"]: r for r in glasgow.progress}
    # The item's target date from the register, and last quarter's accepted figures beside the cells to fill in.
    for r, item in zip(rows, items):
        target = prog.cell(r, at["Target date"])
        due = ref.items[item].target_date
        assert (target.value.date(), target.number_format) == (due, "d mmmm yyyy") if due else target.value == "None set"
        assert prog.cell(r, at["Last quarter: status"]).value == last[item]["status"]
        assert prog.cell(r, at["Last quarter: percent complete"]).value == last[item]["percent_complete"]
        assert prog.cell(r, at["Last quarter: forecast completion"]).value.date() == last[item]["forecast_completion"]
    assert prog.cell(2, at["Last quarter: status"]).value == "At risk"
    assert prog.cell(2, at["Last quarter: percent complete"]).value == 45
    # The cells to fill in start empty (only the item id is given) and are unlocked; the rest is locked.
    to_fill = [h for h in at if h not in ("Item ID", "Title", "Target date") and not h.startswith("Last quarter")]
    assert len(to_fill) == 10
    for r in rows:
        assert all(prog.cell(r, at[h]).value is None for h in to_fill)
        assert all(not prog.cell(r, at[h]).protection.locked for h in to_fill)
        for h in ("Item ID", "Title", "Target date", "Last quarter: status", "Last quarter: percent complete",
                  "Last quarter: forecast completion"):
            assert prog.cell(r, at[h]).protection.locked, h
    # Read-only columns look different from those to fill in.
    grey, cream = prog.cell(2, at["Last quarter: status"]).fill.fgColor.rgb, prog.cell(2, at["Status"]).fill.fgColor.rgb
    assert grey != cream and prog.cell(2, at["Target date"]).fill.fgColor.rgb == grey
    for ws in (cover, prog, wb["Indicators"], wb["Instructions"]):
        assert ws.protection.sheet
    assert all(c.protection.locked for c in prog[1])
    letter = {h: openpyxl.utils.get_column_letter(n) for h, n in at.items()}
    dvs = {str(dv.sqref): dv for dv in prog.data_validations.dataValidation}
    status_dv = next(dv for dv in dvs.values() if dv.type == "list")
    assert status_dv.formula1 == "=Lists!$A$1:$A$5" and str(status_dv.sqref).startswith(f"{letter['Status']}2")
    assert [c.value for c in wb["Lists"]["A"]] == ["Not started", "On track", "At risk", "Off track", "Complete"]
    pct = next(dv for dv in dvs.values() if dv.type == "whole")
    assert (pct.formula1, pct.formula2, pct.operator) == ("0", "100", "between") and pct.prompt
    assert str(pct.sqref).startswith(f"{letter['Percent complete']}2")
    assert {dv.type for dv in dvs.values()} >= {"list", "whole", "date", "textLength"}
    assert all(dv.prompt and len(dv.prompt) <= 255 and len(dv.promptTitle or "") <= 32 for dv in dvs.values())
    prompted = {str(dv.sqref).split(":")[0] for dv in dvs.values()}
    assert {f"{letter[h]}2" for h in at if h not in ("Item ID", "Title")} <= prompted  # an input message on each
    # The optional texts of the third release: unlocked, with an input message and Excel's own length check.
    from cpip.core.vocabulary import TEXT_LIMITS

    for column, title in (("recovery_action", "Recovery action"), ("ask", "Ask")):
        dv = next(d for d in dvs.values() if str(d.sqref).startswith(f"{letter[title]}2"))
        limit = TEXT_LIMITS[column]
        assert (dv.type, dv.operator, dv.formula1, dv.promptTitle) == ("textLength", "lessThanOrEqual", str(limit), title)
        assert f"at most {limit:,} characters" in dv.prompt and len(dv.prompt) <= 255  # Excel's limit on a prompt
        assert not prog[f"{letter[title]}2"].protection.locked
    ind = wb["Indicators"]
    assert [c.value for c in ind[1]] == ["Indicator ID", "Label", "Value", "Note"]
    assert [ind.cell(r, 1).value for r in range(2, 2 + len(ref.indicators))] == list(ref.indicators)
    assert not ind["C2"].protection.locked and ind["A2"].protection.locked


def test_the_reader_reads_the_headers_in_words_and_ignores_the_read_only_columns(made):
    """The workbook as written, read by intake's reader: every Progress column found by its header in
    words, the target date and last quarter's columns not read, and nothing read from last quarter."""
    from cpip.intake.model import PROGRESS_COLUMNS
    from cpip.intake.readers import read_return

    home, out, glasgow = made
    p = Path(next(x["xlsx"] for x in out["partners"] if x["partner_code"] == "CPC-GLASGOW"))
    rf = read_return(p.name, p.read_bytes())
    assert rf.progress.columns == set(PROGRESS_COLUMNS)
    assert rf.indicators.columns == {"indicator_id", "value", "note"}
    assert [v["item_id"] for _, v in rf.progress.rows] == [r["item_id"] for r in glasgow.progress]
    assert all(v[c] is None for _, v in rf.progress.rows for c in PROGRESS_COLUMNS if c != "item_id")


@pytest.mark.libreoffice
def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path, ref):
    from cpip.collection.templates import LastReturn, workbook

    last = LastReturn({"A-NEG-3": {"status": "=HYPERLINK(\"http://evil\")", "percent_complete": 5,
                                   "forecast_completion": None}})
    wb = workbook(ref, "CELCIS", Q4, 28, last, "inbox/CELCIS/")
    p = tmp_path / "t.xlsx"
    wb.save(p)
    import zipfile

    with zipfile.ZipFile(p) as z:
        sheet_xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheet_xml  # no formula anywhere
    back = openpyxl.load_workbook(p)["Progress"]
    row = next(r for r in range(2, 10) if back.cell(r, 1).value == "A-NEG-3")
    col = _columns(back)["Last quarter: status"]
    assert back.cell(row, col).value == "=HYPERLINK(\"http://evil\")" and back.cell(row, col).data_type == "s"
    if soffice():
        saved = libreoffice_convert(p, tmp_path / "lo")
        again = openpyxl.load_workbook(saved)["Progress"]
        assert again.cell(row, col).value == "=HYPERLINK(\"http://evil\")"


RECOVERY = "Interim staffing agreed with two neighbouring councils; back on track by March 2027."
ASK = "Agree to raise the recruitment freeze with COSLA in February."


def _fill(path: Path, ref, code: str) -> None:
    """Fill in a template as an officer would; the first item is At risk with a recovery action and an ask."""
    wb = openpyxl.load_workbook(path)
    c = wb["Cover"]
    c["B5"], c["B6"], c["B7"], c["B8"] = "Morag Fraser", "morag.fraser@example.org", "Ewan Reid", date(2027, 1, 10)
    prog = wb["Progress"]
    at = _columns(prog)
    prog.cell(2, at["Recovery action"]).value = RECOVERY
    prog.cell(2, at["Ask"]).value = ASK
    for r in range(2, prog.max_row + 1):
        item = prog.cell(r, 1).value
        if not item:
            continue
        prev = prog.cell(r, at["Last quarter: percent complete"]).value or 0
        target = ref.items[item].target_date
        prog.cell(r, at["Status"]).value = "At risk" if r == 2 else "On track"
        prog.cell(r, at["Percent complete"]).value = min(100, prev + 5)
        prog.cell(r, at["Milestone due"]).value = date(2027, 3, 1)
        prog.cell(r, at["Forecast completion"]).value = target if target and target > date(2027, 1, 1) else date(2027, 12, 31)
        prog.cell(r, at["Narrative"]).value = "Steady progress this quarter; next steps agreed with partners."
    if "Indicators" in wb.sheetnames:
        ind = wb["Indicators"]
        for r in range(2, ind.max_row + 1):
            if ind.cell(r, 1).value:
                ind.cell(r, 3).value = 0
    wb.save(path)


@pytest.mark.libreoffice
def test_round_trip_filled_in_resaved_by_libreoffice_and_accepted(made, ref, tmp_path):
    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    home, out, _ = made
    filled = tmp_path / "filled"
    filled.mkdir()
    for p in out["partners"]:
        dst = filled / Path(p["xlsx"]).name
        shutil.copy(p["xlsx"], dst)
        _fill(dst, ref, p["partner_code"])
    lo = tmp_path / "lo"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(lo), *sorted(str(p) for p in filled.iterdir())],
                   check=True, capture_output=True, timeout=600)
    for p in out["partners"]:
        saved = lo / Path(p["xlsx"]).name
        assert saved.is_file() and saved.read_bytes() != (filled / saved.name).read_bytes()
        home.drop_bytes(p["partner_code"], saved.name, saved.read_bytes())
    results = home.intake(now="2027-01-12T09:00")
    assert len(results) == len(ref.partners)
    bad = [(r["file"], r["issues"]) for r in results if r["outcome"] not in ("accepted", "accepted_with_warnings")]
    assert bad == []
    assert all(i["severity"] == "warning" for r in results for i in r["issues"])
    held = home.query("SELECT partner_code, status, recovery_action, ask FROM progress_rows "
                      "WHERE period = '2026-Q4' AND \"row\" = 2 ORDER BY partner_code")
    assert held == [(p, "At risk", RECOVERY, ASK) for p in sorted(ref.partners)]
    # What was typed in the cells to fill in lands; last quarter's figures beside them are not read.
    glasgow = home.query("SELECT item_id, status, percent_complete, milestone_due, narrative FROM progress_rows "
                         "WHERE period = '2026-Q4' AND partner_code = 'CPC-GLASGOW' ORDER BY \"row\"")
    items = ref.assigned_items("CPC-GLASGOW")
    assert [r[0] for r in glasgow] == items
    assert glasgow[0][1:] == ("At risk", 50, date(2027, 3, 1),  # 45 last quarter, plus 5
                              "Steady progress this quarter; next steps agreed with partners.")
    assert all(r[1] == "On track" for r in glasgow[1:])
    assert home.query("SELECT count(*) FROM progress_rows WHERE period = '2026-Q4' AND \"row\" > 2 "
                      "AND (recovery_action IS NOT NULL OR ask IS NOT NULL)") == [(0,)]


def test_an_untouched_template_is_rejected_with_the_errors_an_officer_expects(made, ref):
    home, out, _ = made
    for code in ("CPC-GLASGOW", "SCRA"):
        p = next(x for x in out["partners"] if x["partner_code"] == code)
        home.drop_bytes(code, Path(p["xlsx"]).name, Path(p["xlsx"]).read_bytes())
    results = {r["partner_code"]: r for r in home.intake(now="2027-01-12T09:00")}
    glasgow, scra = results["CPC-GLASGOW"], results["SCRA"]
    assert glasgow["outcome"] == scra["outcome"] == "rejected"
    cover_rules = sorted(i["rule"] for i in scra["issues"] if i["sheet"] == "Cover")
    assert cover_rules == ["C04", "C04", "C05", "C05"]  # signed off by/date; prepared by, email
    # SCRA sent nothing last quarter: every status and percent is blank.
    n = len(ref.assigned_items("SCRA"))
    assert sum(1 for i in scra["issues"] if i["rule"] == "P05") == n
    assert sum(1 for i in scra["issues"] if i["rule"] == "P06") == n
    # Glasgow's accepted 2026-Q3 figures are shown beside the cells to fill in, not in them: sent back
    # untouched, its return is not last quarter's again, and every status and percent is asked for.
    g = len(ref.assigned_items("CPC-GLASGOW"))
    assert sum(1 for i in glasgow["issues"] if i["rule"] == "P05") == g
    assert sum(1 for i in glasgow["issues"] if i["rule"] == "P06") == g
    assert {"C04", "C05", "I03"} <= {i["rule"] for i in glasgow["issues"]}


def test_csv_templates_are_the_csv_the_reader_expects(made, ref):
    home, out, _ = made
    p = next(x for x in out["partners"] if x["partner_code"] == "CPC-GLASGOW")
    head = Path(p["progress_csv"]).read_text().splitlines()[0].split(",")
    from cpip.intake.model import PROGRESS_CSV_COVER, PROGRESS_COLUMNS

    assert head == [*PROGRESS_CSV_COVER, *PROGRESS_COLUMNS]
    ind = Path(p["indicators_csv"]).read_text().splitlines()
    assert ind[0] == "partner_code,period,indicator_id,value,note" and len(ind) == 1 + len(ref.indicators)


def test_cli_templates(made):
    home, _, _ = made
    from tests.conftest import cpip_cli

    r = cpip_cli("templates", "--period", "2027-Q1", "--home", str(home.path), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["period"] == "2027-Q1" and len(out["partners"]) == 40
