"""The publication form's own context (cpip.briefing.public): its title, the movement scale in words,
and the review context its partials read, without anyone's name and without a partner's file name."""

from __future__ import annotations

import json

from cpip.briefing.public import A_RETURN, DEFAULT_CONTACT, public_review, scale_words, title
from cpip.core.settings import BriefingSettings

NAMES = {"CPC-X": "Xtown Child Protection Committee", "LEAD-A": "Agency A"}


def _review() -> dict:
    return {
        "version": 2, "state": "draft", "review_required": True, "approved_by": "Jo Bloggs, Head",
        "approved_account": "jbloggs", "approved_at": None, "made_at": "2026-11-12T10:00:00+00:00",
        "replaces": {"version": 1, "approved_at": "2026-11-10T09:00:00+00:00", "approved_by": "Jo Bloggs, Head"},
        "changes": [{"figure": "returns.accepted", "label": "Returns accepted", "old": 2, "new": 3, "old_text": "2",
                     "new_text": "3", "files": ["CPC-X 2026-Q3 final (Jo's copy).xlsx"]}],
        # The publication's list (cpip.review.changes.published_changes): figures shown in both versions.
        "changes_publication": [{"figure": "returns.accepted", "label": "Returns accepted", "old": 2, "new": 3,
                                 "old_text": "2", "new_text": "3", "files": ["CPC-X 2026-Q3 final (Jo's copy).xlsx"]}],
        "files_since": [{"submission_id": "7", "file": "CPC-X 2026-Q3 final (Jo's copy).xlsx", "folder": "CPC-X",
                         "partner_code": "CPC-X", "received_at": "2026-11-12T09:00:00+00:00"}],
    }


def test_the_publications_review_names_nobody_and_no_file():
    got = public_review(_review(), NAMES)
    text = json.dumps(got)
    assert "Jo" not in text and "jbloggs" not in text and "copy" not in text and ".xlsx" not in text
    assert got["replaces"] == {"version": 1, "approved_at": "2026-11-10T09:00:00+00:00", "approved_by": None}
    assert got["files_since"] == [{"file": A_RETURN, "partner_code": "Xtown Child Protection Committee",
                                   "folder": None, "received_at": "2026-11-12T09:00:00+00:00"}]
    assert got["changes"][0]["files"] == ["a quarterly return from Xtown Child Protection Committee"]
    assert (got["version"], got["state"], got["changes"][0]["new_text"]) == (2, "draft", "3")  # the rest as it was
    assert public_review({}, NAMES) == {}


def test_the_publications_what_changed_is_only_what_both_versions_show():
    """A change in a figure suppressed in either version is the restricted form's only (returns.md §10)."""
    review = {**_review(), "changes": _review()["changes"] + [
        {"figure": "indicators.national.SCR_STARTED", "label": "National total: SCR_STARTED", "old": 3, "new": 2,
         "old_text": "3", "new_text": "2", "files": []}]}
    got = public_review(review, NAMES)
    assert [c["figure"] for c in got["changes"]] == [c["figure"] for c in got["changes_publication"]] == \
        ["returns.accepted"]


def test_title_scale_and_default_contact():
    assert title("Child Protection Improvement Programme", "2026-Q3") == (
        "Child Protection Improvement Programme: progress and child protection figures, July to September 2026")
    assert scale_words() == "Complete, then On track, then At risk, then Off track and Not started (equal)"
    assert DEFAULT_CONTACT == BriefingSettings().statistics_contact
