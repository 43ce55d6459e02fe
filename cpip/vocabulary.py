"""The vocabulary of a return, defined once: the statuses (their order on the movement scale and
their RAG colour) and the text limits. Everything else reads these: the rule catalogue's words,
the readers and checks, the generated Great Expectations suites (:mod:`cpip.suites`), the
templates' data validation, and the warehouse's ``ref_statuses`` table, which the marts join.
"""

from __future__ import annotations

# returns.md §5, in the order the spec lists them (and briefing.json's totals use).
STATUSES = ("Not started", "On track", "At risk", "Off track", "Complete")
NO_RETURN = "No return"  # returns.md §9: an item whose lead sent no accepted progress part

# returns.md §9: the movement scale.
SCALE = {"Off track": 1, "Not started": 1, "At risk": 2, "On track": 3, "Complete": 4}

# returns.md §5: RAG colours derive from status; the word is always shown too.
RAG = {"On track": "Green", "At risk": "Amber", "Off track": "Red", "Complete": "Blue", "Not started": "Grey"}

# returns.md §5, §6, §11: the longest each text may be (P09).
TEXT_LIMITS = {"milestone": 300, "narrative": 2000, "risks": 1000, "note": 500, "explanation": 1000}

# Order of the statuses in tables and charts: done, fine, then worse, then nothing to say.
CHART_ORDER = (*sorted(STATUSES, key=lambda s: (-SCALE[s], -STATUSES.index(s))), NO_RETURN)
# How each RAG colour is drawn (GOV.UK colours) with the text colour that reads on it (WCAG AA),
# and "No return" as white; the CSS class of each status is its colour's name in lower case.
FILL = {"Blue": ("#1d70b8", "#ffffff"), "Green": ("#00703c", "#ffffff"), "Amber": ("#f47738", "#0b0c0c"),
        "Red": ("#d4351c", "#ffffff"), "Grey": ("#b1b4b6", "#0b0c0c"), None: ("#ffffff", "#0b0c0c")}

_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def in_words(n: int) -> str:
    """A small count as a word, as GOV.UK style writes it in running text."""
    return _NUMBER_WORDS.get(n, str(n))
