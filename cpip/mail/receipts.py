"""Receipts by email (interfaces.md "Receipts by email"): sending each once, and the message.

**Who.** :func:`cpip.intake.recipients.recipients`, chosen when the file is loaded.

**Once.** Each receipt is a message with key ``receipt/<file number>`` (``…/<n>`` for a later
receipt of a file ``cpip retry`` ran again) sent by :func:`cpip.mail.ledger.send`, which records
each recipient the server accepted in ``email_sent`` and skips those already there. Every intake
run, after it lets go of the home's lock, sends every receipt still owed, so a crash or a
refused send is made good by the next run (even one with an empty inbox). A failure to send is
logged and never fails intake.

**What.** Subject ``CPIP return <outcome in words>: <file name>``; the body is the receipt itself,
as plain text and as HTML (the receipt page, without links to files on the server). Nothing the
partner sent is attached. Partner text (values, explanations) is printed as text: the HTML is
rendered with autoescape, and control characters are dropped from both forms.
"""

from __future__ import annotations

import logging

from cpip.core.settings import Settings
from cpip.core.text import one_line
from cpip.intake import receipt_words as words
from cpip.intake import receipts as intake_receipts
from cpip.intake.model import FAULT_ISSUE
from cpip.intake.unchanged import unchanged_line
from cpip.mail.ledger import Outgoing, keep_copy, send
from cpip.mail.messages import headed
from cpip.mail.transport import DeliveryError

log = logging.getLogger("cpip.mail.receipts")


def _words(h) -> str:
    if h.issues == [FAULT_ISSUE]:
        return "kept, not processed yet"
    return {"accepted": "accepted", "accepted_with_warnings": "accepted with queries",
            "rejected": "not accepted", "duplicate": "already received"}[h.outcome]


def _clean(text: str, limit: int | None = None) -> str:
    text = one_line(str(text))
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def subject(h) -> str:
    return f"CPIP return {_words(h)}: {_clean(h.record.name, 120)}"


def plain_text(settings: Settings, h) -> str:
    """The receipt as plain text, for the officer: what happened, the facts, each issue, what to do.
    It says what the page says (:mod:`cpip.intake.receipt_words` words both)."""
    rec = h.record
    due_days = settings.cycle.due_days
    folder = intake_receipts.drop_folder(h, settings.intake.officer_folder)
    headline, summary = intake_receipts.summary_of(h)
    resend = words.resend(h, due_days)
    lines = ["Dear colleague,", "", f"{headline}. {summary}".strip()] + ([resend] if resend else [])
    if h.unchanged_rows:  # rows unchanged since last quarter, just after the summary: a reminder, not a rule
        lines += ["", unchanged_line(h.unchanged_rows)]
    lines += ["", f"File: {_clean(rec.name)}", f"Dropped into: {folder}", f"Received: {words.when(rec.received)}",
              f"Partner: {_clean(words.partner_words(h))}", f"Period: {_clean(words.period_line(h.period))}"]
    on_time = words.on_time(h, due_days)
    if on_time:
        lines.append(f"On time? {on_time}")
    lines.append(f"Receipt number: {rec.number}")
    lines += _duplicate_lines(words.duplicate(h))
    issues, more = ([], {}) if h.issues == [FAULT_ISSUE] else intake_receipts.listed_issues(h.issues)
    if issues:
        rejected = h.outcome == "rejected"
        lines += ["", "What to fix:" if rejected else "Queries to look at:"]
        for n, i in enumerate(words.issue_rows(issues), start=1):
            where = ": ".join(x for x in (i["cell"], i["place"]) if x)
            kind = "error" if i["severity"] == "error" else ("query, answered" if i["explanation"] else "query, open")
            lines.append(f"{n}. {i['rule']} ({kind}){' at ' + where if where else ''}"
                         + (f"; item: {_clean(i['item'])}" if i["item"] else "")
                         + (f"; you entered: {_clean(i['value'], 200)}" if i["value"] not in (None, "") else ""))
            lines.append(f"   {_clean(i['message'])}")
            if i["explanation"] is not None:
                lines.append(f"   Your explanation: {_clean(i['explanation'])}")
        lines += [f"And {n:,} more under rule {rule}, not listed here: only the first "
                  f"{intake_receipts.LISTED_PER_RULE} of each rule are." for rule, n in sorted(more.items())]
        if rejected:
            lines += ["", f"Fix every problem above in your file, then drop the corrected file into {folder} again. "
                          "Nothing from this file has been used: the previous accepted return (if any) still stands."]
        elif any(not i.explained for i in issues):
            lines += ["", "How to answer a query: if the figure is right, write why in the explanation column of that "
                          "row on the Progress sheet (or of the progress CSV); for an indicator, in the row's note. "
                          f"Then drop the return into {folder} again: the new file replaces this one, and the "
                          "briefing shows your answer beside the query. If the figure is wrong, correct it and send "
                          "the return again. Or leave it: the query is then listed as open in the quarterly briefing."]
    help_line = words.help_line(settings.intake.help_contact)
    lines += ([""] + [_clean(help_line)] if help_line else []) + [
        "", "We keep a copy of every file you send, whatever the outcome. The rules are explained in "
            "rules.html in the returns outbox.", "", f"{settings.briefing.programme} returns team", ""]
    return "\n".join(lines)


def _duplicate_lines(dup: dict | None) -> list[str]:
    """A duplicate's earlier file and what is on file now, as the page's "What we already have"."""
    if dup is None:
        return []
    return ["", "What we already have:"] + [_clean(x) for x in (dup["identical"], dup["standing"]) if x] + [
        f"- {_clean(x)}" for x in dup["on_file"]]


def message(settings: Settings, key: str, to: list[str], h) -> Outgoing:
    """The email of one receipt: plain text and HTML, no attachment."""
    msg = headed(settings.email, subject(h), ", ".join(to))
    msg.set_content(plain_text(settings, h))
    html = intake_receipts.render_receipt(h, settings)
    msg.add_alternative(html, subtype="html")
    return Outgoing(key, msg)


def send_owed(settings: Settings, owed: list[tuple[str, list[str], object]]) -> dict:
    """Email every receipt owed one; never raises. Returns what was sent and what is left for the next run."""
    msgs = []
    for key, to, h in owed:
        try:
            msgs.append(message(settings, key, to, h))
        except Exception as exc:  # one receipt that cannot be made into a message never stops the others
            log.error("could not make the email of receipt %s (%s); the next run tries again", key,
                      type(exc).__name__)
    if not msgs:
        return {"sent": 0, "sent_before": 0, "left": len(owed)}
    try:
        for m in msgs:
            keep_copy(settings, m.key.replace("/", "-"), [m])
        sent = send(settings, msgs)
    except DeliveryError as exc:
        log.warning("receipts were not all emailed: %s The next intake run sends the rest.", exc)
        return {"sent": None, "sent_before": None, "left": len(owed), "error": str(exc)}
    except Exception as exc:  # never fail intake over email
        log.error("receipts were not emailed (%s); the next intake run tries again", type(exc).__name__)
        return {"sent": None, "sent_before": None, "left": len(owed), "error": type(exc).__name__}
    return {"sent": len(sent.now), "sent_before": len(sent.before), "left": len(owed) - len(msgs)}
