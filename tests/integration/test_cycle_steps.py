"""The cycle's steps as plain functions: both forms rendered at once, on two cores, exactly as
one by one; the period a run is for; the record of a briefing written in one transaction."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest

from cpip.core.errors import NotAsAsked

from cpip.core.periods import UK, Period
from tests.conftest import NOW

pytestmark = pytest.mark.slow  # cycles with both forms rendered to PDF


@pytest.fixture
def drafted(home):
    """Documents of a 2026-Q3 cycle (a draft: the DRAFT line on every page) and the settings."""
    from cpip.briefing import cycle
    from cpip.review import versions
    from cpip.reference.tables import load_reference
    from cpip.core.settings import load_settings

    home.drop_xlsx(home.sample("CPC-MORAY"))
    home.drop_progress_csv(home.sample("SSSC"))
    home.intake()
    settings = load_settings(home.path, {"CPIP_NOW": NOW})
    ref = load_reference(settings)
    period = Period(2026, 3)
    docs = versions.plan_version(settings, period, cycle.compose(settings, ref, cycle.read_marts(settings, ref, period)))
    return settings, period, docs


def _same_as_one_by_one(settings, period, docs, got: dict) -> None:
    from cpip.briefing import cycle

    assert list(got) == ["restricted", "publication"]
    for form in cycle.FORMS:
        paths = got[form]
        assert sorted(paths) == ["figures_csv", "figures_xlsx", "html", "pdf"]
        html, csv, pdf = (Path(paths[k]).read_bytes() for k in ("html", "figures_csv", "pdf"))
        alone = cycle.write_form(cycle.form_job(settings, period, docs, form))  # written again, in this process
        assert alone == paths
        assert Path(alone["html"]).read_bytes() == html and Path(alone["figures_csv"]).read_bytes() == csv
        assert pdf.startswith(b"%PDF-")
        assert abs(len(Path(alone["pdf"]).read_bytes()) - len(pdf)) < 200  # the same document (dates aside)


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_both_forms_render_at_once_as_they_do_one_by_one(drafted, monkeypatch, start):
    import multiprocessing

    from cpip.briefing import cycle

    settings, period, docs = drafted
    if start == "fork":  # what a process without other threads gets (cpip cycle, cpip approve)
        monkeypatch.setattr(cycle, "_worker_context", lambda: multiprocessing.get_context("fork"))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)  # as a Prefect flow run has threads of its own
    other.start()
    try:
        assert cycle._worker_context().get_start_method() == start
        got = cycle.render_forms(settings, period, docs)
    finally:
        stop.set()
        other.join()
    _same_as_one_by_one(settings, period, docs, got)


def test_the_worker_is_a_fork_only_of_a_process_without_other_threads():
    import subprocess
    import sys

    probe = ("import threading, cpip.briefing.cycle as c; a = c._worker_context().get_start_method(); "
             "t = threading.Thread(target=threading.Event().wait, daemon=True); t.start(); "
             "print(a, c._worker_context().get_start_method())")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["fork", "forkserver"]


def test_a_form_that_fails_in_the_worker_fails_the_step(drafted):
    from dataclasses import replace


    from cpip.briefing import cycle

    settings, period, docs = drafted
    broken = replace(docs, publication={"period": str(period)})  # no figures: the publication form cannot be written
    with pytest.raises(KeyError):
        cycle.render_forms(settings, period, broken)


def test_record_briefing_writes_the_audit_line_and_lineage_together_or_not_at_all(drafted, home):
    from dataclasses import replace

    import duckdb

    from cpip.briefing import cycle
    from cpip.reference.tables import load_reference

    settings, period, docs = drafted
    ref = load_reference(settings)
    written = cycle.write_documents(settings, period, docs)
    forms = {f: {"html": f"{f}.html", "pdf": f"{f}.pdf"} for f in cycle.FORMS}
    before = home.query("SELECT count(*) FROM audit_log WHERE event = 'briefing written'")[0][0]
    bad = replace(docs, lineage={**docs.lineage, "figures": {"items.X.status": ["not a submission id"]}})
    with pytest.raises(duckdb.ConversionException, match="not a submission id"):  # not an INTEGER submission id
        cycle.briefing_outputs(settings, ref, period, bad, written, forms)
    assert home.query("SELECT count(*) FROM audit_log WHERE event = 'briefing written'")[0][0] == before  # rolled back
    outputs = cycle.briefing_outputs(settings, ref, period, docs, written, forms)
    assert list(outputs) == ["period", "briefing_json", "publication_json", "annex_json", "lineage_json",
                             "restricted", "publication"]
    assert home.query("SELECT count(*) FROM audit_log WHERE event = 'briefing written'")[0][0] == before + 1
    assert home.query("SELECT count(*) FROM briefing_lineage WHERE run_id = $r", {"r": docs.run_id})[0][0] == sum(
        len(v) for v in docs.lineage["figures"].values())


def test_which_period_a_run_is_for():
    from cpip.collection.schedules import cycle_period, reminder_period, template_period

    now = datetime(2026, 11, 10, 9, 0, tzinfo=UK)  # 2026-Q3 was due on 28 October
    assert cycle_period(None, now, 28) == "2026-Q3" and cycle_period("2025-Q4", now, 28) == "2025-Q4"
    assert reminder_period("after", None, now, 28) == Period(2026, 3)
    assert reminder_period("before", None, now, 28) == Period(2026, 4)  # due 28 January 2027
    assert reminder_period("before", "2026-Q2", now, 28) == Period(2026, 2)
    with pytest.raises(NotAsAsked, match="'before' or 'after'"):
        reminder_period("during", None, now, 28)
    with pytest.raises(NotAsAsked, match="not a period"):
        reminder_period("after", "2026-Q5", now, 28)
    assert template_period(None, now) == Period(2026, 3) and template_period("2027-Q1", now) == Period(2027, 1)
