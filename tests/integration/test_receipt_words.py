"""What a receipt says, read as the officer reads it: names, cells, dates, by when to resend, a
duplicate's earlier file, whom to ask. The JSON beside it keeps interfaces.md's keys and values."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pytest

from cpip.intake.where import column_letter

NATIONAL = "POLICE-SCOTLAND"
CPC = "CPC-DUNDEE"
ISSUE_KEYS = {"rule", "severity", "sheet", "row", "column", "value", "message"}


def _text(result: dict) -> str:
    """The receipt page's words, tags dropped, spaces collapsed."""
    html = Path(result["receipt"]).read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))
    return re.sub(r" ([.,:;)])", r"\1", text)


def _json(result: dict) -> dict:
    return json.loads(Path(result["receipt"]).with_suffix(".json").read_text(encoding="utf-8"))


def _rejected(home, now: str) -> dict:
    ret = home.sample(NATIONAL)
    ret.progress[0]["status"] = "Amber"
    home.drop_xlsx(ret)
    r = home.one(now)
    assert r["outcome"] == "rejected"
    return r


@pytest.mark.parametrize("now,says", [
    ("2026-10-15T09:00", "Resend by 28 October 2026 (13 days left)."),
    ("2026-10-27T23:30", "Resend by 28 October 2026 (1 day left)."),
    ("2026-10-28T17:00", "Resend by 28 October 2026 (the due date is today)."),
    ("2026-10-29T00:30", "The due date, 28 October 2026, has passed, but we still need a corrected file: "
                         "send it as soon as you can. It will be marked late."),
])
def test_a_rejected_receipt_says_nothing_counts_yet_and_by_when_to_resend(home, now, says):
    text = _text(_rejected(home, now))
    assert "Not accepted: please fix and resend" in text
    assert "so nothing from it counts yet: none of it has been used" in text
    assert says in text
    assert "On time?" not in text and "Yes: due by" not in text
    assert "Partner Police Scotland (POLICE-SCOTLAND)" in text
    assert "Period July to September 2026 (2026-Q3)" in text


def test_days_left_are_counted_in_uk_days_from_the_day_the_file_was_received(home):
    # 23:30 UTC on 20 October is 00:30 on 21 October in UK summer time: 7 days left, not 8.
    text = _text(_rejected(home, "2026-10-20T23:30+00:00"))
    assert "Received 21 October 2026 at 00:30 (UK time)" in text
    assert "Resend by 28 October 2026 (7 days left)." in text


def test_an_accepted_receipt_still_says_whether_it_was_on_time(home):
    home.drop_xlsx(home.sample(NATIONAL))
    text = _text(home.one())
    assert "On time? Yes: due by 28 October 2026" in text and "Resend by" not in text


def _reordered_workbook(path: Path) -> dict[str, str]:
    """Rewrite a workbook's Progress sheet with its columns in reverse order after a column of the
    officer's own: returns each header's letter as it now is."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    wb = openpyxl.load_workbook(path)
    ws = wb["Progress"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = ["Our notes"] + list(reversed(rows[0]))
    body = [["note"] + list(reversed(r)) for r in rows[1:]]
    wb.remove(ws)
    ws = wb.create_sheet("Progress", 1)
    for r, values in enumerate([header] + body, start=1):
        for c, v in enumerate(values, start=1):
            ws.cell(r, c, v)
    wb.save(path)
    return {h: get_column_letter(n) for n, h in enumerate(header, start=1)}


def test_cell_references_follow_the_headers_where_the_officer_put_them(home):
    ret = home.sample(NATIONAL)
    ret.progress[2]["status"] = "At risk"
    ret.progress[2]["forecast_completion"] = None
    ret.cover["contact_email"] = "returns at police"
    letters = _reordered_workbook(home.drop_xlsx(ret))
    assert letters["forecast_completion"] not in ("F", "")  # not where the template has it
    r = home.one()
    assert r["outcome"] == "rejected"
    p10 = next(i for i in r["issues"] if i["rule"] == "P10")
    c05 = next(i for i in r["issues"] if i["rule"] == "C05")
    # The JSON's issue fields are as interfaces.md has them, nothing added.
    assert all(set(i) == ISSUE_KEYS for i in _json(r)["issues"])
    assert (p10["sheet"], p10["row"], p10["column"]) == ("Progress", 4, "forecast_completion")
    text = _text(r)
    cell = f"Progress!{letters['forecast_completion']}4"
    assert f"{cell} sheet Progress, row 4, column Forecast completion (forecast_completion)" in text
    item = home.ref.items[ret.progress[2]["item_id"]]
    assert f"{item.title} ({item.item_id})" in text
    assert f"Cover!B{c05['row']} sheet Cover, row {c05['row']}, column Contact email " in text


def test_a_csv_issue_names_row_and_column_without_letters(home):
    ret = home.sample(NATIONAL)
    ret.progress[1]["status"] = "Off track"
    ret.progress[1]["forecast_completion"] = None
    home.drop_progress_csv(ret)
    r = home.one()
    text = _text(r)
    assert "row 3, column forecast_completion" in text
    assert not re.search(r"![A-Z]+\d", text)  # no cell reference anywhere
    item = home.ref.items[ret.progress[1]["item_id"]]
    assert f"{item.title} ({item.item_id})" in text


def test_dates_are_written_in_words_in_messages_and_values_but_the_json_keeps_the_value(home):
    ret = home.sample("SG-CPIP")
    row = next(r for r in ret.progress if home.ref.items[r["item_id"]].target_date)
    target = home.ref.items[row["item_id"]].target_date
    forecast = target + timedelta(days=40)
    row.update(status="At risk", percent_complete=40, forecast_completion=forecast, narrative="Slipping.")
    home.drop_xlsx(ret)
    r = home.one()
    p11 = next(i for i in r["issues"] if i["rule"] == "P11")
    assert p11["value"] == forecast.isoformat()  # the JSON's value as the file had it
    words = lambda d: f"{d.day} {d:%B %Y}"  # noqa: E731
    assert f"forecast to complete on {words(forecast)}, after its target date of {words(target)}" in p11["message"]
    text = _text(r)
    assert f"{words(forecast)} Item {row['item_id']} is forecast" in text  # the Value column, in words
    assert forecast.isoformat() not in text and f"{forecast:%d/%m/%Y}" not in text


def test_a_sign_off_date_after_receipt_is_worded(home):
    ret = home.sample(NATIONAL)
    ret.cover["signed_off_on"] = date(2026, 10, 20)
    home.drop_xlsx(ret)
    r = home.one()
    c04 = next(i for i in r["issues"] if i["rule"] == "C04")
    assert "The sign-off date 20 October 2026 is after the day the file was received (15 October 2026)." \
        in c04["message"]
    assert "20 October 2026" in _text(r) and "2026-10-20" not in _text(r)


def test_a_duplicate_names_the_earlier_file_and_what_is_on_file_now(home):
    ret = home.sample(CPC)
    first = home.drop_xlsx(ret, name="dundee-q3.xlsx")
    data = first.read_bytes()
    assert home.one("2026-10-15T09:00")["outcome"] == "accepted"
    home.drop_bytes(CPC, "dundee-q3-again.xlsx", data)
    r = home.one("2026-10-16T14:05")
    assert r["outcome"] == "duplicate" and r["issues"] == []
    text = _text(r)
    assert "This file is identical to dundee-q3.xlsx, received 15 October 2026 at 09:00 (UK time)." in text
    on_file = "received 15 October 2026 at 09:00 (UK time)"
    assert (f"On file now for Dundee Child Protection Committee (CPC-DUNDEE), July to September 2026 "
            f"(2026-Q3): Progress: dundee-q3.xlsx, {on_file} Indicators: dundee-q3.xlsx, {on_file}") in text


def test_a_duplicate_of_a_rejected_file_says_nothing_is_accepted_yet(home):
    ret = home.sample(NATIONAL)
    ret.progress[0]["status"] = "Amber"
    data = home.drop_xlsx(ret, name="police.xlsx").read_bytes()
    assert home.one()["outcome"] == "rejected"
    home.drop_bytes(NATIONAL, "police-copy.xlsx", data)
    text = _text(home.one("2026-10-16T09:00"))
    assert "This file is identical to police.xlsx, received 15 October 2026 at 09:00 (UK time)." in text
    assert "Nothing has been accepted yet for Police Scotland (POLICE-SCOTLAND), July to September 2026" in text


def test_help_contact_is_shown_when_set_and_not_otherwise(home):
    home.drop_xlsx(_bad(home))
    assert "If you need help" not in _text(home.one())
    toml = home.path / "cpip.toml"
    toml.write_text(toml.read_text().replace(
        "[intake]\n", '[intake]\nhelp_contact = "CPIP returns team, cpip-returns@example.org, 0131 244 0000"\n'))
    ret = _bad(home)
    ret.progress[0]["narrative"] = "Changed, so a new file."
    home.drop_xlsx(ret)
    assert ("If you need help with your return, contact CPIP returns team, cpip-returns@example.org, "
            "0131 244 0000.") in _text(home.one())


def _bad(home):
    ret = home.sample(NATIONAL)
    ret.progress[0]["status"] = "Amber"
    return ret


@pytest.mark.parametrize("index,letters", [(0, "A"), (3, "D"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letters(index, letters):
    assert column_letter(index) == letters


def test_a_receipt_made_again_from_the_warehouse_says_the_same_and_so_does_its_email_text(home):
    """A receipt is made again from the warehouse (its email, one a crash left unwritten): the cells,
    items, partner and a duplicate's earlier file come from there, not from the file."""
    from cpip.core.settings import load_settings
    from cpip.intake import steps
    from cpip.mail.receipts import plain_text

    toml = home.path / "cpip.toml"
    toml.write_text(toml.read_text().replace("[intake]\n", '[intake]\nhelp_contact = "cpip-returns@example.org"\n'))
    ret = home.sample(CPC)
    ret.progress[2]["status"] = "At risk"
    ret.progress[2]["forecast_completion"] = None
    _reordered_workbook(bad := home.drop_xlsx(ret, name="dundee-bad.xlsx"))
    data = bad.read_bytes()
    good = home.sample(CPC)
    home.drop_xlsx(good, name="dundee-good.xlsx")
    home.intake()
    home.drop_bytes(CPC, "dundee-bad-again.xlsx", data)
    home.intake("2026-10-16T09:00")
    pages = {p: p.read_text(encoding="utf-8") for p in (home.path / "outbox" / "receipts").rglob("*.html")}
    assert len(pages) == 3
    for p in pages:  # as a run that died before writing them leaves them
        p.unlink()
        p.with_suffix(".json").unlink()
    settings = load_settings(home.path, {})
    again = steps.unwritten_receipts(settings)
    assert len(again) == 3
    steps.write_receipts(settings, [])
    assert {p: p.read_text(encoding="utf-8") for p in pages} == pages
    texts = {h.record.name: plain_text(settings, h) for h in again}
    item = home.ref.items[ret.progress[2]["item_id"]]
    assert re.search(rf"1\. P10 \(error\) at Progress![A-Z]+4: sheet Progress, row 4, column Forecast completion "
                     rf"\(forecast_completion\); item: {re.escape(item.title)} \({item.item_id}\)",
                     texts["dundee-bad.xlsx"])
    assert "Resend by 28 October 2026 (13 days left)." in texts["dundee-bad.xlsx"]
    dup = texts["dundee-bad-again.xlsx"]
    assert ("What we already have:\nThis file is identical to dundee-bad.xlsx, received 15 October 2026 at 09:00 "
            "(UK time).\nOn file now for Dundee Child Protection Committee (CPC-DUNDEE), July to September 2026 "
            "(2026-Q3):\n- Progress: dundee-good.xlsx, received 15 October 2026 at 09:00 (UK time)\n"
            "- Indicators: dundee-good.xlsx, received 15 October 2026 at 09:00 (UK time)\n") in dup
    assert all("If you need help with your return, contact cpip-returns@example.org." in t for t in texts.values())


@pytest.mark.browser
def test_rejected_and_duplicate_receipts_have_no_accessibility_violations(home):
    from tests.integration.test_cycle import _axe

    toml = home.path / "cpip.toml"
    toml.write_text(toml.read_text().replace("[intake]\n", '[intake]\nhelp_contact = "cpip-returns@example.org"\n'))
    ret = home.sample(CPC)
    ret.progress[2]["status"] = "At risk"
    ret.progress[2]["forecast_completion"] = None
    data = home.drop_xlsx(ret, name="bad.xlsx").read_bytes()
    rejected = home.one()
    home.drop_bytes(CPC, "bad-again.xlsx", data)
    duplicate = home.one("2026-10-16T09:00")
    assert duplicate["outcome"] == "duplicate"
    for r in (rejected, duplicate):
        assert _axe(Path(r["receipt"]).as_uri()) == []
