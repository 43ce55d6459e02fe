"""Delivery: what is emailed when. The approved briefing to the private office, the draft (with
its approval code) to the reviewers, reminders to partners; each message built in
:mod:`cpip.mail.messages`, sent once per recipient and kept in the outbox
(:mod:`cpip.mail.ledger`), over the connection :mod:`cpip.mail.transport` makes.

Without ``[email]`` nothing is sent: the message that would have been is still kept in
``outbox/mail/`` (a draft's approval code is then handed back for ``cpip cycle`` to print).
A draft is never delivered to the private office.

**An approved briefing is always delivered.** A version approved while the mail server is down
or refuses stays approved; the version records whom it is owed to (``[email] briefing_to`` at
approval) and the ledger whom it reached, so :func:`undelivered` says who still lacks it (``cpip
status``: "approved, not yet delivered"). :func:`deliver_period` (``cpip deliver --period P``)
sends the period's newest approved version to every ``briefing_to`` recipient who lacks it, and
:func:`deliver_owed`, called by every intake, cycle and reminders run (so every few minutes
under ``cpip serve``), does the same for each period's newest approved version still owed to
someone. The ledger (:mod:`cpip.mail.ledger`) makes each send happen once, whoever tries.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cpip.collection.picture import ToChase
from cpip.core.errors import NotAsAsked
from cpip.core.lock import Busy, home_lock
from cpip.core.periods import Period
from cpip.core.settings import Settings
from cpip.mail.ledger import Outgoing, already_sent, keep_copy, record_event, send
from cpip.mail.transport import DeliveryError
from cpip.mail.messages import (briefing_key, briefing_message, redacted, reminder_messages, reviewer_message,
                                version_key)
from cpip.reference.tables import Reference
from cpip.review.codes import issue_code
from cpip.review.versions import Version, approved_outputs, latest_approved, read_json

log = logging.getLogger("cpip.mail.delivery")


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
    msg = Outgoing(_key(settings, outputs), briefing_message(settings, paths, b, annex))
    keep_copy(settings, f"briefing-{b['period']}", [msg])
    sent = send(settings, [msg])
    if sent.now:
        record_event(settings, "briefing delivered", {
            "run_id": annex["run_id"], "version": outputs.get("version"), "key": msg.key,
            "to": [r for _, r in sent.now], "attached": settings.email.briefing_attach})
    return {**outputs, "emailed": msg.recipients, "emailed_before": [r for _, r in sent.before]}


def _key(settings: Settings, outputs: dict) -> str:
    """The ledger's key of a delivered briefing: its version under review, else the digest of its figures."""
    paths = outputs.get("outputs", outputs)
    if outputs.get("review_required"):
        return version_key(outputs["period"], outputs["version"])
    b, annex = read_json(Path(paths["briefing_json"])), read_json(Path(paths["annex_json"]))
    return briefing_key(b, read_json(Path(paths["publication_json"])), annex, settings.email.briefing_attach)


def emailed(settings: Settings, result: dict) -> list[str]:
    """The private-office recipients who have this approved version."""
    if settings.email is None:
        return []
    done = {r for _, r in already_sent(settings, [_key(settings, result)])}
    return [r for r in settings.email.briefing_to if r.lower() in done]


def undelivered(settings: Settings, result: dict) -> list[str]:
    """The ``briefing_to`` recipients who do not have this approved version yet (none without [email])."""
    if settings.email is None:
        return []
    have = {r.lower() for r in emailed(settings, result)}
    return [r for r in settings.email.briefing_to if r.lower() not in have]


def deliver_period(settings: Settings, period: Period) -> dict:
    """``cpip deliver``: the period's newest approved version to every recipient who lacks it."""
    result = _newest_approved(settings, period)
    if result is None:
        raise NotAsAsked(f"There is no approved briefing for {period} to deliver: approve its draft first "
                         f"(`cpip approve --period {period}`).")
    return deliver(settings, result)


def not_delivered(settings: Settings, period: Period) -> tuple[int, list[str]] | None:
    """The period's newest approved version and the ``briefing_to`` recipients who lack it (``cpip
    status``); None when there is no approved version or email is off."""
    if settings.email is None:
        return None
    result = _newest_approved(settings, period)
    return None if result is None else (result["version"], undelivered(settings, result))


def _newest_approved(settings: Settings, period: Period) -> dict | None:
    """The outputs of the period's newest approved version, read under the home's lock; None when none."""
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        held = latest_approved(settings, period)
        return approved_outputs(settings, period, held[0].version) if held else None


def deliver_owed(settings: Settings) -> list[dict]:
    """What every scheduled run does: each period's newest approved version still owed to someone
    (:func:`_owed`) is sent to those who lack it. A failure is logged, never raised (the next run
    tries again)."""
    if settings.email is None:
        return []
    try:
        with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
            # deliver_to is empty when the version was approved with email off (or before it was kept)
            held = [(v, approved_outputs(settings, Period.parse(v.period), v.version))
                    for v in latest_approved(settings) if v.deliver_to]
    except Busy as exc:
        log.warning("approved briefings not yet delivered were not looked for: %s", exc)
        return []
    out = []
    for v, result in held:
        try:
            if result is None or not _owed(settings, v, result):
                continue
            out.append(deliver(settings, result))
            log.warning("delivered version %s of the %s briefing, approved earlier, to %s", v.version, v.period,
                        ", ".join(out[-1]["emailed"]))
        except DeliveryError as exc:
            log.warning("version %s of the %s briefing is approved but not yet delivered: %s The next run tries "
                        "again, or run `cpip deliver --period %s`.", v.version, v.period, exc, v.period)
    return out


def _owed(settings: Settings, v: Version, result: dict) -> bool:
    """Whether someone it was owed to at approval (and still in ``briefing_to``) lacks it."""
    lacking = {r.lower() for r in undelivered(settings, result)}  # only briefing_to recipients
    return any(r.lower() in lacking for r in v.deliver_to or [])


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


def send_reminders(settings: Settings, ref: Reference, period: Period, kind: str, chases: list[ToChase]) -> dict:
    """Remind each partner once: a retry, or a second run for the same period and kind, skips those
    reminded. ``reminders`` lists those this call sent (``{"partner_code", "to", "reason"}``, in
    partner order; none without ``[email]``); ``sent_before`` counts those that had been sent earlier."""
    msgs = reminder_messages(settings, ref, period, kind, chases)
    copies = keep_copy(settings, f"reminders-{period}-{kind}", msgs)
    sent = send(settings, msgs)
    now = {key: to for key, to in sent.now}
    reminded = [{"partner_code": c.partner_code, "to": now[m.key], "reason": c.reason}
                for c, m in zip(chases, msgs) if m.key in now]
    return {"period": str(period), "kind": kind, "partners": [c.partner_code for c in chases],
            "reminders": reminded, "sent": len(sent.now), "sent_before": len(sent.before), "copies": copies,
            "emailed": settings.email is not None}
