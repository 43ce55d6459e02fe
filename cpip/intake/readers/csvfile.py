"""Read a progress or indicators CSV (UTF-8 with or without BOM, else Windows-1252).

Records are numbered as the officer sees them in a spreadsheet: the header is record 1,
the first data record is 2, and a quoted value spanning several lines is one record.
Empty lines are not records. The header decides the kind of CSV: one with an
``indicator_id`` column is an indicators CSV, any other a progress CSV.
"""

from __future__ import annotations

import csv
import io

from cpip.intake.model import (COVER_FIELDS, INDICATOR_COLUMNS, INDICATORS_CSV_COVER, PROGRESS_COLUMNS,
                        PROGRESS_CSV_COVER, Cell, FileRejected, Part, ReturnFile, make_issue)
from cpip.core.values import MAX_COLUMNS, MAX_ROWS, is_blank, norm_name

csv.field_size_limit(20_000_000)


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Windows-1252; the five bytes it leaves undefined are kept as the matching C1 code points.
        return data.decode("cp1252", errors="strict") if _cp1252_ok(data) else data.decode("latin-1")


def _cp1252_ok(data: bytes) -> bool:
    return not any(b in data for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))


def _records(text: str) -> list[list[str]]:
    """The CSV's records (empty lines are none), streamed: F02 as soon as there are more than
    :data:`MAX_ROWS` (the header included) or one has more than :data:`MAX_COLUMNS` fields, so that
    a file of millions of tiny records costs what its first ten thousand cost."""
    records: list[list[str]] = []
    for r in csv.reader(io.StringIO(text, newline="")):
        if not r:
            continue
        if len(r) > MAX_COLUMNS:
            raise FileRejected([make_issue("F02", f"Record {len(records) + 1:,} of this CSV file has {len(r):,} "
                                                  f"columns, more than the {MAX_COLUMNS:,} any return needs.")])
        if len(records) == MAX_ROWS:
            raise FileRejected([make_issue("F02", f"This CSV file holds more than {MAX_ROWS:,} records (rows), "
                                                  "more than any return needs, so we have not read it.")])
        records.append(r)
    return records


def read_csv(data: bytes) -> ReturnFile:
    text = decode(data)
    if "\x00" in text:
        raise FileRejected([make_issue(
            "F01", "This file has a .csv name but contains binary data, so it is not a CSV file.")])
    try:
        records = _records(text)
    except csv.Error as exc:
        raise FileRejected([make_issue("F01", f"This CSV file cannot be read ({exc}).")]) from None
    if not records:
        raise FileRejected([make_issue("F01", "This CSV file is empty.")])
    header = [norm_name(h) for h in records[0]]
    is_indicators = "indicatorid" in header
    columns = INDICATOR_COLUMNS if is_indicators else PROGRESS_COLUMNS
    cover_cols = INDICATORS_CSV_COVER if is_indicators else PROGRESS_CSV_COVER
    wanted = {norm_name(c): c for c in (*cover_cols, *columns)}
    for key in cover_cols:
        for alias in COVER_FIELDS[key][2]:
            wanted.setdefault(alias, key)
    positions: dict[str, int] = {}
    for idx, h in enumerate(header):
        col = wanted.get(h)
        if col and col not in positions:
            positions[col] = idx

    part = Part(name="indicators" if is_indicators else "progress", sheet=None)
    part.columns = {c for c in positions if c in columns}
    part.positions = {c: i for c, i in positions.items() if c in columns}
    cover_present = [c for c in cover_cols if c in positions]
    for n, rec in enumerate(records[1:], start=2):
        values = {col: (rec[idx] if idx < len(rec) else None) for col, idx in positions.items()}
        values = {k: (None if is_blank(v) else v) for k, v in values.items()}
        if all(v is None for v in values.values()):
            continue
        part.rows.append((n, values))
    if not part.rows:
        raise FileRejected([make_issue(
            "F01", "This CSV file has a header but no data rows, so there is nothing to take.")])

    rf = ReturnFile(format="csv", kind="indicators_csv" if is_indicators else "progress_csv")
    rf.cover_fields = tuple(cover_cols)
    first_n, first = part.rows[0]
    for key in cover_present:
        rf.cover[key] = Cell(first.get(key), first_n, key)
    if is_indicators:
        rf.indicators = part
    else:
        rf.progress = part
    return rf
