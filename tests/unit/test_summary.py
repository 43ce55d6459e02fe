"""Page 1's sentences on the figures: like with like, with the coverage beside every figure."""

from __future__ import annotations

import re

from cpip.briefing.summary import NOTABLE_CHANGE_MIN, indicator_messages, notable


def _c(current, current_cpcs, matched_cpcs, current_matched=None, previous_matched=None, previous=None,
       previous_cpcs=0):
    change = None if matched_cpcs == 0 else current_matched - previous_matched
    return {"current": current, "current_cpcs": current_cpcs, "previous": previous, "previous_cpcs": previous_cpcs,
            "matched_cpcs": matched_cpcs, "current_matched": current_matched if matched_cpcs else None,
            "previous_matched": previous_matched if matched_cpcs else None, "change": change}


def _annex(comparisons: dict, headline: list[str]) -> dict:
    return {"comparisons": {"previous_period": "2026-Q2", "indicators": comparisons},
            "headline_indicators": headline,
            "indicators": {k: {"label": f"Label of {k}"} for k in comparisons}}


def test_the_change_is_the_matched_committees_not_the_difference_of_the_totals():
    # 28 committees now, 27 last quarter, 25 in both: totals fell by 19, the same 25 rose by 13.
    annex = _annex({"A": _c(732, 28, 25, 700, 687, previous=751, previous_cpcs=27)}, ["A"])
    [msg] = indicator_messages(annex, "2026-Q3", 30)
    assert "732 in July to September 2026 (from 28 of 30 committees)" in msg
    assert "Over the 25 committees that reported both quarters it is up 13" in msg
    assert "(687 to 700)" in msg
    assert "751" not in msg and "19" not in msg  # the two totals over different committees never meet


def test_the_first_headline_indicator_leads_and_the_next_only_when_its_change_is_notable():
    quiet = _c(500, 30, 30, 500, 495)  # +5: within the usual movement
    loud = _c(400, 30, 30, 400, 300)  # +100: notable
    annex = _annex({"FIRST": quiet, "SECOND": _c(90, 30, 30, 90, 88), "THIRD": loud}, ["FIRST", "SECOND", "THIRD"])
    msgs = indicator_messages(annex, "2026-Q3", 30)
    assert [m.split(":")[0] for m in msgs] == ["Label of FIRST", "Label of THIRD"]
    assert msgs[0].endswith("within the usual movement.") and msgs[1].endswith("a notable change.")


def test_no_matched_committee_means_no_change_is_given():
    annex = _annex({"A": _c(12, 2, 0, previous=40, previous_cpcs=3)}, ["A"])
    [msg] = indicator_messages(annex, "2026-Q3", 30)
    assert "no like-for-like change" in msg and not re.search(r"\b(up|down) \d", msg)


def test_an_indicator_nobody_reported_says_nothing():
    annex = _annex({"A": _c(None, 0, 0), "B": _c(50, 10, 10, 50, 20)}, ["A", "B"])
    assert [m.split(":")[0] for m in indicator_messages(annex, "2026-Q3", 30)] == ["Label of B"]


def test_notable_needs_both_the_count_and_the_share():
    assert not notable(_c(1000, 30, 30, 1000 + NOTABLE_CHANGE_MIN, 1000))  # 10 is not more than 10
    assert not notable(_c(1000, 30, 30, 1040, 1000))  # 40 of 1,000: 4%
    assert notable(_c(1000, 30, 30, 1060, 1000))  # 60 of 1,000: 6%
    assert notable(_c(20, 3, 3, 20, 0))  # from nothing
    assert not notable(_c(5, 3, 0))


def test_items_not_updated_are_counted_with_what_they_last_were():
    from cpip.briefing.summary import last_reported, not_updated_sentence

    rows = [{"item_id": "A", "last_status": "Complete", "last_period": "2026-Q2"},
            {"item_id": "B", "last_status": "Complete", "last_period": "2026-Q1"},
            {"item_id": "C", "last_status": None, "last_period": None}]
    assert not_updated_sentence(rows) == (" 3 items were not updated this quarter "
                                          "(last reported: 2 Complete, 1 never reported).")
    assert not_updated_sentence(rows[:1]) == " 1 item was not updated this quarter (last reported: 1 Complete)."
    assert not_updated_sentence([]) == ""
    assert last_reported(rows[0]) == "last reported Complete, April to June 2026"
    assert last_reported(rows[2]) == "never reported"


def test_periods_read_as_words():
    from cpip.core.periods import Period, period_short_words, period_words
    assert period_words("2026-Q3") == "July to September 2026"
    assert period_words(Period(2027, 1)) == "January to March 2027"
    assert period_words("2026-Q4") == "October to December 2026"
    assert period_short_words("2026-Q2") == "Apr–Jun 2026"
    assert period_words("not a period") == "not a period"


def test_a_stretch_of_quarters_reads_as_months():
    from cpip.core.periods import span_words
    assert span_words("2025-Q4", "2026-Q2") == "October 2025 to June 2026"
    assert span_words("2026-Q1", "2026-Q3") == "January to September 2026"
    assert span_words("2026-Q3", "2026-Q3") == "July to September 2026"
