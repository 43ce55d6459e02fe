"""Delivery against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import email
import json
import socket
from email import policy
from pathlib import Path

import pytest


pytestmark = pytest.mark.slow  # cycles with both forms rendered to PDF


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default),
                              getattr(session, "auth_data", None)))
        return "250 OK"


class Auth:
    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.login == b"cpip" and auth_data.password == b"s3cret-pw")


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler, auth = Collector(), Auth()
    c = Controller(handler, hostname="127.0.0.1", port=port, authenticator=auth, auth_require_tls=False)
    c.start()
    try:
        yield port, handler, auth
    finally:
        c.stop()


def _configure(home, port, extra="", review="[review]\nrequired = false\n"):
    """Email to a local server; by default review is off, so a cycle delivers at once (the first
    release's behaviour, which these tests pin down; tests/integration/test_review.py has review on)."""
    (home.path / "cpip.toml").write_text(
        "[intake]\nsettle_seconds = 0\n" + review + "[email]\nhost = \"127.0.0.1\"\nreceipts = false\n"  # receipts: test_receipt_emails.py
        f"port = {port}\nsender = \"cpip-returns@example.org\"\n"
        "briefing_to = [\"private-office@example.org\", \"deputy@example.org\"]\nusername = \"cpip\"\n" + extra)


def _returns(home):
    home.drop_xlsx(home.sample("CPC-GLASGOW"))
    home.drop_progress_csv(home.sample("CELCIS"))
    assert len(home.intake()) == 2


@pytest.mark.server
def test_briefing_is_emailed_with_the_publication_form_only_by_default(home, smtp, monkeypatch):
    from cpip.flows.cycle import cycle

    port, handler, auth = smtp
    _configure(home, port)
    _returns(home)
    monkeypatch.setenv("CPIP_EMAIL_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("CPIP_NOW", "2026-11-10T09:00")
    out = cycle(period="2026-Q3", home=str(home.path))
    assert out["emailed"] == ["private-office@example.org", "deputy@example.org"]
    # One SMTP transaction per recipient (so a retry can resume), the same message in each.
    assert [r for r, _, _ in handler.messages] == [["private-office@example.org"], ["deputy@example.org"]]
    assert len({m["Message-ID"] for _, m, _ in handler.messages}) == 1
    rcpts, msg, _ = handler.messages[0]
    assert msg["To"] == "private-office@example.org, deputy@example.org"
    assert msg["Subject"] == "Child Protection Improvement Programme quarterly briefing, July to September 2026"
    assert msg["From"] == "cpip-returns@example.org"
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "2 of 40 partners accepted" in body and "controlled storage" in body
    attachments = list(msg.iter_attachments())
    assert [(a.get_content_type(), a.get_filename()) for a in attachments] == [
        ("application/pdf", "cpip-briefing-2026-Q3-publication.pdf")]
    assert attachments[0].get_content() == Path(out["publication"]["pdf"]).read_bytes()
    assert auth.seen == [(b"cpip", b"s3cret-pw")]  # one connection, one login
    # The password is in no file the system wrote.
    for p in home.path.rglob("*"):
        if p.is_file() and p.suffix in (".json", ".html", ".toml", ".txt"):
            assert "s3cret-pw" not in p.read_text(errors="ignore"), p
    assert home.query("SELECT count(*) FROM audit_log WHERE event = 'briefing delivered'") == [(1,)]


@pytest.mark.server
def test_restricted_attachment_is_a_setting_and_marks_the_subject(home, smtp, monkeypatch):
    from cpip.flows.cycle import cycle

    port, handler, _ = smtp
    _configure(home, port, 'briefing_attach = "both"\n')
    _returns(home)
    monkeypatch.setenv("CPIP_EMAIL_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("CPIP_NOW", "2026-11-10T09:00")
    cycle(period="2026-Q3", home=str(home.path))
    _, msg, _ = handler.messages[0]
    assert msg["Subject"].startswith("OFFICIAL-SENSITIVE: ")
    assert [a.get_filename() for a in msg.iter_attachments()] == [
        "cpip-briefing-2026-Q3-restricted.pdf", "cpip-briefing-2026-Q3-publication.pdf"]


@pytest.mark.parametrize("kind,now,subject,scra_subject", [
    ("before", "2026-10-21T09:00", "Reminder: July to September 2026 return due on 28 October 2026",
     "Not accepted: please resend your return by 28 October 2026"),
    ("after", "2026-10-29T09:00", "Overdue: July to September 2026 return, due on 28 October 2026",
     "Not accepted and overdue: your return was due on 28 October 2026"),
])
@pytest.mark.server
def test_reminders_go_to_partners_without_an_accepted_return(home, smtp, monkeypatch, ref, kind, now, subject,
                                                              scra_subject):
    from cpip.flows.reminders import reminders

    port, handler, _ = smtp
    _configure(home, port)
    _returns(home)
    bad = home.sample("SCRA")
    bad.progress[0]["status"] = "?"
    home.drop_xlsx(bad)  # SCRA sent something, rejected: reminded that it could not be accepted
    home.intake()
    monkeypatch.setenv("CPIP_EMAIL_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("CPIP_NOW", now)
    out = reminders(kind=kind, home=str(home.path))  # the period is worked out from the clock
    expected = sorted(set(ref.partners) - {"CPC-GLASGOW", "CELCIS"})
    assert out["period"] == "2026-Q3" and out["partners"] == expected and out["sent"] == len(expected)
    assert [(r["partner_code"], r["reason"]) for r in out["reminders"]] == [
        (p, "all_rejected" if p == "SCRA" else "nothing_received") for p in expected]
    got = {tuple(r): m for r, m, _ in handler.messages}
    assert sorted(r[0] for r in got) == sorted(ref.partners[p].contact_email for p in expected)
    msg = got[(ref.partners["CPC-ORKNEY"].contact_email,)]
    assert msg["Subject"] == subject
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Orkney Child Protection Committee" in body and "inbox/CPC-ORKNEY/" in body
    scra = got[(ref.partners["SCRA"].contact_email,)]
    assert scra["Subject"] == scra_subject
    assert "could not be accepted" in scra.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.server
def test_without_email_settings_nothing_is_sent_but_copies_are_kept(home, smtp, monkeypatch):
    from cpip.flows.reminders import reminders

    _, handler, _ = smtp
    monkeypatch.setenv("CPIP_NOW", "2026-10-21T09:00")
    out = reminders(kind="before", home=str(home.path))
    assert out["sent"] == 0 and len(out["copies"]) == 40 and handler.messages == []


def test_an_unreachable_mail_server_fails_clearly_without_the_password(home, monkeypatch):
    from cpip.mail.ledger import Outgoing, send
    from cpip.mail.transport import DeliveryError
    from cpip.core.settings import load_settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _configure(home, port)
    settings = load_settings(home.path, {"CPIP_EMAIL_PASSWORD": "s3cret-pw"})
    from email.message import EmailMessage

    m = EmailMessage()
    m["To"] = "x@example.org"
    m.set_content("x")
    with pytest.raises(DeliveryError) as err:
        send(settings, [Outgoing("test/unreachable", m)])
    assert "s3cret-pw" not in str(err.value) and str(port) in str(err.value)


# --- each message once, whatever fails and however often delivery is retried -----------------

class Flaky(Collector):
    """A mail server with faults: refuses some addresses once (RCPT 550), or says it is closing
    (421, and the client hangs up) when it has taken ``close_after`` messages, once."""

    def __init__(self, refuse_once=(), close_after: int | None = None):
        super().__init__()
        self.refuse_once = set(refuse_once)
        self.close_after = close_after

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_once:
            self.refuse_once.discard(address)
            return "550 5.2.1 Mailbox unavailable, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.close_after is not None and len(self.messages) == self.close_after:
            self.close_after = None
            return "421 4.3.2 Service shutting down"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def flaky():
    """flaky(handler) starts a real SMTP server on 127.0.0.1 with that handler; returns its port."""
    from aiosmtpd.controller import Controller

    started = []

    def start(handler):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        c = Controller(handler, hostname="127.0.0.1", port=port, authenticator=Auth(), auth_require_tls=False)
        c.start()
        started.append(c)
        return port

    yield start
    for c in started:
        c.stop()


def _per_recipient(handler) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rcpts, _, _ in handler.messages:
        for r in rcpts:
            counts[r] = counts.get(r, 0) + 1
    return counts


BOTH = ["private-office@example.org", "deputy@example.org"]


def test_after_a_refused_recipient_the_next_attempt_sends_only_to_that_recipient(home, flaky, monkeypatch):
    from cpip.mail.transport import DeliveryError
    from cpip.flows.cycle import cycle

    handler = Flaky(refuse_once={"deputy@example.org"})
    _configure(home, flaky(handler))
    _returns(home)
    monkeypatch.setenv("CPIP_EMAIL_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("CPIP_NOW", "2026-11-10T09:00")
    with pytest.raises(DeliveryError) as err:
        cycle(period="2026-Q3", home=str(home.path))
    assert "Sent 1 of 2" in str(err.value) and "deputy@example.org (refused with 550" in str(err.value)
    assert "s3cret-pw" not in str(err.value)
    assert _per_recipient(handler) == {"private-office@example.org": 1}
    assert [r for (r,) in home.query("SELECT recipient FROM email_sent")] == ["private-office@example.org"]

    out = cycle(period="2026-Q3", home=str(home.path))  # the same figures: only the missing recipient
    assert _per_recipient(handler) == {"private-office@example.org": 1, "deputy@example.org": 1}
    assert out["emailed"] == BOTH and out["emailed_before"] == ["private-office@example.org"]
    keys = home.query("SELECT DISTINCT message_key FROM email_sent")
    assert len(keys) == 1 and keys[0][0].startswith("briefing/2026-Q3/")
    details = [json.loads(d) for (d,) in home.query(
        "SELECT detail FROM audit_log WHERE event = 'briefing delivered' ORDER BY event_id")]
    assert [d["to"] for d in details] == [["deputy@example.org"]]  # recorded when the delivery completed

    again = cycle(period="2026-Q3", home=str(home.path))  # and then nothing more
    assert again["emailed_before"] == BOTH and len(handler.messages) == 2


def test_the_delivery_step_run_twice_for_one_briefing_sends_nothing_the_second_time(home, flaky, monkeypatch):
    from cpip.flows.cycle import cycle
    from cpip.core.settings import load_settings
    from cpip.tasks.delivery import deliver_briefing

    (home.path / "cpip.toml").write_text("[intake]\nsettle_seconds = 0\n[review]\nrequired = false\n")
    _returns(home)
    monkeypatch.setenv("CPIP_NOW", "2026-11-10T09:00")
    outputs = cycle(period="2026-Q3", home=str(home.path))  # no [email] yet: nothing sent
    assert outputs["emailed"] == []
    handler = Flaky()
    _configure(home, flaky(handler))
    settings = load_settings(home.path, {"CPIP_EMAIL_PASSWORD": "s3cret-pw", "CPIP_NOW": "2026-11-10T09:00"})
    first = deliver_briefing(settings, outputs)
    second = deliver_briefing(settings, outputs)  # as a Prefect retry of the step would
    assert first["emailed"] == BOTH and first["emailed_before"] == []
    assert second["emailed"] == BOTH and second["emailed_before"] == BOTH
    assert _per_recipient(handler) == {"private-office@example.org": 1, "deputy@example.org": 1}
    assert home.query("SELECT count(*) FROM audit_log WHERE event = 'briefing delivered'") == [(1,)]


def test_a_late_return_changes_the_figures_and_the_revised_briefing_is_delivered(home, flaky, monkeypatch):
    from cpip.flows.cycle import cycle

    handler = Flaky()
    _configure(home, flaky(handler))
    _returns(home)
    monkeypatch.setenv("CPIP_EMAIL_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("CPIP_NOW", "2026-11-10T09:00")
    cycle(period="2026-Q3", home=str(home.path))
    cycle(period="2026-Q3", home=str(home.path))  # run again, no new data: not sent again
    assert _per_recipient(handler) == {"private-office@example.org": 1, "deputy@example.org": 1}
    home.drop_xlsx(home.sample("CPC-ORKNEY"))
    assert home.one("2026-11-12T09:00")["late"] is True
    monkeypatch.setenv("CPIP_NOW", "2026-11-12T10:00")
    out = cycle(period="2026-Q3", home=str(home.path))
    assert out["emailed"] == BOTH and out["emailed_before"] == []
    assert _per_recipient(handler) == {"private-office@example.org": 2, "deputy@example.org": 2}
    first, revised = handler.messages[0][1], handler.messages[-1][1]
    assert "2 of 40 partners accepted" in first.get_body(preferencelist=("plain",)).get_content()
    assert "3 of 40 partners accepted" in revised.get_body(preferencelist=("plain",)).get_content()
    assert home.query("SELECT count(DISTINCT message_key) FROM email_sent") == [(2,)]


def test_reminders_cut_off_part_way_are_each_sent_once_when_retried(home, flaky, monkeypatch, ref):
    from cpip.mail.transport import DeliveryError
    from cpip.flows.reminders import reminders

    handler = Flaky(close_after=5)
    _configure(home, flaky(handler))
    monkeypatch.setenv("CPIP_EMAIL_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("CPIP_NOW", "2026-10-21T09:00")
    with pytest.raises(DeliveryError) as err:
        reminders(kind="before", home=str(home.path))
    assert "Sent 5 of 40" in str(err.value) and "(refused with 421" in str(err.value)
    assert "(not tried)" in str(err.value) and "and 25 more" in str(err.value)
    assert len(handler.messages) == 5
    assert home.query("SELECT count(*) FROM email_sent") == [(5,)]

    out = reminders(kind="before", home=str(home.path))
    assert out["sent"] == 35 and out["sent_before"] == 5
    contacts = sorted(ref.partners[p].contact_email for p in ref.partners)
    assert sorted(_per_recipient(handler)) == contacts and set(_per_recipient(handler).values()) == {1}
    assert home.query("SELECT message_key FROM email_sent WHERE recipient = $r",
                      {"r": ref.partners["CPC-ORKNEY"].contact_email.lower()}) == [("reminder/2026-Q3/before/CPC-ORKNEY",)]

    out = reminders(kind="before", home=str(home.path))  # a third run: everyone has it
    assert out["sent"] == 0 and out["sent_before"] == 40 and len(handler.messages) == 40
    monkeypatch.setenv("CPIP_NOW", "2026-10-29T09:00")
    assert reminders(kind="after", home=str(home.path))["sent"] == 40  # a different reminder
