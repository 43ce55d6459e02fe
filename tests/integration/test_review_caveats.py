"""What a reviewer approves a draft despite, and the private office's email in words, on a real
home with a real SMTP server on 127.0.0.1: the draft's "Before you approve" list in both forms
and in the reviewers' email, by name; gone from the approved briefing; and the email to the
private office naming partners by name and giving times and the quarter in words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cpip.briefing.caveats import NO_FIGURES, NO_TARGET_DATE, UNCONFIRMED, approving_despite
from tests.integration.test_delivery import smtp  # noqa: F401  (the real SMTP server fixture)
from tests.integration.test_review import OFFICE, REVIEWERS, _cli, _code, _pages, _to, drafted  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.server]  # a cycle and an approval, each rendered to PDF

BEFORE = "Before you approve"
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT")


def _body(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def _partner_codes_in(text: str, partners: dict) -> list[str]:
    """The partner codes written in ``text`` once every partner's name is taken out (a name may
    hold its own code, as "CELCIS, Centre for Excellence…" does)."""
    for p in sorted(partners.values(), key=lambda p: -len(p["name"])):
        text = text.replace(p["name"], "")
    return [code for code in partners if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]


def _documents(out: dict) -> tuple[dict, dict]:
    return json.loads(Path(out["briefing_json"]).read_text()), json.loads(Path(out["annex_json"]).read_text())


def test_the_draft_and_the_reviewers_email_list_what_is_approved_despite_by_name(drafted):
    home, handler, out = drafted
    doc, annex = _documents(out)
    caveats = approving_despite(doc, annex)
    kinds = {c["kind"]: c for c in caveats}
    # Two of 30 committees reported: the rest have no figures; the register has undated and unconfirmed items.
    assert {UNCONFIRMED, NO_TARGET_DATE, NO_FIGURES} <= set(kinds)
    assert "Orkney Child Protection Committee" in kinds[NO_FIGURES]["names"]
    assert "Glasgow Child Protection Committee" not in kinds[NO_FIGURES]["names"]

    body = _body(_to(handler, REVIEWERS[0])[0])
    listed = body[body.index(BEFORE):body.index("The draft (restricted")]
    for c in caveats:
        assert f"- {c['sentence']}\n" in listed
        for n in c["names"]:
            assert f"\n    {n}\n" in listed
    for i in kinds[UNCONFIRMED]["names"][:3]:
        assert i in listed
    assert _partner_codes_in(body, annex["partners"]) == []
    assert not re.search(r"\b[A-Z]+-\d+\b", listed)  # no item code either
    assert "July to September 2026" in _body(_to(handler, REVIEWERS[0])[0])
    assert not ISO_TIME.search(body)

    for form in ("restricted", "publication"):
        html = Path(out[form]["html"]).read_text()
        assert BEFORE in html, form
        assert "Orkney Child Protection Committee" in html
        assert kinds[UNCONFIRMED]["names"][0].replace("'", "&#39;") in html
        pages = _pages(out[form]["pdf"])
        assert BEFORE in pages[0] and "Summary for the Minister" not in pages[0], form  # a page of its own
        assert BEFORE not in "\n".join(pages[1:])


def test_the_approved_briefing_has_no_list_and_the_private_office_reads_names_and_words(drafted):
    home, handler, out = drafted
    code = _code(_to(handler, REVIEWERS[0])[0])
    r = _cli(home, "approve", "--period", "2026-Q3", "--by", "Jo Bloggs, Head of Programme Office", "--code", code,
             "--json", now="2026-11-11T14:30")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    for form in ("restricted", "publication"):
        assert BEFORE not in Path(got["outputs"][form]["html"]).read_text(), form
        assert all(BEFORE not in p for p in _pages(got["outputs"][form]["pdf"])), form
    # The draft as the reviewers saw it keeps its list.
    draft = Path(out["version_folder"]) / "restricted" / Path(out["restricted"]["html"]).name
    assert BEFORE in draft.read_text()

    [delivered] = _to(handler, OFFICE[0])
    body, subject = _body(delivered), delivered["Subject"]
    doc, annex = _documents(got["outputs"])
    assert _partner_codes_in(subject + "\n" + body, annex["partners"]) == []
    assert not ISO_TIME.search(subject + "\n" + body)
    assert subject.endswith("quarterly briefing, July to September 2026")
    assert "briefing for July to September 2026 is ready" in body
    missing = [annex["partners"][c]["name"] for c in doc["returns"]["missing"]]
    assert len(missing) == 38 and f"missing: {', '.join(missing[:-1])} and {missing[-1]};" in body
    assert re.search(r"data received up to \d{1,2} [A-Z][a-z]+ 2026, \d\d:\d\d \(UK time\)\.", body)
    assert BEFORE not in body
