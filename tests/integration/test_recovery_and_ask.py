"""The optional Progress texts `recovery_action` and `ask` (returns.md §5, third release): read from a
workbook and a CSV, held to their limits (P09), kept in the warehouse (an older warehouse gains the
columns), carried into annex.json's items and never into briefing.json or publication.json."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest

from cpip.core.vocabulary import TEXT_LIMITS
from tests.conftest import Q3

PARTNER = "CELCIS"
RECOVERY = "Interim staffing agreed with two neighbouring councils; training resumes in January; back on track by March 2027."
ASK = "Agree to raise the recruitment freeze with COSLA at the February meeting."


def _behind(home, recovery=RECOVERY, ask=ASK):
    """A return whose first item is Off track with a recovery action and an ask, its second At risk with a
    recovery action only, the others with neither."""
    ret = home.sample(PARTNER)
    first, second = ret.progress[0], ret.progress[1]
    for r, status in ((first, "Off track"), (second, "At risk")):
        r.update(status=status, percent_complete=30, narrative="Training has stopped in six areas.",
                 forecast_completion=r["forecast_completion"] or date(2027, 6, 30))
    first.update(recovery_action=recovery, ask=ask)
    second.update(recovery_action="A revised plan goes to the board in December.")
    return ret


def _compose(home):
    from cpip.briefing.cycle import compose, read_marts
    from cpip.core.settings import load_settings
    from cpip.reference.tables import load_reference

    settings = load_settings(home.path, {"CPIP_NOW": "2026-11-10T09:00"})
    ref = load_reference(settings)
    return compose(settings, ref, read_marts(settings, ref, Q3))


def _held(home):
    return home.query("SELECT item_id, recovery_action, ask FROM progress_rows ORDER BY \"row\"")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_recovery_action_and_ask_reach_the_warehouse_and_annex_json_only(home, fmt):
    ret = _behind(home)
    (home.drop_xlsx if fmt == "xlsx" else home.drop_progress_csv)(ret)
    assert home.one()["outcome"] in ("accepted", "accepted_with_warnings")
    items = [r["item_id"] for r in ret.progress]
    assert _held(home) == [(items[0], RECOVERY, ASK), (items[1], "A revised plan goes to the board in December.", None),
                           *((i, None, None) for i in items[2:])]

    docs = _compose(home)
    annex = docs.annex["items"]
    assert (annex[items[0]]["recovery_action"], annex[items[0]]["ask"]) == (RECOVERY, ASK)
    assert (annex[items[1]]["recovery_action"], annex[items[1]]["ask"]) == ("A revised plan goes to the board in December.",
                                                                            None)
    assert all(annex[i]["recovery_action"] is None and annex[i]["ask"] is None for i in items[2:])
    for doc in (docs.briefing, docs.publication):  # interfaces.md's schemas, unchanged: no partner text
        text = json.dumps(doc, ensure_ascii=False)
        assert [t for t in ("recovery_action", '"ask"', "neighbouring councils", "recruitment freeze", "revised plan")
                if t in text] == []


def test_the_headings_match_as_an_officer_may_write_them(home, tmp_path):
    """'Recovery action' and 'ASK' in a workbook are the columns recovery_action and ask."""
    ret = _behind(home)
    path = home.drop_xlsx(ret)
    wb = openpyxl.load_workbook(path)
    ws = wb["Progress"]
    for cell in ws[1]:
        cell.value = {"recovery_action": "Recovery action", "ask": "ASK"}.get(cell.value, cell.value)
    wb.save(path)
    assert home.one()["outcome"] in ("accepted", "accepted_with_warnings")
    assert _held(home)[0] == (ret.progress[0]["item_id"], RECOVERY, ASK)


def test_a_return_without_the_new_columns_is_still_accepted(home):
    ret = home.sample(PARTNER)
    assert not any(r.get("recovery_action") or r.get("ask") for r in ret.progress)
    path = home.drop_progress_csv(ret)
    head = path.read_text(encoding="utf-8").splitlines()[0]
    assert "recovery_action" not in head and "ask" not in head.split(",")
    assert home.one()["outcome"] == "accepted"
    assert {(a, b) for _, a, b in _held(home)} == {(None, None)}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_over_the_limit_is_p09_with_the_limit_in_the_message(home, fmt):
    limit_r, limit_a = TEXT_LIMITS["recovery_action"], TEXT_LIMITS["ask"]
    ret = _behind(home, recovery="r" * (limit_r + 1), ask="a" * (limit_a + 1))
    ret.progress[1].update(recovery_action="r" * limit_r, ask="a" * limit_a)  # at the limit: fine
    (home.drop_xlsx if fmt == "xlsx" else home.drop_progress_csv)(ret)
    r = home.one()
    assert r["outcome"] == "rejected"
    assert [(i["rule"], i["row"], i["column"]) for i in r["issues"]] == [("P09", 2, "recovery_action"), ("P09", 2, "ask")]
    recovery, ask = (i["message"] for i in r["issues"])
    assert f"The recovery action is {limit_r + 1:,} characters long; the limit is {limit_r:,}" in recovery
    assert f"is {limit_a + 1:,} characters long; the limit is {limit_a:,}" in ask and "ask" in ask.lower()
    assert home.query("SELECT count(*) FROM progress_rows") == [(0,)]


def test_the_rule_catalogue_gives_both_limits():
    from cpip.reference.rules import RULES

    fix = RULES["P09"].fix
    assert f"recovery action {TEXT_LIMITS['recovery_action']:,}" in fix and f"ask {TEXT_LIMITS['ask']:,}" in fix


def test_an_older_warehouse_gains_the_columns_and_keeps_its_rows(tmp_path):
    from cpip.warehouse import db as wh
    from cpip.warehouse import migrations

    path = tmp_path / "warehouse.duckdb"
    con = wh.connect(path)
    try:
        older = tuple(m for m in migrations.MIGRATIONS if m.name != "recovery_and_ask")
        assert len(older) == len(migrations.MIGRATIONS) - 1
        migrations.migrate(con, older)
        con.execute("INSERT INTO progress_rows (submission_id, partner_code, period, \"row\", item_id, status, "
                    "percent_complete, narrative) VALUES (1, 'CELCIS', '2026-Q2', 2, 'A-NEG-3', 'At risk', 40, 'Late')")
        migrations.ensure_schema(con)
        assert migrations.schema_version(con) == migrations.SCHEMA_VERSION
        assert con.execute("SELECT item_id, narrative, recovery_action, ask FROM progress_rows").fetchall() == \
               [("A-NEG-3", "Late", None, None)]
    finally:
        con.close()
