"""Rows unchanged since last quarter: one line on the receipt (page and email), a count in the
restricted briefing's data-quality annex; never a rule, never in the JSON."""

from __future__ import annotations

import copy
import email
import json
from datetime import date
from email import policy
from pathlib import Path

import pytest

from cpip.core.periods import Period
from tests.conftest import smtp_on_localhost

Q4 = Period(2026, 4)
IN_Q4 = "2027-01-10T09:00"
LINE = "rows are unchanged since last quarter: check they are still right"


def _as_q4(ret, prepared_by: str = "Morag Fraser"):
    """The same return for 2026-Q4: the cover says so, the progress rows are last quarter's."""
    q4 = copy.deepcopy(ret)
    q4.period = str(Q4)
    q4.cover.update(period=str(Q4), signed_off_on=date(2027, 1, 5), prepared_by=prepared_by)
    return q4


def _receipt(result: dict) -> tuple[str, str]:
    html = Path(result["receipt"]).read_text(encoding="utf-8")
    return html, Path(result["receipt"]).with_suffix(".json").read_text(encoding="utf-8")


def test_the_receipt_says_how_many_rows_are_unchanged_since_last_quarter(home):
    q3 = home.sample("CELCIS")
    n = len(q3.progress)
    home.drop_progress_csv(q3)
    first = home.one()
    assert first["outcome"] in ("accepted", "accepted_with_warnings")
    assert "unchanged since last quarter" not in _receipt(first)[0]  # the first return ever: nothing to compare

    home.drop_progress_csv(_as_q4(q3), name="celcis-q4.csv")  # last quarter's rows sent again
    same = home.one(IN_Q4)
    html, js = _receipt(same)
    assert same["outcome"] in ("accepted", "accepted_with_warnings")
    assert f"{n} {LINE}." in html
    # Not a rule: no issue, no JSON key says it; the outcome is what the rules alone make it.
    assert "unchanged" not in json.dumps(same) and "unchanged" not in js
    assert all("unchanged" not in i["message"] for i in same["issues"])

    changed = _as_q4(q3, prepared_by="Ewan Reid")
    for r in changed.progress:
        r["narrative"] = "Moved on this quarter: see the new milestone."
    home.drop_progress_csv(changed, name="celcis-q4-changed.csv")
    assert "unchanged since last quarter" not in _receipt(home.one(IN_Q4))[0]

    # Compared with last quarter's, never with an earlier file for the same quarter: the changed rows
    # sent again (new bytes) are not "unchanged".
    again = copy.deepcopy(changed)
    again.cover["prepared_by"] = "Ailsa Grant"
    home.drop_progress_csv(again, name="celcis-q4-again.csv")
    assert "unchanged since last quarter" not in _receipt(home.one(IN_Q4))[0]

    one_left = _as_q4(q3, prepared_by="Iain Bell")
    for r in one_left.progress[1:]:
        r["percent_complete"] = min(100, r["percent_complete"] + 1) if r["percent_complete"] < 100 else 99
    home.drop_progress_csv(one_left, name="celcis-q4-one.csv")
    html, _ = _receipt(home.one(IN_Q4))
    assert "1 row is unchanged since last quarter: check it is still right." in html


@pytest.mark.server
def test_the_receipt_email_says_it_too(home):
    got = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):
            got.append(email.message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    q3 = home.sample("CELCIS")
    with smtp_on_localhost(Collect()) as port:
        (home.path / "cpip.toml").write_text(
            f'[intake]\nsettle_seconds = 0\n[email]\nhost = "127.0.0.1"\nport = {port}\n'
            'sender = "cpip-returns@example.org"\n')
        home.drop_progress_csv(q3)
        home.one()
        home.drop_progress_csv(_as_q4(q3), name="celcis-q4.csv")
        home.one(IN_Q4)
    by_file = {m["Subject"]: m for m in got}  # one message to each recipient: the partner's and the cover's
    assert len(by_file) == 2
    first, second = (by_file[s] for s in sorted(by_file, key=lambda s: "q4" in s))
    texts = [m.get_body(("plain",)).get_content() for m in (first, second)]
    htmls = [m.get_body(("html",)).get_content() for m in (first, second)]
    assert LINE not in texts[0] and LINE not in htmls[0]
    assert f"{len(q3.progress)} {LINE}." in texts[1] and f"{len(q3.progress)} {LINE}." in htmls[1]
    # Just after the summary, before the file's details.
    assert texts[1].index(LINE) < texts[1].index("File: ")
