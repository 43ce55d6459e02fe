"""Every kind of bad input gets a clear receipt (or is ignored as the spec says); none crashes the
run, none is silently accepted, none leaks content from outside the inbox."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from cpip.intake.inbox import shown
from tests.faults.corpus import CASES, HOSTILE_TEXT, SECRET


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory, ref):
    import pytest as _pytest

    mp = _pytest.MonkeyPatch()
    from tests.conftest import Home

    home = Home(tmp_path_factory.mktemp("corpus") / "home", mp, ref)
    placed = {}
    for case in CASES:
        folder = home.inbox / case.folder
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / case.name
        case.build(target, ref)
        placed[case.name] = target
    results = home.intake()
    yield home, placed, {Path(r["file"]).name: r for r in results}, results
    mp.undo()
    subprocess.run(["chattr", "-R", "-i", str(home.inbox)], capture_output=True)  # let the folder be cleaned up


def test_corpus_has_at_least_forty_kinds():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_bad_input(corpus_run, case):
    home, placed, by_name, _ = corpus_run
    target = placed[case.name]
    if case.expect == "ignored":
        assert case.name not in by_name and target.exists()
        return
    if case.expect == "left":
        assert case.name not in by_name and os.path.lexists(target)
        return
    outcome, rules = case.expect
    r = by_name[shown(case.name)]
    assert r["outcome"] == outcome
    assert {i["rule"] for i in r["issues"]} == rules, r["issues"]
    assert all(i["severity"] == "error" for i in r["issues"]) or outcome == "accepted"
    assert os.path.lexists(target) == case.stays  # taken: archived (or, for a link, removed)
    receipt = Path(r["receipt"])
    html = receipt.read_text()
    assert {"rejected": "Not accepted", "duplicate": "Already received", "accepted": "Accepted"}[outcome] in html
    for i in r["issues"]:
        assert i["value"] is None or len(i["value"]) <= 200
        assert len(i["message"]) < 700


def test_nothing_from_outside_the_inbox_leaks(corpus_run):
    home, _, _, results = corpus_run
    assert SECRET not in json.dumps(results)
    for p in (home.path / "outbox").rglob("*"):
        if p.is_file():
            assert SECRET not in p.read_text(errors="ignore"), p
    for p in (home.path / "archive").rglob("*"):
        if p.is_file():
            assert SECRET.encode() not in p.read_bytes(), p
    assert (home.path / "secret.csv").read_text().count(SECRET) == 1  # the target was never touched


def test_every_taken_file_is_archived_byte_for_byte(corpus_run):
    home, _, _, results = corpus_run
    records = [json.loads(p.read_text()) for p in sorted((home.path / "archive" / "records").glob("*.json"))]
    assert len(records) == len(results)
    assert home.intake() == []  # a second run takes nothing again, the undeletable file included
    for rec in records:
        if rec["sha256"] and rec.get("kept") is None:
            obj = home.path / "archive" / "objects" / rec["sha256"][:2] / rec["sha256"]
            assert obj.stat().st_size == rec["size"]
        elif rec["sha256"]:  # over the size limit: only its start is kept, with the whole file's SHA-256
            head = home.path / "archive" / "objects" / rec["sha256"][:2] / f"{rec['sha256']}.head"
            assert rec["size"] > 10_000_000 and head.stat().st_size == rec["kept"] == 65536
            assert not head.with_name(rec["sha256"]).exists()
    accepted = [r["sha256"] for r in results if r["outcome"].startswith("accepted")]
    assert len(accepted) == 1  # only the workbook whose blank rows are just formatting
    assert home.query("SELECT DISTINCT s.sha256 FROM progress_rows JOIN submissions s USING (submission_id)") == \
        [(accepted[0],)]


def test_a_file_that_vanishes_mid_run_is_left_for_the_next_run(home):
    from cpip.intake.move import take_files
    from cpip.intake.inbox import scan
    from cpip.core.settings import load_settings

    p = home.drop_progress_csv(home.sample("CELCIS"))
    settings = load_settings(home.path, {"CPIP_NOW": "2026-10-15T09:00"})
    found = scan(settings.inbox)
    p.unlink()  # taken back by its owner between the scan and the read
    assert take_files(settings, found, "run", []) == []
    assert home.intake() == []


def test_hostile_text_in_a_valid_return_is_accepted_and_shown_only_as_text(home):
    ret = home.sample("CELCIS")
    ret.progress[0]["status"] = "At risk"
    ret.progress[0]["narrative"] = HOSTILE_TEXT
    ret.progress[0]["risks"] = "=1+1"
    home.drop_progress_csv(ret)
    r = home.one()
    assert r["outcome"] == "accepted"
    from cpip.flows.cycle import cycle

    out = cycle(period="2026-Q3", home=str(home.path))
    html = Path(out["restricted"]["html"]).read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html and "\x1b" not in html and "\x01" not in html
    receipt = Path(r["receipt"]).read_text()
    assert "\x1b" not in receipt
