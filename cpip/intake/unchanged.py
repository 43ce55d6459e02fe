"""Rows unchanged since last quarter: how many of an accepted file's progress rows are identical to
the partner's last accepted ones (returns.md §8's "last period"). What "identical" means is defined
once, in ``sql/staging/40_stg_unchanged_rows.sql``: the same item, every field the partner reports
equal. The briefing's data-quality annex counts them through ``mart_unchanged_rows``.

Not a rule: it blocks nothing, and neither the outcome nor the issues (nor any JSON) change. The
receipt says it in one line, so that an officer who sent last quarter's rows again checks them.
The count is known once the file's rows are in the warehouse: :mod:`cpip.intake.load` counts the
run's accepted files after its commit, and a receipt made again from the warehouse counts its file.
"""

from __future__ import annotations

# How many rows of each of these files are unchanged since last quarter (those with none left out).
UNCHANGED_OF = """SELECT submission_id, unchanged FROM stg_unchanged_rows
WHERE submission_id IN (SELECT unnest($ids)) AND unchanged > 0"""


def unchanged_counts(con, ids: list[int]) -> dict[int, int]:
    """File number -> its rows unchanged since last quarter, for the files that have any."""
    if not ids:
        return {}
    return {n: int(u) for n, u in con.execute(UNCHANGED_OF, {"ids": sorted(set(ids))}).fetchall()}


def unchanged_line(n: int) -> str | None:
    """The receipt's line for ``n`` unchanged rows; None when there are none."""
    if not n:
        return None
    if n == 1:
        return "1 row is unchanged since last quarter: check it is still right."
    return f"{n:,} rows are unchanged since last quarter: check they are still right."
