"""Review, approval and versions (interfaces.md) on a real home, with a real SMTP server
on 127.0.0.1: drafts, approval codes, approve / reject from the command line, stale drafts,
revisions and their "What changed" annex, the DRAFT line in the PDFs' text."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import cpip_cli
from tests.integration.test_delivery import smtp  # noqa: F401  (the real SMTP server fixture)

pytestmark = pytest.mark.slow  # cycles, approvals and revisions, each rendered to PDF

REVIEWERS = ["programme-office@example.org", "deputy-head@example.org"]
OFFICE = ["private-office@example.org"]
DRAFT = "DRAFT: not approved for circulation"
NOTE = ("# Points for the Minister\n\nTwo partners have reported; the rest are chasing.\n\n"
        "- <script>alert('x')</script> is what the officer typed\n- **Glasgow** is on track\n")


def _configure(home, port):
    (home.path / "cpip.toml").write_text(
        "[intake]\nsettle_seconds = 0\n"
        f"[review]\nreviewers = {json.dumps(REVIEWERS)}\nwait_days = 7\n"
        f"[email]\nhost = \"127.0.0.1\"\nreceipts = false\nport = {port}\nsender = \"cpip-returns@example.org\"\n"
        f"briefing_to = {json.dumps(OFFICE)}\n")


def _to(handler, addr: str) -> list:
    return [m for rcpts, m, _ in handler.messages if addr in rcpts]


def _code(msg) -> str:
    body = msg.get_body(preferencelist=("plain",)).get_content()
    lines = [ln for ln in body.splitlines() if ln.startswith("Approval code: ")]
    assert len(lines) == 1, body
    return lines[0].removeprefix("Approval code: ").strip()


def publication_text(paths: dict) -> dict[str, str]:
    """Everything the public reads in one publication: its HTML, its PDF's text, and every cell of its
    spreadsheet (each sheet) and its CSV; by kind."""
    import openpyxl

    wb = openpyxl.load_workbook(paths["figures_xlsx"], read_only=True)
    try:
        cells = "\n".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    finally:
        wb.close()
    return {"html": Path(paths["html"]).read_text(), "pdf": "\n".join(_pages(paths["pdf"])), "xlsx": cells,
            "csv": Path(paths["figures_csv"]).read_text(encoding="utf-8-sig")}


def _pages(pdf: str | Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


def _cli(home, *args, now="2026-11-10T10:00"):
    return cpip_cli(*args, "--home", str(home.path), env={"CPIP_NOW": now})


def _cycle(home, now="2026-11-10T09:00") -> dict:
    r = _cli(home, "cycle", "--period", "2026-Q3", "--json", now=now)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture
def drafted(home, smtp):  # noqa: F811
    port, handler, _ = smtp
    _configure(home, port)
    home.drop_xlsx(home.sample("CPC-GLASGOW"))
    home.drop_progress_csv(home.sample("CELCIS"))
    assert len(home.intake()) == 2
    out = _cycle(home)
    return home, handler, out


def test_a_draft_is_written_the_reviewers_get_a_code_and_nothing_goes_to_the_private_office(drafted):
    home, handler, out = drafted
    assert out["version"] == 1 and out["state"] == "draft" and "approval_code" not in out
    assert _to(handler, OFFICE[0]) == []
    for r in REVIEWERS:
        assert len(_to(handler, r)) == 1
    msg = _to(handler, REVIEWERS[0])[0]
    code = _code(msg)
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
    assert msg["Subject"].startswith("For approval: ") and "OFFICIAL-SENSITIVE" not in msg["Subject"]
    # The restricted form is linked, never attached (briefing_attach is "publication" by default).
    assert [a.get_filename() for a in msg.iter_attachments()] == ["cpip-briefing-2026-Q3-publication.pdf"]
    assert out["restricted"]["pdf"] in msg.get_body(preferencelist=("plain",)).get_content()
    # The code is only in the email: not in the copy kept in the outbox, the warehouse or the output.
    for p in home.path.rglob("*"):
        if p.is_file() and p.suffix in (".json", ".html", ".txt", ".toml"):
            assert code not in p.read_text(errors="ignore"), p
    for (row,) in home.query("SELECT CAST(briefing_versions AS VARCHAR) FROM briefing_versions"):
        assert code not in row and _normal(code) not in row
    kept = json.loads(next((home.path / "outbox" / "mail").glob("review-2026-Q3-version-1/*.json")).read_text())
    assert "Approval code: (sent only in the email)" in kept["body"]
    # Both forms say DRAFT on every page, at the usual paths and in versions/1/draft/.
    for form in ("restricted", "publication"):
        for pdf in (out[form]["pdf"], Path(out["version_folder"]) / form / Path(out[form]["pdf"]).name):
            pages = _pages(pdf)
            assert len(pages) >= 2
            for n, page in enumerate(pages, 1):
                assert page.count(DRAFT) == 2, (form, n)  # top and bottom
                if form == "restricted":
                    assert page.count("OFFICIAL-SENSITIVE") >= 2, (form, n)
    assert home.query("SELECT version, state FROM briefing_versions") == [(1, "draft")]
    assert json.loads(Path(out["briefing_json"]).read_text()).keys() == {
        "period", "generated_at", "items", "totals", "movement", "returns", "indicators", "data_quality"}
    annex = json.loads(Path(out["annex_json"]).read_text())
    assert annex["review"]["version"] == 1 and annex["review"]["state"] == "draft"


def _normal(code: str) -> str:
    return code.replace("-", "")


def test_a_wrong_or_missing_code_is_refused_and_recorded_and_reject_keeps_the_draft(drafted):
    home, handler, out = drafted
    code = _code(_to(handler, REVIEWERS[0])[0])
    wrong = _cli(home, "approve", "--period", "2026-Q3", "--by", "Mallory, Intruder", "--code", "AAAA-BBBB-CCCC-DDDD")
    assert wrong.returncode == 2 and "not the approval code" in wrong.stderr
    missing = _cli(home, "approve", "--period", "2026-Q3", "--by", "Mallory, Intruder")
    assert missing.returncode == 2 and "No approval code was given" in missing.stderr
    refused = [json.loads(d) for (d,) in home.query(
        "SELECT detail FROM audit_log WHERE event = 'approval code refused' ORDER BY event_id")]
    assert [(d["by"], d["reason"]) for d in refused] == [("Mallory, Intruder", "wrong"), ("Mallory, Intruder", "missing")]
    assert all(d["account"] for d in refused)

    r = _cli(home, "reject", "--period", "2026-Q3", "--by", "Sam Reviewer", "--reason", "Check the Glasgow figures",
             "--code", code, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["state"] == "draft"
    assert home.query("SELECT state FROM briefing_versions") == [("draft",)]
    assert home.query("SELECT decision, decided_by, note FROM review_decisions") == [
        ("returned", "Sam Reviewer", "Check the Glasgow figures")]
    assert _to(handler, OFFICE[0]) == []
    status = json.loads(_cli(home, "status", "--period", "2026-Q3", "--json").stdout)
    assert [(v["version"], v["state"], [d["decision"] for d in v["decisions"]])
            for v in status["briefing_versions"]] == [(1, "draft", ["returned"])]


def test_five_wrong_codes_and_the_draft_takes_no_code_until_a_new_cycle(drafted):
    from cpip.review import decisions as review
    from cpip.review.codes import MAX_WRONG_CODES
    from cpip.core.periods import Period
    from cpip.core.settings import load_settings

    home, handler, _ = drafted
    code = _code(_to(handler, REVIEWERS[0])[0])
    settings = load_settings(home.path, {"CPIP_NOW": "2026-11-10T10:00"})
    for _ in range(MAX_WRONG_CODES):
        with pytest.raises(review.WrongCode):
            review.approve(settings, Period(2026, 3), "Guesser", "2222-3333-4444-5555")
    with pytest.raises(review.ReviewRefused, match="takes no more codes"):
        review.approve(settings, Period(2026, 3), "Real Reviewer", code)
    assert home.query("SELECT state, wrong_codes FROM briefing_versions") == [("draft", 5)]
    assert _to(handler, OFFICE[0]) == []


@pytest.mark.browser
def test_approval_renders_the_final_forms_records_it_and_delivers_exactly_once(drafted, tmp_path):
    home, handler, out = drafted
    code = _code(_to(handler, REVIEWERS[0])[0])
    note = tmp_path / "note.md"
    note.write_text(NOTE)
    r = _cli(home, "approve", "--period", "2026-Q3", "--by", "Jo Bloggs, Head of Programme Office", "--note",
             str(note), "--code", code, "--json", now="2026-11-11T14:30")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert (got["period"], got["version"], got["state"], got["approved_by"]) == (
        "2026-Q3", 1, "approved", "Jo Bloggs, Head of Programme Office")
    assert got["approved_at"].startswith("2026-11-11T14:30") and got["emailed"] == OFFICE
    assert set(got["outputs"]) >= {"briefing_json", "publication_json", "restricted", "publication"}
    delivered = _to(handler, OFFICE[0])
    assert len(delivered) == 1
    assert [a.get_filename() for a in delivered[0].iter_attachments()] == ["cpip-briefing-2026-Q3-publication.pdf"]
    assert Path(got["outputs"]["publication"]["pdf"]).read_bytes() == \
        delivered[0].iter_attachments().__next__().get_content()
    # The reviewers and the private office read one status sentence, its counts briefing.json's totals.
    from cpip.core.vocabulary import AT_RISK, COMPLETE, NO_RETURN, NOT_STARTED, OFF_TRACK, ON_TRACK

    def sentences(msg) -> list[str]:
        return [ln for ln in msg.get_body(preferencelist=("plain",)).get_content().splitlines()
                if ln.endswith(" without a return.")]

    totals = json.loads(Path(got["outputs"]["briefing_json"]).read_text())["totals"]
    told = sentences(_to(handler, REVIEWERS[0])[0])
    assert told == sentences(delivered[0]) and len(told) == len(totals)
    for line, t in zip(told, totals.values()):
        assert [int(n) for n in re.findall(r"\b(\d+) ", line)] == [
            sum(t.values()), t[COMPLETE], t[ON_TRACK], t[AT_RISK], t[OFF_TRACK], t[NOT_STARTED], t[NO_RETURN]]

    # The record: who, when, version, the OS account, and the SHA-256 of every output.
    row = home.query("SELECT state, approved_by, approved_account, outputs FROM briefing_versions")[0]
    assert row[:2] == ("approved", "Jo Bloggs, Head of Programme Office") and row[2]
    (detail,) = home.query("SELECT detail FROM audit_log WHERE event = 'briefing approved'")[0]
    detail = json.loads(detail)
    assert detail["version"] == 1 and detail["by"] == "Jo Bloggs, Head of Programme Office" and detail["account"]
    assert len(detail["outputs"]) == 12  # 4 JSON documents, and per form HTML, PDF, figures .xlsx and .csv
    for path, sha in detail["outputs"].items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha
        assert not Path(path).stat().st_mode & 0o222  # read-only
    assert home.query("SELECT count(*) FROM audit_log WHERE event = 'briefing delivered'") == [(1,)]

    # The final forms: no DRAFT line anywhere; the restricted form's covering note opens page 1, escaped,
    # and its document control names the approver. The publication carries neither (interfaces.md, The
    # publication form): it says which version it is and when it was published, and whom to write to.
    for form in ("restricted", "publication"):
        for pdf in (got["outputs"][form]["pdf"], out[form]["pdf"]):
            pages = _pages(pdf)
            assert all(DRAFT not in p for p in pages), form
            if form == "restricted":
                assert "From the programme office" in pages[0] and "Points for the Minister" in pages[0]
                assert "Approved by Jo Bloggs, Head of Programme Office" in pages[-1] or \
                    any("Approved by" in p and "Jo Bloggs" in p for p in pages)
    public = publication_text(got["outputs"]["publication"])
    for secret in ("Points for the Minister", "the rest are chasing", "alert(", "From the programme office", "Jo Bloggs",
                   "Head of Programme Office", "Approved by", code):
        assert all(secret not in text for text in public.values()), secret
    assert not any(re.search(rf"\b{re.escape(detail['account'])}\b", t) for t in public.values())  # the OS account
    assert all("About these statistics" in public[k] and "statistics@example.org" in public[k] for k in ("html", "pdf", "xlsx"))
    assert "Version 1, published 11 November 2026" in " ".join(public["pdf"].split())
    html = Path(got["outputs"]["restricted"]["html"]).read_text()
    assert "&lt;script&gt;alert(" in html and "<script>alert(" not in html
    assert "<li><strong>Glasgow</strong> is on track</li>" in html  # simple Markdown, escaped first
    from tests.integration.test_cycle import _axe

    assert _axe(Path(got["outputs"]["restricted"]["html"]).as_uri()) == []  # with the covering note
    assert _axe(Path(got["outputs"]["publication"]["html"]).as_uri()) == []  # the final publication
    # The draft as reviewed is kept beside the final.
    draft_pdf = Path(out["version_folder"]) / "restricted" / Path(out["restricted"]["pdf"]).name
    assert all(p.count(DRAFT) == 2 for p in _pages(draft_pdf))

    again = _cli(home, "approve", "--period", "2026-Q3", "--by", "Jo Bloggs, Head of Programme Office",
                 "--code", code)
    assert again.returncode == 2 and "already approved" in again.stderr
    assert len(_to(handler, OFFICE[0])) == 1
    status = json.loads(_cli(home, "status", "--period", "2026-Q3", "--json").stdout)
    assert [(v["version"], v["state"], v["approved_by"]) for v in status["briefing_versions"]] == [
        (1, "approved", "Jo Bloggs, Head of Programme Office")]


def test_a_file_accepted_after_the_draft_makes_it_stale(drafted):
    home, handler, _ = drafted
    code = _code(_to(handler, REVIEWERS[0])[0])
    home.drop_xlsx(home.sample("CPC-ORKNEY"))
    assert home.one("2026-11-10T09:30")["outcome"] == "accepted"
    r = _cli(home, "approve", "--period", "2026-Q3", "--by", "Jo Bloggs, Head", "--code", code)
    assert r.returncode == 2 and "stale" in r.stderr and "CPC-ORKNEY-2026-Q3.xlsx" in r.stderr
    assert home.query("SELECT state FROM briefing_versions") == [("draft",)]
    assert home.query("SELECT count(*) FROM review_decisions") == [(0,)]
    assert _to(handler, OFFICE[0]) == []


def _figures(b: dict) -> dict:
    """The compared figures, flattened here independently of cpip.review.changes."""
    out = {}
    for i in b["items"]:
        for f in ("status", "rag", "percent_complete", "movement"):
            out[f"items.{i['item_id']}.{f}"] = i[f]
    for k, t in b["totals"].items():
        out.update({f"totals.{k}.{s}": n for s, n in t.items()})
    out.update({f"movement.{m}": n for m, n in b["movement"].items()})
    out.update({f"returns.{k}": v for k, v in b["returns"].items()})
    out.update({f"indicators.national.{k}": v for k, v in b["indicators"]["national"].items()})
    out["indicators.reporting_cpcs"] = b["indicators"]["reporting_cpcs"]
    out["data_quality.open_warnings"] = b["data_quality"]["open_warnings"]
    return out


@pytest.mark.browser
def test_a_cycle_after_approval_makes_version_2_with_what_changed(drafted, tmp_path):
    home, handler, first = drafted
    code = _code(_to(handler, REVIEWERS[0])[0])
    assert _cli(home, "approve", "--period", "2026-Q3", "--by", "Jo Bloggs, Head", "--code", code).returncode == 0
    v1 = json.loads(Path(first["briefing_json"]).read_text())
    home.drop_xlsx(home.sample("CPC-ORKNEY"))
    assert home.one("2026-11-12T09:00")["outcome"] == "accepted"
    second = _cycle(home, now="2026-11-12T10:00")
    assert second["version"] == 2 and second["state"] == "draft"
    assert len(_to(handler, OFFICE[0])) == 1  # the draft of version 2 is not delivered
    v2 = json.loads(Path(second["briefing_json"]).read_text())
    review = json.loads(Path(second["annex_json"]).read_text())["review"]
    assert review["replaces"]["version"] == 1
    before, after = _figures(v1), _figures(v2)
    changed = {k for k in after if before.get(k) != after[k]}
    assert {c["figure"] for c in review["changes"]} == changed
    assert "returns.accepted" in changed and "returns.expected" not in changed
    by = {c["figure"]: c for c in review["changes"]}
    assert (by["returns.accepted"]["old"], by["returns.accepted"]["new"]) == (2, 3)
    assert all(c["files"] == ["CPC-ORKNEY-2026-Q3.xlsx"] for c in review["changes"])
    pages = _pages(second["restricted"]["pdf"])
    assert "Revised: this replaces version 1 of 10 November 2026" in pages[0]
    text = "\n".join(pages)
    assert "What changed since version 1" in text and "CPC-ORKNEY-2026-Q3.xlsx" in text
    # The publication's revision says what changed too, naming neither the approver nor a partner's file.
    public = publication_text(second["publication"])
    assert "What changed since version 1" in public["pdf"] and "Revised: this replaces version 1" in public["pdf"]
    assert all("Jo Bloggs" not in t and "CPC-ORKNEY-2026-Q3" not in t for t in public.values())
    from tests.integration.test_cycle import _axe

    assert _axe(Path(second["restricted"]["html"]).as_uri()) == []  # a draft revision: banner, annex
    # Every version's outputs are kept, and listed.
    status = json.loads(_cli(home, "status", "--period", "2026-Q3", "--json").stdout)
    assert [(v["version"], v["state"]) for v in status["briefing_versions"]] == [(1, "approved"), (2, "draft")]
    assert (Path(status["briefing_versions"][0]["folder"]) / "final" / "briefing.json").is_file()
    # Version 2's own approval delivers it, once, as a second message.
    code2 = _code(_to(handler, REVIEWERS[0])[-1])
    assert code2 != code
    r = _cli(home, "approve", "--period", "2026-Q3", "--by", "Jo Bloggs, Head", "--code", code2, "--json",
             now="2026-11-12T11:00")
    assert r.returncode == 0, r.stderr
    assert len(_to(handler, OFFICE[0])) == 2


def test_without_email_the_cycle_prints_the_code(home):
    home.drop_xlsx(home.sample("CPC-GLASGOW"))
    home.intake()
    out = _cycle(home)
    assert out["state"] == "draft" and re.fullmatch(r"[A-Z2-9-]{19}", out["approval_code"])
    r = _cli(home, "cycle", "--period", "2026-Q3")
    assert r.returncode == 0 and re.search(r"^Approval code: [A-Z2-9-]{19}$", r.stdout, re.M)
    # A new cycle run makes a new draft, and the first one's code no longer works.
    stale = _cli(home, "approve", "--period", "2026-Q3", "--by", "Jo", "--code", out["approval_code"])
    assert stale.returncode == 2


def test_a_code_used_to_return_a_draft_cannot_approve_it_and_no_hash_of_a_code_is_kept(drafted):
    home, handler, _ = drafted
    code = _code(_to(handler, REVIEWERS[0])[0])
    r = _cli(home, "reject", "--period", "2026-Q3", "--by", "Sam Reviewer", "--reason", "Check Glasgow", "--code", code)
    assert r.returncode == 0, r.stderr
    # The return spent the code: it approves nothing, and returns nothing a second time.
    approve = _cli(home, "approve", "--period", "2026-Q3", "--by", "Anyone", "--code", code)
    assert approve.returncode == 2 and "returned for changes by Sam Reviewer" in approve.stderr, approve.stderr
    assert "cpip cycle --period 2026-Q3" in approve.stderr
    again = _cli(home, "reject", "--period", "2026-Q3", "--by", "Anyone", "--reason", "x", "--code", code)
    assert again.returncode == 2
    assert home.query("SELECT state, code_hash FROM briefing_versions") == [("draft", None)]
    assert _to(handler, OFFICE[0]) == []
    refused = [json.loads(d)["reason"] for (d,) in home.query(
        "SELECT detail FROM audit_log WHERE event = 'approval code refused' ORDER BY event_id")]
    assert refused == ["spent", "spent"]
    # Neither the ledger of sent email nor the audit log holds the code or an unsalted hash of it.
    forms = {code, _normal(code)}
    unsalted = {hashlib.sha256(c.encode()).hexdigest()[:n] for c in forms for n in (8, 12)}
    kept = [k for (k,) in home.query("SELECT message_key FROM email_sent")]
    kept += [d for (d,) in home.query("SELECT detail FROM audit_log") if d]
    assert any(k.startswith("review/2026-Q3/version-1/") for k in kept)
    assert not any(s in k for k in kept for s in forms | unsalted)
    # A new cycle makes a new draft with a new code, which does approve.
    _cycle(home, now="2026-11-11T09:00")
    code2 = _code(_to(handler, REVIEWERS[0])[-1])
    assert code2 != code
    r = _cli(home, "approve", "--period", "2026-Q3", "--by", "Jo Bloggs, Head", "--code", code2, now="2026-11-11T10:00")
    assert r.returncode == 0, r.stderr
    assert len(_to(handler, OFFICE[0])) == 1
