"""The briefing as HTML and PDF, in its restricted and publication forms.

Rendered with the one Jinja2 environment (:mod:`cpip.core.templating`: autoescape on, so partner
text always appears as text) from :func:`cpip.briefing.context.context`, itself made only from
``briefing.json`` / ``publication.json`` and the annex; the PDF is WeasyPrint's tagged PDF/UA-1
with the marking, and a draft's DRAFT line, in the margins of every page.
"""

from __future__ import annotations

import logging

from cpip.briefing.context import context
from cpip.core.templating import environment
from cpip.core.text import DRAFT_LINE
from cpip.core.vocabulary import COLOUR


# Each form's own template, both on templates/_briefing_base.html.j2: the Minister's briefing, and
# the statistical release for the public.
TEMPLATES = {"restricted": "briefing.html.j2", "publication": "publication.html.j2"}


def render_html(doc: dict, annex: dict, form: str, marking: str) -> str:
    return environment().get_template(TEMPLATES[form]).render(**context(doc, annex, form, marking))


def render_document(html_text: str, form: str, marking: str, draft: bool = False):
    """The laid-out WeasyPrint document (pages and boxes), which :func:`render_pdf` writes and the
    tests inspect (no table row split across pages, no row left alone)."""
    from weasyprint import CSS, HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    def no_network(url, *args, **kwargs):
        raise ValueError(f"the briefing never fetches {url}")

    doc = HTML(string=html_text, url_fetcher=no_network, base_url="/")
    return doc.render(stylesheets=[CSS(string=_page_css(form, marking, draft))], pdf_variant="pdf/ua-1")


def render_pdf(html_text: str, form: str, marking: str, draft: bool = False) -> bytes:
    """A tagged PDF (PDF/UA-1) with the marking at the top and bottom of every page (restricted form),
    and the DRAFT line with it on every page of a draft (both forms)."""
    return render_document(html_text, form, marking, draft).write_pdf(pdf_variant="pdf/ua-1")


def _page_css(form: str, marking: str, draft: bool = False) -> str:
    lines = ([marking] if form == "restricted" else []) + ([DRAFT_LINE] if draft else [])

    def content(order: list[str]) -> str:  # the marking nearest the edge of the page, top and bottom
        return ' "\\A" '.join('"' + ln.replace("\\", "\\\\").replace('"', '\\"') + '"' for ln in order)
    boxes = (f'@top-center {{ content: {content(lines)}; white-space: pre; text-align: center; '
             f'font: bold 11pt DejaVu Sans, sans-serif; color: {COLOUR.black}; }}'
             f'@bottom-center {{ content: {content(lines[::-1])}; white-space: pre; text-align: center; '
             f'font: bold 11pt DejaVu Sans, sans-serif; color: {COLOUR.black}; }}'
             if lines else "")
    edge = "20mm" if len(lines) > 1 else "17mm"  # two lines (the marking and the DRAFT line) need more room
    return (f"@page {{ size: A4; margin: {edge} 15mm {edge} 15mm; " + boxes +
            '@bottom-right { content: "Page " counter(page) " of " counter(pages); '
            f"font: 8pt DejaVu Sans, sans-serif; color: {COLOUR.black}; }} }}")
