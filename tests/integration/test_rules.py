"""Every rule id: at least one real file that triggers it and one that does not.

Each test starts from a valid sample return (accepted with no issues) and changes one
thing, so it also shows no other rule fires on the same defect.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from tests.conftest import Q3, rules_of

CPC = "CPC-ANGUS"
NATIONAL = "CELCIS"


def _errors(result):
    return [(i["rule"], i["sheet"], i["row"], i["column"]) for i in result["issues"]]


def test_valid_returns_are_accepted_without_issues(home):
    home.drop_xlsx(home.sample(CPC))
    home.drop_progress_csv(home.sample(NATIONAL))
    ret = home.sample("CPC-FIFE")
    home.drop_progress_csv(ret)
    home.drop_indicators_csv(ret)
    results = home.intake()
    assert [r["outcome"] for r in results] == ["accepted"] * 4
    assert all(r["issues"] == [] and r["late"] is False for r in results)


# --- F: the file --------------------------------------------------------------------------


@pytest.mark.parametrize("name,data", [
    ("return.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    ("return.ods", b"PK\x03\x04 not really"),
    ("return.xlsm", b"PK\x03\x04"),
    ("return.pdf", b"%PDF-1.4"),
    ("return", b"no extension"),
    ("return.xlsx", b""),
    ("return.csv", b""),
    ("return.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),  # encrypted workbooks are OLE2 containers
    ("return.xlsx", bytes(range(256)) * 40),
    ("return.csv", b"partner_code,period\n"),  # a header and nothing else
])
def test_f01_unreadable_or_unaccepted_files(home, name, data):
    home.drop_bytes(CPC, name, data)
    r = home.one()
    assert r["outcome"] == "rejected"
    assert rules_of(r) == ["F01"]
    assert r["partner_code"] is None and r["period"] is None and r["late"] is None
    assert r["issues"][0]["sheet"] is None and r["issues"][0]["row"] is None


def test_f01_macro_enabled_workbook_named_xlsx(home, tmp_path):
    src = home.drop_xlsx(home.sample(CPC), folder="x-tmp")
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/vbaProject.bin", b"macro")
    src.unlink()
    src.parent.rmdir()
    home.drop_bytes(CPC, "macro.xlsx", buf.getvalue())
    assert rules_of(home.one()) == ["F01"]


def test_f02_file_over_ten_megabytes(home):
    ret = home.sample(NATIONAL)
    from cpip.app.samples import progress_csv_text

    text = progress_csv_text(ret)
    padding = "," * 0 + "\r\n" * 0
    big = text.encode() + b" " * (10_000_001 - len(text.encode()))
    home.drop_bytes(NATIONAL, "big.csv", big)
    r = home.one()
    assert rules_of(r) == ["F02"] and r["outcome"] == "rejected"


@pytest.mark.slow
def test_f02_zip_bomb_workbook(home):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * 101_000_000)
    assert len(buf.getvalue()) < 10_000_000
    home.drop_bytes(CPC, "bomb.xlsx", buf.getvalue())
    assert rules_of(home.one()) == ["F02"]


def test_f03_missing_sheets_and_columns(home):
    import openpyxl

    p = home.drop_xlsx(home.sample(CPC), name="no-progress.xlsx")
    wb = openpyxl.load_workbook(p)
    del wb["Progress"]
    wb.save(p)
    p = home.drop_xlsx(home.sample(CPC), name="no-status.xlsx")
    wb = openpyxl.load_workbook(p)
    wb["Progress"].delete_cols(2)  # the status column
    wb.save(p)
    results = home.intake()
    no_progress, no_status = results
    assert _errors(no_progress) == [("F03", "Progress", None, None)]
    assert _errors(no_status) == [("F03", "Progress", None, "status")]  # and nothing about status (P05/P07/P08)


@pytest.mark.slow
def test_f03_cpc_workbook_without_indicators_sheet_but_not_for_others(home):
    ret = home.sample(CPC)
    ret.indicators = None
    home.drop_xlsx(ret)
    r = home.one()
    assert _errors(r) == [("F03", "Indicators", None, None)]
    # A non-CPC never needs one, and an Indicators sheet from a non-CPC is ignored.
    ret = home.sample(NATIONAL)
    ret.indicators = [{"indicator_id": "NONSENSE", "value": "x", "note": None}]
    home.drop_xlsx(ret)
    assert home.one()["outcome"] == "accepted"


@pytest.mark.slow
def test_f03_csv_missing_column(home):
    ret = home.sample(NATIONAL)
    from cpip.app.samples import progress_csv_text

    lines = progress_csv_text(ret).splitlines()
    header = lines[0].split(",")
    idx = header.index("percent_complete")
    import csv
    import io as _io

    rows = list(csv.reader(_io.StringIO(progress_csv_text(ret))))
    out = _io.StringIO()
    w = csv.writer(out)
    for row in rows:
        w.writerow(row[:idx] + row[idx + 1:])
    home.drop_bytes(NATIONAL, "p.csv", out.getvalue().encode())
    r = home.one()
    assert _errors(r) == [("F03", None, None, "percent_complete")]


# --- C: the cover -------------------------------------------------------------------------


@pytest.mark.slow
def test_c01_unknown_partner_is_c01_alone(home):
    ret = home.sample(NATIONAL)
    ret.cover["partner_code"] = "NOT-A-PARTNER"
    ret.progress[0]["item_id"] = "A-SR-1"  # not CELCIS's item, but P02 needs the partner
    home.drop_xlsx(ret)
    r = home.one()
    assert rules_of(r) == ["C01"]
    assert r["partner_code"] == "NOT-A-PARTNER"
    assert r["issues"][0]["sheet"] == "Cover" and r["issues"][0]["row"] == 3


@pytest.mark.slow
def test_c01_missing_partner_code(home):
    ret = home.sample(NATIONAL)
    ret.cover["partner_code"] = None
    home.drop_xlsx(ret)
    r = home.one()
    assert rules_of(r) == ["C01"] and r["partner_code"] is None


@pytest.mark.parametrize("period", ["2026 Q3", "Q3 2026", "2026-Q5", None])
@pytest.mark.slow
def test_c02_malformed_or_missing_period(home, period):
    ret = home.sample(NATIONAL)
    ret.cover["period"] = period
    home.drop_xlsx(ret)
    r = home.one()
    assert rules_of(r) == ["C02"] and r["late"] is None


@pytest.mark.slow
def test_c02_period_not_ended_when_received(home):
    ret = home.sample(NATIONAL, period=Q3, signed_off=date(2026, 9, 1))
    home.drop_xlsx(ret)
    r = home.one(now="2026-09-30T23:00")  # the last day of the quarter: not yet ended
    assert rules_of(r) == ["C02"] and r["late"] is False  # a valid period: on time (interfaces.md)


@pytest.mark.slow
def test_c02_not_fired_the_day_after_the_period(home):
    ret = home.sample(NATIONAL, signed_off=date(2026, 10, 1))
    home.drop_xlsx(ret)
    assert home.one(now="2026-10-01T00:30")["outcome"] == "accepted"


@pytest.mark.slow
def test_c03_wrong_folder_root_and_unknown_folder(home):
    home.drop_xlsx(home.sample(NATIONAL, seed=1), folder="SSSC", name="a.xlsx")
    home.drop_xlsx(home.sample(NATIONAL, seed=2), folder="", name="b.xlsx")
    home.drop_xlsx(home.sample(NATIONAL, seed=3), folder="Shared Documents", name="c.xlsx")
    results = home.intake()
    assert [rules_of(r) for r in results] == [["C03"]] * 3
    assert [r["file"].split("/")[-1] for r in results] == ["a.xlsx", "c.xlsx", "b.xlsx"]  # path order


@pytest.mark.parametrize("field,value", [
    ("signed_off_by", None), ("signed_off_on", None), ("signed_off_on", "soon"), ("signed_off_on", "31/02/2026"),
    ("signed_off_on", date(2026, 6, 30)),  # before the period began
    ("signed_off_on", date(2026, 10, 16)),  # after the day it was received
])
@pytest.mark.slow
def test_c04_sign_off(home, field, value):
    ret = home.sample(NATIONAL)
    ret.cover[field] = value
    home.drop_xlsx(ret)
    assert rules_of(home.one()) == ["C04"]


@pytest.mark.parametrize("value", [date(2026, 7, 1), date(2026, 10, 15), "15/10/2026", "2026-07-01"])
@pytest.mark.slow
def test_c04_not_fired_on_boundaries(home, value):
    ret = home.sample(NATIONAL)
    ret.cover["signed_off_on"] = value
    home.drop_xlsx(ret)
    assert home.one()["outcome"] == "accepted"


@pytest.mark.parametrize("field,value", [("prepared_by", None), ("contact_email", None),
                                         ("contact_email", "not an email"), ("contact_email", "a@b")])
@pytest.mark.slow
def test_c05_preparer_and_email(home, field, value):
    ret = home.sample(NATIONAL)
    ret.cover[field] = value
    home.drop_progress_csv(ret)
    assert rules_of(home.one()) == ["C05"]


def test_c06_csv_rows_disagree_is_c06_alone(home):
    from cpip.app.samples import progress_csv_text

    ret = home.sample(NATIONAL)
    ret.progress[0]["status"] = "Nonsense"  # would be P05, but C06 stands alone
    text = progress_csv_text(ret).splitlines()
    text[2] = text[2].replace("2026-Q3", "2026-Q2", 1)
    home.drop_bytes(NATIONAL, "mixed.csv", ("\r\n".join(text) + "\r\n").encode())
    r = home.one()
    assert _errors(r) == [("C06", None, 3, "period")]
    assert r["partner_code"] == NATIONAL and r["period"] == "2026-Q3"  # the first record's values


# --- P: progress --------------------------------------------------------------------------


def _progress_case(home, mutate, fmt="xlsx", partner=NATIONAL):
    ret = home.sample(partner)
    mutate(ret)
    if fmt == "xlsx":
        home.drop_xlsx(ret)
    else:
        home.drop_progress_csv(ret)
    return home.one()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.slow
def test_p01_unknown_item_is_p01_not_p02(home, fmt):
    def m(ret):
        ret.progress.append(dict(ret.progress[0], item_id="A-NOPE-9"))
    r = _progress_case(home, m, fmt)
    last_row = 2 + len(home.ref.assigned_items(NATIONAL))
    assert _errors(r) == [("P01", "Progress" if fmt == "xlsx" else None, last_row, "item_id")]


@pytest.mark.slow
def test_p02_item_not_assigned(home):
    r = _progress_case(home, lambda ret: ret.progress.append(dict(ret.progress[0], item_id="A-SR-1")))
    assert rules_of(r) == ["P02"]


def test_p03_item_twice(home):
    r = _progress_case(home, lambda ret: ret.progress.append(dict(ret.progress[0])))
    assert rules_of(r) == ["P03"]


@pytest.mark.slow
def test_p04_assigned_item_missing(home):
    r = _progress_case(home, lambda ret: ret.progress.pop(0))
    assert _errors(r) == [("P04", "Progress", None, "item_id")]
    assert r["issues"][0]["value"] == home.ref.assigned_items(NATIONAL)[0]


@pytest.mark.parametrize("status", ["Done", "", "Green", None])
def test_p05_status(home, status):
    def m(ret):
        ret.progress[0]["status"] = status
        ret.progress[0]["narrative"] = None  # P08 must not fire on an invalid status
    assert rules_of(_progress_case(home, m)) == ["P05"]


@pytest.mark.parametrize("status", [" on TRACK ", "COMPLETE"])
def test_p05_not_fired_ignoring_case_and_spaces(home, status):
    def m(ret):
        ret.progress[0]["status"] = status
        ret.progress[0]["percent_complete"] = 100
    assert _progress_case(home, m, "csv")["outcome"] == "accepted"


@pytest.mark.parametrize("pct", [101, -1, 50.5, "50%", "fifty", None])
def test_p06_percent(home, pct):
    def m(ret):
        ret.progress[0]["percent_complete"] = pct
        ret.progress[0]["status"] = "Complete"  # P07 must not fire on an invalid percent
    assert rules_of(_progress_case(home, m)) == ["P06"]


def test_p07_complete_below_100_and_not_at_100(home):
    def m(ret):
        ret.progress[0].update(status="Complete", percent_complete=90)
        ret.progress[1].update(status="Complete", percent_complete=100, forecast_completion=None)
    r = _progress_case(home, m)
    assert _errors(r) == [("P07", "Progress", 2, "percent_complete")]


def test_p08_at_risk_without_narrative(home):
    def m(ret):
        ret.progress[0].update(status="At risk", narrative="   ")
        ret.progress[1].update(status="On track", narrative=None)  # not needed when on track
    r = _progress_case(home, m)
    assert _errors(r) == [("P08", "Progress", 2, "narrative")]


@pytest.mark.parametrize("col,limit", [("milestone", 300), ("narrative", 2000), ("risks", 1000),
                                       ("recovery_action", 1000), ("ask", 500)])
def test_p09_text_limits(home, col, limit):
    def m(ret):
        ret.progress[0][col] = "x" * (limit + 1)
        ret.progress[1][col] = "y" * limit
    r = _progress_case(home, m)
    assert _errors(r) == [("P09", "Progress", 2, col)]
    assert len(r["issues"][0]["value"]) == 200


@pytest.mark.parametrize("col,value", [("forecast_completion", "31/02/2027"), ("milestone_due", "next spring"),
                                       ("forecast_completion", "12/31/2027"), ("forecast_completion", None)])
def test_p10_dates(home, col, value):
    def m(ret):
        ret.progress[0].update(status="On track", percent_complete=50)
        ret.progress[0][col] = value
    r = _progress_case(home, m)
    assert _errors(r) == [("P10", "Progress", 2, col)]


@pytest.mark.slow
def test_p10_not_fired_for_complete_without_forecast_and_uk_dates(home):
    def m(ret):
        ret.progress[0].update(status="Complete", percent_complete=100, forecast_completion=None)
    assert _progress_case(home, m)["outcome"] == "accepted"
    ret = home.sample(NATIONAL)
    home.drop_progress_csv(ret, date_style="uk")
    assert home.one()["outcome"] == "accepted"


def test_p11_forecast_after_target(home, ref):
    item = next(i for i in ref.items.values() if i.target_date)
    partner = item.lead_partner

    def m(ret):
        row = next(r for r in ret.progress if r["item_id"] == item.item_id)
        row.update(status="On track", percent_complete=40, forecast_completion=date(2099, 1, 1))
    r = _progress_case(home, m, partner=partner)
    assert r["outcome"] == "accepted_with_warnings" and rules_of(r) == ["P11"]
    assert r["issues"][0]["severity"] == "warning"


@pytest.mark.slow
def test_p12_p13_p14_against_last_period(home):
    # Build deterministic previous statuses
    q2 = home.sample(NATIONAL, period=Q3.previous(), signed_off=date(2026, 7, 10))
    q2.progress[0].update(status="Complete", percent_complete=100, forecast_completion=None)
    q2.progress[1].update(status="At risk", percent_complete=40, narrative="  Same words as before.  ")
    home.drop_xlsx(q2)
    assert home.one(now="2026-07-15T10:00")["outcome"] == "accepted"
    q3 = home.sample(NATIONAL, previous=q2)
    q3.progress[0].update(status="On track", percent_complete=95, narrative="Reopened.",
                          forecast_completion=home.ref.items[q3.progress[0]["item_id"]].target_date or date(2027, 3, 31))
    q3.progress[1].update(status="Off track", percent_complete=30, narrative="Same words as before.")
    home.drop_xlsx(q3)
    r = home.one()
    assert r["outcome"] == "accepted_with_warnings"
    got = [(i["rule"], i["row"]) for i in r["issues"]]
    assert got == [("P12", 2), ("P13", 2), ("P13", 3), ("P14", 3)]


@pytest.mark.slow
def test_history_warnings_not_fired_without_last_period_or_when_improving(home):
    q2 = home.sample(NATIONAL, period=Q3.previous(), signed_off=date(2026, 7, 10))
    q2.progress[0].update(status="At risk", percent_complete=40, narrative="Old words.")
    home.drop_xlsx(q2)
    home.one(now="2026-07-15T10:00")
    q3 = home.sample(NATIONAL, previous=q2)
    q3.progress[0].update(status="At risk", percent_complete=40, narrative="New words this quarter.")
    home.drop_xlsx(q3)
    assert home.one()["outcome"] == "accepted"


# --- I: indicators ------------------------------------------------------------------------


def _ind_case(home, mutate, fmt="xlsx"):
    ret = home.sample(CPC)
    mutate(ret)
    if fmt == "xlsx":
        home.drop_xlsx(ret)
    else:
        home.drop_indicators_csv(ret)
    return home.one()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_i01_unknown_and_repeated_indicator(home, fmt):
    def m(ret):
        ret.indicators.append({"indicator_id": "MADE_UP", "value": 3, "note": None})
        ret.indicators.append(dict(ret.indicators[0]))
    r = _ind_case(home, m, fmt)
    assert [i["rule"] for i in r["issues"]] == ["I01", "I01"]


@pytest.mark.parametrize("value", [-1, 12.5, "lots", "1,234"])
def test_i02_not_a_whole_number(home, value):
    def m(ret):
        ret.indicators[0]["value"] = value
    assert rules_of(_ind_case(home, m)) == ["I02"]


def test_i03_blank_without_note_and_missing_indicator(home):
    def m(ret):
        ret.indicators[0].update(value=None, note=None)
        ret.indicators[1].update(value=None, note="System migration: figure not available.")  # fine
        ret.indicators.pop()
    r = _ind_case(home, m, "csv")
    assert [(i["rule"], i["row"]) for i in r["issues"]] == [("I03", 2), ("I03", None)]


def test_i04_part_larger_than_whole(home, ref):
    child = next(i for i in ref.indicators.values() if i.part_of)

    def m(ret):
        vals = {r["indicator_id"]: r for r in ret.indicators}
        vals[child.indicator_id]["value"] = vals[child.part_of]["value"] + 1
    r = _ind_case(home, m)
    assert rules_of(r) == ["I04"]


@pytest.mark.slow
def test_i05_i06_against_last_period(home):
    q2 = home.sample(CPC, period=Q3.previous(), signed_off=date(2026, 7, 10))
    home.drop_xlsx(q2)
    assert home.one(now="2026-07-15T10:00")["outcome"] == "accepted"
    q3 = home.sample(CPC, previous=q2)
    v = {r["indicator_id"]: r for r in q3.indicators}
    prev = {r["indicator_id"]: r["value"] for r in q2.indicators}
    v["IRD_HELD"].update(value=prev["IRD_HELD"] * 3 + 20, note=None)          # I05
    v["INVESTIGATIONS"].update(value=prev["INVESTIGATIONS"] * 3 + 20, note="New screening team.")  # note: no I05
    expected = prev["ON_REGISTER_END"] + v["REGISTRATIONS"]["value"] - v["DEREGISTRATIONS"]["value"]
    v["ON_REGISTER_END"].update(value=expected + 6 + expected // 5, note="Checked.")                # I06
    home.drop_xlsx(q3)
    r = home.one()
    assert r["outcome"] == "accepted_with_warnings"
    assert [i["rule"] for i in r["issues"]] == ["I05", "I06"]


@pytest.mark.slow
def test_i06_not_fired_within_tolerance(home):
    q2 = home.sample(CPC, period=Q3.previous(), signed_off=date(2026, 7, 10))
    home.drop_xlsx(q2)
    home.one(now="2026-07-15T10:00")
    q3 = home.sample(CPC, previous=q2)
    v = {r["indicator_id"]: r for r in q3.indicators}
    prev_end = next(r["value"] for r in q2.indicators if r["indicator_id"] == "ON_REGISTER_END")
    v["ON_REGISTER_END"]["value"] = prev_end + v["REGISTRATIONS"]["value"] - v["DEREGISTRATIONS"]["value"] + 5
    home.drop_xlsx(q3)
    assert home.one()["outcome"] == "accepted"


@pytest.mark.slow
def test_errors_are_all_reported_at_once(home):
    ret = home.sample(CPC)
    ret.cover["contact_email"] = "nope"
    ret.progress[0]["status"] = "Sort of"
    ret.progress[1]["percent_complete"] = 250
    ret.indicators[2]["value"] = "n/a"
    home.drop_xlsx(ret)
    r = home.one()
    assert [i["rule"] for i in r["issues"]] == ["C05", "P05", "P06", "I02"]
    for i in r["issues"]:
        assert set(i) == {"rule", "severity", "sheet", "row", "column", "value", "message"}
        assert i["severity"] == "error" and i["message"]
