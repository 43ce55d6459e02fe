"""Fast tests of the domain: periods, values, reference data, the rule catalogue (settings: test_settings.py)."""

from __future__ import annotations

import ast
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from cpip.core.periods import UK, Period, is_late, parse_now
from cpip.reference.rules import RULES
from cpip.core.settings import load_settings
from cpip.core.values import canonical_number, cut, read_date, whole_number


def test_periods():
    p = Period.parse(" 2026-Q3 ")
    assert p == Period(2026, 3) and str(p) == "2026-Q3"
    assert (p.first_day, p.last_day) == (date(2026, 7, 1), date(2026, 9, 30))
    assert Period(2026, 4).last_day == date(2026, 12, 31) and Period(2026, 1).last_day == date(2026, 3, 31)
    assert p.due_date(28) == date(2026, 10, 28)
    assert Period(2026, 1).previous() == Period(2025, 4) and Period(2025, 4).next() == Period(2026, 1)
    for bad in ["2026-q3", "2026Q3", "2026-Q0", "26-Q3", "", None, 2026]:
        assert Period.parse(bad) is None


def test_clock_reads_uk_local_time_with_fold_0():
    t = parse_now("2026-10-25T01:30")  # the ambiguous hour when clocks go back: fold=0 is BST
    assert t.utcoffset().total_seconds() == 3600
    assert parse_now("2026-07-01T12:00+00:00").astimezone(UK).hour == 13
    assert parse_now(None).tzinfo is not None


def test_late_is_after_the_due_date_any_time_that_day():
    p = Period(2026, 3)
    assert not is_late(p, datetime(2026, 10, 28, 23, 59, tzinfo=UK), 28)
    assert is_late(p, datetime(2026, 10, 29, 0, 0, tzinfo=UK), 28)


@pytest.mark.parametrize("value,expected", [
    (date(2026, 1, 2), date(2026, 1, 2)), (datetime(2026, 1, 2, 15, 0), date(2026, 1, 2)),
    ("2026-01-02", date(2026, 1, 2)), ("02/01/2026", date(2026, 1, 2)), ("2/1/2026", date(2026, 1, 2)),
    (" 2026-01-02 ", date(2026, 1, 2)), ("2026-01-02 10:30:00", date(2026, 1, 2)),
    ("12/31/2026", None), ("31/02/2026", None), ("2026/01/02", None), ("next week", None), (46000.0, None), (None, None),
])
def test_dates_are_uk_order_never_us(value, expected):
    assert read_date(value) == expected


@pytest.mark.parametrize("value,expected", [
    (50, 50), (50.0, 50), ("50", 50), (" 50 ", 50), ("50.0", 50), ("050", 50),
    (50.5, None), ("50.5", None), ("1,234", None), ("fifty", None), (True, None), (None, None), ("-3", -3),
])
def test_whole_numbers(value, expected):
    assert whole_number(value) == expected


def test_staged_numbers_keep_what_was_typed_when_not_whole():
    assert canonical_number(" 7 ") == "7" and canonical_number("7.5") == "7.5" and canonical_number("") is None


def test_values_are_cut_to_200_characters():
    assert len(cut("x" * 5000)) == 200 and cut(None) is None and cut(12.0) == "12"


def test_shipped_reference_is_consistent(ref):
    assert len(ref.items) == 47 and len(ref.partners) == 40 and len(ref.indicators) == 19
    assert sum(1 for p in ref.partners.values() if p.reports_indicators) == 30
    for item in ref.items.values():
        assert ref.assignments[item.lead_partner][item.item_id] == "lead"


def _write_ref(tmp_path, **overrides):
    src = Path(__file__).resolve().parents[2] / "cpip" / "reference" / "data" / "reference"
    folder = tmp_path / "reference"
    folder.mkdir(exist_ok=True)
    lines = ["[reference]"]
    for name in ("register", "partners", "assignments", "indicators"):
        text = overrides.get(name) or (src / f"{name}.csv").read_text()
        (folder / f"{name}.csv").write_text(text)
        lines.append(f'{name} = "reference/{name}.csv"')
    (tmp_path / "cpip.toml").write_text("\n".join(lines) + "\n")
    return load_settings(tmp_path, {})


def test_contradictory_reference_data_is_refused_with_every_problem(tmp_path):
    from cpip.reference.tables import ReferenceDataError, load_reference

    src = Path(__file__).resolve().parents[2] / "cpip" / "reference" / "data" / "reference"
    assignments = (src / "assignments.csv").read_text()
    assignments += "A-SR-1,CELCIS,lead\nA-NOPE,CELCIS,contributor\nA-SR-2,NOBODY,contributor\n"
    settings = _write_ref(tmp_path, assignments=assignments)
    with pytest.raises(ReferenceDataError) as err:
        load_reference(settings)
    msg = str(err.value)
    assert "A-SR-1 has 2 leads" in msg and "'A-NOPE' is not in the register" in msg and "'NOBODY' is not in partners" in msg


def test_a_lead_that_differs_from_the_register_is_refused(tmp_path):
    from cpip.reference.tables import ReferenceDataError, load_reference

    src = Path(__file__).resolve().parents[2] / "cpip" / "reference" / "data" / "reference"
    text = (src / "assignments.csv").read_text().replace("A-SR-1,SG-CPIP,lead", "A-SR-1,CELCIS,lead")
    with pytest.raises(ReferenceDataError, match="A-SR-1 is led by CELCIS but the register names SG-CPIP"):
        load_reference(_write_ref(tmp_path, assignments=text))


def test_blank_and_repeated_ids_in_each_reference_table_are_refused(tmp_path):
    from cpip.reference.tables import ReferenceDataError, load_reference

    src = Path(__file__).resolve().parents[2] / "cpip" / "reference" / "data" / "reference"
    def plus(name: str, *rows: str) -> str:
        text = (src / f"{name}.csv").read_text()
        return text + "\n".join(rows) + "\n"
    first = {n: (src / f"{n}.csv").read_text().splitlines()[1] for n in ("partners", "register", "indicators")}
    settings = _write_ref(tmp_path, partners=plus("partners", first["partners"], "," + first["partners"].split(",", 1)[1]),
                          register=plus("register", first["register"]),
                          indicators=plus("indicators", first["indicators"], ",Nameless,children,"))
    with pytest.raises(ReferenceDataError) as err:
        load_reference(settings)
    msg = str(err.value)
    code, item, ind = (first[n].split(",")[0] for n in ("partners", "register", "indicators"))
    assert f"partner {code} is listed twice" in msg and "partner_code is blank" in msg
    assert f"item {item} is listed twice" in msg
    assert f"indicator {ind} is listed twice" in msg and "indicator_id is blank" in msg


# --- the one rule catalogue -----------------------------------------------------------------


def test_rule_catalogue_has_every_rule_of_the_spec_once():
    expected = ([f"F0{i}" for i in range(1, 4)] + [f"C0{i}" for i in range(1, 7)] +
                [f"P{i:02d}" for i in range(1, 15)] + [f"I0{i}" for i in range(1, 7)])
    assert list(RULES) == expected
    warnings = {r for r, x in RULES.items() if x.severity == "warning"}
    assert warnings == {"P11", "P12", "P13", "P14", "I05", "I06"}
    for r in RULES.values():
        assert r.title and r.fix.endswith(".")


def test_every_expectation_names_a_catalogued_rule_and_says_what_is_wrong():
    from cpip.intake.checks.columns import SUITES, load_suite

    seen = set()
    for name in SUITES:
        suite = load_suite(name)
        assert suite["name"] == name
        for e in suite["expectations"]:
            assert e["meta"]["rule"] in RULES
            assert e["meta"]["what"].endswith(".")
            seen.add(e["meta"]["rule"])
    assert seen == {"C01", "C02", "C04", "C05", "P01", "P05", "P06", "P09", "P10", "I01", "I02"}


def _rules_raised_in_code(root: Path) -> set[str]:
    """The rule ids the code can raise: the first argument of a call (``make_issue("P08", ...)``,
    ``Finding("C03", ...)``) or its ``rule=`` argument, and each expectation's ``meta.rule``. An id
    that is only named (a comment, a docstring, a list of ids) does not count."""
    raised = set()
    for p in (root / "cpip").rglob("*.py"):
        if p.name == "rules.py":
            continue
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Call):
                args = node.args[:1] + [k.value for k in node.keywords if k.arg in ("rule", "rule_id")]
                raised |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    for p in (root / "expectations").glob("*.json"):
        raised |= {e["meta"]["rule"] for e in json.loads(p.read_text())["expectations"]}
    return raised


def test_every_rule_is_raised_somewhere_in_the_code():
    """A rule in the catalogue that no check can raise would be a promise we do not keep."""
    raised = _rules_raised_in_code(Path(__file__).resolve().parents[2])
    assert sorted(set(RULES) - raised) == []
    assert "P08" in raised and "I06" in raised and "C01" in raised  # a check, a warning, an expectation


def test_a_rule_only_named_in_a_comment_is_not_raised(tmp_path):
    (tmp_path / "cpip").mkdir()
    (tmp_path / "expectations").mkdir()
    (tmp_path / "cpip" / "m.py").write_text('"""P08 is checked elsewhere."""\n# P08\nIDS = ["P08"]\n'
                                            'x = make_issue("P05", "what")\n')
    assert _rules_raised_in_code(tmp_path) == {"P05"}


def test_rule_catalogue_page_lists_every_rule():
    from cpip.intake.receipts import render_rule_catalogue

    page = render_rule_catalogue("A Test Programme")
    assert "A Test Programme" in page
    for r in RULES.values():
        assert f'id="{r.id}"' in page


def test_the_committed_suites_are_what_the_vocabulary_generates():
    """expectations/*.json are derived from cpip.core.vocabulary and cpip.core.values (as `uv lock --check`)."""
    from cpip.intake.checks import suites

    assert suites.stale() == [], "run `cpip expectations --write` and commit the result"
    progress = suites.suites()["progress"]["expectations"]
    status = next(e for e in progress if e["kwargs"]["column"] == "status")
    from cpip.core.vocabulary import STATUSES, TEXT_LIMITS

    assert status["kwargs"]["value_set"] == [s.lower() for s in STATUSES]
    narrative = next(e for e in progress if e["kwargs"]["column"] == "narrative")
    assert narrative["kwargs"]["max_value"] == TEXT_LIMITS["narrative"]


def test_a_stale_suite_is_found(tmp_path, monkeypatch):
    from cpip.intake.checks import suites

    for name, suite in suites.suites().items():
        (tmp_path / f"{name}.json").write_text(suites.as_text(suite), encoding="utf-8")
    monkeypatch.setattr(suites, "folder", lambda: tmp_path)
    assert suites.stale() == []
    p = tmp_path / "progress.json"
    p.write_text(p.read_text().replace('"max_value": 2000', '"max_value": 2001'))
    assert suites.stale() == ["progress"]
    assert suites.write() == ["progress"] and suites.stale() == []


def test_the_warehouse_reads_the_statuses_from_the_vocabulary(tmp_path):
    from cpip.core import vocabulary
    from cpip.warehouse import db as wh
    from cpip.warehouse.migrations import ensure_schema
    from cpip.reference.tables import load_reference

    con = wh.connect(tmp_path / "w.duckdb")
    ensure_schema(con)
    wh.load_reference_tables(con, load_reference())
    rows = con.execute("SELECT status, scale, rag FROM ref_statuses ORDER BY status_order").fetchall()
    assert [r[0] for r in rows] == [*vocabulary.STATUSES, vocabulary.NO_RETURN]
    assert dict(con.execute("SELECT * FROM status_scale").fetchall()) == vocabulary.SCALE
    assert {r[0]: r[2] for r in rows if r[2]} == vocabulary.RAG
    con.close()


def test_the_shipped_reference_data_is_the_shared_contracts_copy():
    """cpip/reference/data/reference is the project's own copy of shared/reference (the contract
    with partners, beside the repository on every developer's machine and in CI): kept in step."""
    root = Path(__file__).resolve().parents[2]
    shared = root.parent / "shared" / "reference"
    if not shared.is_dir():
        pytest.skip("no shared/reference beside this checkout")
    ours = root / "cpip" / "reference" / "data" / "reference"
    names = sorted(p.name for p in shared.iterdir() if p.is_file())
    assert names == sorted(p.name for p in ours.iterdir() if p.is_file() and p.name != "__init__.py")
    stale = [n for n in names if (shared / n).read_bytes() != (ours / n).read_bytes()]
    assert not stale, f"copy these from shared/reference: {stale}"
