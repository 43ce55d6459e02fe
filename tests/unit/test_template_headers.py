"""The templates' headers in words read back as the columns, and their read-only columns as nothing."""

from __future__ import annotations

import re

import pytest

from cpip.collection.progress_sheet import layout, read_only_headers
from cpip.intake.model import INDICATOR_COLUMNS, PROGRESS_COLUMNS, heading
from cpip.intake.readers import read_return
from cpip.intake.readers.xlsx import _INDICATOR_NAMES, _PROGRESS_NAMES
from cpip.warehouse.statements import sql


def test_headers_in_words():
    assert [heading(c) for c in PROGRESS_COLUMNS] == [
        "Item ID", "Status", "Percent complete", "Milestone", "Milestone due", "Forecast completion", "Narrative",
        "Risks", "Recovery action", "Ask", "Explanation"]
    assert [heading(c) for c in INDICATOR_COLUMNS] == ["Indicator ID", "Value", "Note"]


@pytest.mark.parametrize("column", PROGRESS_COLUMNS)
def test_the_workbook_reader_reads_each_header_in_words_as_its_column(column):
    from cpip.core.values import norm_name

    assert _PROGRESS_NAMES[norm_name(heading(column))] == column


def test_the_read_only_headers_name_no_column():
    from cpip.core.values import norm_name

    shown = read_only_headers()
    assert len(shown) == 5 and "Target date" in shown and "Last quarter: status" in shown
    for h in shown:
        assert norm_name(h) not in _PROGRESS_NAMES and norm_name(h) not in _INDICATOR_NAMES, h
    # Every column of the sheet is either read as a field (its header in words) or read-only.
    for c in layout():
        assert (c.kind == "reference" or c.header == "Title") == (c.header in shown)
        if c.header not in shown:
            assert _PROGRESS_NAMES[norm_name(c.header)] == c.key


def test_a_csv_with_headers_in_words_is_read_as_the_columns():
    """returns.md §3: name matching is the same everywhere, so a progress CSV may use the words too."""
    cover = "Partner code,Period,Prepared by,Contact email,Signed off by,Signed off on"
    header = cover + "," + ",".join(heading(c) for c in PROGRESS_COLUMNS) + ",Last quarter: status"
    row = "CELCIS,2026-Q4,A,a@b.org,B,2027-01-10,A-NEG-3,On track,55,,,2027-06-30,Fine,,,,,At risk"
    rf = read_return("p.csv", f"{header}\n{row}\n".encode())
    assert rf.progress.columns == set(PROGRESS_COLUMNS)
    (_, values), = rf.progress.rows
    assert (values["item_id"], values["status"], values["percent_complete"], values["forecast_completion"]) == (
        "A-NEG-3", "On track", "55", "2027-06-30")


def test_unchanged_compares_every_field_a_partner_reports():
    """"Identical" (sql/staging/40_stg_unchanged_rows.sql) keeps in step with the progress columns: a
    column added to PROGRESS_COLUMNS and not compared there would call a changed row unchanged."""

    text = sql("staging/40_stg_unchanged_rows")
    compared = set(re.findall(r"b\.(\w+) IS NOT DISTINCT FROM n\.\1", text))
    assert compared == set(PROGRESS_COLUMNS) - {"item_id"}
    assert "b.item_id = n.item_id" in text
