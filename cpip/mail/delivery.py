"""Delivery: the briefing to the private office, reminders to partners, by email.

Messages are built here as plain ``email.message.EmailMessage`` objects (pure, tested
without a server), each with a **message key** that names what it is, and sent with
``smtplib`` over one connection, one SMTP transaction per recipient. Every message is also
written to the outbox (``outbox/mail/``), so what was sent, or would have been sent when
``[email]`` is absent, can always be seen. The SMTP password comes from
``CPIP_EMAIL_PASSWORD`` or a Prefect Secret block named in ``[email] password_block``;
it is never a flow parameter and never logged.

**Each message reaches each recipient once.** The warehouse table ``email_sent`` holds a
row per (message key, recipient) the mail server accepted. :func:`send` skips the
recipients already there, sends to the others one by one and records each right after the
server accepts it, so a retry after a partial failure (a Prefect task retry, or the next
run) sends only to those who did not get it. The one window left is a crash in the
milliseconds between the server's acceptance and the record being written; then that one
recipient may get the message twice, never silently none.

Keys: a reminder is ``reminder/<period>/<kind>/<partner>``, so each partner gets each
reminder for a period at most once however often the flow runs. A briefing is
``briefing/<period>/<digest>``, the digest being over the figures of both forms (not the
run id or the time it was made) and the forms attached: a retry of the delivery step, a
re-run of the cycle after a crash, or a second cycle run with no new data sends nothing
new, while a cycle run after a late return changes the figures and so delivers the
revised briefing. A recipient added to ``briefing_to`` gets the current briefing on the
next run.

**Locks.** The warehouse is opened only for a moment to read or record sends, under the
home's writer lock (:mod:`cpip.core.lock`), never across an SMTP conversation or a wait before
a retry, so intake is never held up by a slow mail server. A second lock,
``<home>/.cpip-delivery.lock``, is held while one delivery talks to the server, so two
deliveries of the same message at once cannot both send it.

**TLS.** ``[email] tls`` is ``starttls``, ``ssl`` (SMTPS) or ``none``. With TLS the
certificate is verified with ``ssl.create_default_context()`` (host name included)
against the system's CAs, or only those in ``[email] ca_file``. The password is never sent
over an unencrypted connection except to the machine itself (127.0.0.1, a local relay).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import smtplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path

from cpip.warehouse import db as wh
from cpip.core.lock import Busy, writer_lock
from cpip.core.periods import Period, iso
from cpip.reference.tables import Reference
from cpip.core.text import day_in_words
from cpip.core.settings import EmailSettings, Settings
from cpip.core.vocabulary import AT_RISK, COMPLETE, NO_RETURN, NOT_STARTED, OFF_TRACK, ON_TRACK

log = logging.getLogger("cpip.mail.delivery")


class DeliveryError(Exception):
    """Email could not be sent; the message says why (never with a secret in it)."""


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


def briefing_key(briefing: dict, publication: dict, annex: dict, attach: str) -> str:
    """``briefing/<period>/<digest>``: the same figures, forms and attachments give the same key."""
    def figures(doc: dict) -> dict:
        return {k: v for k, v in doc.items() if k != "generated_at"}

    content = {"briefing": figures(briefing), "publication": figures(publication),
               "provisional": annex.get("provisional"), "attach": attach}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"briefing/{briefing['period']}/{digest}"


def reminder_key(period: Period, kind: str, partner_code: str) -> str:
    return f"reminder/{period}/{kind}/{partner_code}"


def briefing_message(settings: Settings, outputs: dict, briefing: dict, annex: dict) -> EmailMessage:
    """The message to the private office: the headline in the body, and the form(s) the settings allow."""
    email = settings.email or EmailSettings()
    msg = EmailMessage()
    period = briefing["period"]
    marking = settings.briefing.marking
    attach = email.briefing_attach
    restricted_attached = attach in ("restricted", "both")
    prefix = f"{marking}: " if restricted_attached else ""
    msg["Subject"] = f"{prefix}{settings.briefing.programme} quarterly briefing, {period}"
    msg["From"] = email.sender
    msg["To"] = ", ".join(email.briefing_to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=email.sender.split("@")[-1] or "cpip.local")
    lines = [f"The {settings.briefing.programme} briefing for {period} is ready.", ""]
    for kind, t in briefing["totals"].items():
        total = sum(t.values())
        lines.append(f"- {total} {kind}{'s' if total != 1 else ''}: {t[COMPLETE]} complete, {t[ON_TRACK]} on track, "
                     f"{t[AT_RISK]} at risk, {t[OFF_TRACK]} off track, {t[NOT_STARTED]} not started, "
                     f"{t[NO_RETURN]} without a return.")
    m = briefing["movement"]
    lines.append(f"- Since last quarter: {m['improved']} improved, {m['worsened']} worsened, "
                 f"{m['unchanged']} unchanged, {m['new']} new.")
    r = briefing["returns"]
    lines.append(f"- Returns: {r['accepted']} of {r['expected']} partners accepted ({len(r['late'])} late); "
                 f"missing: {', '.join(r['missing']) or 'none'}; only rejected files: {', '.join(r['rejected_only']) or 'none'}.")
    lines.append(f"- Open data-quality queries: {briefing['data_quality']['open_warnings']}.")
    lines.append("")
    if attach == "none":
        lines.append("No form is attached to this message.")
    else:
        names = {"publication": "the publication version", "restricted": f"the restricted version ({marking})",
                 "both": f"the restricted version ({marking}) and the publication version"}
        lines.append(f"Attached: {names[attach]}.")
    if not restricted_attached:
        where = email.briefing_link or outputs["restricted"]["pdf"]
        lines.append(f"The restricted version ({marking}) is held in controlled storage: {where}")
    lines += ["", f"Run {annex['run_id']}; data received up to {annex['data_cutoff'] or 'no files'}."]
    msg.set_content("\n".join(lines))
    forms = {"publication": ["publication"], "restricted": ["restricted"], "both": ["restricted", "publication"],
             "none": []}[attach]
    for form in forms:
        pdf = Path(outputs[form]["pdf"])
        msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)
    return msg


def reminder_messages(settings: Settings, ref: Reference, period: Period, kind: str,
                      partners: list[str]) -> list[Outgoing]:
    """One reminder per partner: ``before`` the due date (nothing sent yet) or ``after`` it (still missing)."""
    email = settings.email or EmailSettings()
    due = period.due_date(settings.cycle.due_days)
    out = []
    for code in partners:
        p = ref.partners[code]
        msg = EmailMessage()
        if kind == "before":
            msg["Subject"] = f"Reminder: your {period} return is due on {day_in_words(due)}"
            body = (f"Dear colleague,\n\nWe have not yet received {p.name}'s quarterly return for {period}. "
                    f"It is due on {day_in_words(due)}.\n\n")
        else:
            msg["Subject"] = f"Overdue: your {period} return was due on {day_in_words(due)}"
            body = (f"Dear colleague,\n\n{p.name}'s quarterly return for {period} was due on {day_in_words(due)} "
                    "and we have not received it. Please send it as soon as you can; the briefing to the "
                    "Minister will show it as missing until it arrives.\n\n")
        body += (f"Drop your completed return (an .xlsx workbook or CSV files) into your folder "
                 f"{settings.intake.folder_for(code)}. "
                 "You will get a receipt within a minute saying whether it was accepted or what to fix.\n\n"
                 f"{settings.briefing.programme} returns team\n")
        msg["From"] = email.sender
        msg["To"] = p.contact_email
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=email.sender.split("@")[-1] or "cpip.local")
        msg.set_content(body)
        out.append(Outgoing(reminder_key(period, kind, code), msg))
    return out


def partners_to_remind(settings: Settings, ref: Reference, period: Period) -> list[str]:
    """Partners from whom no file for the period has arrived at all (the status page's "Nothing received")."""
    from cpip.collection.picture import not_submitted, status

    return not_submitted(status(settings, ref, period))


def send_reminders(settings: Settings, ref: Reference, period: Period, kind: str, partners: list[str]) -> dict:
    """Remind each partner once: a retry, or a second run for the same period and kind, skips those reminded."""
    msgs = reminder_messages(settings, ref, period, kind, partners)
    copies = keep_copy(settings, f"reminders-{period}-{kind}", msgs)
    sent = send(settings, msgs)
    return {"period": str(period), "kind": kind, "partners": partners, "sent": len(sent.now),
            "sent_before": len(sent.before), "copies": copies}


def smtp_password(email: EmailSettings) -> str | None:
    if email.password is not None:
        return email.password.get_secret_value()
    if email.password_block:
        from prefect.blocks.system import Secret

        try:
            return Secret.load(email.password_block).get()
        except Exception as exc:  # do not echo anything that might hold the secret
            raise DeliveryError(f"The Prefect Secret block '{email.password_block}' could not be read "
                                f"({type(exc).__name__}).") from None
    return None


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


def send(settings: Settings, msgs: list[Outgoing]) -> Sent:
    """Send each message to each of its recipients who does not have it yet; record each send.

    Nothing is sent when ``[email]`` is absent. A recipient the server refuses does not stop
    the others; at the end a :class:`DeliveryError` names who was not sent to (a retry then
    sends to them alone). A lost connection stops the round at once, with the same error.
    Call it outside the home's writer lock: it takes that lock itself, briefly, for each read
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
                    failed.append(f"{rcpt} ({_refusal(exc)})")
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    failed.append(f"{rcpt} ({_connection_fault(exc)})")
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
            _quit(smtp)
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
        with writer_lock(settings.home / ".cpip-delivery.lock", settings.intake.lock_timeout_seconds):
            yield
    except Busy:
        raise DeliveryError(f"Another delivery from {settings.home} did not finish within "
                            f"{settings.intake.lock_timeout_seconds:g} seconds; nothing was sent. Try again "
                            "when it has finished.") from None


# --- the mail server -------------------------------------------------------------------------

def tls_context(email: EmailSettings) -> ssl.SSLContext:
    """Certificate and host-name checks on, trusting the system's CAs or only those in ``ca_file``."""
    if email.ca_file and not Path(email.ca_file).is_file():
        raise DeliveryError(f"[email] ca_file {email.ca_file} does not exist; give the path of a PEM file of the "
                            "certificate authorities to trust (relative paths are in the home).")
    try:
        return ssl.create_default_context(cafile=email.ca_file or None)
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"[email] ca_file {email.ca_file} is not a PEM file of certificates "
                            f"({type(exc).__name__}); nothing was sent.") from None


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(email: EmailSettings) -> smtplib.SMTP:
    """An SMTP connection secured as ``[email] tls`` says, logged in when a user name is set."""
    where = f"{email.host}:{email.port}"
    wants_login = bool(email.username) and (email.password is not None or bool(email.password_block))
    if email.tls == "none" and not _loopback(email.host):
        if wants_login:
            raise DeliveryError(f"Will not send the SMTP password to {where} over an unencrypted connection; set "
                                '[email] tls = "starttls" (or "ssl") and check the port. Nothing was sent.')
        log.warning("email goes to %s without TLS; set [email] tls = \"starttls\" or \"ssl\"", where)
    context = tls_context(email) if email.tls != "none" else None
    smtp = None
    try:
        if email.tls == "ssl":
            smtp = smtplib.SMTP_SSL(email.host, email.port, timeout=email.timeout_seconds, context=context)
        else:
            smtp = smtplib.SMTP(email.host, email.port, timeout=email.timeout_seconds)
            if email.tls == "starttls":
                try:
                    smtp.starttls(context=context)
                except smtplib.SMTPNotSupportedError:
                    raise DeliveryError(f"The mail server at {where} does not offer STARTTLS; nothing was sent. Check "
                                        '[email] port, or set [email] tls = "ssl" if the port expects TLS from the '
                                        "start.") from None
        password = smtp_password(email)
        if email.username and password:
            try:
                smtp.login(email.username, password)
            except smtplib.SMTPNotSupportedError:
                raise DeliveryError(f"The mail server at {where} does not offer to log in (no AUTH), but [email] "
                                    "username and a password are set; nothing was sent. Remove the user name, or "
                                    "check the host and port.") from None
        return smtp
    except DeliveryError:
        _quit(smtp)
        raise
    except smtplib.SMTPAuthenticationError as exc:
        _quit(smtp)
        raise DeliveryError(f"The mail server at {where} refused the user name {email.username!r} and its password "
                            f"(reply {exc.smtp_code}); nothing was sent. Check CPIP_EMAIL_PASSWORD or the "
                            "Secret block.") from None
    except (OSError, smtplib.SMTPException) as exc:
        _quit(smtp)
        raise DeliveryError(f"Could not send email through {where} ({_connection_fault(exc)}); nothing was sent.") from None


def _connection_fault(exc: BaseException) -> str:
    """Why a connection failed, in words that never quote a secret."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"its certificate could not be verified: {str(exc.verify_message).rstrip('.')}. If the server uses a private "
                "certificate authority, set [email] ca_file to a PEM file of it")
    if isinstance(exc, ssl.SSLError):
        return f"TLS could not be set up: {exc.reason or type(exc).__name__}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}: reply {exc.smtp_code}"
    return f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc.__class__.__doc__ or ''}".strip()


def _refusal(exc: Exception) -> str:
    """The server's reply to one message: its code and (at most 120 printable characters of) its text."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (0, b""))
    elif isinstance(exc, smtplib.SMTPResponseException):
        code, text = exc.smtp_code, exc.smtp_error
    else:
        return type(exc).__name__
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = "".join(c for c in str(text) if c.isprintable())[:120]
    return f"refused with {code} {text}".strip()


def _quit(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


# --- the record of what was sent (the warehouse, briefly) ----------------------------------

@contextmanager
def _warehouse(settings: Settings):
    """The warehouse for one short read or write, under the home's writer lock."""
    try:
        with writer_lock(settings.lock_path, settings.intake.lock_timeout_seconds), \
                wh.session(settings.warehouse) as con:
            yield con
    except Busy as exc:
        raise DeliveryError(f"The record of sent email could not be reached: {exc}") from None


def already_sent(settings: Settings, keys: list[str]) -> set[tuple[str, str]]:
    """(key, recipient in lower case) for every recorded send of these keys."""
    with _warehouse(settings) as con:
        return {(k, r) for k, r in con.execute(wh.sql("queries/email_sent"), {"keys": keys}).fetchall()}


def record_sent(settings: Settings, item: Outgoing, recipient: str) -> None:
    with _warehouse(settings) as con:
        con.execute(wh.sql("load/insert_email_sent"), {
            "key": item.key, "recipient": recipient.lower(), "sent_at": datetime.now(timezone.utc),
            "subject": str(item.msg["Subject"] or ""), "message_id": item.msg["Message-ID"]})


def record_event(settings: Settings, event: str, detail: dict) -> None:
    """One line in the audit log (e.g. ``briefing delivered``)."""
    with _warehouse(settings) as con:
        con.execute(wh.sql("load/insert_audit"), {"at": [iso(settings.now)], "event": [event], "sha256": None,
                                                  "submission_id": None, "detail": [json.dumps(detail)]})
