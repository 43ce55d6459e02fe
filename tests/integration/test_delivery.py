"""Delivery against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import email
import socket
from email import policy
from pathlib import Path

import pytest

from tests.conftest import NOW


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


def _configure(home, port, extra=""):
    (home.path / "cpip.toml").write_text(
        "[intake]\nsettle_seconds = 0\n[email]\nhost = \"127.0.0.1\"\n"
        f"port = {port}\nsender = \"cpip-returns@example.org\"\n"
        "briefing_to = [\"private-office@example.org\", \"deputy@example.org\"]\nusername = \"cpip\"\n" + extra)


def _returns(home):
    home.drop_xlsx(home.sample("CPC-GLASGOW"))
    home.drop_progress_csv(home.sample("CELCIS"))
    assert len(home.intake()) == 2


def test_briefing_is_emailed_with_the_publication_form_only_by_default(home, smtp, monkeypatch):
    from cpip.flows.cycle import cycle

    port, handler, auth = smtp
    _configure(home, port)
    _returns(home)
    monkeypatch.setenv("CPIP_EMAIL_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("CPIP_NOW", "2026-11-10T09:00")
    out = cycle.fn(period="2026-Q3", home=str(home.path))
    assert out["emailed"] == ["private-office@example.org", "deputy@example.org"]
    assert len(handler.messages) == 1
    rcpts, msg, _ = handler.messages[0]
    assert sorted(rcpts) == ["deputy@example.org", "private-office@example.org"]
    assert msg["Subject"] == "Child Protection Improvement Programme quarterly briefing, 2026-Q3"
    assert msg["From"] == "cpip-returns@example.org"
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "2 of 40 partners accepted" in body and "controlled storage" in body
    attachments = list(msg.iter_attachments())
    assert [(a.get_content_type(), a.get_filename()) for a in attachments] == [
        ("application/pdf", "cpip-briefing-2026-Q3-publication.pdf")]
    assert attachments[0].get_content() == Path(out["publication"]["pdf"]).read_bytes()
    assert auth.seen == [(b"cpip", b"s3cret-pw")]
    # The password is in no file the system wrote.
    for p in home.path.rglob("*"):
        if p.is_file() and p.suffix in (".json", ".html", ".toml", ".txt"):
            assert "s3cret-pw" not in p.read_text(errors="ignore"), p
    assert home.query("SELECT count(*) FROM audit_log WHERE event = 'briefing delivered'") == [(1,)]


def test_restricted_attachment_is_a_setting_and_marks_the_subject(home, smtp, monkeypatch):
    from cpip.flows.cycle import cycle

    port, handler, _ = smtp
    _configure(home, port, 'briefing_attach = "both"\n')
    _returns(home)
    monkeypatch.setenv("CPIP_EMAIL_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("CPIP_NOW", "2026-11-10T09:00")
    cycle.fn(period="2026-Q3", home=str(home.path))
    _, msg, _ = handler.messages[0]
    assert msg["Subject"].startswith("OFFICIAL-SENSITIVE: ")
    assert [a.get_filename() for a in msg.iter_attachments()] == [
        "cpip-briefing-2026-Q3-restricted.pdf", "cpip-briefing-2026-Q3-publication.pdf"]


@pytest.mark.parametrize("kind,now,subject", [
    ("before", "2026-10-21T09:00", "Reminder: your 2026-Q3 return is due on 28 October 2026"),
    ("after", "2026-10-29T09:00", "Overdue: your 2026-Q3 return was due on 28 October 2026"),
])
def test_reminders_go_to_partners_who_have_sent_nothing(home, smtp, monkeypatch, ref, kind, now, subject):
    from cpip.flows.reminders import reminders

    port, handler, _ = smtp
    _configure(home, port)
    _returns(home)
    bad = home.sample("SCRA")
    bad.progress[0]["status"] = "?"
    home.drop_xlsx(bad)  # SCRA sent something (rejected): not reminded
    home.intake()
    monkeypatch.setenv("CPIP_EMAIL_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("CPIP_NOW", now)
    out = reminders.fn(kind=kind, home=str(home.path))  # the period is worked out from the clock
    expected = sorted(set(ref.partners) - {"CPC-GLASGOW", "CELCIS", "SCRA"})
    assert out["period"] == "2026-Q3" and out["partners"] == expected and out["sent"] == len(expected)
    got = {tuple(r): m for r, m, _ in handler.messages}
    assert sorted(r[0] for r in got) == sorted(ref.partners[p].contact_email for p in expected)
    msg = got[(ref.partners["CPC-ORKNEY"].contact_email,)]
    assert msg["Subject"] == subject
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Orkney Child Protection Committee" in body and "inbox/CPC-ORKNEY/" in body


def test_without_email_settings_nothing_is_sent_but_copies_are_kept(home, smtp, monkeypatch):
    from cpip.flows.reminders import reminders

    _, handler, _ = smtp
    monkeypatch.setenv("CPIP_NOW", "2026-10-21T09:00")
    out = reminders.fn(kind="before", home=str(home.path))
    assert out["sent"] == 0 and len(out["copies"]) == 40 and handler.messages == []


def test_an_unreachable_mail_server_fails_clearly_without_the_password(home, monkeypatch):
    from cpip.delivery import DeliveryError, send
    from cpip.settings import load_settings

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
        send(settings, [m])
    assert "s3cret-pw" not in str(err.value) and str(port) in str(err.value)
