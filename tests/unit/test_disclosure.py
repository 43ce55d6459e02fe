"""The first release's fixed suppression rule, kept as the plain alternative (bench/disclosure.py) and
the rule the audit shows failing (tests/unit/test_disclosure_audit.py), on many generated tables; and
the publication twin of briefing.json."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cpip.briefing.disclosure import SUPPRESSED, first_release_rule, publication

INDICATORS = ["A", "B", "C"]
values = st.one_of(st.none(), st.integers(0, 6), st.integers(0, 2000))
tables = st.dictionaries(
    keys=st.sampled_from([f"CPC-{c}" for c in "ABCDEFGHIJKL"]),
    values=st.fixed_dictionaries({i: values for i in INDICATORS}),
    min_size=0, max_size=12,
)
thresholds = st.integers(1, 12)


def national_of(table):
    out = {}
    for i in INDICATORS:
        vals = [row[i] for row in table.values() if row[i] is not None]
        out[i] = sum(vals) if vals else None
    return out


@settings(max_examples=400, deadline=None)
@given(tables, thresholds)
def test_suppression_properties(table, k):
    national = national_of(table)
    cells, nat = first_release_rule(table, national, k)
    for ind in INDICATORS:
        suppressed = [p for p in table if cells[p][ind] == SUPPRESSED]
        primary = [p for p in table if isinstance(table[p][ind], int) and 1 <= table[p][ind] <= k - 1]
        # 1. every small value is suppressed; zeros and blanks never are; other values are left as they were
        assert set(primary) <= set(suppressed)
        for p in table:
            if table[p][ind] in (0, None):
                assert cells[p][ind] == table[p][ind]
            if p not in suppressed:
                assert cells[p][ind] == table[p][ind]
        # 2. a lone primary always has a partner: a second cell, or the national total
        if len(primary) == 1:
            assert len(suppressed) == 2 or nat[ind] == SUPPRESSED
            if len(suppressed) == 2:
                other = next(p for p in suppressed if p not in primary)
                rest = [(table[p][ind], p) for p in table
                        if p not in primary and isinstance(table[p][ind], int) and table[p][ind] > 0]
                assert (table[other][ind], other) == min(rest)  # the smallest, ties by partner code
        else:
            assert set(suppressed) == set(primary)
        # 3. the national total is suppressed only under rule 2
        if nat[ind] == SUPPRESSED:
            assert len(primary) == 1 and len(suppressed) == 1
        else:
            assert nat[ind] == national[ind]
        # No suppressed value can be worked out from the published total and the other cells.
        if nat[ind] != SUPPRESSED and len(suppressed) == 1:
            raise AssertionError("a single suppressed cell beside a published total can be derived")


def test_ties_go_to_the_first_partner_code():
    table = {"CPC-B": {"A": 9}, "CPC-A": {"A": 9}, "CPC-C": {"A": 2}}
    cells, nat = first_release_rule(table, {"A": 20}, 5)
    assert cells == {"CPC-A": {"A": SUPPRESSED}, "CPC-B": {"A": 9}, "CPC-C": {"A": SUPPRESSED}}
    assert nat == {"A": 20}


def test_publication_keeps_the_schema_and_leaves_the_briefing_alone():
    b = {"period": "2026-Q3", "items": [], "indicators": {"national": {"A": 12}, "reporting_cpcs": 2,
                                                          "by_partner": {"X": {"A": 3}, "Y": {"A": 9}}}}
    p = publication(b, 5)
    assert p["indicators"] == {"national": {"A": 12}, "reporting_cpcs": 2,
                               "by_partner": {"X": {"A": SUPPRESSED}, "Y": {"A": SUPPRESSED}}}
    assert b["indicators"]["by_partner"]["X"]["A"] == 3
