"""The one Jinja2 environment every page, receipt and email body is rendered with.

Autoescape is on for every template, so whatever a partner or a reviewer wrote appears as text;
undefined names fail loudly; and every value printed drops control characters. Templates draw
with :mod:`cpip.core.vocabulary`'s colours as ``{{ colour.blue }}``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from markupsafe import Markup

from cpip.core.periods import period_short_words, period_words, span_words
from cpip.core.text import without_controls
from cpip.core.vocabulary import COLOUR


def _printable(value):
    """Every value printed drops control characters (a partner's text may hold any byte).
    Markup the system made itself (charts, marked ``|safe``) is left as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return without_controls(value)
    return value


@lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        finalize=_printable,
        loader=jinja2.FileSystemLoader(str(resources.files("cpip.templates"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["colour"] = COLOUR
    # A period as people read it: {{ period|quarter }} is "July to September 2026",
    # {{ period|quarter_short }} "Jul–Sep 2026" (table headings and chart labels).
    env.filters["quarter"] = period_words
    env.filters["quarter_short"] = period_short_words
    env.globals["span_words"] = span_words
    return env
