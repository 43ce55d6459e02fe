"""THE rule catalogue: every validation rule, defined once, in ``cpip/reference/data/rules.toml``.

Each rule has its stable id (returns.md §7), its severity, what it checks in plain
words, and what the officer should do about it. Receipts, the rule-catalogue page,
the Great Expectations suites (``meta.rule``), the tests and the briefing's
data-quality annex all read this one table.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from cpip.core.values import MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS
from cpip.core.vocabulary import STATUSES, TEXT_LIMITS, in_words

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str  # what it checks
    fix: str  # what to do about it

    @property
    def family(self) -> str:
        return {"F": "File", "C": "Cover", "P": "Progress", "I": "Indicators"}[self.id[0]]


def _words() -> dict[str, str]:
    """What the catalogue's words in braces stand for, each from its one home."""
    return {"statuses": ", ".join(STATUSES), "n_statuses": in_words(len(STATUSES)),
            **{s.lower().replace(" ", "_"): s for s in STATUSES},
            **{f"limit_{k}": f"{n:,}" for k, n in TEXT_LIMITS.items()},
            "max_file_mb": f"{MAX_FILE_BYTES // 1_000_000}",
            "max_rows": f"{MAX_ROWS:,}", "max_columns": f"{MAX_COLUMNS:,}"}


def _read_catalogue() -> list[Rule]:
    """The rules of ``cpip/reference/data/rules.toml``, in its order, with their words filled in."""
    raw = tomllib.loads(resources.files("cpip.reference.data").joinpath("rules.toml").read_text(encoding="utf-8"))
    words = _words()
    odd = sorted(rid for rid, r in raw.items() if r.get("severity") not in (ERROR, WARNING))
    if odd:
        raise ValueError(f"cpip/reference/data/rules.toml: rules {', '.join(odd)} need a severity of {ERROR!r} or {WARNING!r}")
    return [Rule(rid, r["severity"], r["title"].format(**words), r["fix"].format(**words)) for rid, r in raw.items()]


_RULES = _read_catalogue()
RULES: dict[str, Rule] = {r.id: r for r in _RULES}

