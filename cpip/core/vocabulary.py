"""The vocabulary of a return, defined once: the statuses (their order on the movement scale and
their RAG colour), the colours every page and chart is drawn with, and the text limits.
Everything else reads these: the rule catalogue's words, the readers and checks, the generated
Great Expectations suites (:mod:`cpip.intake.checks.suites`), the templates' data validation, the briefing's
charts and styles, and the warehouse's ``ref_statuses`` table, which the marts join.

No status name, colour or text limit is written anywhere else in the product: code names the
constants here (``ON_TRACK``, ``COLOUR.blue``, ``TEXT_LIMITS["note"]``), SQL joins
``ref_statuses`` or is given the value as a parameter, and the templates get the colours as
the Jinja global ``colour`` (``{{ colour.blue }}``). ``tests/unit/test_one_home.py`` fails when
one is written again elsewhere.
"""

from __future__ import annotations

from collections import namedtuple

# returns.md §5: the five statuses a lead may report, spelt as the spec spells them.
NOT_STARTED = "Not started"
ON_TRACK = "On track"
AT_RISK = "At risk"
OFF_TRACK = "Off track"
COMPLETE = "Complete"
# In the order the spec lists them (and briefing.json's totals use).
STATUSES = (NOT_STARTED, ON_TRACK, AT_RISK, OFF_TRACK, COMPLETE)
NO_RETURN = "No return"  # returns.md §9: an item whose lead sent no accepted progress part

# The statuses of an item that is behind, worst first: each needs a narrative (P08, P14) and is an
# exception in the briefing ("Needs attention"), in this order.
BEHIND = (OFF_TRACK, AT_RISK)

# What each status means, as the publication form's "About these statistics" tells the public
# (returns.md §5 and §9), in CHART_ORDER.
MEANINGS = {
    COMPLETE: "the lead partner reports the action or recommendation done.",
    ON_TRACK: "work is under way and the lead partner expects to finish by the target date.",
    AT_RISK: "work is under way, but the lead partner reports a risk that it will not finish by the target date.",
    OFF_TRACK: "the lead partner reports that it will not finish by the target date as planned.",
    NOT_STARTED: "work has not begun.",
    NO_RETURN: "the lead partner sent no accepted return for the quarter, so there is no status for it; "
               "it is counted apart.",
}

# returns.md §9: the movement scale.
SCALE = {OFF_TRACK: 1, NOT_STARTED: 1, AT_RISK: 2, ON_TRACK: 3, COMPLETE: 4}

# returns.md §5: RAG colours derive from status; the word is always shown too.
GREEN, AMBER, RED, BLUE, GREY = "Green", "Amber", "Red", "Blue", "Grey"
RAG = {ON_TRACK: GREEN, AT_RISK: AMBER, OFF_TRACK: RED, COMPLETE: BLUE, NOT_STARTED: GREY}

# returns.md §5, §6, §11: the longest each text may be (P09).
TEXT_LIMITS = {"milestone": 300, "narrative": 2000, "risks": 1000, "recovery_action": 1000, "ask": 500,
               "note": 500, "explanation": 1000}

# Order of the statuses in tables and charts: done, fine, then worse, then nothing to say.
CHART_ORDER = (*sorted(STATUSES, key=lambda s: (-SCALE[s], -STATUSES.index(s))), NO_RETURN)


# Every colour the pages, briefings and charts are drawn with, as ``COLOUR.blue`` (in the templates
# ``{{ colour.blue }}``): the GOV.UK colours by their GOV.UK Frontend names; darker shades for an
# edge or text on white (error and warning text, the amber and grey edges); and the light tints
# the briefing and the receipts put behind black text (WCAG AA).
_GOVUK = {"black": "#0b0c0c", "white": "#ffffff", "blue": "#1d70b8", "green": "#00703c", "red": "#d4351c",
          "orange": "#f47738", "yellow": "#ffdd00", "mid_grey": "#b1b4b6", "dark_grey": "#505a5f",
          "light_grey": "#f3f2f1"}
_SHADES = {"dark_red": "#a0281a", "dark_yellow": "#6a4f00", "dark_amber": "#b58800", "slate": "#6f777b"}
_TINTS = {"light_blue": "#e8f1f8", "pale_blue": "#e2edf7", "light_green": "#e6f2ec", "light_yellow": "#fff3cc",
          "cream": "#fff7d6", "light_red": "#fbe1dc", "pale_red": "#fbe9e6", "pale_grey": "#f0f0f0"}
Palette = namedtuple("Palette", [*_GOVUK, *_SHADES, *_TINTS])
COLOUR = Palette(**_GOVUK, **_SHADES, **_TINTS)

# How each RAG colour is drawn in a chart (a GOV.UK colour) with the text colour that reads on it
# (WCAG AA), and "No return" (None) as white.
FILL = {BLUE: (COLOUR.blue, COLOUR.white), GREEN: (COLOUR.green, COLOUR.white), AMBER: (COLOUR.orange, COLOUR.black),
        RED: (COLOUR.red, COLOUR.white), GREY: (COLOUR.mid_grey, COLOUR.black), None: (COLOUR.white, COLOUR.black)}
# How each RAG colour is drawn as a label beside text in the briefing: (background, edge), with
# black text; "No return" (None) white with a black edge. The CSS class of each status is its
# colour's name in lower case ("none" for No return).
CHIP = {GREEN: (COLOUR.light_green, COLOUR.green), AMBER: (COLOUR.light_yellow, COLOUR.dark_amber),
        RED: (COLOUR.light_red, COLOUR.red), BLUE: (COLOUR.pale_blue, COLOUR.blue),
        GREY: (COLOUR.pale_grey, COLOUR.slate), None: (COLOUR.white, COLOUR.black)}

_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def in_words(n: int) -> str:
    """A small count as a word, as GOV.UK style writes it in running text."""
    return _NUMBER_WORDS.get(n, str(n))
