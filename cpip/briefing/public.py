"""What the publication form (``templates/publication.html.j2``) needs beyond the figures both
forms print: its title, the summary's counts by status, "About these statistics" (coverage,
definitions, what each status means, the version and when it was published, the contact), and
the review context with nobody's name and no partner's file name in it.

The publication is a statistical release for the public (interfaces.md, "The publication form";
returns.md §10): everything here is made from ``publication.json`` and the annex, and none of it
is a reviewer's or approver's name or account, the approval code, the run id, the covering note
or a partner's own words (a file's name is one). Organisations are named as ``partners.csv``
names them: that is reference data, not a partner's text.
"""

from __future__ import annotations

from cpip.briefing.words import short_committee
from cpip.core.periods import period_words
from cpip.core.settings import BriefingSettings
from cpip.core.vocabulary import CHART_ORDER, MEANINGS, RAG, SCALE

# The address a publication gives when its annex.json has none (one written before the setting
# existed): the setting's own default, so the two cannot disagree.
DEFAULT_CONTACT = BriefingSettings.model_fields["statistics_contact"].default
# What a file accepted since the version a revision replaces is called in the publication: never
# its name, which is the partner's own text.
A_RETURN = "A quarterly return"


def title(programme: str, period: str) -> str:
    """``Child Protection Improvement Programme: progress and child protection figures, July to September 2026``."""
    return f"{programme}: progress and child protection figures, {period_words(period)}"


def public_context(doc: dict, annex: dict, quarters: list[tuple[str, dict[str, int]]],
                   partner_names: dict[str, str]) -> dict:
    """The publication form's own context (see the module's docstring)."""
    review = annex.get("review") or {}
    cpcs = sorted((p for p, v in annex["partners"].items() if v["cpc"]), key=lambda p: partner_names.get(p, p))
    by_partner = doc["indicators"]["by_partner"]
    now, before = quarters[-1], quarters[-2] if len(quarters) >= 2 else None
    return {
        "public_title": title(annex["programme"], doc["period"]),
        "contact": contact(annex),
        "status_rows": [{"status": s, "now": now[1][s],
                         "before": before[1][s] if before else None} for s in CHART_ORDER],
        "before_period": before[0] if before else None,
        "scale": scale_words(),
        "meanings": [{"status": s, "colour": RAG.get(s), "meaning": MEANINGS[s]} for s in CHART_ORDER],
        "coverage": {ind: {"cpcs": sum(1 for p in by_partner.values() if p.get(ind) is not None),
                           "not_given": [short_committee(partner_names.get(p, p)) for p in cpcs
                                         if p in by_partner and by_partner[p].get(ind) is None]}
                     for ind in doc["indicators"]["national"]},
        "published": review.get("approved_at") or review.get("made_at") or annex["generated_at"],
        "review": public_review(review, partner_names),
    }


def scale_words() -> str:
    """The movement scale (returns.md §9) in words, highest first: ``Complete, then On track, then At
    risk, then Off track and Not started (equal)``."""
    steps = sorted(set(SCALE.values()), reverse=True)
    return ", then ".join(" and ".join(s for s in CHART_ORDER if SCALE.get(s) == n)
                          + (" (equal)" if sum(1 for v in SCALE.values() if v == n) > 1 else "") for n in steps)


def contact(annex: dict) -> str:
    """Whom the public writes to about the figures: the version's ``[briefing] statistics_contact``
    (kept in annex.json), else the setting's default (a version made before it was kept)."""
    return annex.get("statistics_contact") or DEFAULT_CONTACT


def public_review(review: dict, partner_names: dict[str, str]) -> dict:
    """The review context the publication's partials read (the DRAFT line, "Revised: this replaces
    version N", What changed), without a name or account of anyone who approved a version and
    without a partner's file name: each file becomes "A quarterly return" from its partner, by name."""
    if not review:
        return review
    out = {**review, "approved_by": None, "approved_account": None}
    if review.get("replaces"):
        out["replaces"] = {**review["replaces"], "approved_by": None}
    files = review.get("files_since") or []
    who = {f["file"]: partner_names.get(f["partner_code"], f["partner_code"]) if f.get("partner_code")
           else "a partner" for f in files}
    out["files_since"] = [{"file": A_RETURN, "partner_code": who[f["file"]], "folder": None,
                           "received_at": f["received_at"]} for f in files]
    if review.get("changes") is not None:
        # Only changes in figures shown in both versions' publication.json (returns.md §10: a change in
        # a [c] figure could give it away); the restricted form's list is never the publication's.
        out["changes"] = out["changes_publication"] = [
            {**c, "files": sorted({f"{A_RETURN.lower()} from {who.get(n, 'a partner')}" for n in c.get("files") or []})}
            for c in review.get("changes_publication") or []]
    return out
