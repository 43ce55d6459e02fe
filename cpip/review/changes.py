"""What changed since the version the Minister has: the figures of ``briefing.json`` a revision
compares, and the differences, old and new side by side, with the files behind each.

The figures compared: each item's status, RAG, percent complete and movement; the status
totals; the movement counts; the returns picture; the national indicator totals and the number
of committees reporting; the open data-quality queries. Pure functions of the documents.
"""

from __future__ import annotations

from typing import Any

from cpip.briefing.audit import SUPPRESSED

ITEM_FIELDS = (("status", "status"), ("rag", "RAG"), ("percent_complete", "percent complete"),
               ("movement", "movement"))

# The returns picture's figures, as the annex names them.
RETURNS_LABELS = {"expected": "Returns expected", "accepted": "Returns accepted", "late": "Late returns",
                  "missing": "Partners missing", "rejected_only": "Partners with only rejected files"}

# The states of a partner the returns picture lists by name (a partner in none of them has sent on time).
PARTNER_STATES = ("late", "missing", "rejected_only")


def _show(v: Any) -> str:
    if v is None:
        return "none"
    if isinstance(v, list):
        return ", ".join(v) if v else "none"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def figures(b: dict) -> dict[str, tuple[str, Any]]:
    """The figures a revision compares: path -> (label, value)."""
    out: dict[str, tuple[str, Any]] = {}
    for i in b["items"]:
        for f, label in ITEM_FIELDS:
            out[f"items.{i['item_id']}.{f}"] = (f"{i['item_id']}: {label}", i[f])
    for kind, t in b["totals"].items():
        for s, n in t.items():
            out[f"totals.{kind}.{s}"] = (f"{kind.capitalize()}s {s}", n)
    for m, n in b["movement"].items():
        out[f"movement.{m}"] = (f"Items {m} since last quarter", n)
    for k, v in b["returns"].items():
        out[f"returns.{k}"] = (RETURNS_LABELS.get(k, k), v)
    for ind, v in b["indicators"]["national"].items():
        out[f"indicators.national.{ind}"] = (f"National total: {ind}", v)
    out["indicators.reporting_cpcs"] = ("Committees reporting indicators", b["indicators"]["reporting_cpcs"])
    out["data_quality.open_warnings"] = ("Open data-quality queries", b["data_quality"]["open_warnings"])
    return out


def what_changed(old: dict, new: dict, lineage: dict, since: list[dict]) -> list[dict]:
    """Every compared figure whose value differs, old and new, with the files behind the change.

    A figure of one item or one indicator names the newly accepted files its lineage points to;
    the totals and movement, the files that changed an item's status; the returns picture, the
    new files of the partners whose state changed. When none can be named, every file accepted
    since is listed (the change may come from a file being superseded).
    """
    before, after = figures(old), figures(new)
    new_ids = {f["submission_id"]: f for f in since}
    lin = lineage.get("figures", {})

    def files(ids) -> list[str]:
        return sorted({new_ids[i]["original_name"] for i in ids if i in new_ids})

    status_files = {i for k, ids in lin.items() if k.startswith("items.") and k.endswith(".status") for i in ids}
    old_state = partner_states(old)
    new_state = partner_states(new)
    moved = {p for p in set(old_state) | set(new_state) if old_state.get(p) != new_state.get(p)}
    out = []
    for path in list(after) + [p for p in before if p not in after]:
        label, new_v = after.get(path, before.get(path, (path, None)))[0], after.get(path, (None, None))[1]
        old_v = before.get(path, (None, None))[1]
        if old_v == new_v:
            continue
        if path.startswith("items."):
            item = path.split(".")[1]
            why = files(lin.get(f"items.{item}.status", []))
        elif path.startswith("indicators.national."):
            why = files(lin.get(path, []))
        elif path.startswith(("totals.", "movement.")):
            why = files(status_files)
        elif path.startswith("returns."):
            why = sorted({f["original_name"] for f in since if (f["from_partner"] or f["partner_code"]) in moved})
        else:
            why = []
        if not why:
            why = sorted({f["original_name"] for f in since})
        out.append({"figure": path, "label": label, "old": old_v, "new": new_v, "old_text": _show(old_v),
                    "new_text": _show(new_v), "files": why})
    return out


def published_changes(old: dict, new: dict, lineage: dict, since: list[dict]) -> list[dict]:
    """What the publication form's "What changed" annex may print: the changes between two versions'
    ``publication.json``, leaving out every figure suppressed (``[c]``) in either, so no change gives
    away a suppressed value or total (returns.md §10: each is already printed in the versions)."""
    return [c for c in what_changed(old, new, lineage, since) if SUPPRESSED not in (c["old"], c["new"])]


def partner_states(b: dict) -> dict[str, str]:
    """Each partner the briefing's returns picture names, with its state (late, missing, only rejected files)."""
    r = b["returns"]
    out = {}
    for state in PARTNER_STATES:
        for p in r.get(state, []):
            out[p] = state
    return out
