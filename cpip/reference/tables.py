"""The programme's reference data: register, partners, assignments, indicators.

The CPIP files ship inside the package (``cpip/reference/data/reference``); any of them can be
replaced by a file named in ``[reference]`` of ``cpip.toml``. Nothing else in the
system knows CPIP's particular items, partners or indicators: the one thing about indicators
that ``indicators.csv`` cannot say, the stock-flow identity that I06 checks, is defined here
(:data:`STOCK_FLOW`) and read through :attr:`Reference.stock_flow`; the demo generator,
:mod:`cpip.app.samples`, takes the names from here too.

Reference data that contradicts itself is refused with :class:`ReferenceDataError`,
whose message lists every problem found.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date
from importlib import resources

from cpip.core.settings import Settings

NAMES = ("register", "partners", "assignments", "indicators")
log = logging.getLogger("cpip.reference.tables")

REQUIRED_COLUMNS = {
    "register": ["item_id", "kind", "workstream", "number", "title", "lead_partner", "target_date"],
    "partners": ["partner_code", "name", "reports_indicators", "contact_email"],
    "assignments": ["item_id", "partner_code", "role"],
    "indicators": ["indicator_id", "label", "unit", "part_of"],
}


class ReferenceDataError(Exception):
    """The reference data is inconsistent or unreadable."""


@dataclass(frozen=True)
class Item:
    item_id: str
    kind: str
    workstream: str
    number: str
    title: str
    lead_partner: str
    target_date: date | None
    order: int
    confirmed: bool = True  # register column `confirmed` (optional): False marks a provisional entry


@dataclass(frozen=True)
class Partner:
    partner_code: str
    name: str
    type: str
    reports_indicators: bool
    contact_email: str


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    label: str
    unit: str
    part_of: str | None
    order: int


@dataclass(frozen=True)
class StockFlow:
    """An identity between three indicators (returns.md I06): this period's ``stock`` is last
    period's ``stock`` plus this period's ``inflow`` minus its ``outflow``; ``inflow_words`` and
    ``outflow_words`` name the flows in a message."""

    stock: str
    inflow: str
    outflow: str
    inflow_words: str
    outflow_words: str

    @property
    def ids(self) -> tuple[str, str, str]:
        return self.stock, self.inflow, self.outflow


# returns.md I06 names the indicators of the identity it checks, and indicators.csv (the shared
# contract: indicator_id, label, unit, part_of) has no column to say which indicator is a stock
# and which are its flows, so the identity is written once, here. It applies only where
# indicators.csv holds all three ids (another programme's indicators work unchanged, without
# I06); load_reference logs a warning when it holds some but not all, as a renamed indicator
# would, and tests/unit/test_one_home.py fails if CPIP's own indicators.csv loses one.
STOCK_FLOW = StockFlow(stock="ON_REGISTER_END", inflow="REGISTRATIONS", outflow="DEREGISTRATIONS",
                       inflow_words="registrations", outflow_words="deregistrations")


@dataclass(frozen=True)
class Reference:
    items: dict[str, Item]
    partners: dict[str, Partner]
    assignments: dict[str, dict[str, str]]  # partner_code -> {item_id: role}
    indicators: dict[str, Indicator]
    sources: dict[str, str] = field(default_factory=dict)

    def assigned_items(self, partner_code: str) -> list[str]:
        """Items this partner reports on, in register order."""
        mine = self.assignments.get(partner_code, {})
        return [i for i in self.items if i in mine]

    def is_cpc(self, partner_code: str | None) -> bool:
        p = self.partners.get(partner_code or "")
        return bool(p and p.reports_indicators)

    @property
    def stock_flow(self) -> StockFlow | None:
        """The stock-flow identity I06 checks, when these indicators include all three of its ids."""
        return STOCK_FLOW if all(i in self.indicators for i in STOCK_FLOW.ids) else None



def _read_csv(name: str, settings: Settings | None) -> tuple[list[dict[str, str]], str]:
    path = settings.reference_path(name) if settings else None
    if path is None:
        text = resources.files("cpip.reference.data").joinpath("reference", f"{name}.csv").read_text(encoding="utf-8-sig")
        source = f"(shipped) {name}.csv"
    else:
        if not path.is_file():
            raise ReferenceDataError(
                f"[reference] {name} names {path}, which does not exist. Fix the path in cpip.toml or remove the key to use the shipped file."
            )
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        source = str(path)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS[name] if c not in header]
    if missing:
        raise ReferenceDataError(f"{source}: missing column(s) {', '.join(missing)}.")
    rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    return rows, source


def _keyed(rows: list[dict], table: str, key: str, noun: str, problems: list[str]):
    """(CSV row number, id, row) for each row of a reference table keyed by ``key``; a blank
    id is a problem (and the row is passed over), an id listed twice is one too."""
    seen: set[str] = set()
    for n, r in enumerate(rows, start=2):
        rid = r[key]
        if not rid:
            problems.append(f"{table} row {n}: {key} is blank")
            continue
        if rid in seen:
            problems.append(f"{table} row {n}: {noun} {rid} is listed twice")
        seen.add(rid)
        yield n, rid, r


def load_reference(settings: Settings | None = None) -> Reference:
    raw = {}
    sources = {}
    for name in NAMES:
        raw[name], sources[name] = _read_csv(name, settings)
    problems: list[str] = []

    partners: dict[str, Partner] = {}
    for n, code, r in _keyed(raw["partners"], "partners", "partner_code", "partner", problems):
        flag = r["reports_indicators"].lower()
        if flag not in ("yes", "no"):
            problems.append(f"partners row {n}: reports_indicators must be yes or no, not {r['reports_indicators']!r}")
        partners[code] = Partner(code, r["name"], r.get("type", ""), flag == "yes", r["contact_email"])

    items: dict[str, Item] = {}
    for n, iid, r in _keyed(raw["register"], "register", "item_id", "item", problems):
        if not r["kind"]:
            problems.append(f"register row {n}: item {iid} has no kind")
        if r["lead_partner"] not in partners:
            problems.append(f"register row {n}: item {iid} names lead partner {r['lead_partner']!r}, who is not in partners")
        target = None
        if r["target_date"]:
            try:
                target = date.fromisoformat(r["target_date"])
            except ValueError:
                problems.append(f"register row {n}: item {iid} target_date {r['target_date']!r} is not YYYY-MM-DD")
        items[iid] = Item(iid, r["kind"], r["workstream"], r["number"], r["title"], r["lead_partner"], target, n - 2,
                          (r.get("confirmed") or "yes").lower() != "no")

    assignments: dict[str, dict[str, str]] = {}
    leads: dict[str, list[str]] = {}
    for n, r in enumerate(raw["assignments"], start=2):
        iid, code, role = r["item_id"], r["partner_code"], r["role"].lower()
        if iid not in items:
            problems.append(f"assignments row {n}: item {iid!r} is not in the register")
        if code not in partners:
            problems.append(f"assignments row {n}: partner {code!r} is not in partners")
        if role not in ("lead", "contributor"):
            problems.append(f"assignments row {n}: role must be lead or contributor, not {r['role']!r}")
        if iid in assignments.get(code, {}):
            problems.append(f"assignments row {n}: {code} is assigned {iid} twice")
        assignments.setdefault(code, {})[iid] = role
        if role == "lead":
            leads.setdefault(iid, []).append(code)
    for iid, item in items.items():
        got = leads.get(iid, [])
        if len(got) == 0:
            problems.append(f"assignments: item {iid} has no lead")
        elif len(got) > 1:
            problems.append(f"assignments: item {iid} has {len(got)} leads ({', '.join(got)})")
        elif got[0] != item.lead_partner:
            problems.append(
                f"assignments: item {iid} is led by {got[0]} but the register names {item.lead_partner}"
            )

    indicators: dict[str, Indicator] = {}
    for n, iid, r in _keyed(raw["indicators"], "indicators", "indicator_id", "indicator", problems):
        indicators[iid] = Indicator(iid, r["label"], r["unit"], r["part_of"] or None, n - 2)
    for ind in indicators.values():
        if ind.part_of and ind.part_of not in indicators:
            problems.append(f"indicators: {ind.indicator_id} is part_of {ind.part_of!r}, which is not an indicator")
        if ind.part_of == ind.indicator_id:
            problems.append(f"indicators: {ind.indicator_id} is part_of itself")

    if problems:
        raise ReferenceDataError(
            "The reference data contradicts itself; fix these and run again:\n  - " + "\n  - ".join(problems)
        )
    held = [i for i in STOCK_FLOW.ids if i in indicators]
    if held and len(held) < len(STOCK_FLOW.ids):
        log.warning("%s: the indicators include %s but not %s, so the check of %s against last quarter (I06) "
                    "is not made. If an indicator was renamed, rename it in cpip/reference/tables.py (STOCK_FLOW) too.",
                    sources.get("indicators", "indicators.csv"), ", ".join(held),
                    ", ".join(i for i in STOCK_FLOW.ids if i not in held), STOCK_FLOW.stock)
    return Reference(items, partners, assignments, indicators, sources)
