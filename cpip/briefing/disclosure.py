"""Disclosure control for the publication form (returns.md §10). Pure functions.

1. primary: a CPC's value from 1 to ``suppress_below - 1`` becomes ``[c]``;
2. secondary: in each indicator, if exactly one CPC value is suppressed, the smallest
   other non-zero CPC value of that indicator is suppressed too (ties: the partner code
   first in alphabetical order); if no such value exists, the indicator's national
   total is suppressed instead;
3. zeros are never suppressed, and national totals only under rule 2.

Blank values (``None``, "not available") are neither suppressed nor used as the
secondary cell: they are not numbers.
"""

from __future__ import annotations

import copy
from typing import Any

SUPPRESSED = "[c]"


def suppress_cells(by_partner: dict[str, dict[str, Any]], national: dict[str, Any],
                   suppress_below: int) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Return suppressed copies of the per-CPC table and the national totals."""
    out = {p: dict(v) for p, v in by_partner.items()}
    nat = dict(national)
    indicators = list(national) or sorted({i for v in by_partner.values() for i in v})
    for ind in indicators:
        primary = [p for p in sorted(out) if _is_small(by_partner[p].get(ind), suppress_below)]
        for p in primary:
            out[p][ind] = SUPPRESSED
        if len(primary) == 1:
            candidates = sorted(
                (by_partner[p][ind], p) for p in out
                if p not in primary and isinstance(by_partner[p].get(ind), int) and by_partner[p][ind] > 0
            )
            if candidates:
                out[candidates[0][1]][ind] = SUPPRESSED
            elif ind in nat:
                nat[ind] = SUPPRESSED
    return out, nat


def _is_small(value: Any, suppress_below: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= suppress_below - 1


def publication(briefing: dict, suppress_below: int) -> dict:
    """The publication twin of ``briefing.json``: the same schema, every suppressed value ``"[c]"``."""
    pub = copy.deepcopy(briefing)
    ind = pub["indicators"]
    ind["by_partner"], ind["national"] = suppress_cells(ind["by_partner"], ind["national"], suppress_below)
    return pub
