"""How the briefing writes a number, a date, a name and a status history in its pages.

Plain functions of the JSON documents' values, shared by the template context, the key messages
and the charts' text alternatives; dates in words come from :mod:`cpip.core.text`.
"""

from __future__ import annotations

import re
from typing import Any

from cpip.briefing.disclosure import SUPPRESSED
from cpip.core.periods import Period, span_words
from cpip.reference.rules import RULES
from cpip.core.text import day_in_words, time_in_words

# A committee's name in a table: the common ending is said once in the caption instead.
_COMMITTEE_SUFFIX = re.compile(r"\s+(Child|Public) Protection Committee$")


def fmt_num(v: Any) -> str:
    if v is None:
        return "n/a"
    if v == SUPPRESSED:
        return SUPPRESSED
    return f"{v:,}"


def long_date(value: str | None) -> str:
    """'2027-03-31' -> '31 March 2027' (GOV.UK style); None -> 'none given'."""
    return day_in_words(value) if value else "none given"


def human_day(value: str | None) -> str:
    return day_in_words(value) if value else "an unknown date"


def human_time(value: str | None) -> str:
    if not value:
        return "no files received"
    return time_in_words(value, sep=", ") + " (UK time)"


def short_committee(name: str) -> str:
    return _COMMITTEE_SUFFIX.sub("", name)


def change_words(change: int) -> str:
    """A change as a sentence says it: ``unchanged``, ``up 13``, ``down 1,029``."""
    return "unchanged" if change == 0 else f"{'up' if change > 0 else 'down'} {abs(change):,}"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def names(codes: list[str], names_of: dict[str, str]) -> str:
    """Partners by name, as a list is said: 'A', 'A and B', 'A, B and C'."""
    return names_list([names_of.get(c, c) for c in codes])


def names_list(got: list[str]) -> str:
    """Words as a list is said: 'A', 'A and B', 'A, B and C'."""
    if len(got) <= 1:
        return "".join(got)
    return ", ".join(got[:-1]) + " and " + got[-1]


def history_text(history: list[dict]) -> str:
    """The status over the quarters held, in words, runs collapsed and the latest first: ``in every
    quarter held (October 2025 to September 2026)`` when it never changed, else ``since July 2026;
    before that On track (October 2025 to June 2026)``."""
    runs: list[list] = []
    for h in history:
        if runs and runs[-1][0] == h["status"]:
            runs[-1][2] = h["period"]
        else:
            runs.append([h["status"], h["period"], h["period"]])
    if not runs:
        return ""
    if len(runs) == 1:
        return (f"in every quarter held ({span_words(runs[0][1], runs[0][2])})" if runs[0][1] != runs[0][2] else
                f"(first quarter held, {span_words(runs[0][1], runs[0][1])})")
    start = Period.parse(runs[-1][1])
    since = f"since {start.first_day:%B %Y}" if start else f"since {runs[-1][1]}"
    return since + "; before that " + ", ".join(f"{s} ({span_words(a, b)})" for s, a, b in reversed(runs[:-1]))


def contributor_summary(contributors: list[dict]) -> str:
    """Contributors in a few words, counted by status ("(3): 2 On track, 1 no return"); each one's
    own status is in briefing.json."""
    if not contributors:
        return "none"
    counts: dict[str, int] = {}
    for c in contributors:
        counts[c["status"] or "no return"] = counts.get(c["status"] or "no return", 0) + 1
    return f"({len(contributors)}): " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda x: -x[1]))


def finding(warning: dict) -> str:
    """A query as the briefing states it: what the check found, without the fix the receipt gives
    the officer ("say why in the explanation column of this row" is not for the Minister)."""
    rule = RULES.get(warning["rule"])
    message = warning["message"] or ""
    return message.removesuffix(" " + rule.fix).strip() if rule else message
