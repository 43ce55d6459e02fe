"""Deciding on a draft: a briefing reaches the Minister's private office only after a named
person in the programme office has approved it (interfaces.md, "Review, approval and versions").

:func:`approve` (``cpip approve``, or the Prefect input form through :func:`take_decision`)
checks the draft's one-time approval code (:mod:`cpip.review.codes`), renders the forms again as
final, and records who approved which version when, with the SHA-256 of every file; delivery
to the private office follows (:func:`cpip.mail.delivery.deliver`).

**Who may decide.** A wrong code is refused and written to the audit log; after
:data:`~cpip.review.codes.MAX_WRONG_CODES` wrong codes for one draft no code is accepted until a
new cycle run. Any decision spends the code: a rejection (``cpip reject``, or "Return for
changes" in the form) needs the code and uses it up, so the draft stays a draft that no code can
approve; only a new cycle run replaces it, with a new code.
Every decision records the name given, the operating-system account (or "Prefect UI"), the time
and the version. A draft is refused once a file was accepted after it was made (it is stale).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import uuid
from pathlib import Path

from cpip.briefing.cycle import CycleError, Documents, render_forms, write_documents
from cpip.core.lock import home_lock
from cpip.core.periods import Period, iso
from cpip.core.settings import Settings
from cpip.core.text import day_in_words
from cpip.review.codes import MAX_WRONG_CODES, code_matches
from cpip.review.versions import (Version, accepted_since, approved_outputs, audit, decisions_of, keep,
                                  output_files, owed_to, paths_in, read_json, versions)
from cpip.warehouse import db as wh

MAX_NOTE_CHARS = 8000
PREFECT_UI = "Prefect UI"

APPROVE, RETURN = "Approve", "Return for changes"  # the decisions of the Prefect input form
# What cpip approve / cpip reject put in the form when they resume a waiting run, having checked the code themselves.
FROM_CLI = {"approve": "(checked by cpip approve)", "reject": "(checked by cpip reject)"}

# One more wrong approval code for a draft.
WRONG_CODE = "UPDATE briefing_versions SET wrong_codes = wrong_codes + 1 WHERE period = $period AND version = $version"

# A draft returned for changes: its code is spent (no code can approve it; a new cycle replaces it).
SPEND_CODE = "UPDATE briefing_versions SET code_hash = NULL WHERE period = $period AND version = $version"

# One decision on a draft.
INSERT_DECISION = """
INSERT INTO review_decisions (decision_id, period, version, decision, decided_by, account, decided_at, note)
VALUES ($decision_id, $period, $version, $decision, $decided_by, $account, $decided_at, $note)
"""

# A draft approved: who, when, and the files of the final version; its code can never be used again.
APPROVE_VERSION = """
UPDATE briefing_versions
SET state = 'approved', approved_by = $approved_by, approved_account = $approved_account,
    approved_at = $approved_at, outputs = $outputs, code_hash = NULL, deliver_to = $deliver_to
WHERE period = $period AND version = $version AND state = 'draft'
"""


class ReviewRefused(CycleError):
    """The decision cannot be taken as asked (exit 2); nothing was changed except, for a wrong
    code, the record of the attempt."""


class WrongCode(ReviewRefused):
    """The approval code given was missing or wrong (the attempt is recorded)."""


# --- who decides, and the covering note -------------------------------------------------------

def os_account() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no name for this uid (a container): the number still says who
        return f"uid {os.getuid()}"


def read_note(path: Path | None) -> str | None:
    """The covering note: plain text or Markdown, UTF-8, at most MAX_NOTE_CHARS characters."""
    if path is None:
        return None
    p = Path(path)
    if p.is_symlink() or not p.is_file():
        raise ReviewRefused(f"The covering note {p} is not a file; give the path of a text or Markdown file.")
    if p.stat().st_size > MAX_NOTE_CHARS * 4:
        raise ReviewRefused(f"The covering note {p} is too long; keep it under {MAX_NOTE_CHARS} characters.")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ReviewRefused(f"The covering note {p} is not UTF-8 text; save it as plain text or Markdown.") from None
    return clean_note(text)


def clean_note(text: str | None) -> str | None:
    if text is None:
        return None
    text = "".join(c for c in text.replace("\r\n", "\n").replace("\r", "\n") if c == "\n" or c == "\t" or c.isprintable())
    text = text.strip()
    if len(text) > MAX_NOTE_CHARS:
        raise ReviewRefused(f"The covering note is too long ({len(text)} characters); keep it under {MAX_NOTE_CHARS}.")
    return text or None


def _clean_name(name: str, what: str) -> str:
    name = " ".join("".join(c for c in (name or "") if c.isprintable()).split())
    if not name:
        raise ReviewRefused(f"Say who you are: {what} needs your name (and role), e.g. --by \"Jo Bloggs, Head of "
                            "Programme Office\".")
    return name[:200]


def _latest_draft(con, period: Period) -> Version:
    held = versions(con, period)
    if not held:
        raise ReviewRefused(f"There is no draft briefing for {period}: run `cpip cycle --period {period}` first.")
    v = held[-1]
    if v.state == "approved":
        by = f" by {v.approved_by}" if v.approved_by else ""
        raise ReviewRefused(f"Version {v.version} of the {period} briefing was already approved{by} on "
                            f"{day_in_words(iso(v.approved_at))}; there is no draft to decide on. Run the cycle again to "
                            "make a revised version.")
    return v


def _check_code(settings: Settings, con, v: Version, code: str, who: str, account: str) -> None:
    """Refuse (and record) a wrong code; after MAX_WRONG_CODES, refuse every code; a draft returned
    for changes takes no code at all (its code was spent by that decision)."""
    returned = [d for d in decisions_of(con, v.period) if d["version"] == v.version and d["decision"] == "returned"]
    if returned:
        audit(con, settings, "approval code refused", {"period": v.period, "version": v.version, "by": who,
                                                       "account": account, "reason": "spent"})
        d = returned[-1]
        raise ReviewRefused(f"Version {v.version} of the {v.period} briefing was returned for changes by "
                            f"{d['decided_by']} on {day_in_words(iso(d['decided_at']))}, which spent its approval "
                            f"code; no code can approve or return it now. Run `cpip cycle --period {v.period}` to "
                            "make a new draft with a new code.")
    if v.wrong_codes >= MAX_WRONG_CODES or v.code_hash is None:
        audit(con, settings, "approval code refused", {"period": v.period, "version": v.version, "by": who,
                                                       "account": account, "reason": "locked"})
        raise ReviewRefused(f"Version {v.version} of the {v.period} briefing takes no more codes: "
                            f"{MAX_WRONG_CODES} wrong codes were given. Run `cpip cycle --period {v.period}` to make "
                            "a new draft with a new code.")
    if code_matches(code, v.code_hash):
        return
    con.execute(WRONG_CODE, {"period": v.period, "version": v.version})
    audit(con, settings, "approval code refused", {"period": v.period, "version": v.version, "by": who,
                                                   "account": account, "reason": "missing" if not code else "wrong",
                                                   "attempt": v.wrong_codes + 1})
    left = MAX_WRONG_CODES - v.wrong_codes - 1
    what = ("No approval code was given" if not code else
            f"That is not the approval code for version {v.version} of the {v.period} briefing")
    raise WrongCode(f"{what} (it is in the email that told the reviewers of this draft; give it as --code). {left} "
                    f"more attempt{'s' if left != 1 else ''} before the draft takes no code; this attempt was recorded.")


def _draft_for(settings: Settings, con, period: Period, code: str, who: str, account: str) -> Version:
    """The latest draft, if the code is its code. A refusal commits the record of the wrong code
    (and nothing else) before it is raised."""
    v = _latest_draft(con, period)
    refused = None
    with wh.transaction(con):
        try:
            _check_code(settings, con, v, code, who, account)
        except ReviewRefused as exc:
            refused = exc  # committed with the transaction: the record of the wrong code stays
    if refused is not None:
        raise refused
    return v


def _check_fresh(con, v: Version) -> None:
    newer = accepted_since(con, v.period, v.last_submission)
    if newer:
        names = ", ".join(f["original_name"] for f in newer[:5]) + (f" and {len(newer) - 5} more" if len(newer) > 5 else "")
        raise ReviewRefused(f"Version {v.version} of the {v.period} briefing is stale: {len(newer)} file"
                            f"{'s were' if len(newer) != 1 else ' was'} accepted for {v.period} after it was made "
                            f"({names}). Nothing was approved; run `cpip cycle --period {v.period}` for a new draft.")


def _decision(con, settings: Settings, v: Version, decision: str, who: str, account: str, note: str | None) -> None:
    con.execute(INSERT_DECISION, {
        "decision_id": uuid.uuid4().hex, "period": v.period, "version": v.version, "decision": decision,
        "decided_by": who, "account": account, "decided_at": settings.now, "note": note})


def approve(settings: Settings, period: Period, by: str, code: str, note: str | None = None,
            account: str | None = None) -> dict:
    """Approve the latest draft of the period: check the code, render the final forms, record it.

    Raises :class:`ReviewRefused` (changing nothing but the record of a wrong code) when there is
    no draft, it is already approved, the code is wrong, or a file was accepted after it was made.
    Returns what ``cpip approve --json`` prints, before delivery (``emailed`` is added by
    :func:`cpip.mail.delivery.deliver`).
    """
    who = _clean_name(by, "cpip approve")
    account = account or os_account()
    note = clean_note(note)
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        with wh.session(settings.warehouse) as con:
            v = _draft_for(settings, con, period, code, who, account)
            _check_fresh(con, v)
        # The final forms are rendered as the cycle renders them (cpip.briefing.cycle.render_forms), the
        # warehouse closed meanwhile; the home's lock is held throughout.
        draft = v.folder(settings, "draft")
        annex = read_json(draft / "annex.json")
        annex["review"] = {**annex["review"], "state": "approved", "approved_by": who, "approved_account": account,
                           "approved_at": iso(settings.now)}
        annex["covering_note"] = note
        annex.setdefault("statistics_contact", settings.briefing.statistics_contact)  # a draft made before it was kept
        docs = Documents(annex["run_id"], read_json(draft / "briefing.json"), read_json(draft / "publication.json"),
                         annex, read_json(draft / "lineage.json"))
        written = write_documents(settings, period, docs)
        outputs = {"period": str(period), **written, **render_forms(settings, period, docs)}
        final = v.folder(settings, "final")
        kept = keep(output_files(outputs), final)
        with wh.session(settings.warehouse) as con, wh.transaction(con):
            con.execute(APPROVE_VERSION, {
                "period": str(period), "version": v.version, "approved_by": who, "approved_account": account,
                "approved_at": settings.now, "outputs": json.dumps(kept), "deliver_to": owed_to(settings)})
            _decision(con, settings, v, "approved", who, account, note)
            audit(con, settings, "briefing approved", {
                "period": str(period), "version": v.version, "by": who, "account": account,
                "at": iso(settings.now), "covering_note_sha256": hashlib.sha256(note.encode()).hexdigest() if note else None,
                "outputs": kept})
    return {"period": str(period), "version": v.version, "state": "approved", "approved_by": who,
            "approved_account": account, "approved_at": iso(settings.now), "outputs": paths_in(final, outputs),
            "review_required": True, "flow_run_id": v.flow_run_id}


def reject(settings: Settings, period: Period, by: str, code: str, reason: str, account: str | None = None) -> dict:
    """Record that changes were asked for: the draft stays a draft, and its code is spent (no code
    approves it now; a new cycle run makes a new draft with a new code)."""
    who = _clean_name(by, "cpip reject")
    account = account or os_account()
    reason = clean_note(reason)
    if not reason:
        raise ReviewRefused("Say what needs to change: --reason \"...\".")
    with home_lock(settings.lock_path, settings.intake.lock_timeout_seconds), wh.session(settings.warehouse) as con:
        v = _draft_for(settings, con, period, code, who, account)
        with wh.transaction(con):
            con.execute(SPEND_CODE, {"period": str(period), "version": v.version})
            _decision(con, settings, v, "returned", who, account, reason)
            audit(con, settings, "briefing returned for changes", {
                "period": str(period), "version": v.version, "by": who, "account": account, "at": iso(settings.now),
                "reason": reason})
    return {"period": str(period), "version": v.version, "state": "draft", "returned_by": who,
            "account": account, "returned_at": iso(settings.now), "reason": reason, "flow_run_id": v.flow_run_id}


# --- a decision typed in the Prefect form of a waiting cycle run -------------------------------

def was_returned(settings: Settings, period: Period, version: int) -> bool:
    """Whether changes were asked for on this version (with ``cpip reject`` or the form)."""
    with wh.session(settings.warehouse) as con:
        decided = decisions_of(con, period)
    return any(d["version"] == version and d["decision"] == "returned" for d in decided)


def decision_request(outputs: dict) -> str:
    """What the waiting run's input form says (markdown): which draft, where it is, what to give."""
    return (f"**Version {outputs['version']} of the {outputs['period']} briefing is a draft waiting for a "
            f"decision.**\n\nThe draft: `{outputs['restricted']['pdf']}` (restricted) and "
            f"`{outputs['publication']['pdf']}` (publication). Give your name and role, your decision, "
            "the approval code from the email to the reviewers, and (optional) a covering note.")


def take_decision(settings: Settings, outputs: dict, decision: dict) -> dict:
    """Apply a decision typed in the Prefect form: ``{"settled": bool, "outputs": ...}``.

    Settled when the draft was approved (here, or first with ``cpip approve``), returned for
    changes, or can no longer be decided (stale, replaced, locked); not settled after a wrong
    code, so the run waits again."""
    period = Period.parse(outputs["period"])
    done = approved_outputs(settings, period, outputs["version"])
    if done is not None:  # decided first elsewhere (cpip approve, which then resumed this run)
        return {"settled": True, "outputs": {**outputs, **done}}
    if decision["decision"] == RETURN and decision["approval_code"] == FROM_CLI["reject"] and \
            was_returned(settings, period, outputs["version"]):  # returned first with cpip reject
        return {"settled": True, "outputs": {**outputs, "returned": "with cpip reject"}}
    try:
        if decision["decision"] == APPROVE:
            result = approve(settings, period, decision["approver"], decision["approval_code"],
                             decision.get("covering_note") or None, account=PREFECT_UI)
            return {"settled": True, "outputs": {**outputs, **result}}
        result = reject(settings, period, decision["approver"], decision["approval_code"],
                        decision.get("covering_note") or "Returned for changes (no reason given).", account=PREFECT_UI)
        return {"settled": True, "outputs": {**outputs, "returned": result}}
    except ReviewRefused as exc:
        return {"settled": not isinstance(exc, WrongCode), "outputs": {**outputs, "refused": str(exc)}}

