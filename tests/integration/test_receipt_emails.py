"""Receipts by email against a real SMTP server on 127.0.0.1 (aiosmtpd): right people, once, whatever happens."""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import sys
from collections import defaultdict
from email import policy
from pathlib import Path

import pytest

from tests.conftest import NOW, smtp_on_localhost


class Server:
    """Accepts mail; ``refuse`` makes it refuse every recipient; ``kill`` SIGKILLs that pid at the first RCPT."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse = False
        self.kill: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.kill is not None:
            os.kill(self.kill, signal.SIGKILL)
            self.kill = None
            return "451 4.3.0 try again later"
        if self.refuse:
            return "550 5.7.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def by_subject(self) -> dict[str, list[str]]:
        out = defaultdict(list)
        for rcpts, msg in self.messages:
            out[msg["Subject"]] += rcpts
        return dict(out)


@pytest.fixture
def server():
    handler = Server()
    with smtp_on_localhost(handler) as port:
        yield port, handler


def _configure(home, port, extra=""):
    (home.path / "cpip.toml").write_text(
        '[intake]\nsettle_seconds = 0\nofficer_folder = "\\\\\\\\council-share\\\\cpip\\\\{partner_code}"\n'
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsender = "cpip-returns@example.org"\n' + extra)


def _batch(home):
    """Five files: each gets a receipt; four are from a partner's folder."""
    glasgow = home.sample("CPC-GLASGOW")  # cover contact at cpc-glasgow.example.org, the registered domain
    home.drop_xlsx(glasgow, name="glasgow-q3.xlsx")
    celcis = home.sample("CELCIS")
    celcis.cover["contact_email"] = "someone@elsewhere.example.com"
    home.drop_progress_csv(celcis, name="celcis-q3.csv")
    sssc = home.sample("SSSC")
    sssc.progress[0]["status"] = "Amber"
    home.drop_xlsx(sssc, name="sssc-q3.xlsx")
    (home.inbox / "CPC-GLASGOW" / "zz-glasgow-copy.xlsx").write_bytes(  # the same bytes again: a duplicate
        (home.inbox / "CPC-GLASGOW" / "glasgow-q3.xlsx").read_bytes())
    home.drop_progress_csv(home.sample("CPC-FIFE"), name="loose.csv", folder="")  # outside every partner's folder
    home.officers = [glasgow.cover["contact_email"].lower(), sssc.cover["contact_email"].lower()]


EXPECTED = {
    "CPIP return accepted: glasgow-q3.xlsx": ["returns@cpc-glasgow.example.org"],
    "CPIP return already received: zz-glasgow-copy.xlsx": ["returns@cpc-glasgow.example.org"],
    "CPIP return accepted: celcis-q3.csv": ["returns@celcis.example.org"],
    "CPIP return not accepted: sssc-q3.xlsx": ["returns@sssc.example.org"],
}


def _expected(home) -> dict[str, list[str]]:
    """The cover's contact too where it shares the registered domain (not for a duplicate, which is not read)."""
    out = dict(EXPECTED)
    out["CPIP return accepted: glasgow-q3.xlsx"] = EXPECTED["CPIP return accepted: glasgow-q3.xlsx"] + [home.officers[0]]
    out["CPIP return not accepted: sssc-q3.xlsx"] = EXPECTED["CPIP return not accepted: sssc-q3.xlsx"] + [home.officers[1]]
    return out


@pytest.mark.server
def test_a_batch_gives_one_email_per_receipt_to_the_right_addresses(home, server):
    port, handler = server
    _configure(home, port)
    _batch(home)
    results = home.intake()
    assert len(results) == 5
    assert handler.by_subject() == _expected(home)
    assert all(len(r) == 1 for r, _ in handler.messages)  # one SMTP transaction per recipient
    assert len(handler.messages) == 6
    # The message is the receipt: text and HTML, nothing attached, written for the officer.
    msg = next(m for _, m in handler.messages if m["Subject"].endswith("sssc-q3.xlsx"))
    assert list(msg.iter_attachments()) == []
    text = msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert text.startswith("Dear colleague,\n\nNot accepted: please fix and resend. We found 1 problem")
    assert ("P05 (error) at Progress!B2: sheet Progress, row 2, column Status (status); item: Leadership and "
            "Workforce Development action 2 (A-LEAD-2); you entered: Amber") in text
    assert "Partner: Scottish Social Services Council (SSSC)\nPeriod: July to September 2026 (2026-Q3)\n" in text
    assert "Resend by 28 October 2026 (13 days left)." in text
    assert r"drop the corrected file into \\council-share\cpip\SSSC again" in text
    assert "Receipt for your return" in html and "Amber" in html and 'href="' not in html
    assert msg["To"] == f"returns@sssc.example.org, {home.officers[1]}"
    # Recorded once per recipient; the next run (empty inbox) sends nothing more.
    assert home.query("SELECT count(*) FROM email_sent WHERE message_key LIKE 'receipt/%'") == [(6,)]
    assert home.intake() == []
    assert len(handler.messages) == 6


def _next_runs_send_each_receipt_once(home, handler):
    assert home.intake(now="2026-10-15T10:00") == []  # an empty inbox: the owed receipts go now
    assert handler.by_subject() == _expected(home)
    assert len(handler.messages) == 6
    home.intake(now="2026-10-15T11:00")  # and nothing more after that
    assert len(handler.messages) == 6


@pytest.mark.server
def test_a_refused_send_never_fails_intake_and_the_next_run_sends_each_receipt_once(home, server):
    port, handler = server
    _configure(home, port)
    _batch(home)
    handler.refuse = True
    results = home.intake()
    assert [r["outcome"] for r in results].count("accepted") == 2  # intake did its work
    assert handler.messages == []
    assert home.query("SELECT count(*) FROM email_sent") == [(0,)]
    handler.refuse = False
    _next_runs_send_each_receipt_once(home, handler)


@pytest.mark.server
def test_a_crash_between_load_and_send_ends_with_exactly_one_email_per_receipt(home, server):
    port, handler = server
    _configure(home, port)
    _batch(home)
    exe = Path(sys.executable).parent / "cpip"
    env = {**os.environ, "CPIP_NOW": NOW}
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([str(exe), "intake", "--home", str(home.path), "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    handler.kill = proc.pid  # SIGKILL as the first email is about to be sent
    proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    assert handler.kill is None and handler.messages == []
    assert home.query("SELECT count(*) FROM submissions") == [(5,)]  # loaded before it died
    assert home.query("SELECT count(*) FROM receipt_emails") == [(4,)]
    _next_runs_send_each_receipt_once(home, handler)


@pytest.mark.server
def test_receipts_are_not_emailed_when_switched_off_or_without_email(home, server):
    port, handler = server
    _configure(home, port, "receipts = false\n")
    home.drop_xlsx(home.sample("CPC-GLASGOW"))
    home.intake()
    (home.path / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\n")
    home.drop_xlsx(home.sample("CELCIS"))
    home.intake()
    _configure(home, port)  # switched on later: only files taken from now on are emailed
    assert home.intake() == []
    assert handler.messages == []
    assert home.query("SELECT count(*) FROM receipt_emails") == [(0,)]


@pytest.mark.server
def test_a_retried_file_gets_its_new_receipt_by_email(home, server, monkeypatch):
    from cpip.intake import load as steps
    from cpip.flows.intake import retry_faulted

    port, handler = server
    _configure(home, port)
    home.drop_xlsx(home.sample("CELCIS"), name="celcis.xlsx")
    real = steps.decide

    def broken(settings, ref, known, h):
        raise RuntimeError("a bug in the system")
    monkeypatch.setattr(steps, "decide", broken)
    home.intake()
    monkeypatch.setattr(steps, "decide", real)
    retry_faulted(home=str(home.path))
    assert list(handler.by_subject()) == [
        "CPIP return kept, not processed yet: celcis.xlsx", "CPIP return accepted: celcis.xlsx"]
    assert json.loads(json.dumps(home.query("SELECT message_key FROM receipt_emails ORDER BY 1"))) == [
        ["receipt/1"], ["receipt/1/2"]]
