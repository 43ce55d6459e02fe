"""Imports run one way: the import-linter contract in pyproject.toml, and flows/ and tasks/ in their place.

The contract (``[tool.importlinter]``) orders cpip's stage packages from the entry points
(``cpip.app``) down to the shared basics (``cpip.core``). ``flows/`` and ``tasks/`` install as
``cpip.flows`` and ``cpip.tasks`` from top-level folders import-linter cannot see, so their
place (below ``cpip.app``, above ``cpip.orchestration``) is checked here from their source.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "cpip" and len(parts) > 1 else None


def test_the_import_contract_holds():
    r = subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 kept, 0 broken" in r.stdout


def test_the_contract_names_every_stage_package():
    layers = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]["layers"]
    packages = {f"cpip.{p.name}" for p in (ROOT / "cpip").iterdir() if (p / "__init__.py").exists()}
    assert packages == set(layers)


def test_flows_and_tasks_sit_between_the_entry_points_and_orchestration():
    """A task imports no flow and no entry point; a flow no entry point; no stage package
    imports a flow or a task (only cpip.app starts them)."""
    wrong = []
    for folder, banned in (("tasks", {"cpip.flows", "cpip.app"}), ("flows", {"cpip.app"})):
        for path in (ROOT / folder).glob("*.py"):
            wrong += [f"{folder}/{path.name} imports {m}" for m in _imports(path) if _stage(m) in banned]
    for path in (ROOT / "cpip").rglob("*.py"):
        if path.relative_to(ROOT / "cpip").parts[0] == "app":
            continue
        wrong += [f"{path.relative_to(ROOT)} imports {m}" for m in _imports(path)
                  if _stage(m) in {"cpip.flows", "cpip.tasks"}]
    assert not wrong, "\n".join(sorted(wrong))


def test_the_flows_check_does_find_a_wrong_import(tmp_path):
    planted = tmp_path / "x.py"
    planted.write_text("from cpip.app.cli import main\nimport cpip.flows.intake\n")
    assert {_stage(m) for m in _imports(planted)} >= {"cpip.app", "cpip.flows"}


def test_no_module_in_cpip_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "cpip").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, f"split these along their seams: {long}"
