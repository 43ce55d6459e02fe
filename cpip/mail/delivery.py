"""Delivery: what is emailed when. The approved briefing to the private office, the draft (with
its approval code) to the reviewers, reminders to partners; each message built in
:mod:`cpip.mail.messages`, sent once per recipient and kept in the outbox
(:mod:`cpip.mail.ledger`), over the connection :mod:`cpip.mail.transport` makes.

Without ``[email]`` nothing is sent: the message that would have been is still kept in
``outbox/mail/`` (a draft's approval code is then handed back for ``cpip cycle`` to print).
A draft is never delivered to the private office.
"""

from __future__ import annotations

from pathlib import Path

from cpip.core.periods import Period
from cpip.core.settings import Settings
from cpip.mail.ledger import Outgoing, already_sent, keep_copy, record_event, send
from cpip.mail.messages import (briefing_key, briefing_message, redacted, reminder_messages, reviewer_message,
                                version_key)
from cpip.reference.tables import Reference
from cpip.review.codes import issue_code
from cpip.review.versions import read_json


def deliver(settings: Settings, outputs: dict) -> dict:
    """Email an approved version (or, with review not required, the cycle's briefing) to
    ``briefing_to``, each recipient once. Not for drafts: they are never delivered."""
    if outputs.get("state") == "draft" or (settings.email is not None and not settings.email.briefing_to):
        return {**outputs, "emailed": [], "emailed_before": []}
    paths = outputs.get("outputs", outputs)
    b, annex = read_json(Path(paths["briefing_json"])), read_json(Path(paths["annex_json"]))
    if settings.email is None:  # nothing is sent; the message that would have been is kept in outbox/mail/
        msg = Outgoing("briefing/unsent", briefing_message(settings, paths, b, annex))
        keep_copy(settings, f"briefing-{b['period']}", [msg])
        return {**outputs, "emailed": [], "emailed_before": []}
    if outputs.get("review_required"):
        key = version_key(b["period"], outputs["version"])
    else:
        key = briefing_key(b, read_json(Path(paths["publication_json"])), annex, settings.email.briefing_attach)
    msg = Outgoing(key, briefing_message(settings, paths, b, annex))
    keep_copy(settings, f"briefing-{b['period']}", [msg])
    sent = send(settings, [msg])
    if sent.now:
        record_event(settings, "briefing delivered", {
            "run_id": annex["run_id"], "version": outputs.get("version"), "key": msg.key,
            "to": [r for _, r in sent.now], "attached": settings.email.briefing_attach})
    return {**outputs, "emailed": msg.recipients, "emailed_before": [r for _, r in sent.before]}


def emailed(settings: Settings, result: dict) -> list[str]:
    """The private-office recipients who have this approved version."""
    if settings.email is None:
        return []
    done = already_sent(settings, [version_key(result["period"], result["version"])])
    return [r for r in settings.email.briefing_to if any(rc == r.lower() for _, rc in done)]


def tell_reviewers(settings: Settings, outputs: dict) -> dict:
    """Email the reviewers of a draft once, with its approval code; without [email] (or without
    reviewers) the code is returned instead, for ``cpip cycle`` to print."""
    if outputs.get("state") != "draft":
        return outputs
    issued = issue_code(settings, outputs["period"], outputs["version"])
    if settings.email is None or not settings.review.reviewers:
        return {**outputs, "approval_code": issued.code, "reviewers_emailed": []}
    msg = reviewer_message(settings, outputs, issued)
    keep_copy(settings, f"review-{outputs['period']}-version-{outputs['version']}", [redacted(msg)])
    send(settings, [msg])
    record_event(settings, "reviewers told", {"period": outputs["period"], "version": outputs["version"],
                                              "to": msg.recipients, "key": msg.key})
    return {**outputs, "reviewers_emailed": msg.recipients}


def send_reminders(settings: Settings, ref: Reference, period: Period, kind: str, partners: list[str]) -> dict:
    """Remind each partner once: a retry, or a second run for the same period and kind, skips those reminded."""
    msgs = reminder_messages(settings, ref, period, kind, partners)
    copies = keep_copy(settings, f"reminders-{period}-{kind}", msgs)
    sent = send(settings, msgs)
    return {"period": str(period), "kind": kind, "partners": partners, "sent": len(sent.now),
            "sent_before": len(sent.before), "copies": copies}
