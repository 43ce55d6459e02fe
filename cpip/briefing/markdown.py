"""The programme office's covering note as HTML: plain text or a small part of Markdown.

Paragraphs, ``-``/``*`` lists and ``**bold**``, nothing else; every character is escaped first,
so a note can never carry markup of its own.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_BULLET = re.compile(r"^\s*[-*]\s+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^#+\s*")
_BLANK_LINE = re.compile(r"\n\s*\n")


def note_html(text: str | None):
    """The covering note as HTML (``Markup``), or None when there is no note."""
    if not text or not text.strip():
        return None

    def inline(s: str) -> str:
        return _BOLD.sub(r"<strong>\1</strong>", str(escape(s.strip())))
    out = []
    for block in _BLANK_LINE.split(text.strip()):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if lines and all(_BULLET.match(ln) for ln in lines):
            out.append("<ul>" + "".join(f"<li>{inline(_BULLET.sub('', ln))}</li>" for ln in lines) + "</ul>")
        else:
            out.append("<p>" + "<br>".join(inline(_HEADING.sub("", ln)) for ln in lines) + "</p>")
    return Markup("".join(out))
