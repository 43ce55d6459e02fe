"""The messages cpip emails, built as plain ``email.message.EmailMessage`` objects (pure, tested
without a server): the briefing to the private office, the draft to the reviewers, the
reminders to partners (nothing received, or files that could not be accepted). Each is an :class:`~cpip.mail.ledger.Outgoing` with the key that makes it
reach each recipient once (:mod:`cpip.mail.ledger`); the receipts' are in :mod:`cpip.mail.receipts`.

Keys: a reminder is ``reminder/<period>/<kind>/<partner>``, so each partner gets each
reminder for a period at most once however often the flow runs. A briefing is
``briefing/<period>/<digest>``, the digest being over the figures of both forms (not the
run id or the time it was made) and the forms attached: a retry of the delivery step, a
re-run of the cycle after a crash, or a second cycle run with no new data sends nothing
new, while a cycle run after a late return changes the figures and so delivers the
revised briefing. A recipient added to ``briefing_to`` gets the current briefing on the
next run. An approved version is ``briefing/<period>/version-<N>`` (see :mod:`cpip.mail.delivery`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from cpip.briefing.caveats import approving_despite
from cpip.briefing.words import human_time, names
from cpip.collection.picture import ALL_REJECTED, SentFile, ToChase
from cpip.collection.status_page import OUTCOME_WORDS, due_words
from cpip.core.periods import Period, period_words, uk_date
from cpip.core.settings import EmailSettings, Settings
from cpip.core.text import day_in_words, time_in_words
from cpip.core.vocabulary import AT_RISK, COMPLETE, NO_RETURN, NOT_STARTED, OFF_TRACK, ON_TRACK
from cpip.mail.ledger import Outgoing
from cpip.reference.tables import Reference
from cpip.review.codes import Issued
from cpip.review.versions import read_json

# The statuses the status sentence counts, in the order it names them (then "without a return").
SENTENCE_STATUSES = (COMPLETE, ON_TRACK, AT_RISK, OFF_TRACK, NOT_STARTED)

# The PDF forms attached for each ``[email] briefing_attach``.
ATTACHED_FORMS = {"publication": ["publication"], "restricted": ["restricted"], "both": ["restricted", "publication"],
                  "none": []}

# The line of the reviewers' email that carries the approval code, and what the kept copy says instead.
CODE_LINE = "Approval code: "
CODE_KEPT = "Approval code: (sent only in the email)"


def headed(email: EmailSettings, subject: str, to: str) -> EmailMessage:
    """A new message with its headers: subject, sender, recipients, date and a Message-ID."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = email.sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=email.sender.split("@")[-1] or "cpip.local")
    return msg


def status_sentences(briefing: dict) -> list[str]:
    """The status sentence of each kind of thing counted (items, ...), from ``briefing.json``'s
    totals (the marts' counts, never recounted): one line of both the reviewers' and the private
    office's email."""
    lines = []
    for kind, t in briefing["totals"].items():
        total = sum(t.values())
        counts = ", ".join(f"{t[s]} {s.lower()}" for s in SENTENCE_STATUSES)
        lines.append(f"- {total} {kind}{'s' if total != 1 else ''}: {counts}, {t[NO_RETURN]} without a return.")
    return lines


def attach_forms(msg: EmailMessage, outputs: dict, attach: str) -> None:
    """Attach the PDF of each form ``[email] briefing_attach`` allows."""
    for form in ATTACHED_FORMS[attach]:
        pdf = Path(outputs[form]["pdf"])
        msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)


# --- the briefing, to the private office --------------------------------------------------------

def briefing_key(briefing: dict, publication: dict, annex: dict, attach: str) -> str:
    """``briefing/<period>/<digest>``: the same figures, forms and attachments give the same key."""
    def figures(doc: dict) -> dict:
        return {k: v for k, v in doc.items() if k != "generated_at"}

    content = {"briefing": figures(briefing), "publication": figures(publication),
               "provisional": annex.get("provisional"), "attach": attach}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"briefing/{briefing['period']}/{digest}"


def version_key(period: str, version: int) -> str:
    """``briefing/<period>/version-<N>``: an approved version reaches each recipient once."""
    return f"briefing/{period}/version-{version}"


def briefing_message(settings: Settings, outputs: dict, briefing: dict, annex: dict) -> EmailMessage:
    """The message to the private office: the headline in the body, and the form(s) the settings allow."""
    email = settings.email or EmailSettings()
    quarter = period_words(briefing["period"])
    marking = settings.briefing.marking
    attach = email.briefing_attach
    restricted_attached = attach in ("restricted", "both")
    prefix = f"{marking}: " if restricted_attached else ""
    msg = headed(email, f"{prefix}{settings.briefing.programme} quarterly briefing, {quarter}",
                 ", ".join(email.briefing_to))
    lines = [f"The {settings.briefing.programme} briefing for {quarter} is ready.", ""]
    lines += status_sentences(briefing)
    m = briefing["movement"]
    lines.append(f"- Since last quarter: {m['improved']} improved, {m['worsened']} worsened, "
                 f"{m['unchanged']} unchanged, {m['new']} new.")
    r, partner = briefing["returns"], {code: p["name"] for code, p in annex["partners"].items()}
    lines.append(f"- Returns: {r['accepted']} of {r['expected']} partners accepted ({len(r['late'])} late); "
                 f"missing: {names(r['missing'], partner) or 'none'}; "
                 f"only rejected files: {names(r['rejected_only'], partner) or 'none'}.")
    lines.append(f"- Open data-quality queries: {briefing['data_quality']['open_warnings']}.")
    lines.append("")
    if attach == "none":
        lines.append("No form is attached to this message.")
    else:
        forms = {"publication": "the publication version", "restricted": f"the restricted version ({marking})",
                 "both": f"the restricted version ({marking}) and the publication version"}
        lines.append(f"Attached: {forms[attach]}.")
    if not restricted_attached:
        where = email.briefing_link or outputs["restricted"]["pdf"]
        lines.append(f"The restricted version ({marking}) is held in controlled storage: {where}")
    received = f"data received up to {human_time(annex['data_cutoff'])}" if annex["data_cutoff"] else "no data received"
    lines += ["", f"Run {annex['run_id']}; {received}."]
    msg.set_content("\n".join(lines))
    attach_forms(msg, outputs, attach)
    return msg


# --- the draft, to the reviewers -----------------------------------------------------------------

def reviewer_message(settings: Settings, outputs: dict, issued: Issued) -> Outgoing:
    """The email to the reviewers: what the draft says, where it is, and the approval code. Its key,
    ``review/<period>/version-<N>/<code id>``, names the code by its random id (never a hash of it)."""
    email = settings.email or EmailSettings()
    period, number = outputs["period"], outputs["version"]
    quarter = period_words(period)
    b = read_json(Path(outputs["briefing_json"]))
    annex = read_json(Path(outputs["annex_json"]))
    marking = settings.briefing.marking
    msg = headed(email, f"For approval: {settings.briefing.programme} briefing, {quarter}, version {number} (draft)",
                 ", ".join(settings.review.reviewers))
    r = annex["review"]
    lines = [f"Version {number} of the {quarter} briefing is ready for your approval. It has not been sent to "
             "the Minister's private office: it goes there only when one of you approves it.", ""]
    if r.get("replaces"):
        changes = r.get("changes") or []
        lines += [f"It revises version {r['replaces']['version']}, approved on {day_in_words(r['replaces']['approved_at'])}: "
                  f"{len(changes)} figure{'s' if len(changes) != 1 else ''} changed (see the annex "
                  f"\"What changed since version {r['replaces']['version']}\").", ""]
    lines += status_sentences(b)
    ret = b["returns"]
    lines += [f"- Returns: {ret['accepted']} of {ret['expected']} partners accepted ({len(ret['late'])} late).", ""]
    lines += approving_despite_lines(approving_despite(b, annex))
    lines += [f"The draft (restricted, {marking}): {email.briefing_link or outputs['restricted']['pdf']}",
              f"The draft (publication version): {outputs['publication']['pdf']}", ""]
    lines += ["To approve it, with a covering note of the points the Minister should take from it (optional):",
              f'  cpip approve --period {period} --by "YOUR NAME, ROLE" --note note.md --code CODE',
              f'To ask for changes:  cpip reject --period {period} --by "YOUR NAME" --reason "..." --code CODE',
              "Or use the form on the waiting cycle run in the Prefect UI, if the cycle ran there.", ""]
    if issued.replaces:
        lines.append("This code replaces any approval code sent before for this draft.")
    lines += [f"{CODE_LINE}{issued.code}", "",
              "The code works for this draft only, and for one decision: approving it or returning it for changes. "
              "Do not forward this email. If you did not expect it, tell the programme office.", "", f"Run {annex['run_id']}."]
    msg.set_content("\n".join(lines))
    attach_forms(msg, outputs, email.briefing_attach)
    return Outgoing(f"review/{period}/version-{number}/{issued.code_id}", msg)


def approving_despite_lines(caveats: list[dict]) -> list[str]:
    """The draft's "Before you approve" list (:func:`cpip.briefing.caveats.approving_despite`) as
    plain text: each sentence, then each thing it names on a line of its own."""
    if not caveats:
        return ["Before you approve: nothing is outstanding. Every register title is confirmed and every item has "
                "a target date, every committee sent figures, no query is open and every item was updated.", ""]
    lines = ["Before you approve: what you would be approving this briefing despite", ""]
    for c in caveats:
        lines += [f"- {c['sentence']}", *(f"    {n}" for n in c["names"]), ""]
    return lines


def redacted(item: Outgoing) -> Outgoing:
    """The same message with the approval code blanked: the copy kept in the outbox never holds it."""
    msg = copy.deepcopy(item.msg)
    body = msg.get_body(preferencelist=("plain",))
    text = "\n".join(CODE_KEPT if ln.startswith(CODE_LINE) else ln for ln in body.get_content().splitlines())
    body.set_content(text)
    return Outgoing(item.key, msg)


# --- reminders, to partners ----------------------------------------------------------------------

# A reminder names at most this many of the files a partner sent (the latest), then how many more.
FILES_NAMED = 5


# Subjects stay short (under 78 characters with "Subject: ", whatever the quarter and day): a longer
# one is folded onto a second line, which some mail programs show with a leading space.


def reminder_key(period: Period, kind: str, partner_code: str) -> str:
    return f"reminder/{period}/{kind}/{partner_code}"


def reminder_messages(settings: Settings, ref: Reference, period: Period, kind: str,
                      chases: list[ToChase]) -> list[Outgoing]:
    """One reminder per partner without an accepted progress part, ``before`` the due date or
    ``after`` it (the kind keys the ledger; the words follow the calendar, so a reminder sent by hand
    after the due date says it is overdue whatever its kind): to a partner with nothing received,
    that the return is due (or overdue); to one
    whose files could not be accepted, that we have them but nothing counts yet, which files and
    receipts say what to fix, and by when to resend. Both name the drop folder and, when set,
    ``[intake] help_contact``."""
    email = settings.email or EmailSettings()
    due = period.due_date(settings.cycle.due_days)
    today = uk_date(settings.now)
    when = due_words(due, today)
    passed = today > due  # the words follow the calendar; the kind only keys the ledger
    out = []
    for chase in chases:
        p = ref.partners[chase.partner_code]
        if chase.reason == ALL_REJECTED:
            subject, lines = _not_accepted(settings, p.name, period, passed, due, when, chase.files)
        else:
            subject, lines = _nothing_received(p.name, period, passed, due, when)
        lines += [f"Drop your return (an .xlsx workbook or CSV files) into your folder "
                  f"{settings.intake.folder_for(chase.partner_code)}. You will get a receipt within a minute "
                  "saying whether it was accepted or what to fix.", ""]
        if settings.intake.help_contact:
            lines += [f"If you need help with your return, contact {settings.intake.help_contact}.", ""]
        lines.append(f"{settings.briefing.programme} returns team")
        msg = headed(email, subject, p.contact_email)
        msg.set_content("\n".join(lines) + "\n")
        out.append(Outgoing(reminder_key(period, kind, chase.partner_code), msg))
    return out


def _nothing_received(name: str, period: Period, passed: bool, due, when: str) -> tuple[str, list[str]]:
    quarter = period_words(period)
    if not passed:
        return (f"Reminder: {quarter} return due on {day_in_words(due)}",
                ["Dear colleague,", "", f"We have not yet received {name}'s quarterly return for {quarter} "
                 f"({period}). It is due on {day_in_words(due)} ({when}).", ""])
    return (f"Overdue: {quarter} return, due on {day_in_words(due)}",
            ["Dear colleague,", "", f"{name}'s quarterly return for {quarter} ({period}) was due on "
             f"{day_in_words(due)} and we have not received it. Please send it as soon as you can; the briefing to "
             "the Minister will show it as missing until it arrives.", ""])


def _not_accepted(settings: Settings, name: str, period: Period, passed: bool, due, when: str,
                  files: tuple[SentFile, ...]) -> tuple[str, list[str]]:
    """A partner that sent files for the period but has no accepted progress part: which files, what
    their receipts say, and by when to resend."""
    quarter = period_words(period)
    several = len(files) != 1
    if all(f.outcome in ("rejected", "duplicate") for f in files):
        what = (f"We have your files for {name}'s quarterly return for {quarter} ({period}), but none of them "
                "could be accepted, so nothing from them counts yet: see the receipts, which list what to fix."
                if several else
                f"We have your file for {name}'s quarterly return for {quarter} ({period}), but it could not be "
                "accepted, so nothing from it counts yet: see the receipt, which lists what to fix.")
    else:  # an indicators part was accepted, but no progress part
        what = (f"We have your files for {name}'s quarterly return for {quarter} ({period}), but none of them "
                "gives us an accepted progress part (the Progress sheet, or a progress CSV), so the return is not "
                "complete yet: see the receipts.")
    lines = ["Dear colleague,", "", what, ""]
    receipts = "receipts list" if several else "receipt lists"
    emailed = settings.email is not None and settings.email.receipts
    shown = files[-FILES_NAMED:]
    for f in shown:
        lines.append(f"- {f.name}, received {time_in_words(f.received_at)} (UK time): "
                     f"{OUTCOME_WORDS.get(f.outcome, f.outcome).lower()}{' (indicators only)' if f.part == 'indicators' else ''}")
        lines.append(f"  Receipt number {f.number}" + (f": {_kept_at(settings, f.receipt)}" if f.receipt else ""))
    if len(files) > len(shown):
        n = len(files) - len(shown)
        lines.append(f"- and {n} earlier file{'s' if n != 1 else ''}.")
    lines.append("")
    if emailed:
        lines += ["Each receipt was also emailed to your registered contact when the file arrived.", ""]
    if not passed:
        lines += [f"Please fix what the {receipts} and send the whole return again by {day_in_words(due)} "
                  f"({when}).", ""]
    else:
        lines += [f"It was due on {day_in_words(due)}. Please fix what the {receipts} and send the whole return "
                  "again as soon as you can; the briefing to the Minister will show it as not received until a "
                  "return is accepted.", ""]
    subject = (f"Not accepted: please resend your return by {day_in_words(due)}" if not passed
               else f"Not accepted and overdue: your return was due on {day_in_words(due)}")
    return subject, lines


def _kept_at(settings: Settings, receipt: str) -> str:
    """Where a receipt is, relative to the home (``outbox/receipts/...``) when it is inside it."""
    path = Path(receipt)
    try:
        return path.relative_to(settings.home).as_posix()
    except ValueError:
        return str(path)
