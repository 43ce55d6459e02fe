"""Versions of a period's briefing: planning and recording each one, the files kept, the record.

Each cycle run makes **version N** of the period's briefing. With ``[review] required = true``
it is a *draft*: both forms say ``DRAFT: not approved for circulation`` on every page and
nothing goes to the private office until a named person approves it
(:mod:`cpip.review.decisions`); with ``required = false`` it is approved as it is made.

**Files.** The usual paths (``outbox/briefings/P/...``) always hold the newest version;
``outbox/briefings/P/versions/N/draft/`` and ``.../versions/N/final/`` keep each version's files
as they were, read-only.

**Revisions.** A cycle run for a period that has an approved version M makes version N (> M)
that opens with "Revised: this replaces version M of DATE" and has the annex "What changed
since version M" (:mod:`cpip.review.changes`), with the files accepted since version M behind
each change.
"""

from __future__ import annotations

import hashlib
import json
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cpip.briefing.cycle import Documents, version_dir
from cpip.core.files import write_atomically
from cpip.core.periods import Period, iso
from cpip.core.settings import Settings
from cpip.review.changes import published_changes, what_changed
from cpip.warehouse import db as wh

# Every version of a period's briefing, oldest first.
VERSIONS_OF = """
SELECT period, version, run_id, made_at, state, last_submission, replaces, code_hash, wrong_codes, flow_run_id,
       approved_by, approved_account, approved_at, outputs, deliver_to
FROM briefing_versions WHERE period = $period ORDER BY version
"""

# The newest approved version of every period (or of one): what delivery owes the private office.
LATEST_APPROVED = """
SELECT period, max(version) FROM briefing_versions
WHERE state = 'approved' AND ($period IS NULL OR period = $period) GROUP BY period ORDER BY period
"""

# The newest archive record in the warehouse (0 when none).
LAST_SUBMISSION = "SELECT coalesce(max(submission_id), 0) FROM submissions"

# Files for a period accepted after a given archive record: what a revision (or a stale draft) rests on.
ACCEPTED_SINCE = """
SELECT submission_id, original_name, folder, from_partner, partner_code, received_at, sha256
FROM submissions
WHERE period = $period AND outcome IN ('accepted', 'accepted_with_warnings') AND submission_id > $after
ORDER BY submission_id
"""

# Every decision on a period's versions, in the order they were taken.
DECISIONS_OF = """
SELECT version, decision, decided_by, account, decided_at, note
FROM review_decisions WHERE period = $period ORDER BY decided_at, decision_id
"""

# A new version of a period's briefing.
INSERT_VERSION = """
INSERT INTO briefing_versions (period, version, run_id, made_at, state, last_submission, replaces, flow_run_id,
                               approved_by, approved_account, approved_at, outputs, deliver_to)
VALUES ($period, $version, $run_id, $made_at, $state, $last_submission, $replaces, $flow_run_id,
        $approved_by, $approved_account, $approved_at, $outputs, $deliver_to)
"""

# Older drafts of the period that were never approved: a newer version replaces them.
SUPERSEDE_DRAFTS = """
UPDATE briefing_versions SET state = 'superseded', code_hash = NULL
WHERE period = $period AND state = 'draft' AND version < $version
"""

# The JSON documents of a cycle's outputs, by their key in the outputs dict.
DOCUMENT_KEYS = ("briefing_json", "publication_json", "annex_json", "lineage_json")


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
    deliver_to: list[str] | None = None  # whom it was owed to when approved (see :func:`owed_to`)

    def folder(self, settings: Settings, stage: str) -> Path:
        return version_dir(settings, Period.parse(self.period), self.version) / stage


def versions(con, period: Period | str) -> list[Version]:
    rows = con.execute(VERSIONS_OF, {"period": str(period)}).fetchall()
    out = []
    for r in rows:
        v = Version(*r)
        v.outputs = json.loads(v.outputs) if v.outputs else {}
        v.deliver_to = json.loads(v.deliver_to) if v.deliver_to else None
        out.append(v)
    return out


def owed_to(settings: Settings) -> str | None:
    """Whom a version approved now is owed to (JSON for ``briefing_versions.deliver_to``): the
    ``[email] briefing_to`` addresses, or None when email is off (nothing is sent, nothing owed)."""
    if settings.email is None or not settings.email.briefing_to:
        return None
    return json.dumps(list(settings.email.briefing_to))


def latest_approved(settings: Settings, period: Period | str | None = None) -> list[Version]:
    """The newest approved version of each period (or only of ``period``), oldest period first."""
    if not settings.warehouse.exists():
        return []
    with wh.session(settings.warehouse) as con:
        latest = con.execute(LATEST_APPROVED, {"period": str(period) if period else None}).fetchall()
        held = {p: versions(con, p) for p in {p for p, _ in latest}}
    return [next(v for v in held[p] if v.version == n) for p, n in latest]


def accepted_since(con, period: Period | str, after: int) -> list[dict]:
    """The files accepted for the period after archive record ``after``, oldest first."""
    return rows(con, ACCEPTED_SINCE, {"period": str(period), "after": after})


def decisions_of(con, period: Period | str) -> list[dict]:
    """Every decision taken on the period's versions, oldest first."""
    return rows(con, DECISIONS_OF, {"period": str(period)})


def rows(con, query: str, params: dict) -> list[dict]:
    cur = con.execute(query, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def audit(con, settings: Settings, event: str, detail: dict) -> None:
    """One line in the audit log (e.g. ``briefing version made``), at this run's time."""
    wh.audit(con, settings.now, event, detail)


# --- a new version (inside the cycle, under the home's lock) --------------------------------

def plan_version(settings: Settings, period: Period, docs: Documents) -> Documents:
    """Give the documents their version: number, state, what it replaces and what changed.

    Called with the home's lock held (in the cycle). Adds ``annex["review"]``;
    ``briefing.json`` and ``publication.json`` are untouched.
    """
    with wh.session(settings.warehouse) as con:
        held = versions(con, period)
        last_submission = con.execute(LAST_SUBMISSION).fetchall()[0][0]
        approved = [v for v in held if v.state == "approved"]
        replaces = approved[-1] if approved else None
        since = []
        if replaces is not None:
            since = accepted_since(con, period, replaces.last_submission)
    number = (held[-1].version if held else 0) + 1
    review: dict[str, Any] = {
        "version": number, "state": "draft" if settings.review.required else "approved",
        "review_required": settings.review.required, "made_at": iso(settings.now), "last_submission": last_submission,
        "approved_by": None, "approved_account": None, "approved_at": None, "replaces": None, "changes": None,
    }
    if replaces is not None:
        old = read_json(replaces.folder(settings, "final") / "briefing.json")
        review["replaces"] = {"version": replaces.version, "approved_at": iso(replaces.approved_at),
                              "approved_by": replaces.approved_by}
        review["changes"] = what_changed(old, docs.briefing, docs.lineage, since)
        # The publication form's annex: only figures shown in both versions' publication.json.
        old_public = read_json(replaces.folder(settings, "final") / "publication.json")
        review["changes_publication"] = published_changes(old_public, docs.publication, docs.lineage, since)
        review["files_since"] = [_file(f) for f in since]
    annex = {**docs.annex, "review": review, "covering_note": None}
    return Documents(docs.run_id, docs.briefing, docs.publication, annex, docs.lineage)


def _file(f: dict) -> dict:
    return {"submission_id": f["submission_id"], "file": f["original_name"], "folder": f["folder"],
            "partner_code": f["from_partner"] or f["partner_code"], "received_at": iso(f["received_at"])}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def output_files(outputs: dict) -> dict[str, Path]:
    """The files of a cycle's outputs by the name they keep inside a version folder."""
    out = {}
    for key in DOCUMENT_KEYS:
        if outputs.get(key):
            out[Path(outputs[key]).name] = Path(outputs[key])
    for form in ("restricted", "publication"):
        for kind in outputs[form]:  # html, pdf and the figures spreadsheet and CSV
            p = Path(outputs[form][kind])
            out[f"{form}/{p.name}"] = p
    return out


def keep(files: dict[str, Path], folder: Path) -> dict[str, str]:
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


def paths_in(folder: Path, outputs: dict) -> dict:
    """The outputs dict (same keys as ``cpip cycle --json``) of the copies in a version folder."""
    out = {k: str(folder / Path(outputs[k]).name) for k in DOCUMENT_KEYS if outputs.get(k)}
    for form in ("restricted", "publication"):
        out[form] = {kind: str(folder / form / Path(path).name) for kind, path in outputs[form].items()}
    return out


def record_version(settings: Settings, period: Period, docs: Documents, outputs: dict,
                   flow_run_id: str | None = None) -> dict:
    """Record version N and keep its files under ``versions/N/`` (home's lock held by the cycle).

    Returns the cycle's outputs with ``version``, ``state`` and ``version_folder`` (where the files are kept)."""
    review = docs.annex["review"]
    number, state = review["version"], review["state"]
    folder = version_dir(settings, period, number) / ("draft" if state == "draft" else "final")
    kept = keep(output_files(outputs), folder)
    with wh.session(settings.warehouse) as con:
        if any(v.version == number for v in versions(con, period)):  # a retried step
            return {**outputs, "version": number, "state": state, "version_folder": str(folder)}
        with wh.transaction(con):
            con.execute(INSERT_VERSION, {
                "period": str(period), "version": number, "run_id": docs.run_id, "made_at": settings.now,
                "state": state, "last_submission": review["last_submission"],
                "replaces": (review["replaces"] or {}).get("version"), "flow_run_id": flow_run_id,
                "approved_by": None,
                "approved_account": None if state == "draft" else "no review ([review] required = false)",
                "approved_at": None if state == "draft" else settings.now, "outputs": json.dumps(kept),
                "deliver_to": None if state == "draft" else owed_to(settings)})
            con.execute(SUPERSEDE_DRAFTS, {"period": str(period), "version": number})
            audit(con, settings, "briefing version made", {
                "period": str(period), "version": number, "state": state, "run_id": docs.run_id,
                "flow_run_id": flow_run_id, "outputs": kept})
    return {**outputs, "version": number, "state": state, "version_folder": str(folder)}


# --- an approved version, read back ------------------------------------------------------------

def approved_outputs(settings: Settings, period: Period, version: int) -> dict | None:
    """What :func:`cpip.review.decisions.approve` returned, read back (for a decision taken elsewhere first)."""
    with wh.session(settings.warehouse) as con:
        v = next((x for x in versions(con, period) if x.version == version), None)
    if v is None or v.state != "approved":
        return None
    final = v.folder(settings, "final")
    files = sorted(final.rglob("*.*"))
    pick = {p.name: p for p in files}
    def one(suffix: str, form: str | None = None) -> str:
        return str(next(p for p in files if p.name.endswith(suffix) and (form is None or p.parent.name == form)))
    outputs = {k: str(pick[name]) for k in DOCUMENT_KEYS if (name := k.replace("_json", ".json")) in pick}
    for form in ("restricted", "publication"):
        outputs[form] = {"html": one(".html", form), "pdf": one(".pdf", form),
                         "figures_xlsx": one("-figures.xlsx", form), "figures_csv": one("-figures.csv", form)}
    review = read_json(Path(outputs["annex_json"])).get("review", {}) if "annex_json" in outputs else {}
    return {"period": str(period), "version": v.version, "state": "approved", "approved_by": v.approved_by,
            "approved_account": v.approved_account, "approved_at": iso(v.approved_at), "outputs": outputs,
            "review_required": review.get("review_required", True), "flow_run_id": v.flow_run_id}


# --- the record, for cpip status ---------------------------------------------------------------

def history(settings: Settings, period: Period) -> list[dict]:
    """Every version of the period with its state, approver and decisions (``cpip status``)."""
    if not settings.warehouse.exists():
        return []
    with wh.session(settings.warehouse) as con:
        held = versions(con, period)
        decisions = decisions_of(con, period)
    return [{"version": v.version, "state": v.state, "made_at": iso(v.made_at), "approved_by": v.approved_by,
             "approved_account": v.approved_account, "approved_at": iso(v.approved_at) if v.approved_at else None,
             "replaces": v.replaces, "folder": str(version_dir(settings, period, v.version)),
             "decisions": [{"decision": d["decision"], "by": d["decided_by"], "account": d["account"],
                            "at": iso(d["decided_at"]), "note": d["note"]} for d in decisions
                           if d["version"] == v.version]} for v in held]
