"""No status name, RAG colour, colour value or text limit is written outside cpip/core/vocabulary.py.

The vocabulary has one home. This test scans the product's own code and
fails, naming the file, line and what was found, when one of those values is written again:

- **Python** (``cpip/**/*.py``, ``tasks/``, ``flows/``): every string literal, found with
  :mod:`tokenize` (so f-strings are scanned whole, text and replacement fields), that holds a
  status name or "No return" (case-sensitive, as whole words: "on track" in a sentence is a
  phrase, "On track" is the name), is exactly a RAG colour's name ("Green"), or holds a hex
  colour; and every integer equal to a text limit *used as a limit*: compared with ``len(…)``,
  given as a keyword whose name says limit/max/length, a slice bound, or written in a string as
  "N characters".
- **SQL** (``sql/**/*.sql``): the same in string literals, and a limit compared with
  ``length(…)``.
- **Templates** (``templates/*.j2``, ``*.css``): string literals inside Jinja tags as in Python;
  in the template's own text (markup and CSS) a hex colour anywhere, a CSS class named after a
  RAG colour (``.rag-green``, ``.sev-amber``: generated from the vocabulary instead), a status
  name that is the whole text of an element or a whole attribute value, and "N characters".
- **JSON** that is not generated (none today besides the suites).

What is not scanned, and why:

- Comments and docstrings (Python ``#`` and docstrings found with :mod:`ast`; SQL ``--`` and
  ``/* */``; Jinja ``{# #}``) are documentation: they may name a status in prose ("an item On
  track whose forecast…"). They are not read by the program, so they cannot make it disagree
  with itself.
- ``expectations/*.json``: the Great Expectations suites are *generated* from the vocabulary
  (``cpip expectations --write``), so they are derived, not a second home; the staleness test
  (``test_the_committed_suites_are_what_the_vocabulary_generates``) fails when they differ from
  what the vocabulary generates.
- Tests, docs and bench are not product code (tests spell the values out on purpose, to check
  the product against the spec).

The scanner itself is tested: each kind of literal is planted in a temporary copy of a file and
must be caught (a test that cannot fail is a defect).
"""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

from cpip.core import vocabulary

ROOT = Path(__file__).resolve().parents[2]
HOME = Path("cpip/core/vocabulary.py")
PRODUCT_DIRS = ("cpip", "tasks", "flows", "sql", "templates", "expectations")
GENERATED_JSON = ("expectations/",)  # derived from the vocabulary; test_domain checks they are current

NAMES = (*vocabulary.STATUSES, vocabulary.NO_RETURN)
RAG_WORDS = tuple(sorted(set(vocabulary.RAG.values())))
LIMITS = frozenset(vocabulary.TEXT_LIMITS.values())

_NAME_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(re.escape(n) for n in NAMES) + r")(?![A-Za-z])")
_HEX_RE = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})(?![0-9A-Za-z_-])")
_CHARS_RE = re.compile(r"(?<![\d,.])(\d[\d,]*)\s+(?:characters|chars)\b")
_RAG_CLASS_RE = re.compile(r"\.(?:rag|sev)-(" + "|".join(w.lower() for w in RAG_WORDS) + r"|none)\b")
_LIMIT_WORDS = re.compile(r"limit|max|length|longest", re.I)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _in_text(text: str) -> list[str]:
    """What a string literal's text (Python, SQL or Jinja) must not hold."""
    out = [f"status name {m.group(1)!r}" for m in _NAME_RE.finditer(text)]
    out += [f"colour {m.group(0)}" for m in _HEX_RE.finditer(text)]
    out += [f"text limit {m.group(1)}" for m in _CHARS_RE.finditer(text)
            if int(m.group(1).replace(",", "")) in LIMITS]
    return out


def _literal_value(token: str) -> str | None:
    """A plain (not f-) string token's value, to compare it with a RAG word exactly."""
    try:
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _docstring_starts(tree: ast.AST) -> set[tuple[int, int]]:
    starts = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                starts.add((first.value.lineno, first.value.col_offset))
    return starts


def _is_limit(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value in LIMITS


def _is_len(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"


def scan_python(source: str, path: str) -> list[Finding]:
    tree = ast.parse(source)
    docstrings = _docstring_starts(tree)
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.STRING or tok.start in docstrings:
            continue
        whats = _in_text(tok.string)
        value = _literal_value(tok.string)
        if value in RAG_WORDS:
            whats.append(f"RAG colour {value!r}")
        out += [Finding(path, tok.start[0], w) for w in whats]
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_len(s) for s in sides):
                out += [Finding(path, s.lineno, f"text limit {s.value} compared with len()") for s in sides
                        if _is_limit(s)]
        elif isinstance(node, ast.keyword) and node.arg and _LIMIT_WORDS.search(node.arg) and _is_limit(node.value):
            out.append(Finding(path, node.value.lineno, f"text limit {node.value.value} as {node.arg}="))
        elif isinstance(node, ast.Slice):
            out += [Finding(path, b.lineno, f"text limit {b.value} as a slice bound")
                    for b in (node.lower, node.upper) if b is not None and _is_limit(b)]
    return out


# SQL: comments, string literals (with '' escapes) and quoted identifiers, in one pass.
_SQL_TOKEN = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", re.S)
_SQL_LENGTH_LIMIT = re.compile(r"\b(?:length|char_length|len|strlen)\s*\([^()]*\)\s*(?:<=|<|>=|>|=|<>|!=)\s*(\d+)"
                               r"|(\d+)\s*(?:<=|<|>=|>|=|<>|!=)\s*(?:length|char_length|len|strlen)\s*\(", re.I)


def scan_sql(source: str, path: str) -> list[Finding]:
    out = []
    code = []  # the SQL with comments and literals blanked (newlines kept, so line numbers hold)
    last = 0
    for m in _SQL_TOKEN.finditer(source):
        code.append(source[last:m.start()])
        code.append(re.sub(r"[^\n]", " ", m.group(0)))
        last = m.end()
        text = m.group(0)
        if text.startswith("'"):
            line = source.count("\n", 0, m.start()) + 1
            whats = _in_text(text)
            if text[1:-1].replace("''", "'") in RAG_WORDS:
                whats.append(f"RAG colour {text}")
            out += [Finding(path, line, w) for w in whats]
    code.append(source[last:])
    blanked = "".join(code)
    for m in _SQL_LENGTH_LIMIT.finditer(blanked):
        n = int(m.group(1) or m.group(2))
        if n in LIMITS:
            out.append(Finding(path, blanked.count("\n", 0, m.start()) + 1, f"text limit {n} compared with length()"))
    return out


_TAG_TEXT = re.compile(r">\s*([^<>{}]+?)\s*<")
_ATTRIBUTE = re.compile(r"=\s*\"([^\"{}]*)\"|=\s*'([^'{}]*)'")


def scan_template(source: str, path: str) -> list[Finding]:
    import jinja2

    out = []
    env = jinja2.Environment()
    data: list[tuple[int, str]] = []
    for line, kind, value in env.lex(source):
        if kind == "string":
            text = value
            whats = [w for w in _in_text(text)]
            if text.strip("'\"") in RAG_WORDS:
                whats.append(f"RAG colour {text}")
            out += [Finding(path, line, w) for w in whats]
        elif kind == "data":
            data.append((line, value))
    for first, text in data:
        def at(pos: int) -> int:
            return first + text.count("\n", 0, pos)
        out += [Finding(path, at(m.start()), f"colour {m.group(0)}") for m in _HEX_RE.finditer(text)]
        out += [Finding(path, at(m.start()), f"CSS class {m.group(0)} named after a RAG colour")
                for m in _RAG_CLASS_RE.finditer(text)]
        for m in (*_TAG_TEXT.finditer(text), *_ATTRIBUTE.finditer(text)):
            whole = next(g for g in m.groups() if g is not None)
            if whole.strip() in NAMES:
                out.append(Finding(path, at(m.start()), f"status name {whole.strip()!r} in the markup"))
        out += [Finding(path, at(m.start()), f"text limit {m.group(1)}") for m in _CHARS_RE.finditer(text)
                if int(m.group(1).replace(",", "")) in LIMITS]
    return out


def _json_values(value, key: str | None = None):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _json_values(k)
            yield from _json_values(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _json_values(v, key)
    else:
        yield key, value


def scan_json(source: str, path: str) -> list[Finding]:
    out = []
    for key, value in _json_values(json.loads(source)):
        if isinstance(value, str):
            whats = _in_text(value) + ([f"RAG colour {value!r}"] if value in RAG_WORDS else [])
            out += [Finding(path, 0, w) for w in whats]
        elif type(value) is int and value in LIMITS and key and _LIMIT_WORDS.search(key):
            out.append(Finding(path, 0, f"text limit {value} as {key!r}"))
    return out


def product_files(root: Path) -> list[Path]:
    files = [*root.glob("cpip/**/*.py"), *root.glob("tasks/**/*.py"), *root.glob("flows/**/*.py"),
             *root.glob("sql/**/*.sql"), *root.glob("templates/**/*.j2"), *root.glob("templates/**/*.css"),
             *root.glob("*.json"), *(p for d in PRODUCT_DIRS for p in root.glob(f"{d}/**/*.json"))]
    return sorted(p for p in set(files) if p.relative_to(root) != HOME and not p.is_symlink())


def scan_file(root: Path, p: Path) -> list[Finding]:
    rel = p.relative_to(root).as_posix()
    if p.suffix == ".json" and rel.startswith(GENERATED_JSON):
        return []
    scanner = {".py": scan_python, ".sql": scan_sql, ".json": scan_json}.get(p.suffix, scan_template)
    return scanner(p.read_text(encoding="utf-8"), rel)


def scan(root: Path) -> list[Finding]:
    return [f for p in product_files(root) for f in scan_file(root, p)]


def test_no_status_colour_or_limit_is_written_outside_the_vocabulary():
    found = scan(ROOT)
    assert not found, "Written outside cpip/core/vocabulary.py (use its names instead):\n" + "\n".join(map(str, found))


def test_the_scanner_reads_the_product():
    """The scan covers every kind of product file (so a moved directory cannot empty it)."""
    rels = [p.relative_to(ROOT).as_posix() for p in product_files(ROOT)]
    for expected in ("cpip/briefing/render.py", "cpip/intake/checks/history.py", "tasks/cycle.py", "flows/cycle.py",
                     "sql/marts/10_mart_item_status.sql", "templates/briefing.html.j2", "templates/base.html.j2"):
        assert expected in rels
    assert "cpip/core/vocabulary.py" not in rels


# --- the scanner catches what it must (each planted in a temporary copy of the product) ---------

PLANTS = [
    # (file, text appended, what the finding says)
    ("cpip/briefing/render.py", '\nX = item["status"] == "On track"\n', "status name 'On track'"),
    ("cpip/briefing/render.py", '\nX = f"{n} items are Off track"\n', "status name 'Off track'"),
    ("cpip/review/decisions.py", '\nX = {"No return": 0}\n', "status name 'No return'"),
    ("cpip/briefing/figures.py", '\nX = "Amber"\n', "RAG colour 'Amber'"),
    ("cpip/briefing/render.py", "\nX = f'<rect fill=\"#00703c\"/>'\n", "colour #00703c"),
    ("cpip/intake/checks/__init__.py", "\ndef f(v):\n    return len(v) > 2000\n", "text limit 2000 compared with len()"),
    ("cpip/collection/templates.py", "\nX = dict(max_length=300)\n", "text limit 300 as max_length="),
    ("cpip/review/decisions.py", "\ndef f(v):\n    return v[:500]\n", "text limit 500 as a slice bound"),
    ("cpip/reference/rules.py", '\nX = "Milestone text is at most 300 characters."\n', "text limit 300"),
    ("tasks/cycle.py", '\nX = "Complete"\n', "status name 'Complete'"),
    ("flows/cycle.py", '\nX = ("At risk",)\n', "status name 'At risk'"),
    ("sql/marts/10_mart_item_status.sql", "\nSELECT 1 WHERE 'Not started' = 'x';\n", "status name 'Not started'"),
    ("sql/marts/10_mart_item_status.sql", "\nSELECT 'Red' AS rag;\n", "RAG colour 'Red'"),
    ("sql/staging/11_stg_current_parts.sql", "\nSELECT 1 WHERE length(narrative) > 2000;\n",
     "text limit 2000 compared with length()"),
    ("templates/briefing.html.j2", "\n<style>.x { color: #d4351c; }</style>\n", "colour #d4351c"),
    ("templates/briefing.html.j2", "\n<style>.rag-green { color: black; }</style>\n", "CSS class .rag-green"),
    ("templates/briefing.html.j2", "\n<td>On track</td>\n", "status name 'On track' in the markup"),
    ("templates/briefing.html.j2", '\n<td class="Complete"></td>\n', "status name 'Complete' in the markup"),
    ("templates/briefing.html.j2", '\n{% if i.status == "At risk" %}x{% endif %}\n', "status name 'At risk'"),
    ("templates/base.html.j2", "\n<p>Write at most 1,000 characters.</p>\n", "text limit 1,000"),
    ("cpip/reference/data/planted.json", '{"statuses": ["On track"]}', "status name 'On track'"),
    ("cpip/reference/data/planted.json", '{"maxLength": 500}', "text limit 500"),
]


@pytest.fixture(scope="module")
def copy_of_product(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("product")
    for part in PRODUCT_DIRS:
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.mark.parametrize("rel, planted, what", PLANTS, ids=[f"{p[0]}:{p[2]}" for p in PLANTS])
def test_the_scanner_catches_a_planted_literal(copy_of_product, rel, planted, what):
    path = copy_of_product / rel
    before = path.read_text(encoding="utf-8") if path.exists() else None
    baseline = {str(f) for f in scan_file(copy_of_product, path)} if before is not None else set()
    try:
        path.write_text((before or "") + planted, encoding="utf-8")
        assert path in product_files(copy_of_product)  # the scan reads it …
        new = [f for f in scan_file(copy_of_product, path) if str(f) not in baseline]
        assert any(f.path == rel and what in f.what for f in new), new  # … and finds what was planted
    finally:
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")


@pytest.mark.parametrize("rel, planted", [
    ("cpip/briefing/render.py", '\ndef f():\n    """Items On track and At risk, drawn #1d70b8, at most 300 characters."""\n'),
    ("cpip/briefing/render.py", "\n# an item On track, drawn in #1d70b8, at most 2000 characters\n"),
    ("cpip/briefing/render.py", '\nX = "the items on track or complete"\n'),
    ("cpip/briefing/render.py", "\nX = range(300)\nY = 2000 < 1\n"),
    ("sql/marts/10_mart_item_status.sql", "\n-- 'On track' items, 'Red'\n/* 'Complete' */\nSELECT 300 AS n;\n"),
    ("templates/briefing.html.j2", "\n{# On track: #1d70b8 #}\n<p><strong>Complete:</strong> 40%</p>\n"),
    ("expectations/progress.json", ""),  # generated, and already holds every status: not scanned
])
def test_the_scanner_leaves_prose_and_other_numbers_alone(copy_of_product, rel, planted):
    path = copy_of_product / rel
    before = path.read_text(encoding="utf-8")
    baseline = {str(f) for f in scan_file(copy_of_product, path)}
    try:
        path.write_text(before + planted, encoding="utf-8")
        assert [str(f) for f in scan_file(copy_of_product, path) if str(f) not in baseline] == []
    finally:
        path.write_text(before, encoding="utf-8")


def test_the_vocabulary_itself_holds_what_the_scanner_looks_for():
    """The home is scanned like any file would be: it must be where the values are (else the scan
    could pass only because it looks for nothing)."""
    found = scan_python((ROOT / HOME).read_text(encoding="utf-8"), str(HOME))
    whats = " ".join(f.what for f in found)
    for name in NAMES:
        assert repr(name) in whats
    for word in RAG_WORDS:
        assert f"RAG colour {word!r}" in whats
    assert vocabulary.COLOUR.blue in whats


# --- I06's indicators come from one place: cpip.reference.tables.STOCK_FLOW ---------------------------


def test_cpips_own_indicators_hold_the_stock_flow_that_i06_checks():
    """A renamed indicator in CPIP's indicators.csv fails here (at run time I06 would stop)."""
    from cpip.reference.tables import STOCK_FLOW, load_reference

    ref = load_reference()
    assert ref.stock_flow == STOCK_FLOW
    assert {ref.indicators[i].unit for i in STOCK_FLOW.ids} == {"children"}  # one identity, one unit


def test_indicators_without_the_whole_stock_flow_work_unchanged_without_i06(tmp_path, caplog):
    """returns.md I06 runs only where the indicators include all three ids; holding some but not all
    (as a renamed indicator would) is logged when the reference data is loaded."""
    import logging

    from cpip.intake.checks.history import LastPeriod, indicator_warnings
    from cpip.intake.model import Part, ReturnFile
    from cpip.reference.tables import STOCK_FLOW, load_reference
    from cpip.core.settings import load_settings

    shipped = (ROOT / "cpip/reference/data/reference/indicators.csv").read_text(encoding="utf-8").splitlines()
    renamed = [ln.replace(STOCK_FLOW.outflow + ",", "CHILDREN_DEREGISTERED,", 1) for ln in shipped]
    assert renamed != shipped
    (tmp_path / "indicators.csv").write_text("\n".join(renamed) + "\n", encoding="utf-8")
    (tmp_path / "cpip.toml").write_text('[reference]\nindicators = "indicators.csv"\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="cpip.reference.tables"):
        ref = load_reference(load_settings(tmp_path, env={}))
    assert ref.stock_flow is None
    assert f"not {STOCK_FLOW.outflow}" in caplog.text and "I06" in caplog.text

    full = load_reference()
    rows = [(n, {"indicator_id": i, "value": v, "note": None})
            for n, (i, v) in enumerate([(STOCK_FLOW.stock, 120), (STOCK_FLOW.inflow, 10),
                                        ("CHILDREN_DEREGISTERED", 10), (STOCK_FLOW.outflow, 10)], start=2)]
    last = LastPeriod(indicators={STOCK_FLOW.stock: 100, STOCK_FLOW.inflow: 10, STOCK_FLOW.outflow: 10,
                                  "CHILDREN_DEREGISTERED": 10})
    rf = ReturnFile("csv", "indicators_csv", indicators=Part("indicators", None, {"indicator_id", "value", "note"}, rows))
    assert [i.rule for i in indicator_warnings(rf, full, last)] == ["I06"]  # 120 is not 100 + 10 - 10
    assert [i.rule for i in indicator_warnings(rf, ref, last)] == []
