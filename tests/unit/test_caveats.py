"""A draft's "Before you approve" list (cpip.briefing.caveats.approving_despite), on hand-built
briefing.json and annex.json: each kind there when it should be, absent when it should not, and
what it names read as a person reads it (titles as the register gives them, partners by name,
quarters in words), never a code."""

from __future__ import annotations

import copy

import pytest

from cpip.briefing.caveats import (NO_FIGURES, NO_TARGET_DATE, NOT_UPDATED, OPEN_QUERIES, UNCONFIRMED,
                                   approving_despite)
from cpip.mail.messages import approving_despite_lines

PARTNERS = {
    "CPC-NORTH": {"name": "North Child Protection Committee", "cpc": True},
    "CPC-SOUTH": {"name": "South Child Protection Committee", "cpc": True},
    "CPC-EAST": {"name": "East Public Protection Committee", "cpc": True},
    "NAT-A": {"name": "National Agency A", "cpc": False},
}


def _item(title: str, confirmed: bool = True, target_date: str | None = "2027-03-31") -> dict:
    return {"title": title, "confirmed": confirmed, "target_date": target_date}


def _clean() -> tuple[dict, dict]:
    """A briefing with nothing to approve despite: every kind absent."""
    doc = {"period": "2026-Q3",
           "indicators": {"by_partner": {c: {"IND-1": 4} for c in ("CPC-NORTH", "CPC-SOUTH", "CPC-EAST")}},
           "data_quality": {"open_warnings": 0, "by_rule": {}}}
    annex = {"items": {"A-1": _item("Set up the shared referral desk"), "A-2": _item("Publish joint guidance")},
             "partners": copy.deepcopy(PARTNERS), "warnings": [], "items_not_updated": []}
    return doc, annex


def _kinds(doc, annex) -> dict[str, dict]:
    got = approving_despite(doc, annex)
    assert len({c["kind"] for c in got}) == len(got)
    return {c["kind"]: c for c in got}


def test_nothing_outstanding_gives_an_empty_list_and_the_email_says_so():
    doc, annex = _clean()
    assert approving_despite(doc, annex) == []
    assert approving_despite_lines([])[0].startswith("Before you approve: nothing is outstanding.")


def test_unconfirmed_titles_are_named_as_the_register_gives_them():
    doc, annex = _clean()
    annex["items"]["A-3"] = _item("Children's Hearings action 2 <draft>", confirmed=False)
    got = _kinds(doc, annex)
    assert list(got) == [UNCONFIRMED]
    c = got[UNCONFIRMED]
    assert c["count"] == 1 and c["names"] == ["Children's Hearings action 2 <draft>"]
    assert c["sentence"].startswith("1 register title is not confirmed (confirmed = no in the register)")


def test_items_with_no_target_date():
    doc, annex = _clean()
    annex["items"]["A-1"]["target_date"] = None
    annex["items"]["A-4"] = _item("Train every frontline worker", target_date=None)
    got = _kinds(doc, annex)
    assert list(got) == [NO_TARGET_DATE]
    assert got[NO_TARGET_DATE]["count"] == 2
    assert got[NO_TARGET_DATE]["names"] == ["Set up the shared referral desk", "Train every frontline worker"]
    assert got[NO_TARGET_DATE]["sentence"].startswith("2 items have no target date")


@pytest.mark.parametrize("figures", [None, {"IND-1": None}], ids=["absent", "every-value-blank"])
def test_committees_with_no_figures_this_quarter_by_name(figures):
    doc, annex = _clean()
    if figures is None:
        del doc["indicators"]["by_partner"]["CPC-SOUTH"]
    else:
        doc["indicators"]["by_partner"]["CPC-SOUTH"] = figures
    got = _kinds(doc, annex)
    assert list(got) == [NO_FIGURES]
    c = got[NO_FIGURES]
    assert c["count"] == 1 and c["names"] == ["South Child Protection Committee"]
    assert c["sentence"] == ("1 of 3 Child Protection Committees sent no figures for July to September 2026: "
                             "the national totals leave them out.")


def test_a_partner_that_is_not_a_committee_is_never_counted_as_without_figures():
    doc, annex = _clean()
    assert "NAT-A" not in doc["indicators"]["by_partner"]
    assert NO_FIGURES not in _kinds(doc, annex)


def test_open_queries_by_partner_name_and_rule():
    doc, annex = _clean()
    annex["warnings"] = [{"partner_code": "CPC-NORTH", "rule": "P11"}, {"partner_code": "CPC-NORTH", "rule": "I05"},
                         {"partner_code": "NAT-A", "rule": "P11"}]
    doc["data_quality"] = {"open_warnings": 3, "by_rule": {"I05": 1, "P11": 2}}
    got = _kinds(doc, annex)
    assert list(got) == [OPEN_QUERIES]
    c = got[OPEN_QUERIES]
    assert c["count"] == 3
    assert c["sentence"].startswith("There are 3 open queries on the returns used (rule P11: 2, rule I05: 1)")
    assert c["names"] == ["National Agency A: 1 (rule P11)", "North Child Protection Committee: 2 (rule I05, rule P11)"]
    doc["data_quality"], annex["warnings"] = {"open_warnings": 1, "by_rule": {"P11": 1}}, annex["warnings"][:1]
    assert _kinds(doc, annex)[OPEN_QUERIES]["sentence"] == (
        "There is 1 open query on the returns used (rule P11: 1), from the partners below (see Annex C).")


def test_items_not_updated_say_what_was_last_reported_and_when_in_words():
    doc, annex = _clean()
    annex["items_not_updated"] = [
        {"item_id": "A-1", "last_status": "At risk", "last_period": "2026-Q2"},
        {"item_id": "A-2", "last_status": None, "last_period": "2025-Q4"},
    ]
    got = _kinds(doc, annex)
    assert list(got) == [NOT_UPDATED]
    c = got[NOT_UPDATED]
    assert c["count"] == 2
    assert c["names"] == ["Set up the shared referral desk (last reported At risk, April to June 2026)",
                          "Publish joint guidance (not in the lead's return for October to December 2025)"]
    assert c["sentence"].startswith("2 items were not updated by the lead partner for July to September 2026")


def test_every_kind_at_once_in_order_and_no_code_anywhere():
    doc, annex = _clean()
    annex["items"]["A-1"].update(confirmed=False, target_date=None)
    del doc["indicators"]["by_partner"]["CPC-EAST"]
    annex["warnings"] = [{"partner_code": "CPC-SOUTH", "rule": "P11"}]
    doc["data_quality"] = {"open_warnings": 1, "by_rule": {"P11": 1}}
    annex["items_not_updated"] = [{"item_id": "A-2", "last_status": "Complete", "last_period": "2026-Q2"}]
    got = approving_despite(doc, annex)
    assert [c["kind"] for c in got] == [UNCONFIRMED, NO_TARGET_DATE, NO_FIGURES, OPEN_QUERIES, NOT_UPDATED]
    assert [c["count"] for c in got] == [1, 1, 1, 1, 1]
    text = "\n".join(approving_despite_lines(got))
    for code in (*PARTNERS, "A-1", "A-2", "2026-Q"):
        assert code not in text, code
    assert "East Public Protection Committee" in text and "South Child Protection Committee: 1" in text
    # The email gives each thing named on a line of its own, under its sentence.
    assert "\n    Set up the shared referral desk\n" in text
