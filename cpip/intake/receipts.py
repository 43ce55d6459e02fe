"""Receipts for officers (HTML + JSON) and the rule catalogue page, rendered with Jinja2.

Autoescape is on for every template: whatever a partner wrote appears as text.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from functools import lru_cache
from pathlib import Path

from markupsafe import escape

from cpip.core.files import write_atomically
from cpip.core.settings import Settings
from cpip.core.settings import officer_folder as folder_words
from cpip.core.templating import environment
from cpip.intake import receipt_words as words
from cpip.intake.model import FAULT_ISSUE
from cpip.intake.unchanged import unchanged_line
from cpip.reference.rules import RULES


_HEADLINES = {
    "accepted": ("ok", "Accepted", "Your return has been accepted and will be used in the quarterly briefing. Thank you."),
    "accepted_with_warnings": ("warn", "Accepted, with queries",
                               "Your return has been accepted and will be used in the quarterly briefing. "
                               "Please look at the queries below."),
    "rejected": ("bad", "Not accepted: please fix and resend", ""),
    "duplicate": ("info", "Already received",
                  "This file is identical to one we have already received, so nothing has changed. "
                  "If you meant to send a correction, check you saved your changes before sending."),
}


# However many issues a file has, its receipt stays readable (returns.md §3): the HTML, the email and the
# JSON beside them list the first LISTED_PER_RULE issues of each rule and say how many more there are.
# `cpip intake --json` lists them all, and so does the warehouse.
LISTED_PER_RULE = 100


def listed_issues(issues: list) -> tuple[list, dict[str, int]]:
    """(the issues a receipt lists, in their order: the first :data:`LISTED_PER_RULE` of each rule;
    how many more each rule has beyond those, for the rules that have more)."""
    seen: dict[str, int] = {}
    listed = []
    for i in issues:
        seen[i.rule] = seen.get(i.rule, 0) + 1
        if seen[i.rule] <= LISTED_PER_RULE:
            listed.append(i)
    return listed, {r: n - LISTED_PER_RULE for r, n in seen.items() if n > LISTED_PER_RULE}


def receipt_json(h) -> dict:
    """The receipt's JSON: what `cpip intake --json` says of the file, with the issues a receipt
    lists; only when some are not listed, ``issues_not_listed`` counts them by rule."""
    out = h.to_json()
    listed, more = listed_issues(h.issues)
    if more:
        out["issues"] = [i.to_json() for i in listed]
        out["issues_not_listed"] = more
    return out


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")  # what may not be in a receipt's file name


def receipt_paths(outbox: Path, record) -> tuple[str, str]:
    """Where a file's receipt is written (HTML, JSON): under its folder, named by its number and name."""
    folder = _UNSAFE.sub("_", record.folder)[:80] or "_inbox"
    stem = _UNSAFE.sub("_", record.name)[:120].strip("._") or "file"
    base = str(outbox / "receipts" / folder / f"{record.number:08d}-{stem}")
    return base + ".html", base + ".json"


def drop_folder(h, officer_folder: str = "") -> str:
    """Where the file was dropped, in the words its officers see (``[intake] officer_folder``);
    ``inbox/`` for a file dropped directly into the inbox."""
    return folder_words(officer_folder, h.record.folder) if h.record.folder else "inbox/"


def _summary(h) -> tuple[str, str, str, str]:
    """(tone, headline, summary, table caption) of a file's receipt."""
    tone, headline, summary = _HEADLINES[h.outcome]
    errors = [i for i in h.issues if i.severity == "error"]
    if h.issues == [FAULT_ISSUE]:
        tone, headline, summary = "info", "Kept safely, not processed yet", FAULT_ISSUE.message
    elif h.outcome == "rejected":
        summary = (f"We found {len(errors)} problem{'s' if len(errors) != 1 else ''} in this file, so nothing from "
                   "it counts yet: none of it has been used. The table below says where each one is and what to do.")
    n = len(h.issues)
    explained = sum(1 for i in h.issues if i.explained)
    if h.outcome == "rejected":
        caption = f"{n} problem{'s' if n != 1 else ''} in this file"
    else:
        caption = f"{n} quer{'ies' if n != 1 else 'y'} about this file"
        if explained:
            caption += f": {explained} answered by your explanation, {n - explained} open"
        if h.outcome == "accepted_with_warnings" and explained == n:
            summary = ("Your return has been accepted and will be used in the quarterly briefing. It raised "
                       f"{_queries(n)}, and you have answered {'it' if n == 1 else 'every one'}: "
                       f"{'your explanation is' if n == 1 else 'your explanations are'} shown below.")
    return tone, headline, summary, caption


def summary_of(h) -> tuple[str, str]:
    """The receipt's headline and summary, as the email's text opens."""
    _, headline, summary, _ = _summary(h)
    return headline, summary.replace("The table below says", "The list below says")


def render_receipt(h, settings: Settings, rules_page: Path | None = None) -> str:
    """The receipt page. ``rules_page`` None: for an email, where the rule ids are not links."""
    tone, headline, summary, caption = _summary(h)
    faulted = h.issues == [FAULT_ISSUE]
    n, explained = len(h.issues), sum(1 for i in h.issues if i.explained)
    due_days = settings.cycle.due_days
    rec = h.record
    listed, more = listed_issues(h.issues)
    return _receipt_template().render(
        name=rec.name, folder=drop_folder(h, settings.intake.officer_folder), open_queries=n - explained,
        received=words.when(rec.received), partner=words.partner_words(h), period=words.period_line(h.period),
        on_time=words.on_time(h, due_days), resend=words.resend(h, due_days), duplicate=words.duplicate(h),
        help=words.help_line(settings.intake.help_contact), number=rec.number, sha256=rec.sha256,
        outcome=h.outcome, tone=tone, headline=headline, summary=summary, caption=caption,
        issues=[] if faulted else words.issue_rows(listed),
        more=[] if faulted else sorted(more.items()), listed_per_rule=LISTED_PER_RULE,
        rules_href=os.path.relpath(rules_page, Path(h.receipt_html).parent) if rules_page else None,
        programme=settings.briefing.programme, unchanged=unchanged_line(h.unchanged_rows),
    )


@lru_cache(maxsize=1)
def _receipt_template():
    """The receipt template, compiled once per process."""
    return environment().get_template("receipt.html.j2")


def _queries(n: int) -> str:
    return "one query" if n == 1 else f"{n} queries"


def plain_receipt(h) -> str:
    """A receipt that needs no template: for a file whose fault broke the receipt template itself."""
    return (f"<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Receipt</title></head>"
            f"<body><main><h1>Receipt for your return</h1><p>File: {escape(h.record.name)}</p>"
            f"<p>Receipt number: {h.record.number}</p>"
            + "".join(f"<p>{escape(i.message)}</p>" for i in h.issues) + "</main></body></html>\n")


def with_rendered(h, settings: Settings, rules_page: Path, fallback: bool = False):
    """The handling with its receipt's HTML (``rendered``), made before its file's rows are committed
    so that a receipt that cannot be made faults its file. ``fallback`` (a file already faulted):
    a receipt that needs no template when the template itself fails."""
    try:
        html = render_receipt(h, settings, rules_page)
    except Exception:
        if not fallback:
            raise
        html = plain_receipt(h)
    return dataclasses.replace(h, rendered=html)


def write_receipt(h, settings: Settings, rules_page: Path) -> None:
    """Write the receipt (HTML and JSON): the HTML rendered at load time when there is one."""
    write_atomically(Path(h.receipt_html), h.rendered or render_receipt(h, settings, rules_page))
    write_atomically(Path(h.receipt_json), json.dumps(receipt_json(h), indent=2, ensure_ascii=False) + "\n")


def rule_families() -> list[tuple[str, list]]:
    fams: dict[str, list] = {}
    for r in RULES.values():
        fams.setdefault(r.family, []).append(r)
    return list(fams.items())


def render_rule_catalogue(programme: str) -> str:
    return environment().get_template("rules.html.j2").render(families=rule_families(), programme=programme)


def write_rule_catalogue(outbox: Path, programme: str) -> Path:
    path = outbox / "rules.html"
    text = render_rule_catalogue(programme)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        write_atomically(path, text)
    return path
