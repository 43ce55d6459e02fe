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


def _again(ret, period: Period, signed: date, prepared_by: str):
    """The same return for ``period``: the cover says so, the progress rows are the earlier quarter's."""
    out = copy.deepcopy(ret)
    out.period = str(period)
    out.cover.update(period=str(period), signed_off_on=signed, prepared_by=prepared_by)
    return out


def _as_q4(ret, prepared_by: str = "Morag Fraser"):
    return _again(ret, Q4, date(2027, 1, 5), prepared_by)


def _changed(ret, rows) -> None:
    for r in rows:
        r["narrative"] = f"{r['narrative'] or ''} Moved on this quarter.".strip()


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


def test_the_restricted_annex_counts_rows_unchanged_since_last_quarter_and_the_publication_does_not(home, ref):
    """A cycle for 2026-Q3 over partners who sent 2026-Q2's rows again (all, one, or once but then a
    correction), changed them all, or report for the first time."""
    import html as html_lib
    import re

    from cpip.briefing.compose import annex_json, read_cycle_data
    from cpip.briefing.cycle import compose
    from cpip.briefing.render import render_html
    from cpip.core.settings import load_settings
    from cpip.review.versions import plan_version
    from cpip.warehouse import db as wh

    q2, q3, in_q3 = Period(2026, 2), Period(2026, 3), date(2026, 10, 5)
    before = {p: home.sample(p, q2) for p in ("CELCIS", "CPC-FIFE", "SSSC", "SCRA")}
    for ret in before.values():
        home.drop_progress_csv(ret)
    home.intake(now="2026-07-15T09:00")
    fife, sssc, scra = (_again(before[p], q3, in_q3, "Morag Fraser") for p in ("CPC-FIFE", "SSSC", "SCRA"))
    _changed(fife, fife.progress[1:])  # one row as last quarter's
    _changed(sssc, sssc.progress)  # none
    home.drop_progress_csv(_again(before["CELCIS"], q3, in_q3, "Morag Fraser"))  # every row
    home.drop_progress_csv(fife)
    home.drop_progress_csv(sssc)
    home.drop_progress_csv(scra, name="scra-1.csv")  # as last quarter's, then corrected: the correction counts
    corrected = copy.deepcopy(scra)
    _changed(corrected, corrected.progress)
    home.drop_progress_csv(corrected, name="scra-2.csv")
    home.drop_progress_csv(home.sample("CPC-ANGUS"))  # its first return: nothing to compare with
    assert {r["outcome"] for r in home.intake()} <= {"accepted", "accepted_with_warnings"}

    settings = load_settings(home.path, {"CPIP_NOW": "2026-11-10T09:00"})
    with wh.home_session(settings, ref) as con:
        data = read_cycle_data(con, q3, settings.cycle.due_days)
    annex = annex_json(data, ref, "run-1", settings.now, settings.briefing.suppress_below, settings.cycle.due_days)
    n = len(before["CELCIS"].progress)
    assert annex["unchanged_rows"] == [
        {"partner_code": "CELCIS", "unchanged": n, "rows": n},
        {"partner_code": "CPC-FIFE", "unchanged": 1, "rows": len(fife.progress)}]

    docs = plan_version(settings, q3, compose(settings, ref, data))
    words = lambda h: " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", h)).split())  # noqa: E731
    page = render_html(docs.briefing, docs.annex, "restricted", settings.briefing.marking)
    restricted = words(page)
    annex_c = restricted[restricted.index("Annex C: Data quality", restricted.index("Annex C: Data quality") + 1):]
    assert (f"2 partners sent {n + 1} progress rows identical to their last accepted return for "
            "April to June 2026") in annex_c
    names = {p: ref.partners[p].name for p in ("CELCIS", "CPC-FIFE", "SSSC", "SCRA", "CPC-ANGUS")}
    start = page.index("Progress rows unchanged since April to June 2026, by partner")
    table = words(page[start:page.index("</table>", start)])
    assert table.endswith(f"{names['CELCIS']} {n} {n} {names['CPC-FIFE']} 1 {len(fife.progress)}")
    publication = words(render_html(docs.publication, docs.annex, "publication", ""))
    assert "Rows unchanged since last quarter" not in publication and "identical to their last" not in publication
    assert "unchanged_rows" not in json.dumps(docs.publication) and "unchanged_rows" not in json.dumps(docs.briefing)
