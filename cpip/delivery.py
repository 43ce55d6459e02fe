"""Delivery: the briefing to the private office, reminders to partners, by email.

Messages are built here as plain ``email.message.EmailMessage`` objects (pure, tested
without a server) and sent with ``smtplib`` over one connection. Every message is also
written to the outbox (``outbox/mail/``), so what was sent, or would have been sent when
``[email]`` is absent, can always be seen. The SMTP password comes from
``CPIP_EMAIL_PASSWORD`` or a Prefect Secret block named in ``[email] password_block``;
it is never a flow parameter and never logged.
"""

from __future__ import annotations

import json
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from cpip.periods import Period
from cpip.reference import Reference
from cpip.schedules import as_date
from cpip.settings import EmailSettings, Settings

log = logging.getLogger("cpip.delivery")


class DeliveryError(Exception):
    """Email could not be sent; the message says why (never with a secret in it)."""


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
        lines.append(f"- {total} {kind}{'s' if total != 1 else ''}: {t['Complete']} complete, {t['On track']} on track, "
                     f"{t['At risk']} at risk, {t['Off track']} off track, {t['Not started']} not started, "
                     f"{t['No return']} without a return.")
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
                      partners: list[str]) -> list[EmailMessage]:
    """One reminder per partner: ``before`` the due date (nothing sent yet) or ``after`` it (still missing)."""
    email = settings.email or EmailSettings()
    due = period.due_date(settings.cycle.due_days)
    out = []
    for code in partners:
        p = ref.partners[code]
        msg = EmailMessage()
        if kind == "before":
            msg["Subject"] = f"Reminder: your {period} return is due on {as_date(due)}"
            body = (f"Dear colleague,\n\nWe have not yet received {p.name}'s quarterly return for {period}. "
                    f"It is due on {as_date(due)}.\n\n")
        else:
            msg["Subject"] = f"Overdue: your {period} return was due on {as_date(due)}"
            body = (f"Dear colleague,\n\n{p.name}'s quarterly return for {period} was due on {as_date(due)} "
                    "and we have not received it. Please send it as soon as you can; the briefing to the "
                    "Minister will show it as missing until it arrives.\n\n")
        body += (f"Drop your completed return (an .xlsx workbook or CSV files) into your folder inbox/{code}/. "
                 "You will get a receipt within a minute saying whether it was accepted or what to fix.\n\n"
                 f"{settings.briefing.programme} returns team\n")
        msg["From"] = email.sender
        msg["To"] = p.contact_email
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=email.sender.split("@")[-1] or "cpip.local")
        msg.set_content(body)
        out.append(msg)
    return out


def smtp_password(email: EmailSettings) -> str | None:
    if email.password is not None:
        return email.password.reveal()
    if email.password_block:
        from prefect.blocks.system import Secret

        try:
            return Secret.load(email.password_block).get()
        except Exception as exc:  # do not echo anything that might hold the secret
            raise DeliveryError(f"The Prefect Secret block '{email.password_block}' could not be read "
                                f"({type(exc).__name__}).") from None
    return None


def keep_copy(settings: Settings, folder: str, msgs: list[EmailMessage]) -> list[str]:
    """Write each message (headers, body, attachment names) to the outbox as a record of what was sent."""
    out_dir = settings.outbox / "mail" / folder
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, msg in enumerate(msgs, start=1):
        path = out_dir / f"{n:03d}-{_slug(msg['To'])}.json"
        body = msg.get_body(preferencelist=("plain",))
        record = {"to": msg["To"], "from": msg["From"], "subject": msg["Subject"],
                  "body": body.get_content() if body else "",
                  "attachments": [a.get_filename() for a in msg.iter_attachments()]}
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "@.-" else "_" for c in text)[:80]


def send(settings: Settings, msgs: list[EmailMessage]) -> int:
    """Send over one SMTP connection; returns how many were sent (0 when [email] is absent)."""
    if settings.email is None or not msgs:
        return 0
    email = settings.email
    try:
        with smtplib.SMTP(email.host, email.port, timeout=email.timeout_seconds) as smtp:
            if email.starttls:
                smtp.starttls()
            password = smtp_password(email)
            if email.username and password:
                smtp.login(email.username, password)
            for msg in msgs:
                smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"Could not send email through {email.host}:{email.port} ({type(exc).__name__}: "
                            f"{getattr(exc, 'strerror', None) or exc.__class__.__doc__ or ''}).") from None
    log.info("sent %d message(s) through %s:%s", len(msgs), email.host, email.port)
    return len(msgs)
