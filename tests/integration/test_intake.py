"""Intake end to end on real files: formats, the inbox, the archive, resubmission and lateness."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from cpip.app.samples import progress_csv_text
from tests.conftest import NOW, Q3, SHARED, libreoffice_convert, rules_of, soffice

CPC = "CPC-DUNDEE"
NATIONAL = "POLICE-SCOTLAND"


# --- formats ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("date_style", ["iso", "uk"])
def test_csv_encodings_and_date_forms(home, encoding, date_style):
    ret = home.sample(NATIONAL)
    ret.cover["prepared_by"] = "Seán O’Néill – Café"  # non-ASCII in every encoding tested
    ret.progress[0]["narrative"] = "Progress café ‘quoted’ — £5k agreed."
    home.drop_progress_csv(ret, encoding=encoding, date_style=date_style)
    r = home.one()
    assert r["outcome"] == "accepted", r["issues"]
    got = home.query("SELECT narrative FROM progress_rows WHERE row = 2")
    assert got == [("Progress café ‘quoted’ — £5k agreed.",)]


def test_csv_with_quoted_multiline_values_counts_records_not_lines(home):
    ret = home.sample(NATIONAL)
    ret.progress[0]["narrative"] = "Line one\nline two\nline three"
    ret.progress[1]["status"] = "Unknown"
    home.drop_progress_csv(ret)
    r = home.one()
    assert [(i["rule"], i["row"]) for i in r["issues"]] == [("P05", 3)]


def test_csv_headers_match_ignoring_case_spaces_underscores_and_order(home):
    ret = home.sample(NATIONAL)
    text = progress_csv_text(ret).splitlines()
    header = text[0].split(",")
    header = [h.upper().replace("_", " ") for h in header]
    header[0] = "  Partner Code "
    lines = [",".join(header)] + text[1:]
    # Swap two columns throughout, and add an extra one.
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    out = io.StringIO()
    w = csv.writer(out)
    for n, row in enumerate(rows):
        row[1], row[2] = row[2], row[1]
        w.writerow(row + (["Our own column"] if n == 0 else ["whatever"]))
    home.drop_bytes(NATIONAL, "shuffled.csv", out.getvalue().encode())
    assert home.one()["outcome"] == "accepted"


@pytest.mark.slow
def test_workbook_with_text_dates_and_renamed_sheets(home):
    import openpyxl

    p = home.drop_xlsx(home.sample(CPC), dates_as_text=True)
    wb = openpyxl.load_workbook(p)
    wb["Progress"].title = " PROGRESS "
    wb["Cover"].title = "tmp"
    wb["tmp"].title = "cover"  # (openpyxl refuses a rename that differs only in case)
    wb.create_sheet("Notes for us")
    wb.save(p)
    r = home.one()
    assert r["outcome"] == "accepted", r["issues"]


@pytest.mark.slow
def test_issue_names_the_sheet_canonically_whatever_the_file_calls_it(home):
    import openpyxl

    ret = home.sample(CPC)
    ret.progress[0]["status"] = "??"
    p = home.drop_xlsx(ret)
    wb = openpyxl.load_workbook(p)
    wb["Progress"].title = "tmp"
    wb["tmp"].title = "progress"
    wb.save(p)
    r = home.one()
    assert r["issues"][0]["sheet"] == "Progress"  # returns.md §7: never the file's own spelling


@pytest.mark.libreoffice
@pytest.mark.slow
def test_workbooks_saved_by_libreoffice(home, tmp_path):
    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    good = home.sample(CPC)
    src = home.drop_xlsx(good, folder="../made")  # outside the inbox
    saved = libreoffice_convert(src, tmp_path / "lo")
    bad = home.sample(NATIONAL)
    bad.progress[0]["percent_complete"] = 120
    src2 = home.drop_xlsx(bad, folder="../made", name="bad.xlsx")
    saved2 = libreoffice_convert(src2, tmp_path / "lo")
    assert saved.read_bytes()[:2] == b"PK"
    home.drop_bytes(CPC, "from-libreoffice.xlsx", saved.read_bytes())
    home.drop_bytes(NATIONAL, "bad-from-libreoffice.xlsx", saved2.read_bytes())
    results = {Path(r["file"]).name: r for r in home.intake()}
    assert results["from-libreoffice.xlsx"]["outcome"] == "accepted", results["from-libreoffice.xlsx"]["issues"]
    assert [(i["rule"], i["sheet"], i["row"]) for i in results["bad-from-libreoffice.xlsx"]["issues"]] == [
        ("P06", "Progress", 2)]
    # Dates came through LibreOffice as real dates and were stored as such.
    assert home.query("SELECT count(*) FROM progress_rows WHERE forecast_completion IS NOT NULL")[0][0] > 0


@pytest.mark.libreoffice
@pytest.mark.slow
def test_csv_converted_to_xlsx_by_libreoffice_is_not_a_return_but_gets_a_clear_receipt(home, tmp_path):
    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    ret = home.sample(NATIONAL)
    src = tmp_path / "p.csv"
    src.write_text(progress_csv_text(ret))
    saved = libreoffice_convert(src, tmp_path / "lo")
    home.drop_bytes(NATIONAL, "converted.xlsx", saved.read_bytes())
    r = home.one()
    assert r["outcome"] == "rejected" and rules_of(r) == ["F03"]


FOREIGN = SHARED / "samples" / "foreign"


@pytest.mark.skipif(not FOREIGN.is_dir(), reason="../shared/samples/foreign is not present")
@pytest.mark.parametrize("name,rule", [
    ("base.xlsx", "F03"), ("any_sheets.xlsx", "F03"), ("table-multiple.xlsx", "F03"), ("issue139.xlsx", "F03"),
    ("base.xls", "F01"), ("base.xlsb", "F01"), ("base.ods", "F01"), ("password.xlsx", "F01"),
    ("password.xls", "F01"), ("empty_file.xlsx", "F01"),
])
def test_files_made_by_other_software(home, name, rule):
    home.drop_bytes(CPC, name, (FOREIGN / name).read_bytes())
    r = home.one()
    assert r["outcome"] == "rejected"
    assert rules_of(r) == [rule], r["issues"]


# --- the inbox ----------------------------------------------------------------------------


def test_ignored_files_stay_and_never_appear(home):
    names = ["~$return.xlsx", ".hidden.csv", "upload.tmp", "upload.part", "download.crdownload", ".~lock.return.xlsx#"]
    for n in names:
        home.drop_bytes(CPC, n, b"partial")
    assert home.intake() == []
    assert sorted(os.listdir(home.inbox / CPC)) == sorted(names)
    assert home.query("SELECT count(*) FROM submissions") == [(0,)]


def test_subfolders_are_left_alone(home):
    home.drop_xlsx(home.sample(CPC), folder=f"{CPC}/drafts")
    assert home.intake() == []
    assert (home.inbox / CPC / "drafts").is_dir() and os.listdir(home.inbox / CPC / "drafts")


def test_symlink_is_rejected_once_and_removed_and_target_untouched(home, tmp_path):
    secret = tmp_path / "outside.csv"
    secret.write_text("partner_code,period\nTOP-SECRET,2026-Q3\n")
    link = home.inbox / CPC / "link.csv"
    link.symlink_to(secret)
    r = home.one()
    assert r["outcome"] == "rejected" and rules_of(r) == ["F01"]
    assert r["sha256"] is None and r["partner_code"] is None
    assert not os.path.lexists(link)
    assert secret.read_text().startswith("partner_code")
    receipt = Path(r["receipt"]).read_text()
    assert "TOP-SECRET" not in receipt and "TOP-SECRET" not in json.dumps(r)
    assert home.intake() == []  # reported once


@pytest.mark.slow
def test_file_still_being_written_is_left_for_the_next_run(home, monkeypatch):
    (home.path / "cpip.toml").write_text("[intake]\nsettle_seconds = 1.0\n")
    ret = home.sample(NATIONAL)
    data = progress_csv_text(ret).encode()
    target = home.inbox / NATIONAL / "slow.csv"
    target.write_bytes(data[:100])
    stop = threading.Event()

    def writer():
        with open(target, "ab") as fh:
            for i in range(100, len(data), 50):
                if stop.is_set():
                    return
                fh.write(data[i:i + 50])
                fh.flush()
                time.sleep(0.05)
    t = threading.Thread(target=writer)
    t.start()
    try:
        first = home.intake()
    finally:
        t.join()
    assert first == [] and target.exists()
    second = home.intake()
    assert [r["outcome"] for r in second] == ["accepted"] and not target.exists()


# --- the archive, duplicates, resubmission ------------------------------------------------


def test_every_file_is_archived_byte_for_byte_with_its_record(home):
    ret = home.sample(NATIONAL)
    p = home.drop_progress_csv(ret)
    data = p.read_bytes()
    bad = home.drop_bytes(CPC, "junk.xlsx", b"junk")
    r_bad, r_ok = home.intake()
    assert not p.exists() and not bad.exists()
    import hashlib

    for r, raw in ((r_ok, data), (r_bad, b"junk")):
        assert r["sha256"] == hashlib.sha256(raw).hexdigest()
        obj = home.path / "archive" / "objects" / r["sha256"][:2] / r["sha256"]
        assert obj.read_bytes() == raw
    records = sorted((home.path / "archive" / "records").glob("*.json"))
    rec = [json.loads(x.read_text()) for x in records]
    assert [x["name"] for x in rec] == ["junk.xlsx", p.name]
    assert rec[1]["folder"] == NATIONAL and rec[1]["received_at"] == "2026-10-15T09:00:00+01:00"


def test_duplicates_from_any_folder_change_nothing(home):
    ret = home.sample(NATIONAL)
    p = home.drop_progress_csv(ret)
    data = p.read_bytes()
    first = home.one()
    home.drop_bytes(NATIONAL, "again.csv", data)
    home.drop_bytes(CPC, "someone-elses.csv", data)
    dups = home.intake(now="2026-11-20T10:00")
    assert [d["outcome"] for d in dups] == ["duplicate", "duplicate"]
    for d in dups:
        assert d["issues"] == [] and d["partner_code"] == NATIONAL and d["period"] == "2026-Q3"
        assert d["sha256"] == first["sha256"]
        assert d["late"] is True  # judged at the duplicate's own received time
    assert home.query("SELECT count(*) FROM stg_current_parts") == [(1,)]
    assert home.query("SELECT count(*) FROM progress_rows") == [(len(ret.progress),)]


@pytest.mark.slow
def test_resubmission_after_rejection_and_superseded_acceptance(home):
    ret = home.sample(CPC)
    ret.progress[0]["status"] = "Fine"
    home.drop_xlsx(ret, name="v1.xlsx")
    assert home.one()["outcome"] == "rejected"
    assert home.query("SELECT count(*) FROM stg_current_parts") == [(0,)]

    ret.progress[0]["status"] = "On track"
    home.drop_xlsx(ret, name="v2.xlsx")
    v2 = home.one(now="2026-10-20T09:00")
    assert v2["outcome"] == "accepted"

    ret.progress[0]["percent_complete"] = 77
    ret.indicators[0]["value"] = 12345
    home.drop_xlsx(ret, name="v3.xlsx")
    v3 = home.one(now="2026-10-21T09:00")
    assert v3["outcome"] in ("accepted", "accepted_with_warnings")

    # Only the indicators part is replaced by a later indicators CSV.
    ret.indicators[0]["value"] = 54321
    home.drop_indicators_csv(ret)
    home.one(now="2026-10-22T09:00")
    current = dict((part, sub) for sub, part in home.query(
        "SELECT submission_id, part FROM stg_current_parts WHERE partner_code = $p", {"p": CPC}))
    assert current == {"progress": 3, "indicators": 4}
    assert home.query("""SELECT r.percent_complete FROM progress_rows r JOIN stg_current_parts c USING (submission_id)
                         WHERE c.part = 'progress' AND r.row = 2""") == [(77,)]
    assert home.query("""SELECT v.value FROM indicator_values v JOIN stg_current_parts c USING (submission_id)
                         WHERE c.part = 'indicators' AND v.row = 2""") == [(54321,)]
    # Every version is kept, and the supersedes are in the audit log.
    assert home.query("SELECT count(*) FROM submissions") == [(4,)]
    assert home.query("SELECT count(*) FROM audit_log WHERE event = 'superseded'") == [(3,)]


def test_a_rejected_file_leaves_no_rows(home):
    ret = home.sample(CPC)
    ret.indicators[0]["value"] = "x"
    home.drop_xlsx(ret)
    assert home.one()["outcome"] == "rejected"
    assert home.query("SELECT count(*) FROM progress_rows") == [(0,)]
    assert home.query("SELECT count(*) FROM indicator_values") == [(0,)]
    assert home.query("SELECT count(*) FROM issues") == [(1,)]


@pytest.mark.parametrize("now,late", [("2026-10-28T23:59", False), ("2026-10-29T00:00", True),
                                      ("2026-10-29T00:30+00:00", True), ("2026-10-28T23:30+00:00", False)])
def test_lateness_is_judged_in_uk_time_at_the_received_time(home, now, late):
    home.drop_progress_csv(home.sample(NATIONAL))  # 2026-Q3 is due on 28 October 2026 (GMT by then)
    assert home.one(now=now)["late"] is late


def test_lateness_in_summer_time(home):
    home.drop_progress_csv(home.sample(NATIONAL, period=Q3.previous(), signed_off=date(2026, 7, 1)))
    # 23:30 UTC on 28 July is 00:30 on 29 July in the UK (BST): a day after the due date.
    assert home.one(now="2026-07-28T23:30+00:00")["late"] is True


def test_late_flag_null_for_invalid_period_and_due_days_setting(home, monkeypatch):
    ret = home.sample(NATIONAL)
    ret.cover["period"] = "Q3"
    home.drop_progress_csv(ret)
    assert home.one()["late"] is None
    monkeypatch.setenv("CPIP_CYCLE_DUE_DAYS", "10")
    home.drop_progress_csv(home.sample(NATIONAL, seed=5))
    assert home.one(now="2026-10-12T09:00")["late"] is True


def test_receipts_are_written_for_every_file_and_escape_partner_text(home):
    ret = home.sample(NATIONAL)
    ret.progress[0]["status"] = "<script>alert('x')</script>"
    home.drop_xlsx(ret)
    r = home.one()
    html = Path(r["receipt"]).read_text()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "P05" in html and "rules.html#P05" in html
    assert json.loads(Path(r["receipt"]).with_suffix(".json").read_text()) == r
    assert (home.path / "outbox" / "rules.html").exists()


def test_a_crash_after_archiving_loses_nothing_and_takes_nothing_twice(home):
    """The archive step ran but the process died before loading (and, for one file, before
    removing it from the inbox): the next run finishes the job without taking anything twice."""
    from cpip.intake.move import take_files
    from cpip.intake.inbox import scan
    from cpip.core.settings import load_settings

    a = home.drop_progress_csv(home.sample(NATIONAL))
    b = home.drop_xlsx(home.sample(CPC))
    b_bytes = b.read_bytes()
    settings = load_settings(home.path, {"CPIP_NOW": NOW})
    take_files(settings, scan(settings.inbox), "crashed-run", [])
    assert not a.exists() and not b.exists()
    b.write_bytes(b_bytes)  # as if the crash came between archiving b and removing it
    results = home.intake()
    assert sorted(r["outcome"] for r in results) == ["accepted", "accepted"]
    assert home.query("SELECT count(*) FROM submissions") == [(2,)]
    assert not b.exists()
    assert len(list((home.path / "archive" / "records").glob("*.json"))) == 2


@pytest.mark.slow
def test_rebuild_from_the_archive_gives_the_same_warehouse(home):
    from cpip.intake.rebuild import rebuild_warehouse
    from cpip.core.settings import load_settings

    q2 = home.sample(CPC, period=Q3.previous(), signed_off=date(2026, 7, 2))
    home.drop_xlsx(q2)
    home.intake(now="2026-07-05T10:00")
    bad = home.sample(NATIONAL)
    bad.progress[0]["status"] = "?"
    home.drop_xlsx(bad)
    q3 = home.sample(CPC, previous=q2)
    q3.indicators[0]["value"] = q3.indicators[0]["value"] * 5 + 30  # an I05 warning
    home.drop_xlsx(q3)
    home.intake(now="2026-11-02T10:00")

    def snapshot():
        return (home.query("SELECT submission_id, sha256, partner_code, period, part, outcome, late, duplicate_of "
                           "FROM submissions ORDER BY 1"),
                home.query("SELECT * FROM issues ORDER BY 1, 2"),
                home.query("SELECT * FROM progress_rows ORDER BY 1, 2, 3, 4, 5"),
                home.query("SELECT * FROM indicator_values ORDER BY 1, 2, 3, 4, 5"))
    before = snapshot()
    assert any(i[2] == "I05" for i in before[1])
    rebuild_warehouse(load_settings(home.path, {"CPIP_NOW": "2027-05-01T10:00"}))
    assert snapshot() == before


def test_a_receipt_a_crash_left_unwritten_is_written_by_the_next_run(home):
    home.drop_progress_csv(home.sample(NATIONAL))
    r = home.one()
    receipt = Path(r["receipt"])
    receipt.unlink()
    receipt.with_suffix(".json").unlink()
    assert home.intake() == []
    assert receipt.is_file() and json.loads(receipt.with_suffix(".json").read_text()) == r
