"""The collection status page: counts as `cpip status --json`, links to receipts on disk, axe-clean."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import Q3, cpip_cli

pytestmark = pytest.mark.slow  # a collected period with many intakes


@pytest.fixture
def collected(home):
    """2026-Q3 with a partner in every state, an open query and a faulted file."""
    home.drop_xlsx(home.sample("CPC-FIFE"), name="fife.xlsx")               # accepted, on time
    bad = home.sample("SSSC")
    bad.progress[0]["status"] = "Amber"
    home.drop_xlsx(bad, name="sssc <draft>.xlsx")                          # rejected only (a name to escape)
    home.intake(now="2026-10-15T09:00")
    celcis = home.sample("CELCIS")
    next(r for r in celcis.progress if r["item_id"] == "A-NEG-3").update(
        status="On track", percent_complete=50, forecast_completion=date(2027, 3, 31))  # an open P11
    home.drop_progress_csv(celcis, name="celcis.csv")                      # accepted, late
    home.intake(now="2026-11-02T09:00")
    return home


def _status_json(home, now="2026-11-02T10:00"):
    r = cpip_cli("status", "--period", "2026-Q3", "--home", str(home.path), "--json", env={"CPIP_NOW": now})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_the_status_page_is_written_by_intake_and_agrees_with_cpip_status(collected):
    home = collected
    page_path = home.path / "outbox" / "status" / "2026-Q3.html"
    assert page_path.is_file() and (home.path / "outbox" / "status" / "2026-Q3.csv").is_file()
    assert not (home.path / "outbox" / "status" / "2026-Q2.html").exists()  # due more than 60 days ago
    text = page_path.read_text(encoding="utf-8")
    st = _status_json(home)
    states = [p["state"] for p in st["partners"]]
    expected = {"Expected": f"{len(states)} partners",
                "Accepted": f"{states.count('accepted') + states.count('late')} ({states.count('late')} of them late)",
                "Only rejected files": str(states.count("rejected_only")),
                "Nothing received": str(states.count("missing"))}
    for label, value in expected.items():
        assert f"<dt>{label}</dt><dd>{value}</dd>" in text, label
    assert states.count("accepted") == 1 and states.count("late") == 1 and states.count("rejected_only") == 1
    assert "Due on <strong>28 October 2026</strong> (was due 5 days ago)" in text
    # First those to chase: nothing received, only rejected files, late; each group in partner-code
    # order. Then one row per partner in partner-code order. Each row has the name, its code beside it.
    chase_part, each_part = text.split('<h2 id="each">')
    assert chase_part.index('<h2 id="chase">To chase first</h2>') < chase_part.index("<table>")
    row = (r'<th scope="row">(.*?)<br><span class="code">(.*?)</span></th>\s*<td><span class="state '
           r'state-(\w+)">')
    chase, each = re.findall(row, chase_part), re.findall(row, each_part)
    missing = [(p["partner_code"], "missing") for p in st["partners"] if p["state"] == "missing"]
    assert [(code, state) for _, code, state in chase] == missing + [("SSSC", "rejected_only"), ("CELCIS", "late")]
    assert len(missing) == 37 and missing == sorted(missing)
    assert [(code, state) for _, code, state in each] == [(p["partner_code"], p["state"]) for p in st["partners"]]
    assert [code for _, code, _ in each] == sorted(collected.ref.partners)
    assert all(html.unescape(name) == collected.ref.partners[code].name for name, code, _ in chase + each)
    assert ("City of Edinburgh" in text or "Fife" in text) and "Accepted, late" in text
    assert "2 November 2026 at 09:00" in text  # CELCIS first accepted, UK time in words
    assert "sssc &lt;draft&gt;.xlsx" in text and "<draft>" not in text
    # The CSV says the same, row for row, in partner-code order (as `cpip status`).
    table = list(csv.DictReader(io.StringIO((page_path.with_suffix(".csv")).read_text(encoding="utf-8"))))
    assert [(r["partner_code"], r["state"], r["files"]) for r in table] == \
           [(p["partner_code"], p["state"], str(p["files"])) for p in st["partners"]]
    assert [r["partner_code"] for r in table] == sorted(collected.ref.partners)
    celcis = next(r for r in table if r["partner_code"] == "CELCIS")
    assert celcis["open_queries"] == "1" and celcis["latest_outcome"] == "accepted_with_warnings"
    assert celcis["first_accepted_at"] == next(p for p in st["partners"] if p["partner_code"] == "CELCIS")["first_accepted_at"]


def test_every_link_opens_the_receipt_of_the_latest_file(collected):
    home = collected
    status_dir = home.path / "outbox" / "status"
    text = (status_dir / "2026-Q3.html").read_text(encoding="utf-8").split('<h2 id="each">')[1]
    links = [html.unescape(h) for h in re.findall(r'<a href="([^"]+)"', text) if not h.startswith("mailto:")]
    assert len(links) == 3
    receipts = {Path(p).resolve() for (p,) in home.query(
        "SELECT receipt_html FROM submissions WHERE period = '2026-Q3'")}
    for link in links:
        target = (status_dir / link).resolve()
        assert not link.startswith("/") and target.is_file() and target in receipts, link
        assert "Receipt for your return" in target.read_text(encoding="utf-8")


@pytest.mark.browser
def test_the_status_page_has_no_accessibility_violations(collected):
    from tests.integration.test_cycle import _axe

    assert _axe((collected.path / "outbox" / "status" / "2026-Q3.html").as_uri()) == []


def test_it_is_rewritten_only_when_something_changed(collected):
    from cpip.reference.tables import load_reference
    from cpip.core.settings import load_settings
    from cpip.collection.status_page import write_status_pages

    s = load_settings(collected.path, {"CPIP_NOW": "2026-11-02T09:30"})
    assert write_status_pages(s, load_reference(s)) == []  # nothing new since the intake wrote it
    s = load_settings(collected.path, {"CPIP_NOW": "2026-11-03T09:30"})
    assert len(write_status_pages(s, load_reference(s))) == 2  # a new day: "was due 6 days ago"


def test_periods_shown(ref):
    from cpip.core.periods import UK, Period
    from cpip.collection.status_page import periods_to_show

    at = lambda s: datetime.fromisoformat(s).replace(tzinfo=UK)  # noqa: E731
    assert periods_to_show(at("2026-10-15T09:00"), 28) == [Q3]
    assert periods_to_show(at("2027-01-10T09:00"), 28) == [Period(2026, 4)]  # Q3 was due 74 days ago
    assert periods_to_show(at("2026-12-20T09:00"), 28) == [Q3]               # the latest quarter that has ended
    # With 60 days to send a return, the quarter before is still shown while its due date is recent.
    assert periods_to_show(at("2026-10-15T09:00"), 60) == [Q3, Period(2026, 2)]  # Q2 due 29 August: 47 days
    assert periods_to_show(at("2026-10-28T09:00"), 60) == [Q3]                   # 60 days: no longer shown


def test_cpip_status_says_it_in_words(collected):
    r = cpip_cli("status", "--period", "2026-Q3", "--home", str(collected.path), env={"CPIP_NOW": "2026-11-02T10:00"})
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("Returns for July to September 2026 (2026-Q3), due 28 October 2026 (was due 5 days ago):\n"
                          "  40 expected; 2 accepted (1 late); 1 only rejected files; 37 nothing received.")
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("CELCIS"))
    assert "Accepted, late" in line and "1 file, first accepted 2 November 2026 at 09:00" in line
    assert "Scottish Social Services Council" in out and "Only rejected files" in out
