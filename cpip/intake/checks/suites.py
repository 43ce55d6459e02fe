"""The Great Expectations column suites, generated from the vocabulary and the bounds.

``expectations/*.json`` are derived files, committed for readers and for the runner
(:mod:`cpip.intake.checks.columns` loads them): the statuses come from :data:`cpip.core.vocabulary.STATUSES`,
the text limits from :data:`cpip.core.vocabulary.TEXT_LIMITS`, the date range and the largest count from
:mod:`cpip.core.values`, and every expectation names its rule in ``meta.rule``. After changing any of
those, run ``cpip expectations --write``; ``cpip expectations`` (and a test) fails while the
committed files differ from what would be generated, as ``uv lock --check`` does.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from cpip.core.vocabulary import STATUSES, TEXT_LIMITS, in_words
from cpip.core.values import EARLIEST_DATE, LATEST_DATE, MAX_COUNT

SUITE_NAMES = ("cover", "progress", "indicators")
_DATE_FORMAT = "%Y-%m-%d"  # how cpip.core.values.canonical_date stages a readable date
_YEARS = f"from {EARLIEST_DATE.year} to {LATEST_DATE.year}"
# How each text is named in a P09 message.
_TEXT_NAMES = {"milestone": "The milestone", "narrative": "The narrative", "risks": "The risks text",
               "recovery_action": "The recovery action", "ask": "The ask (the decision or help you need)",
               "explanation": "The explanation", "note": "The note"}


def _e(kind: str, column: str, rule: str, what: str, **kwargs) -> dict:
    return {"type": f"expect_column_{kind}", "kwargs": {"column": column, **kwargs},
            "meta": {"rule": rule, "what": what}}


def _not_null(column: str, rule: str, what: str) -> dict:
    return _e("values_to_not_be_null", column, rule, what)


def _date(column: str, rule: str, label: str) -> dict:
    return _e("values_to_match_strftime_format", column, rule,
              f"{label} '{{value}}' cannot be read as a date {_YEARS}.", strftime_format=_DATE_FORMAT)


def _length(column: str) -> dict:
    limit = TEXT_LIMITS[column]
    return _e("value_lengths_to_be_between", column, "P09",
              f"{_TEXT_NAMES[column]} is {{length}} characters long; the limit is {limit:,}.", max_value=limit)


def suites() -> dict[str, dict]:
    """Every suite as the JSON object written to ``expectations/<name>.json``."""
    digits = len(str(MAX_COUNT))
    assert MAX_COUNT == 10 ** digits - 1, "MAX_COUNT is all nines, so a regex of its length bounds it exactly"
    cover = [
        _not_null("partner_code", "C01", "The partner code is missing."),
        _e("values_to_be_in_set", "partner_code", "C01", "The partner code '{value}' is not one we know.",
           value_set={"$PARAMETER": "partner_codes"}),
        _not_null("period", "C02", "The reporting period is missing."),
        _e("values_to_match_regex", "period", "C02", "The reporting period '{value}' is not written as YYYY-Qn.",
           regex="^[0-9]{4}-Q[1-4]$"),
        _not_null("signed_off_by", "C04", "The name of the officer who signed off the return is missing."),
        _not_null("signed_off_on", "C04", "The date the return was signed off is missing."),
        _date("signed_off_on", "C04", "The sign-off date"),
        _not_null("prepared_by", "C05", "The name of the person who prepared the return is missing."),
        _not_null("contact_email", "C05", "The contact email address is missing."),
        _e("values_to_match_regex", "contact_email", "C05", "The contact email '{value}' does not look like an email address.",
           regex="^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"),
    ]
    progress = [
        _e("values_to_be_in_set", "item_id", "P01", "The item id '{value}' is not in the programme register.",
           value_set={"$PARAMETER": "item_ids"}),
        _e("values_to_be_in_set", "status", "P05",
           f"The status '{{value}}' is not one of the {in_words(len(STATUSES))} allowed values.",
           value_set=[s.lower() for s in STATUSES]),
        _e("values_to_match_regex", "percent_complete", "P06",
           "Percent complete '{value}' is not a whole number from 0 to 100.", regex="^(?:100|[1-9]?[0-9])$"),
        *(_length(c) for c in ("milestone", "narrative", "risks", "recovery_action", "ask", "explanation")),
        _date("milestone_due", "P10", "The milestone due date"),
        _date("forecast_completion", "P10", "The forecast completion date"),
    ]
    indicators = [
        _e("values_to_be_in_set", "indicator_id", "I01", "The indicator id '{value}' is not one we collect.",
           value_set={"$PARAMETER": "indicator_ids"}),
        _e("values_to_match_regex", "value", "I02", f"The value '{{value}}' is not a whole number from 0 to {MAX_COUNT:,}.",
           regex=f"^[0-9]{{1,{digits}}}$"),
        _length("note"),
    ]
    about = {
        "cover": "Column-level rules on the cover of each return: one row per file. Staged values are trimmed; "
                 "dates are YYYY-MM-DD when readable, else the text as typed.",
        "progress": "Column-level rules on Progress rows (workbook sheet or progress CSV). Blank item_id, status and "
                    "percent_complete are staged as empty text so that they fail; other blanks are null and pass here.",
        "indicators": "Column-level rules on Indicators rows (workbook sheet or indicators CSV). A blank indicator_id "
                      "is staged as empty text so that it fails; a blank value is null here and is I03's business.",
    }
    made = {"cover": cover, "progress": progress, "indicators": indicators}
    return {name: {"name": name, "meta": {"about": about[name], "generated_by": "cpip expectations --write"},
                   "expectations": made[name]} for name in SUITE_NAMES}


def as_text(suite: dict) -> str:
    """A suite as committed: one expectation on two lines (what it checks, then its rule and words)."""
    def j(v) -> str:
        return json.dumps(v, ensure_ascii=False)
    rows = [f'    {{"type": {j(e["type"])}, "kwargs": {j(e["kwargs"])},\n     "meta": {j(e["meta"])}}}'
            for e in suite["expectations"]]
    return ("{\n" f'  "name": {j(suite["name"])},\n' f'  "meta": {j(suite["meta"])},\n' '  "expectations": [\n'
            + ",\n".join(rows) + "\n  ]\n}\n")


def folder() -> Path:
    return Path(str(resources.files("cpip.expectations")))


def stale() -> list[str]:
    """The suites whose committed file differs from what would be generated now."""
    return [name for name, suite in suites().items()
            if not (folder() / f"{name}.json").is_file()
            or (folder() / f"{name}.json").read_text(encoding="utf-8") != as_text(suite)]


def write() -> list[str]:
    """Write every suite that is stale; returns their names."""
    names = stale()
    for name in names:
        (folder() / f"{name}.json").write_text(as_text(suites()[name]), encoding="utf-8")
    return names
