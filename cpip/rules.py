"""THE rule catalogue: every validation rule, defined once.

Each rule has its stable id (returns.md §7), its severity, what it checks in plain
words, and what the officer should do about it. Receipts, the rule-catalogue page,
the Great Expectations suites (``meta.rule``), the tests and the briefing's
data-quality annex all read this one table.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpip.vocabulary import AT_RISK, COMPLETE, OFF_TRACK, STATUSES, TEXT_LIMITS, in_words

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str  # what it checks
    fix: str  # what to do about it

    @property
    def family(self) -> str:
        return {"F": "File", "C": "Cover", "P": "Progress", "I": "Indicators"}[self.id[0]]


_RULES = [
    Rule("F01", ERROR, "The file can be opened and is a kind we accept",
         "Send the return as an .xlsx workbook (saved from Excel or LibreOffice, not password-protected and without macros) or as a .csv file."),
    Rule("F02", ERROR, "The file is not too large",
         "Send a file under 10 MB: remove pictures, extra sheets and formatting far below your data, or send the progress and indicators parts as CSV files."),
    Rule("F03", ERROR, "Every required sheet and column is there",
         "Use the return template: keep the sheets Cover, Progress and (for Child Protection Committees) Indicators, and keep every required column heading in the first row."),
    Rule("C01", ERROR, "The partner code is given and is one we know",
         "Enter your organisation's partner code exactly as it appears in the template (for example CPC-GLASGOW)."),
    Rule("C02", ERROR, "The reporting period is given as YYYY-Qn and has ended",
         "Enter the quarter you are reporting on as YYYY-Qn (for example 2026-Q3); a quarter can be reported only after its last day."),
    Rule("C03", ERROR, "The file was dropped into the folder of the partner it is from",
         "Drop the return into your own organisation's inbox folder, and check the partner code on the cover is yours."),
    Rule("C04", ERROR, "The return is signed off, on a real date within the period or after it",
         "Give the name of the senior officer who approved the return and the date they signed it off (a date from the first day of the period up to today)."),
    Rule("C05", ERROR, "The preparer and a contact email address are given",
         "Give the name of the person who prepared the return and a contact email address such as name@organisation.gov.uk."),
    Rule("C06", ERROR, "Every row of a CSV names the same partner and period",
         "Send one partner's return for one period per CSV file: make partner_code and period the same on every row."),
    Rule("P01", ERROR, "Each item id is in the programme register",
         "Use the item ids exactly as they appear in your template (for example A-NEG-3); do not add rows for other items."),
    Rule("P02", ERROR, "Each item is one your organisation reports on",
         "Remove rows for items not assigned to your organisation; your template lists the items you report on."),
    Rule("P03", ERROR, "Each item appears only once",
         "Keep a single row for each item and delete the repeated one."),
    Rule("P04", ERROR, "Every item assigned to your organisation is reported",
         "Add a row for each missing item, with its status, percent complete, forecast completion date and narrative."),
    Rule("P05", ERROR, f"Status is one of the {in_words(len(STATUSES))} allowed values",
         f"Choose one of: {', '.join(STATUSES)}."),
    Rule("P06", ERROR, "Percent complete is a whole number from 0 to 100",
         "Enter a whole number from 0 to 100, without a % sign or decimals."),
    Rule("P07", ERROR, f"An item marked {COMPLETE} is 100% complete",
         "Either set percent complete to 100, or choose the status that describes where the item really is."),
    Rule("P08", ERROR, f"An item {AT_RISK} or {OFF_TRACK} has a narrative",
         "Explain in the narrative what is wrong and what is being done about it."),
    Rule("P09", ERROR, "Texts are within their length limits",
         f"Shorten the text: milestone at most {TEXT_LIMITS['milestone']:,} characters, narrative "
         f"{TEXT_LIMITS['narrative']:,}, risks {TEXT_LIMITS['risks']:,}, explanation {TEXT_LIMITS['explanation']:,}, "
         f"indicator note {TEXT_LIMITS['note']:,}."),
    Rule("P10", ERROR, "Dates can be read, and a forecast completion date is given unless the item is complete",
         "Enter dates as real dates, as YYYY-MM-DD or as DD/MM/YYYY, and give a forecast completion date for every item that is not complete."),
    Rule("P11", WARNING, "The forecast completion is not later than the item's target date",
         "If the item will really finish after its target date, say why in the explanation column of this row (once: it is not asked again while the forecast date stays the same); otherwise correct the forecast."),
    Rule("P12", WARNING, f"An item reported {COMPLETE} last period is still complete",
         "Check the status; if work has genuinely reopened, say why in the explanation column of this row."),
    Rule("P13", WARNING, "Percent complete has not gone down since last period",
         "Check the figure; if the estimate was revised down, say why in the explanation column of this row."),
    Rule("P14", WARNING, f"An item {AT_RISK} or {OFF_TRACK} has an updated narrative",
         "Update the narrative to say what has happened this quarter and what is being done; if nothing has changed, say so in the explanation column of this row."),
    Rule("I01", ERROR, "Each indicator id is one we collect, listed once",
         "Use the indicator ids exactly as in the template, one row each; delete unknown or repeated rows."),
    Rule("I02", ERROR, "Each indicator value is a whole number of at least 0",
         "Enter a whole number (0 or more) without commas, decimals or words; leave it blank and add a note if it is not available."),
    Rule("I03", ERROR, "Every indicator is reported, and a blank value is explained",
         "Give a value for every indicator, or leave it blank and explain why in the note column; add a row for any indicator that is missing."),
    Rule("I04", ERROR, "A value is not larger than the indicator it is part of",
         "Check both figures: a part (for example registrations where neglect was a concern) cannot exceed its whole (all registrations)."),
    Rule("I05", WARNING, "A value has not changed sharply since last period without a note",
         "Check the figure; if it is right, add a note explaining the change."),
    Rule("I06", WARNING, "Children on the register add up from last period's figure, registrations and deregistrations",
         "Check the register figures; if they are right, add a note explaining the difference (for example transfers in or out)."),
]

RULES: dict[str, Rule] = {r.id: r for r in _RULES}

