"""What a reviewer approves a draft despite: the "Before you approve" list.

One plain function of the two JSON documents, read by the draft's banner
(``templates/_review_caveats.html.j2``) and by the email that asks the reviewers to approve it
(:mod:`cpip.mail.messages`), so both list the same things in the same words. People read names:
item titles exactly as the register gives them, partners and committees by name, the quarter in
words; never a code.
"""

from __future__ import annotations

from cpip.briefing.summary import last_reported
from cpip.briefing.words import plural
from cpip.core.periods import period_words
from cpip.core.vocabulary import NO_RETURN

# The kinds, in the order the list gives them.
UNCONFIRMED = "unconfirmed_titles"
NO_TARGET_DATE = "no_target_date"
NO_FIGURES = "committees_without_figures"
OPEN_QUERIES = "open_queries"
NOT_UPDATED = "items_not_updated"


def approving_despite(doc: dict, annex: dict) -> list[dict]:
    """What is still open in a briefing, each as ``{"kind", "count", "sentence", "names"}``;
    only the kinds there are (an empty list when there is nothing).

    ``doc`` is ``briefing.json`` (or ``publication.json``: the same keys are read), ``annex``
    its ``annex.json``. The kinds: register titles not confirmed (``confirmed = no``), items
    with no target date, Child Protection Committees with no figures this quarter, open
    queries (warnings) on the returns used, and items whose lead sent no update this quarter.
    ``names`` are what a person reads: item titles, partners' names, with what was last said
    of an item not updated.
    """
    items = annex["items"]
    names = {code: p["name"] for code, p in annex["partners"].items()}
    quarter = period_words(doc["period"])
    out = []

    def add(kind: str, count: int, sentence: str, named: list[str]) -> None:
        if count:
            out.append({"kind": kind, "count": count, "sentence": sentence, "names": named})

    unconfirmed = [m["title"] for m in items.values() if not m["confirmed"]]
    add(UNCONFIRMED, len(unconfirmed),
        f"{_are(len(unconfirmed), 'register title')} not confirmed (confirmed = no in the register): working "
        "assumptions still to be checked against the published programme.",
        unconfirmed)
    undated = [m["title"] for m in items.values() if not m["target_date"]]
    add(NO_TARGET_DATE, len(undated),
        f"{_have(len(undated), 'item')} no target date in the register, so no forecast can be checked against one.",
        undated)
    figures = doc["indicators"]["by_partner"]
    cpcs = [code for code, p in annex["partners"].items() if p["cpc"]]
    silent = sorted(names[c] for c in cpcs if not any(v is not None for v in figures.get(c, {}).values()))
    add(NO_FIGURES, len(silent),
        f"{len(silent)} of {plural(len(cpcs), 'Child Protection Committee')} sent no figures for {quarter}: "
        "the national totals leave them out.", silent)
    queries = doc["data_quality"]
    add(OPEN_QUERIES, queries["open_warnings"],
        f"{_open(queries['open_warnings'])} on the returns used{_by_rule(queries['by_rule'])}, from the partners "
        "below (see Annex C).", _by_partner(annex["warnings"], names))
    stale = [f"{items[r['item_id']]['title'] if r['item_id'] in items else r['item_id']} ({last_reported(r)})"
             for r in annex.get("items_not_updated", [])]
    add(NOT_UPDATED, len(stale),
        f"{_were(len(stale), 'item')} not updated by the lead partner for {quarter}: shown as {NO_RETURN}.", stale)
    return out


def _are(n: int, one: str) -> str:
    return f"{plural(n, one)} {'is' if n == 1 else 'are'}"


def _open(n: int) -> str:
    return f"{'There is 1 open query' if n == 1 else f'There are {n:,} open queries'}"


def _have(n: int, one: str) -> str:
    return f"{plural(n, one)} {'has' if n == 1 else 'have'}"


def _were(n: int, one: str) -> str:
    return f"{plural(n, one)} {'was' if n == 1 else 'were'}"


def _by_rule(by_rule: dict[str, int]) -> str:
    """briefing.json's ``data_quality.by_rule`` as `` (rule P11: 4, rule P12: 2)``, the most first."""
    counts = ", ".join(f"rule {r}: {n}" for r, n in sorted(by_rule.items(), key=lambda x: (-x[1], x[0])))
    return f" ({counts})" if counts else ""


def _by_partner(warnings: list[dict], names: dict[str, str]) -> list[str]:
    """``Dundee Child Protection Committee: 2 (rule P11)``, one line per partner, by name."""
    rules: dict[str, list[str]] = {}
    for w in warnings:
        rules.setdefault(names.get(w["partner_code"], w["partner_code"]), []).append(w["rule"])
    return [f"{name}: {len(got)} ({', '.join(f'rule {r}' for r in sorted(set(got)))})"
            for name, got in sorted(rules.items())]
