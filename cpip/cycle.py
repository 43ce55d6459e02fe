"""The quarterly cycle, step by step: marts -> briefing.json -> publication.json -> HTML and PDF.

Each function is one step with one I/O boundary (``tasks/cycle.py`` wraps them as Prefect
tasks and ``flows/cycle.py`` lists them). Also the returns picture for ``cpip status``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from cpip.files import write_atomically
from cpip import figures
from cpip import warehouse as wh
from cpip.briefing import CycleData, annex_json, briefing_json, gather, lineage
from cpip.disclosure import publication
from cpip.periods import Period, iso
from cpip.reference import Reference
from cpip.settings import Settings


class CycleError(Exception):
    """The cycle cannot be run as asked; the message says why and what to do."""


def parse_period(text: str) -> Period:
    p = Period.parse(text)
    if p is None:
        raise CycleError(f"'{text}' is not a period; write it as YYYY-Qn, for example 2026-Q3.")
    return p


def _open(settings: Settings, ref: Reference):
    if not settings.warehouse.exists():
        raise CycleError(f"There is no warehouse at {settings.warehouse}: run `cpip init` and `cpip intake` first.")
    con = wh.connect(settings.warehouse)
    wh.ensure_schema(con)
    wh.load_reference_tables(con, ref)
    return con


def read_marts(settings: Settings, ref: Reference, period: Period) -> CycleData:
    con = _open(settings, ref)
    try:
        return gather(con, ref, period, settings.cycle.due_days)
    finally:
        con.close()


@dataclass
class Documents:
    run_id: str
    briefing: dict
    publication: dict
    annex: dict
    lineage: dict


def compose(settings: Settings, ref: Reference, data: CycleData, run_id: str | None = None,
            covering_note: str | None = None) -> Documents:
    """The four documents of a run. ``covering_note`` (plain text or simple Markdown) is the
    programme office's note given when the briefing is approved: it goes into ``annex.json``
    and opens page 1 of both forms as "From the programme office"."""
    run_id = run_id or f"cycle-{data.period}-{settings.now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    b = briefing_json(data, settings.now)
    return Documents(run_id, b, publication(b, settings.briefing.suppress_below),
                     annex_json(data, ref, run_id, settings.now, settings.briefing.suppress_below,
                                settings.cycle.due_days, settings.briefing.programme, covering_note),
                     {"run_id": run_id, **lineage(data)})


def output_dir(settings: Settings, period: Period) -> Path:
    return settings.outbox / "briefings" / str(period)




def write_documents(settings: Settings, period: Period, docs: Documents) -> dict:
    out = output_dir(settings, period)
    paths = {"briefing_json": out / "briefing.json", "publication_json": out / "publication.json",
             "annex_json": out / "annex.json", "lineage_json": out / "lineage.json"}
    for key, doc in (("briefing_json", docs.briefing), ("publication_json", docs.publication),
                     ("annex_json", docs.annex), ("lineage_json", docs.lineage)):
        write_atomically(paths[key], (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode())
    return {k: str(v) for k, v in paths.items()}


def render_form(settings: Settings, period: Period, docs: Documents, form: str) -> dict:
    """Write one form (restricted or publication) as HTML and PDF, with its figures as a
    spreadsheet and a CSV beside them."""
    from cpip.render import render_html, render_pdf

    doc = docs.briefing if form == "restricted" else docs.publication
    marking = settings.briefing.marking
    html_text = render_html(doc, docs.annex, form, marking)
    out = output_dir(settings, period) / form
    stem = f"cpip-briefing-{period}-{form}"
    html_path, pdf_path = out / f"{stem}.html", out / f"{stem}.pdf"
    xlsx_path, csv_path = out / f"{stem}-figures.xlsx", out / f"{stem}-figures.csv"
    write_atomically(html_path, html_text.encode())
    draft = (docs.annex.get("review") or {}).get("state") == "draft"  # the DRAFT line on every page (issue 12)
    write_atomically(pdf_path, render_pdf(html_text, form, marking, draft=draft))
    figures.write_xlsx(xlsx_path, doc, docs.annex, form)
    write_atomically(csv_path, figures.csv_text(doc, docs.annex).encode("utf-8-sig"))
    return {"html": str(html_path), "pdf": str(pdf_path), "figures_xlsx": str(xlsx_path),
            "figures_csv": str(csv_path)}


def record_briefing(settings: Settings, ref: Reference, period: Period, docs: Documents, written: dict) -> None:
    """The audit log: a briefing was written, from which files."""
    con = _open(settings, ref)
    pairs = [(fig, sid) for fig, sids in docs.lineage["figures"].items() for sid in sids]
    try:
        con.execute("BEGIN")
        con.execute(wh.sql("load/insert_audit"), {
            "at": [iso(settings.now)], "event": ["briefing written"], "sha256": None, "submission_id": None,
            "detail": [json.dumps({"period": str(period), "run_id": docs.run_id, "outputs": written})]})
        if pairs:
            con.execute(wh.sql("load/insert_lineage"), {"run_id": docs.run_id, "period": str(period),
                                                        "figure": [p[0] for p in pairs],
                                                        "submission_id": [p[1] for p in pairs]})
        con.execute("COMMIT")
    finally:
        con.close()


def status(settings: Settings, ref: Reference, period: Period) -> dict:
    """The returns picture for ``cpip status --json``."""
    con = _open(settings, ref)
    try:
        cur = con.execute("SELECT * FROM mart_returns($p, $d)",
                          {"p": str(period), "d": period.due_date(settings.cycle.due_days)})
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    finally:
        con.close()
    return {"period": str(period), "due_date": period.due_date(settings.cycle.due_days).isoformat(),
            "partners": [{"partner_code": r["partner_code"], "state": r["state"],
                          "first_accepted_at": iso(r["first_accepted_at"]) if r["first_accepted_at"] else None,
                          "files": int(r["files"])} for r in rows]}


def not_submitted(status_doc: dict) -> list[str]:
    """The partners from whom no file for the period has arrived at all (state ``missing``): the one
    list the reminders flow and the status page use."""
    return [p["partner_code"] for p in status_doc["partners"] if p["state"] == "missing"]
