"""The quarterly cycle, step by step: marts -> briefing.json -> publication.json -> HTML and PDF.

Each function is one step with one I/O boundary (``tasks/cycle.py`` wraps them as Prefect
tasks and ``flows/cycle.py`` lists them). """

from __future__ import annotations

import json
import logging
import multiprocessing
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cpip.briefing import figures
from cpip.briefing.compose import CycleData, annex_json, briefing_json, lineage, read_cycle_data
from cpip.briefing.disclosure import Protection, protect, publication, release_of, rules_for
from cpip.briefing.render import render_html, render_pdf
from cpip.core.errors import NotAsAsked
from cpip.core.files import RESTRICTED_MODE, write_atomically
from cpip.core.periods import Period
from cpip.core.settings import Settings
from cpip.reference.tables import Reference
from cpip.warehouse import db as wh


# The figures of briefing.json and the submissions each came from, recorded with the run.
INSERT_LINEAGE = """
INSERT INTO briefing_lineage (run_id, period, figure, submission_id)
SELECT $run_id, $period, unnest($figure), unnest($submission_id)
"""


# Every approved version of every period: what the publication form has made public so far.
APPROVED_VERSIONS = "SELECT period, version FROM briefing_versions WHERE state = 'approved' ORDER BY period, version"

log = logging.getLogger("cpip.briefing.cycle")


class CycleError(NotAsAsked):
    """The cycle cannot be run as asked; the message says why and what to do."""


def read_marts(settings: Settings, ref: Reference, period: Period) -> CycleData:
    """The period's figures from the marts of the home's warehouse (holding this run's reference data)."""
    with wh.home_session(settings, ref) as con:
        return read_cycle_data(con, period, settings.cycle.due_days)


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
    protection = protect(data.trends, rules_for(ref, settings.briefing.suppress_below), published(settings))
    report_suppression(data.period, protection)
    annex = annex_json(data, ref, run_id, settings.now, settings.briefing.suppress_below, settings.cycle.due_days,
                       settings.briefing.programme, covering_note, settings.briefing.headline_indicators, protection)
    # The publication's contact is kept with the version, so the draft reviewed and the version published agree.
    annex["statistics_contact"] = settings.briefing.statistics_contact
    return Documents(run_id, b, publication(b, protection), annex,
                     {"run_id": run_id, **lineage(data)})


def published(settings: Settings) -> list:
    """Every approved version of every period as the disclosure audit reads it (returns.md §10: a new
    release must protect against all of them), from the files kept under ``versions/N/final/``."""
    if not settings.warehouse.exists():
        return []
    with wh.session(settings.warehouse) as con:
        approved = con.execute(APPROVED_VERSIONS).fetchall()
    out = []
    for period, version in approved:
        final = version_dir(settings, Period.parse(period), version) / "final"
        if (final / "annex.json").is_file() and (final / "publication.json").is_file():
            out.append(release_of(f"{period} version {version}", json.loads((final / "annex.json").read_text("utf-8")),
                                  json.loads((final / "publication.json").read_text("utf-8"))))
    return out


def report_suppression(period: Period, protection: Protection) -> None:
    """The cycle's log: what the public will not see that it could, or a total, and why."""
    r = protection.report
    log.info("publication of %s: %d small values suppressed, %d more to protect them, %d national totals, %d kept "
             "as earlier versions had them (%.2f s)", period, r["primary"], r["secondary"], r["totals"], r["carried"],
             r["seconds"])
    for t in r["national_totals"]:
        log.warning("publication of %s: the national total of %s for %s is suppressed (%s)", period, t["indicator"],
                    t["period"], t["why"])
    for c in r["shown_before"]:
        log.warning("publication of %s: %s of %s for %s, shown as %s in %s, is suppressed (%s)", period,
                    c["indicator"], c["partner_code"] or "all committees", c["period"], c["shown_before"], c["shown_in"],
                    c["why"])
    for c in r["unprotectable"]:
        log.warning("publication of %s: %s of %s for %s can be narrowed down from earlier versions alone", period,
                    c["indicator"], c["partner_code"], c["period"])


def output_dir(settings: Settings, period: Period) -> Path:
    return settings.outbox / "briefings" / str(period)


def version_dir(settings: Settings, period: Period, version: int) -> Path:
    """Where version N of the period's briefing is kept (its ``draft/`` and ``final/``)."""
    return output_dir(settings, period) / "versions" / str(version)


def write_documents(settings: Settings, period: Period, docs: Documents) -> dict:
    out = output_dir(settings, period)
    paths = {"briefing_json": out / "briefing.json", "publication_json": out / "publication.json",
             "annex_json": out / "annex.json", "lineage_json": out / "lineage.json"}
    for key, doc in (("briefing_json", docs.briefing), ("publication_json", docs.publication),
                     ("annex_json", docs.annex), ("lineage_json", docs.lineage)):
        write_atomically(paths[key], (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode(),
                         mode=None if key == "publication_json" else RESTRICTED_MODE)
    return {k: str(v) for k, v in paths.items()}


FORMS = ("restricted", "publication")


def render_forms(settings: Settings, period: Period, docs: Documents) -> dict[str, dict]:
    """Write both forms, each as HTML and PDF with its figures as a spreadsheet and a CSV beside
    them, at the same time on two cores: ``{"restricted": paths, "publication": paths}``.

    WeasyPrint's layout is CPU-bound Python, so threads would only take turns: a worker process
    writes the publication form, then the restricted form's figures, while this process writes
    the restricted form's HTML and PDF (the longer document: so both finish at about the same
    time). The worker is a fork of this process when it runs no other thread (``cpip cycle``,
    ``cpip approve``: the copy starts at once, with WeasyPrint already imported); in a process
    with threads (a Prefect flow run) it comes from a forkserver instead, as a forked copy of a
    threaded process can deadlock. The cycle and an approval both write their forms here.
    """
    import weasyprint  # noqa: F401  (imported once, before the fork: the worker has it too)

    jobs = {form: form_job(settings, period, docs, form) for form in FORMS}
    with ProcessPoolExecutor(max_workers=1, mp_context=_worker_context()) as pool:
        publication = pool.submit(write_form, jobs["publication"])
        restricted_figures = pool.submit(write_figures, jobs["restricted"])
        restricted = write_document(jobs["restricted"])
        return {"restricted": {**restricted, **restricted_figures.result()}, "publication": publication.result()}


@dataclass(frozen=True)
class FormJob:
    """What writing one form needs, as plain values a worker process can be sent."""

    out: Path
    stem: str
    doc: dict
    annex: dict
    form: str
    marking: str
    draft: bool

    def path(self, suffix: str) -> Path:
        return self.out / f"{self.stem}{suffix}"

    @property
    def mode(self) -> int | None:
        """The restricted form's files are readable by owner and group only; the publication's as any file."""
        return RESTRICTED_MODE if self.form == "restricted" else None


def form_job(settings: Settings, period: Period, docs: Documents, form: str) -> FormJob:
    doc = docs.briefing if form == "restricted" else docs.publication
    draft = (docs.annex.get("review") or {}).get("state") == "draft"  # a draft carries the DRAFT line on every page
    return FormJob(output_dir(settings, period) / form, f"cpip-briefing-{period}-{form}", doc, docs.annex, form,
                   settings.briefing.marking, draft)


def _worker_context():
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["cpip.briefing.cycle", "cpip.briefing.render", "weasyprint"])
    return ctx


def write_form(job: FormJob) -> dict:
    """Write one form (restricted or publication) as HTML and PDF, with its figures as a
    spreadsheet and a CSV beside them; the paths written."""
    return {**write_document(job), **write_figures(job)}


def write_document(job: FormJob) -> dict:
    """One form as HTML and as a tagged PDF."""
    html_text = render_html(job.doc, job.annex, job.form, job.marking)
    write_atomically(job.path(".html"), html_text.encode(), mode=job.mode)
    write_atomically(job.path(".pdf"), render_pdf(html_text, job.form, job.marking, draft=job.draft), mode=job.mode)
    return {"html": str(job.path(".html")), "pdf": str(job.path(".pdf"))}


def write_figures(job: FormJob) -> dict:
    """One form's figures as a spreadsheet and a CSV."""
    figures.write_xlsx(job.path("-figures.xlsx"), job.doc, job.annex, job.form, mode=job.mode)
    write_atomically(job.path("-figures.csv"), figures.csv_text(job.doc, job.annex, job.form).encode("utf-8-sig"),
                     mode=job.mode)
    return {"figures_xlsx": str(job.path("-figures.xlsx")), "figures_csv": str(job.path("-figures.csv"))}


def briefing_outputs(settings: Settings, ref: Reference, period: Period, docs: Documents, written: dict,
                     forms: dict) -> dict:
    """The cycle's outputs (the paths of the JSON documents, then of each form's files), recorded
    in the audit log (:func:`record_briefing`)."""
    outputs = {"period": str(period), **{k: written[k] for k in ("briefing_json", "publication_json", "annex_json",
                                                                 "lineage_json")}, **{f: forms[f] for f in FORMS}}
    record_briefing(settings, ref, period, docs, outputs)
    return outputs


def record_briefing(settings: Settings, ref: Reference, period: Period, docs: Documents, written: dict) -> None:
    """The audit log: a briefing was written, from which files (and the lineage of its figures)."""
    pairs = [(fig, sid) for fig, sids in docs.lineage["figures"].items() for sid in sids]
    with wh.home_session(settings, ref) as con, wh.transaction(con):
        wh.audit(con, settings.now, "briefing written", {"period": str(period), "run_id": docs.run_id,
                                                         "outputs": written,
                                                         "disclosure": docs.annex.get("disclosure")})
        if pairs:
            con.execute(INSERT_LINEAGE, {"run_id": docs.run_id, "period": str(period),
                                         "figure": [p[0] for p in pairs], "submission_id": [p[1] for p in pairs]})
