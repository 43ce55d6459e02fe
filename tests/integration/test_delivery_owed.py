"""An approved briefing is always delivered (interfaces.md, "Review, approval and versions"): with the
office's mail server refusing at approval the approval stands, `cpip status` says it is not yet
delivered, and `cpip deliver` or the next scheduled run delivers it later, exactly once. A real SMTP
server on 127.0.0.1 (aiosmtpd) that refuses, then accepts."""

from __future__ import annotations

import json

import pytest

from tests.conftest import smtp_on_localhost
from tests.integration.test_delivery import Collector
from tests.integration.test_review import REVIEWERS, _cli, _code, _configure, _cycle, _to

pytestmark = [pytest.mark.slow, pytest.mark.server]  # cycles rendered to PDF; an SMTP server on localhost

OFFICE = "private-office@example.org"


class Refusing(Collector):
    """Accepts mail, except for the private office while ``refusing`` is set (451: try again later)."""

    def __init__(self):
        super().__init__()
        self.refusing = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing and address == OFFICE:
            return "451 4.3.0 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refused_at_approval(home):
    """A draft approved with `cpip approve` while the office's mail server refuses it."""
    handler = Refusing()
    with smtp_on_localhost(handler) as port:
        _configure(home, port)
        home.drop_xlsx(home.sample("CPC-GLASGOW"))
        home.drop_progress_csv(home.sample("CELCIS"))
        assert len(home.intake()) == 2
        _cycle(home)
        code = _code(_to(handler, REVIEWERS[0])[0])
        handler.refusing = True
        r = _cli(home, "approve", "--period", "2026-Q3", "--by", "Jo Bloggs, Head", "--code", code, "--json")
        yield home, handler, r


def _status(home) -> dict:
    r = _cli(home, "status", "--period", "2026-Q3", "--json")
    assert r.returncode == 0, r.stderr
    (v,) = json.loads(r.stdout)["briefing_versions"]
    return v


def test_refused_at_approval_then_cpip_deliver_delivers_it_once(refused_at_approval):
    home, handler, r = refused_at_approval
    # The approval stands; the message says exactly what happens next; nothing reached the office.
    assert r.returncode == 1
    assert "Approved. Delivery failed:" in r.stderr and "451" in r.stderr, r.stderr
    assert "cpip deliver --period 2026-Q3" in r.stderr and "next scheduled run" in r.stderr
    assert "nothing is sent twice" in r.stderr
    out = json.loads(r.stdout)
    assert (out["state"], out["delivered"], out["not_delivered_to"]) == ("approved", False, [OFFICE])
    assert _to(handler, OFFICE) == []
    v = _status(home)
    assert (v["state"], v["delivered"], v["not_delivered_to"]) == ("approved", False, [OFFICE])
    human = _cli(home, "status", "--period", "2026-Q3").stdout
    assert "Briefing version 1: approved, not yet delivered (to private-office@example.org" in human
    # Approving again is refused (it is approved); delivering while the server still refuses fails clearly.
    again = _cli(home, "approve", "--period", "2026-Q3", "--by", "Jo Bloggs, Head", "--code", "AAAA-BBBB-CCCC-DDDD")
    assert again.returncode == 2 and "already approved" in again.stderr
    still = _cli(home, "deliver", "--period", "2026-Q3")
    assert still.returncode == 1 and "Delivery failed" in still.stderr and _to(handler, OFFICE) == []

    handler.refusing = False
    d = _cli(home, "deliver", "--period", "2026-Q3", "--json")
    assert d.returncode == 0, d.stderr
    assert json.loads(d.stdout) == {"period": "2026-Q3", "version": 1, "emailed": [OFFICE], "emailed_now": [OFFICE],
                                    "emailed_before": []}
    assert len(_to(handler, OFFICE)) == 1
    # Exactly once: a second deliver, and the next scheduled runs, send nothing more.
    d2 = _cli(home, "deliver", "--period", "2026-Q3")
    assert d2.returncode == 0 and "nothing to send" in d2.stdout
    home.intake(now="2026-11-10T11:00")
    assert len(_to(handler, OFFICE)) == 1
    v = _status(home)
    assert (v["delivered"], v["not_delivered_to"]) == (True, [])
    assert "not yet delivered" not in _cli(home, "status", "--period", "2026-Q3").stdout


def test_refused_at_approval_then_the_next_scheduled_run_delivers_it_once(refused_at_approval):
    from cpip.flows.reminders import reminders

    home, handler, r = refused_at_approval
    assert r.returncode == 1 and _to(handler, OFFICE) == []
    home.intake(now="2026-11-10T10:05")  # a scheduled run while the server still refuses: no harm, nothing sent
    assert _to(handler, OFFICE) == []
    handler.refusing = False
    assert home.intake(now="2026-11-10T10:10") == []  # the next scheduled intake: no files, but it delivers
    assert len(_to(handler, OFFICE)) == 1
    msg = _to(handler, OFFICE)[0]
    assert "July to September 2026" in msg["Subject"]
    home.intake(now="2026-11-10T10:15")
    reminders(kind="after", period="2026-Q3", home=str(home.path))
    assert len(_to(handler, OFFICE)) == 1
    assert home.query("SELECT count(*) FROM email_sent WHERE message_key = 'briefing/2026-Q3/version-1'") == [(1,)]
    assert _status(home)["delivered"] is True


def test_deliver_without_an_approved_version_is_refused(home):
    home.drop_xlsx(home.sample("CPC-GLASGOW"))
    home.intake()
    r = _cli(home, "deliver", "--period", "2026-Q3")
    assert r.returncode == 2 and "no approved briefing for 2026-Q3" in r.stderr
