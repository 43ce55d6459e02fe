"""Review, approval and versions: a briefing reaches the Minister's private office only after a
named person in the programme office has approved it (interfaces.md, "Review, approval and
versions").

Each cycle run makes **version N** of the period's briefing. With ``[review] required = true``
it is a *draft*: both forms say ``DRAFT: not approved for circulation`` on every page, the
reviewers are emailed (with a link to the restricted form, never an OFFICIAL-SENSITIVE
attachment unless ``briefing_attach`` says so) and a **one-time approval code** that only that
email carries; nothing goes to the private office. :func:`approve` (``cpip approve``, or the
Prefect input form) checks the code, renders the forms again as final, records who approved
which version when, with the SHA-256 of every file, and :func:`deliver` sends it once.

**Who may decide.** The code is 16 characters from a 32-letter alphabet (80 random bits); the
warehouse keeps only a salted PBKDF2 hash. A wrong code is refused and written to the audit
log; after :data:`MAX_WRONG_CODES` wrong codes for one draft no code is accepted until a new
cycle run. A rejection (``cpip reject``) needs the code too but does not use it up: the draft
stays a draft, and may still be approved, or be replaced by running the cycle again. Every
decision records the name given, the operating-system account (or "Prefect UI"), the time and
the version.

**Files.** The usual paths (``outbox/briefings/P/...``) always hold the newest version;
``outbox/briefings/P/versions/N/draft/`` and ``.../versions/N/final/`` keep each version's files
as they were, read-only.

**Revisions.** A cycle run for a period that has an approved version M makes version N (> M)
that opens with "Revised: this replaces version M of DATE" and has the annex "What changed
since version M": every figure of ``briefing.json`` that differs (item status, RAG, percent
complete and movement; the status totals; movement counts; the returns picture; the national
indicator totals and the number of committees reporting; the open data-quality queries), old
and new side by side, with the files accepted since version M behind each change.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import secrets
import stat
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cpip.core.files import write_atomically
from cpip.warehouse import db as wh
from cpip.briefing.cycle import CycleError, Documents, output_dir
from cpip.core.lock import writer_lock
from cpip.core.periods import Period, iso
from cpip.core.settings import Settings
from cpip.core.vocabulary import AT_RISK, COMPLETE, NO_RETURN, OFF_TRACK, ON_TRACK
from cpip.core.text import day_in_words

MAX_WRONG_CODES = 5
MAX_NOTE_CHARS = 8000
PREFECT_UI = "Prefect UI"
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off an email and typed
_PBKDF2_ROUNDS = 200_000


class ReviewRefused(CycleError):
    """The decision cannot be taken as asked (exit 2); nothing was changed except, for a wrong
    code, the record of the attempt."""


class WrongCode(ReviewRefused):
    """The approval code given was missing or wrong (the attempt is recorded)."""


@dataclass
class Version:
    period: str
    version: int
    run_id: str
    made_at: datetime
    state: str
    last_submission: int
    replaces: int | None
    code_hash: str | None
    wrong_codes: int
    flow_run_id: str | None
    approved_by: str | None
    approved_account: str | None
    approved_at: datetime | None
    outputs: dict

    def folder(self, settings: Settings, stage: str) -> Path:
        return version_dir(settings, Period.parse(self.period), self.version) / stage


def version_dir(settings: Settings, period: Period, version: int) -> Path:
    return output_dir(settings, period) / "versions" / str(version)


def versions(con, period: Period | str) -> list[Version]:
    rows = con.execute(wh.sql("review/versions_of"), {"period": str(period)}).fetchall()
    out = []
    for r in rows:
        v = Version(*r)
        v.outputs = json.loads(v.outputs) if v.outputs else {}
        out.append(v)
    return out


# --- the one-time approval code -------------------------------------------------------------

def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _normal(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())


def hash_code(code: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", _normal(code).encode(), salt, _PBKDF2_ROUNDS)
    return f"{salt.hex()}${digest.hex()}"


def code_matches(code: str, stored: str | None) -> bool:
    if not stored or not code:
        return False
    salt, _, digest = stored.partition("$")
    return hmac.compare_digest(hash_code(code, bytes.fromhex(salt)).partition("$")[2], digest)


# --- a new version (inside the cycle, under the writer lock) --------------------------------

def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def plan_version(settings: Settings, period: Period, docs: Documents) -> Documents:
    """Give the documents their version: number, state, what it replaces and what changed.

    Called with the home's writer lock held (in the cycle). Adds ``annex["review"]``;
    ``briefing.json`` and ``publication.json`` are untouched.
    """
    with wh.session(settings.warehouse) as con:
        held = versions(con, period)
        last_submission = con.execute(wh.sql("review/last_submission")).fetchall()[0][0]
        approved = [v for v in held if v.state == "approved"]
        replaces = approved[-1] if approved else None
        since = []
        if replaces is not None:
            since = _rows(con, wh.sql("review/accepted_since"), {"period": str(period), "after": replaces.last_submission})
    number = (held[-1].version if held else 0) + 1
    review: dict[str, Any] = {
        "version": number, "state": "draft" if settings.review.required else "approved",
        "review_required": settings.review.required, "made_at": iso(settings.now), "last_submission": last_submission,
        "approved_by": None, "approved_account": None, "approved_at": None, "replaces": None, "changes": None,
    }
    if replaces is not None:
        old = _read_json(replaces.folder(settings, "final") / "briefing.json")
        review["replaces"] = {"version": replaces.version, "approved_at": iso(replaces.approved_at),
                              "approved_by": replaces.approved_by}
        review["changes"] = what_changed(old, docs.briefing, docs.lineage, since)
        review["files_since"] = [_file(f) for f in since]
    annex = {**docs.annex, "review": review, "covering_note": None}
    return Documents(docs.run_id, docs.briefing, docs.publication, annex, docs.lineage)


def _rows(con, query: str, params: dict) -> list[dict]:
    cur = con.execute(query, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _file(f: dict) -> dict:
    return {"submission_id": f["submission_id"], "file": f["original_name"], "folder": f["folder"],
            "partner_code": f["from_partner"] or f["partner_code"], "received_at": iso(f["received_at"])}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _output_files(outputs: dict) -> dict[str, Path]:
    """The files of a cycle's outputs by the name they keep inside a version folder."""
    out = {}
    for key in ("briefing_json", "publication_json", "annex_json", "lineage_json"):
        if outputs.get(key):
            out[Path(outputs[key]).name] = Path(outputs[key])
    for form in ("restricted", "publication"):
        for kind in outputs[form]:  # html, pdf and the figures spreadsheet and CSV
            p = Path(outputs[form][kind])
            out[f"{form}/{p.name}"] = p
    return out


def _keep(files: dict[str, Path], folder: Path) -> dict[str, str]:
    """Copy the files into a version folder, read-only; {kept path: sha256}."""
    kept = {}
    for name, src in files.items():
        dst = folder / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.exists():  # a retried step: the version's copy is already there, and stays as it was
            kept[str(dst)] = _sha256(dst)
            continue
        write_atomically(dst, Path(src).read_bytes(), mode=stat.S_IRUSR | stat.S_IRGRP)
        kept[str(dst)] = _sha256(dst)
    return kept


def _paths_in(folder: Path, outputs: dict) -> dict:
    """The outputs dict (same keys as ``cpip cycle --json``) of the copies in a version folder."""
    out = {k: str(folder / Path(outputs[k]).name) for k in ("briefing_json", "publication_json", "annex_json",
                                                             "lineage_json") if outputs.get(k)}
    for form in ("restricted", "publication"):
        out[form] = {kind: str(folder / form / Path(path).name) for kind, path in outputs[form].items()}
    return out


def record_version(settings: Settings, period: Period, docs: Documents, outputs: dict,
                   flow_run_id: str | None = None) -> dict:
    """Record version N and keep its files under ``versions/N/`` (writer lock held by the cycle).

    Returns the cycle's outputs with ``version``, ``state`` and ``version_folder`` (where the files are kept)."""
    review = docs.annex["review"]
    number, state = review["version"], review["state"]
    folder = version_dir(settings, period, number) / ("draft" if state == "draft" else "final")
    kept = _keep(_output_files(outputs), folder)
    with wh.session(settings.warehouse) as con:
        if any(v.version == number for v in versions(con, period)):  # a retried step
            return {**outputs, "version": number, "state": state, "version_folder": str(folder)}
        with wh.transaction(con):
            con.execute(wh.sql("review/insert_version"), {
                "period": str(period), "version": number, "run_id": docs.run_id, "made_at": settings.now,
                "state": state, "last_submission": review["last_submission"],
                "replaces": (review["replaces"] or {}).get("version"), "flow_run_id": flow_run_id,
                "approved_by": None,
                "approved_account": None if state == "draft" else "no review ([review] required = false)",
                "approved_at": None if state == "draft" else settings.now, "outputs": json.dumps(kept)})
            con.execute(wh.sql("review/supersede_drafts"), {"period": str(period), "version": number})
            _audit(con, settings, "briefing version made", {
                "period": str(period), "version": number, "state": state, "run_id": docs.run_id,
                "flow_run_id": flow_run_id, "outputs": kept})
    return {**outputs, "version": number, "state": state, "version_folder": str(folder)}


# --- telling the reviewers -------------------------------------------------------------------

_ISSUED: dict[tuple[str, int], str] = {}  # codes issued in this process: a retried send re-sends the same code


def issue_code(settings: Settings, period: str, version: int) -> tuple[str, bool]:
    """The draft's approval code, made once per process and draft; (code, replaces an earlier one)."""
    key = (f"{settings.home}/{period}", version)
    if key in _ISSUED:
        return _ISSUED[key], False
    code = new_code()
    with writer_lock(settings.lock_path, settings.intake.lock_timeout_seconds), wh.session(settings.warehouse) as con:
        had = next((v.code_hash for v in versions(con, period) if v.version == version), None)
        con.execute(wh.sql("review/set_code"), {"period": period, "version": version, "code_hash": hash_code(code)})
    _ISSUED[key] = code
    return code, had is not None


def reviewer_message(settings: Settings, outputs: dict, code: str, replaces_code: bool):
    """The email to the reviewers: what the draft says, where it is, and the approval code."""
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    from cpip.mail.delivery import Outgoing
    from cpip.core.settings import EmailSettings

    email = settings.email or EmailSettings()
    period, number = outputs["period"], outputs["version"]
    b = _read_json(Path(outputs["briefing_json"]))
    annex = _read_json(Path(outputs["annex_json"]))
    marking = settings.briefing.marking
    msg = EmailMessage()
    msg["Subject"] = f"For approval: {settings.briefing.programme} briefing, {period}, version {number} (draft)"
    msg["From"] = email.sender
    msg["To"] = ", ".join(settings.review.reviewers)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=email.sender.split("@")[-1] or "cpip.local")
    r = annex["review"]
    lines = [f"Version {number} of the {period} briefing is ready for your approval. It has not been sent to "
             "the Minister's private office: it goes there only when one of you approves it.", ""]
    if r.get("replaces"):
        changes = r.get("changes") or []
        lines += [f"It revises version {r['replaces']['version']}, approved on {day_in_words(r['replaces']['approved_at'])}: "
                  f"{len(changes)} figure{'s' if len(changes) != 1 else ''} changed (see the annex "
                  f"\"What changed since version {r['replaces']['version']}\").", ""]
    for kind, t in b["totals"].items():
        total = sum(t.values())
        lines.append(f"- {total} {kind}{'s' if total != 1 else ''}: {t[COMPLETE]} complete, {t[ON_TRACK]} on track, "
                     f"{t[AT_RISK]} at risk, {t[OFF_TRACK]} off track, {t[NO_RETURN]} without a return.")
    ret = b["returns"]
    lines += [f"- Returns: {ret['accepted']} of {ret['expected']} partners accepted ({len(ret['late'])} late).", "",
              f"The draft (restricted, {marking}): {email.briefing_link or outputs['restricted']['pdf']}",
              f"The draft (publication version): {outputs['publication']['pdf']}", ""]
    lines += ["To approve it, with a covering note of the points the Minister should take from it (optional):",
              f'  cpip approve --period {period} --by "YOUR NAME, ROLE" --note note.md --code CODE',
              f'To ask for changes:  cpip reject --period {period} --by "YOUR NAME" --reason "..." --code CODE',
              "Or use the form on the waiting cycle run in the Prefect UI, if the cycle ran there.", ""]
    if replaces_code:
        lines.append("This code replaces any approval code sent before for this draft.")
    lines += [f"Approval code: {code}", "",
              "The code works for this draft only, and only once. Do not forward this email. If you did not "
              "expect it, tell the programme office.", "", f"Run {annex['run_id']}."]
    msg.set_content("\n".join(lines))
    forms = {"publication": ["publication"], "restricted": ["restricted"], "both": ["restricted", "publication"],
             "none": []}[email.briefing_attach]
    for form in forms:
        pdf = Path(outputs[form]["pdf"])
        msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)
    return Outgoing(f"review/{period}/version-{number}/{hashlib.sha256(code.encode()).hexdigest()[:12]}", msg)


def redacted(item):
    """The same message with the approval code blanked: the copy kept in the outbox never holds it."""
    import copy

    from cpip.mail.delivery import Outgoing

    msg = copy.deepcopy(item.msg)
    body = msg.get_body(preferencelist=("plain",))
    text = "\n".join("Approval code: (sent only in the email)" if ln.startswith("Approval code: ") else ln
                     for ln in body.get_content().splitlines())
    body.set_content(text)
    return Outgoing(item.key, msg)


def tell_reviewers(settings: Settings, outputs: dict) -> dict:
    """Email the reviewers of a draft once, with its approval code; without [email] (or without
    reviewers) the code is returned instead, for ``cpip cycle`` to print."""
    from cpip.mail import delivery

    if outputs.get("state") != "draft":
        return outputs
    code, replaces_code = issue_code(settings, outputs["period"], outputs["version"])
    if settings.email is None or not settings.review.reviewers:
        return {**outputs, "approval_code": code, "reviewers_emailed": []}
    msg = reviewer_message(settings, outputs, code, replaces_code)
    delivery.keep_copy(settings, f"review-{outputs['period']}-version-{outputs['version']}", [redacted(msg)])
    delivery.send(settings, [msg])
    delivery.record_event(settings, "reviewers told", {"period": outputs["period"], "version": outputs["version"],
                                                       "to": msg.recipients, "key": msg.key})
    return {**outputs, "reviewers_emailed": msg.recipients}


# --- deciding --------------------------------------------------------------------------------

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
    """Refuse (and record) a wrong code; after MAX_WRONG_CODES, refuse every code."""
    if v.wrong_codes >= MAX_WRONG_CODES or v.code_hash is None:
        _audit(con, settings, "approval code refused", {"period": v.period, "version": v.version, "by": who,
                                                        "account": account, "reason": "locked"})
        raise ReviewRefused(f"Version {v.version} of the {v.period} briefing takes no more codes: "
                            f"{MAX_WRONG_CODES} wrong codes were given. Run `cpip cycle --period {v.period}` to make "
                            "a new draft with a new code.")
    if code_matches(code, v.code_hash):
        return
    con.execute(wh.sql("review/wrong_code"), {"period": v.period, "version": v.version})
    _audit(con, settings, "approval code refused", {"period": v.period, "version": v.version, "by": who,
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
    newer = _rows(con, wh.sql("review/accepted_since"), {"period": v.period, "after": v.last_submission})
    if newer:
        names = ", ".join(f["original_name"] for f in newer[:5]) + (f" and {len(newer) - 5} more" if len(newer) > 5 else "")
        raise ReviewRefused(f"Version {v.version} of the {v.period} briefing is stale: {len(newer)} file"
                            f"{'s were' if len(newer) != 1 else ' was'} accepted for {v.period} after it was made "
                            f"({names}). Nothing was approved; run `cpip cycle --period {v.period}` for a new draft.")


def _audit(con, settings: Settings, event: str, detail: dict) -> None:
    con.execute(wh.sql("load/insert_audit"), {"at": [iso(settings.now)], "event": [event], "sha256": None,
                                              "submission_id": None, "detail": [json.dumps(detail)]})


def _decision(con, settings: Settings, v: Version, decision: str, who: str, account: str, note: str | None) -> None:
    con.execute(wh.sql("review/insert_decision"), {
        "decision_id": uuid.uuid4().hex, "period": v.period, "version": v.version, "decision": decision,
        "decided_by": who, "account": account, "decided_at": settings.now, "note": note})


def approve(settings: Settings, period: Period, by: str, code: str, note: str | None = None,
            account: str | None = None) -> dict:
    """Approve the latest draft of the period: check the code, render the final forms, record it.

    Raises :class:`ReviewRefused` (changing nothing but the record of a wrong code) when there is
    no draft, it is already approved, the code is wrong, or a file was accepted after it was made.
    Returns what ``cpip approve --json`` prints, before delivery (``emailed`` is added by
    :func:`deliver`).
    """
    from cpip.briefing.cycle import render_forms, write_documents

    who = _clean_name(by, "cpip approve")
    account = account or os_account()
    note = clean_note(note)
    with writer_lock(settings.lock_path, settings.intake.lock_timeout_seconds):
        with wh.session(settings.warehouse) as con:
            v = _draft_for(settings, con, period, code, who, account)
            _check_fresh(con, v)
        # The final forms are rendered as the cycle renders them (cpip.briefing.cycle.render_forms), the
        # warehouse closed meanwhile; the writer lock is held throughout.
        draft = v.folder(settings, "draft")
        annex = _read_json(draft / "annex.json")
        annex["review"] = {**annex["review"], "state": "approved", "approved_by": who, "approved_account": account,
                           "approved_at": iso(settings.now)}
        annex["covering_note"] = note
        docs = Documents(annex["run_id"], _read_json(draft / "briefing.json"), _read_json(draft / "publication.json"),
                         annex, _read_json(draft / "lineage.json"))
        written = write_documents(settings, period, docs)
        outputs = {"period": str(period), **written, **render_forms(settings, period, docs)}
        final = v.folder(settings, "final")
        kept = _keep(_output_files(outputs), final)
        with wh.session(settings.warehouse) as con, wh.transaction(con):
            con.execute(wh.sql("review/approve_version"), {
                "period": str(period), "version": v.version, "approved_by": who, "approved_account": account,
                "approved_at": settings.now, "outputs": json.dumps(kept)})
            _decision(con, settings, v, "approved", who, account, note)
            _audit(con, settings, "briefing approved", {
                "period": str(period), "version": v.version, "by": who, "account": account,
                "at": iso(settings.now), "covering_note_sha256": hashlib.sha256(note.encode()).hexdigest() if note else None,
                "outputs": kept})
    return {"period": str(period), "version": v.version, "state": "approved", "approved_by": who,
            "approved_account": account, "approved_at": iso(settings.now), "outputs": _paths_in(final, outputs),
            "review_required": True, "flow_run_id": v.flow_run_id}


def reject(settings: Settings, period: Period, by: str, code: str, reason: str, account: str | None = None) -> dict:
    """Record that changes were asked for: the draft stays a draft (and its code stays usable)."""
    who = _clean_name(by, "cpip reject")
    account = account or os_account()
    reason = clean_note(reason)
    if not reason:
        raise ReviewRefused("Say what needs to change: --reason \"...\".")
    with writer_lock(settings.lock_path, settings.intake.lock_timeout_seconds), wh.session(settings.warehouse) as con:
        v = _draft_for(settings, con, period, code, who, account)
        with wh.transaction(con):
            _decision(con, settings, v, "returned", who, account, reason)
            _audit(con, settings, "briefing returned for changes", {
                "period": str(period), "version": v.version, "by": who, "account": account, "at": iso(settings.now),
                "reason": reason})
    return {"period": str(period), "version": v.version, "state": "draft", "returned_by": who,
            "account": account, "returned_at": iso(settings.now), "reason": reason, "flow_run_id": v.flow_run_id}


def approved_outputs(settings: Settings, period: Period, version: int) -> dict | None:
    """What :func:`approve` returned, read back (for a decision taken elsewhere first)."""
    with wh.session(settings.warehouse) as con:
        v = next((x for x in versions(con, period) if x.version == version), None)
    if v is None or v.state != "approved":
        return None
    final = v.folder(settings, "final")
    files = sorted(final.rglob("*.*"))
    pick = {p.name: p for p in files}
    def one(suffix: str, form: str | None = None) -> str:
        return str(next(p for p in files if p.name.endswith(suffix) and (form is None or p.parent.name == form)))
    outputs = {k: str(pick[n]) for k, n in (("briefing_json", "briefing.json"), ("publication_json", "publication.json"),
                                            ("annex_json", "annex.json"), ("lineage_json", "lineage.json")) if n in pick}
    for form in ("restricted", "publication"):
        outputs[form] = {"html": one(".html", form), "pdf": one(".pdf", form),
                         "figures_xlsx": one("-figures.xlsx", form), "figures_csv": one("-figures.csv", form)}
    return {"period": str(period), "version": v.version, "state": "approved", "approved_by": v.approved_by,
            "approved_account": v.approved_account, "approved_at": iso(v.approved_at), "outputs": outputs,
            "review_required": True, "flow_run_id": v.flow_run_id}


# --- delivery of an approved version ---------------------------------------------------------

def deliver(settings: Settings, outputs: dict) -> dict:
    """Email an approved version (or, with review not required, the cycle's briefing) to
    ``briefing_to``, each recipient once. Not for drafts: they are never delivered."""
    from cpip.mail import delivery

    if outputs.get("state") == "draft" or (settings.email is not None and not settings.email.briefing_to):
        return {**outputs, "emailed": [], "emailed_before": []}
    paths = outputs.get("outputs", outputs)
    b, annex = _read_json(Path(paths["briefing_json"])), _read_json(Path(paths["annex_json"]))
    if settings.email is None:  # nothing is sent; the message that would have been is kept in outbox/mail/
        msg = delivery.Outgoing("briefing/unsent", delivery.briefing_message(settings, paths, b, annex))
        delivery.keep_copy(settings, f"briefing-{b['period']}", [msg])
        return {**outputs, "emailed": [], "emailed_before": []}
    if outputs.get("review_required"):
        key = f"briefing/{b['period']}/version-{outputs['version']}"
    else:
        key = delivery.briefing_key(b, _read_json(Path(paths["publication_json"])), annex, settings.email.briefing_attach)
    msg = delivery.Outgoing(key, delivery.briefing_message(settings, paths, b, annex))
    delivery.keep_copy(settings, f"briefing-{b['period']}", [msg])
    sent = delivery.send(settings, [msg])
    if sent.now:
        delivery.record_event(settings, "briefing delivered", {
            "run_id": annex["run_id"], "version": outputs.get("version"), "key": msg.key,
            "to": [r for _, r in sent.now], "attached": settings.email.briefing_attach})
    return {**outputs, "emailed": msg.recipients, "emailed_before": [r for _, r in sent.before]}


# --- what changed since the version the Minister has -----------------------------------------

ITEM_FIELDS = (("status", "status"), ("rag", "RAG"), ("percent_complete", "percent complete"),
               ("movement", "movement"))


def _show(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, list):
        return ", ".join(v) if v else "none"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def figures(b: dict) -> dict[str, tuple[str, Any]]:
    """The figures a revision compares: path -> (label, value)."""
    out: dict[str, tuple[str, Any]] = {}
    for i in b["items"]:
        for f, label in ITEM_FIELDS:
            out[f"items.{i['item_id']}.{f}"] = (f"{i['item_id']}: {label}", i[f])
    for kind, t in b["totals"].items():
        for s, n in t.items():
            out[f"totals.{kind}.{s}"] = (f"{kind.capitalize()}s {s}", n)
    for m, n in b["movement"].items():
        out[f"movement.{m}"] = (f"Items {m} since last quarter", n)
    labels = {"expected": "Returns expected", "accepted": "Returns accepted", "late": "Late returns",
              "missing": "Partners missing", "rejected_only": "Partners with only rejected files"}
    for k, v in b["returns"].items():
        out[f"returns.{k}"] = (labels.get(k, k), v)
    for ind, v in b["indicators"]["national"].items():
        out[f"indicators.national.{ind}"] = (f"National total: {ind}", v)
    out["indicators.reporting_cpcs"] = ("Committees reporting indicators", b["indicators"]["reporting_cpcs"])
    out["data_quality.open_warnings"] = ("Open data-quality queries", b["data_quality"]["open_warnings"])
    return out


def what_changed(old: dict, new: dict, lineage: dict, since: list[dict]) -> list[dict]:
    """Every compared figure whose value differs, old and new, with the files behind the change.

    A figure of one item or one indicator names the newly accepted files its lineage points to;
    the totals and movement, the files that changed an item's status; the returns picture, the
    new files of the partners whose state changed. When none can be named, every file accepted
    since is listed (the change may come from a file being superseded).
    """
    before, after = figures(old), figures(new)
    new_ids = {f["submission_id"]: f for f in since}
    lin = lineage.get("figures", {})

    def files(ids) -> list[str]:
        return sorted({new_ids[i]["original_name"] for i in ids if i in new_ids})

    status_files = {i for k, ids in lin.items() if k.startswith("items.") and k.endswith(".status") for i in ids}
    old_state = _partner_states(old)
    new_state = _partner_states(new)
    moved = {p for p in set(old_state) | set(new_state) if old_state.get(p) != new_state.get(p)}
    out = []
    for path in list(after) + [p for p in before if p not in after]:
        label, new_v = after.get(path, before.get(path, (path, None)))[0], after.get(path, (None, None))[1]
        old_v = before.get(path, (None, None))[1]
        if old_v == new_v:
            continue
        if path.startswith("items."):
            item = path.split(".")[1]
            why = files(lin.get(f"items.{item}.status", []))
        elif path.startswith("indicators.national."):
            why = files(lin.get(path, []))
        elif path.startswith(("totals.", "movement.")):
            why = files(status_files)
        elif path.startswith("returns."):
            why = sorted({f["original_name"] for f in since if (f["from_partner"] or f["partner_code"]) in moved})
        else:
            why = []
        if not why:
            why = sorted({f["original_name"] for f in since})
        out.append({"figure": path, "label": label, "old": old_v, "new": new_v, "old_text": _show(old_v),
                    "new_text": _show(new_v), "files": why})
    return out


def _partner_states(b: dict) -> dict[str, str]:
    r = b["returns"]
    out = {}
    for state in ("late", "missing", "rejected_only"):
        for p in r.get(state, []):
            out[p] = state
    return out


# --- the record, for cpip status ---------------------------------------------------------------

def history(settings: Settings, period: Period) -> list[dict]:
    """Every version of the period with its state, approver and decisions (``cpip status``)."""
    if not settings.warehouse.exists():
        return []
    with wh.session(settings.warehouse) as con:
        held = versions(con, period)
        decisions = _rows(con, wh.sql("review/decisions_of"), {"period": str(period)})
    return [{"version": v.version, "state": v.state, "made_at": iso(v.made_at), "approved_by": v.approved_by,
             "approved_account": v.approved_account, "approved_at": iso(v.approved_at) if v.approved_at else None,
             "replaces": v.replaces, "folder": str(version_dir(settings, period, v.version)),
             "decisions": [{"decision": d["decision"], "by": d["decided_by"], "account": d["account"],
                            "at": iso(d["decided_at"]), "note": d["note"]} for d in decisions
                           if d["version"] == v.version]} for v in held]



# --- a cycle run waiting in Prefect ----------------------------------------------------------

def was_returned(settings: Settings, period: Period, version: int) -> bool:
    """Whether changes were asked for on this version (with ``cpip reject`` or the form)."""
    with wh.session(settings.warehouse) as con:
        rows = _rows(con, wh.sql("review/decisions_of"), {"period": str(period)})
    return any(d["version"] == version and d["decision"] == "returned" for d in rows)


APPROVE, RETURN = "Approve", "Return for changes"  # the decisions of the Prefect input form
# What cpip approve / cpip reject put in the form when they resume a waiting run, having checked the code themselves.
FROM_CLI = {"approve": "(checked by cpip approve)", "reject": "(checked by cpip reject)"}


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


def resume_waiting_run(settings: Settings, flow_run_id: str | None, run_input: dict) -> bool:
    """Resume the Prefect cycle run that made this draft, if it is waiting (suspended) for a
    decision: it then finishes the work itself (delivers an approved version), so a decision
    taken with ``cpip approve`` never delivers beside it. False when there is no such run."""
    import logging
    from uuid import UUID

    if not flow_run_id or not settings.prefect_api_url:
        return False
    try:
        from prefect.client.orchestration import get_client
        from prefect.flow_runs import resume_flow_run

        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(flow_run_id)).state
        if state is None or not state.is_paused():
            return False
        resume_flow_run(UUID(flow_run_id), run_input=run_input)
        return True
    except Exception as exc:  # the server is down, or the run cannot be resumed: the command does the rest
        logging.getLogger("cpip.review.decisions").warning("could not resume the waiting cycle run %s (%s); delivering from "
                                                 "here instead", flow_run_id, type(exc).__name__)
        return False


def wait_for_run(settings: Settings, flow_run_id: str, seconds: float = 300) -> str | None:
    """Wait for a resumed run to finish; its final state's name, or None if it is still going."""
    import time
    from uuid import UUID

    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            state = client.read_flow_run(UUID(flow_run_id)).state
            if state is not None and state.is_final():
                return state.name
            time.sleep(1)
    return None


def emailed(settings: Settings, result: dict) -> list[str]:
    """The private-office recipients who have this approved version."""
    from cpip.mail import delivery

    if settings.email is None:
        return []
    done = delivery.already_sent(settings, [f"briefing/{result['period']}/version-{result['version']}"])
    return [r for r in settings.email.briefing_to if any(rc == r.lower() for _, rc in done)]
