"""The sent-once ledger: each message reaches each recipient once, and a copy of each is kept.

Every message is an :class:`Outgoing`: an ``email.message.EmailMessage`` with a **message key**
that names what it is (``receipt/<file>``, ``reminder/<period>/<kind>/<partner>``,
``briefing/<period>/...``, ``review/<period>/version-N/...``). Every message is also written to
the outbox (``outbox/mail/``, :func:`keep_copy`), so what was sent, or would have been sent when
``[email]`` is absent, can always be seen.

**Each message reaches each recipient once.** The warehouse table ``email_sent`` holds a
row per (message key, recipient) the mail server accepted. :func:`send` skips the
recipients already there, sends to the others one by one over one connection
(:mod:`cpip.mail.transport`) and records each right after the server accepts it, so a retry
after a partial failure (a Prefect task retry, or the next run) sends only to those who did
not get it. The one window left is a crash in the milliseconds between the server's
acceptance and the record being written; then that one recipient may get the message twice,
never silently none.

**Locks.** The warehouse is opened only for a moment to read or record sends, under the
home's lock (:mod:`cpip.core.lock`), never across an SMTP conversation or a wait before
a retry, so intake is never held up by a slow mail server. A second lock,
``<home>/.cpip-delivery.lock``, is held while one delivery talks to the server, so two
deliveries of the same message at once cannot both send it.
"""

from __future__ import annotations

import json
import logging
import smtplib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import getaddresses

from cpip.core.lock import Busy, home_lock
from cpip.core.settings import Settings
from cpip.mail.transport import DeliveryError, connect, connection_fault, quit_quietly, refusal
from cpip.review.versions import audit
from cpip.warehouse import db as wh

# Who already has each of these messages ($keys: a list of message keys).
EMAIL_SENT = "SELECT message_key, recipient FROM email_sent WHERE list_contains($keys, message_key)"

# Record that the mail server accepted a message for one recipient (a second record is ignored).
INSERT_EMAIL_SENT = """
INSERT OR IGNORE INTO email_sent (message_key, recipient, sent_at, subject, message_id)
VALUES ($key, $recipient, $sent_at, $subject, $message_id)
"""

log = logging.getLogger("cpip.mail.ledger")


@dataclass(frozen=True)
class Outgoing:
    """A message and its key: a key is sent to each recipient at most once (see the module's docstring)."""

    key: str
    msg: EmailMessage

    @property
    def recipients(self) -> list[str]:
        """The addresses in To and Cc, each once, as written."""
        seen, out = set(), []
        for _, addr in getaddresses(self.msg.get_all("To", []) + self.msg.get_all("Cc", [])):
            if addr and addr.lower() not in seen:
                seen.add(addr.lower())
                out.append(addr)
        return out


@dataclass
class Sent:
    """What :func:`send` did: (key, recipient) pairs sent now, and those that had been sent before."""

    now: list[tuple[str, str]] = field(default_factory=list)
    before: list[tuple[str, str]] = field(default_factory=list)


def send(settings: Settings, msgs: list[Outgoing]) -> Sent:
    """Send each message to each of its recipients who does not have it yet; record each send.

    Nothing is sent when ``[email]`` is absent. A recipient the server refuses does not stop
    the others; at the end a :class:`DeliveryError` names who was not sent to (a retry then
    sends to them alone). A lost connection stops the round at once, with the same error.
    Call it outside the home's lock: it takes that lock itself, briefly, for each read
    and record (a caller holding it would wait ``lock_timeout_seconds`` and then fail).
    """
    result = Sent()
    if settings.email is None or not msgs:
        return result
    email = settings.email
    with _one_delivery_at_a_time(settings):
        done = already_sent(settings, sorted({m.key for m in msgs}))
        pending = []
        for m in msgs:
            for rcpt in m.recipients:
                if (m.key, rcpt.lower()) in done:
                    result.before.append((m.key, rcpt))
                else:
                    pending.append((m, rcpt))
        if not pending:
            log.info("every message had been sent before; nothing sent")
            return result
        failed: list[str] = []
        smtp = connect(email)
        try:
            for n, (m, rcpt) in enumerate(pending):
                try:
                    smtp.send_message(m.msg, to_addrs=[rcpt])
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                        smtplib.SMTPNotSupportedError) as exc:
                    failed.append(f"{rcpt} ({refusal(exc)})")
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    failed.append(f"{rcpt} ({connection_fault(exc)})")
                    failed += [f"{r} (not tried)" for _, r in pending[n + 1:]]
                    break
                try:
                    record_sent(settings, m, rcpt)
                except Exception as exc:
                    raise DeliveryError(
                        f"{m.msg['Subject']!r} was sent to {rcpt} but the send could not be recorded "
                        f"({type(exc).__name__}); stopped so that nothing more is sent unrecorded. A retry may "
                        f"send it to {rcpt} a second time.") from None
                result.now.append((m.key, rcpt))
        finally:
            quit_quietly(smtp)
    log.info("sent %d message(s) through %s:%s (%d had been sent before)", len(result.now), email.host,
             email.port, len(result.before))
    if failed:
        listed = "; ".join(failed[:10]) + (f"; and {len(failed) - 10} more" if len(failed) > 10 else "")
        raise DeliveryError(f"Sent {len(result.now)} of {len(pending)} message(s) through {email.host}:{email.port}; "
                            f"not sent to {listed}. Those sent are recorded and are not sent again; a retry "
                            "sends only the rest.")
    return result


@contextmanager
def _one_delivery_at_a_time(settings: Settings):
    try:
        with home_lock(settings.home / ".cpip-delivery.lock", settings.intake.lock_timeout_seconds):
            yield
    except Busy:
        raise DeliveryError(f"Another delivery from {settings.home} did not finish within "
                            f"{settings.intake.lock_timeout_seconds:g} seconds; nothing was sent. Try again "
                            "when it has finished.") from None


def keep_copy(settings: Settings, folder: str, msgs: list[Outgoing]) -> list[str]:
    """Write each message (headers, body, attachment names) to the outbox as a record of what was sent."""
    out_dir = settings.outbox / "mail" / folder
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, item in enumerate(msgs, start=1):
        msg = item.msg
        path = out_dir / f"{n:03d}-{_slug(msg['To'])}.json"
        body = msg.get_body(preferencelist=("plain",))
        record = {"key": item.key, "to": msg["To"], "from": msg["From"], "subject": msg["Subject"],
                  "body": body.get_content() if body else "",
                  "attachments": [a.get_filename() for a in msg.iter_attachments()]}
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "@.-" else "_" for c in text)[:80]


# --- the record of what was sent (the warehouse, briefly) ----------------------------------

@contextmanager
def _warehouse(settings: Settings):
    """The warehouse for one short read or write, under the home's lock."""
    try:
        with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds), \
                wh.session(settings.warehouse) as con:
            yield con
    except Busy as exc:
        raise DeliveryError(f"The record of sent email could not be reached: {exc}") from None


def already_sent(settings: Settings, keys: list[str]) -> set[tuple[str, str]]:
    """(key, recipient in lower case) for every recorded send of these keys."""
    with _warehouse(settings) as con:
        return {(k, r) for k, r in con.execute(EMAIL_SENT, {"keys": keys}).fetchall()}


def record_sent(settings: Settings, item: Outgoing, recipient: str) -> None:
    with _warehouse(settings) as con:
        con.execute(INSERT_EMAIL_SENT, {
            "key": item.key, "recipient": recipient.lower(), "sent_at": datetime.now(timezone.utc),
            "subject": str(item.msg["Subject"] or ""), "message_id": item.msg["Message-ID"]})


def record_event(settings: Settings, event: str, detail: dict) -> None:
    """One line in the audit log (e.g. ``briefing delivered``)."""
    with _warehouse(settings) as con:
        audit(con, settings, event, detail)
