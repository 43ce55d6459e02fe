"""`cpip remind` against a real SMTP server on 127.0.0.1 (aiosmtpd): every partner without an accepted
progress part is chased, each once per period and kind, with the message its case needs."""

from __future__ import annotations

import email
import json
from email import policy

import pytest

from tests.conftest import cpip_cli, smtp_on_localhost

pytestmark = [pytest.mark.slow, pytest.mark.server]

BEFORE, AFTER = "2026-10-21T09:00", "2026-10-29T09:00"  # 2026-Q3 is due on 28 October 2026
HELP = "CPIP returns team, cpip-help@example.org, 0131 244 0000"


class Server:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content,
                                                                                   policy=policy.default)))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpts, m in self.messages if rcpts == [address]]


@pytest.fixture
def server():
    handler = Server()
    with smtp_on_localhost(handler) as port:
        yield port, handler


@pytest.fixture
def chased(home):
    """2026-Q3: Glasgow accepted, SCRA's only file rejected, everyone else nothing."""
    home.drop_xlsx(home.sample("CPC-GLASGOW"))
    bad = home.sample("SCRA")
    bad.progress[0]["status"] = "Amber"
    home.drop_xlsx(bad, name="scra-q3.xlsx")
    home.intake(now="2026-10-15T09:00")
    return home


def _configure(home, port):
    (home.path / "cpip.toml").write_text(
        f'[intake]\nsettle_seconds = 0\nhelp_contact = "{HELP}"\n'
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsender = "cpip-returns@example.org"\nreceipts = false\n')


def _remind(home, kind, now, *extra):
    return cpip_cli("remind", "--period", "2026-Q3", "--kind", kind, "--home", str(home.path), *extra,
                    env={"CPIP_NOW": now})


def _body(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_a_rejected_only_partner_is_reminded_once_per_kind_through_cpip_remind(chased, server, ref):
    port, handler = server
    _configure(chased, port)
    expected = sorted(set(ref.partners) - {"CPC-GLASGOW"})
    scra = ref.partners["SCRA"].contact_email

    r = _remind(chased, "before", BEFORE, "--json")
    assert r.returncode == 0, r.stderr
    sent = json.loads(r.stdout)  # exactly one JSON document: the reminders this run sent
    assert [x["partner_code"] for x in sent] == expected
    assert all(set(x) == {"partner_code", "to", "reason"} for x in sent)
    assert {x["partner_code"]: (x["to"], x["reason"]) for x in sent}["SCRA"] == (scra, "all_rejected")
    assert {x["reason"] for x in sent if x["partner_code"] != "SCRA"} == {"nothing_received"}
    assert all(x["to"] == ref.partners[x["partner_code"]].contact_email for x in sent)
    assert len(handler.messages) == len(expected)

    [msg] = handler.to(scra)
    assert msg["Subject"] == "Not accepted: please resend your return by 28 October 2026"
    body = _body(msg)
    assert "We have your file for Scottish Children's Reporter Administration's quarterly return for July to " \
           "September 2026 (2026-Q3), but it could not be accepted, so nothing from it counts yet: see the receipt" in body
    number = chased.query("SELECT submission_id FROM submissions WHERE original_name = 'scra-q3.xlsx'")[0][0]
    assert "- scra-q3.xlsx, received 15 October 2026 at 09:00 (UK time): not accepted" in body
    assert f"  Receipt number {number}: outbox/receipts/SCRA/" in body
    assert "send the whole return again by 28 October 2026 (in 7 days)" in body
    assert f"If you need help with your return, contact {HELP}." in body and "inbox/SCRA/" in body
    [orkney] = handler.to(ref.partners["CPC-ORKNEY"].contact_email)
    assert orkney["Subject"] == "Reminder: July to September 2026 return due on 28 October 2026"
    assert "We have not yet received" in _body(orkney) and HELP in _body(orkney)

    # Run twice: nothing is sent again, and the text says so.
    again = _remind(chased, "before", BEFORE, "--json")
    assert again.returncode == 0 and json.loads(again.stdout) == []
    text = _remind(chased, "before", BEFORE)
    assert text.returncode == 0, text.stderr
    assert f"Sent now: 0; sent by an earlier run (not sent again): {len(expected)}." in text.stdout
    assert len(handler.messages) == len(expected) and len(handler.to(scra)) == 1

    # After the due date: a different reminder, once more to each, with the overdue words.
    after = _remind(chased, "after", AFTER, "--json")
    assert after.returncode == 0, after.stderr
    assert [(x["partner_code"], x["reason"]) for x in json.loads(after.stdout)] == [
        (p, "all_rejected" if p == "SCRA" else "nothing_received") for p in expected]
    assert _remind(chased, "after", AFTER, "--json").stdout.strip() == "[]"
    late = handler.to(scra)[1]
    assert late["Subject"] == "Not accepted and overdue: your return was due on 28 October 2026"
    assert "It was due on 28 October 2026" in _body(late) and "scra-q3.xlsx" in _body(late)
    assert chased.query("SELECT count(*) FROM email_sent WHERE message_key LIKE 'reminder/2026-Q3/%/SCRA'") == [(2,)]


def test_a_partner_that_resent_and_was_accepted_is_not_chased(chased, server, ref):
    port, handler = server
    _configure(chased, port)
    chased.drop_xlsx(chased.sample("SCRA"), name="scra-q3-fixed.xlsx")
    chased.intake(now="2026-10-20T09:00")
    r = _remind(chased, "before", BEFORE, "--json")
    assert r.returncode == 0, r.stderr
    codes = [x["partner_code"] for x in json.loads(r.stdout)]
    assert "SCRA" not in codes and "CPC-GLASGOW" not in codes and len(codes) == len(ref.partners) - 2


def test_without_email_settings_it_says_no_email_is_sent(chased, ref):
    r = _remind(chased, "before", BEFORE)
    assert r.returncode == 0, r.stderr
    assert "no email was sent" in r.stdout and "outbox/mail/reminders-2026-Q3-before" in r.stdout
    j = _remind(chased, "before", BEFORE, "--json")
    assert j.returncode == 0 and json.loads(j.stdout) == []
    kept = sorted((chased.path / "outbox" / "mail" / "reminders-2026-Q3-before").glob("*.json"))
    assert len(kept) == len(ref.partners) - 1


@pytest.mark.parametrize("args,now,words", [
    (["--period", "2026-Q5", "--kind", "before"], BEFORE, "2026-Q5"),
    (["--period", "2026-Q3", "--kind", "during"], BEFORE, "'before' or 'after'"),
])
def test_a_bad_period_or_kind_is_one_line_exit_2(chased, args, now, words):
    r = cpip_cli("remind", *args, "--home", str(chased.path), "--json", env={"CPIP_NOW": now})
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in r.stderr, r.stderr


def test_a_before_reminder_sent_by_hand_after_the_due_date_says_it_is_overdue(chased, server, ref):
    """The interface's exit status is 0 for any period and kind: a reminder asked for late is sent,
    and its words follow the calendar (overdue), not the kind, which only keys the ledger."""
    port, handler = server
    _configure(chased, port)
    r = _remind(chased, "before", AFTER, "--json")
    assert r.returncode == 0, r.stderr
    assert {x["partner_code"]: x["reason"] for x in json.loads(r.stdout)}["SCRA"] == "all_rejected"
    [msg] = handler.to(ref.partners["SCRA"].contact_email)
    assert msg["Subject"] == "Not accepted and overdue: your return was due on 28 October 2026"
    [orkney] = handler.to(ref.partners["CPC-ORKNEY"].contact_email)
    assert orkney["Subject"].startswith("Overdue: July to September 2026 return")
    assert chased.query("SELECT count(*) FROM email_sent WHERE message_key = 'reminder/2026-Q3/before/SCRA'") == [(1,)]
