"""Files whose cost grows with their rows or columns, written streamed at run time (never committed).

Each takes the target path and the reference data and writes a file that is otherwise a valid
return from ``partner``: only its size makes it hostile. Used by the corpus (tests/faults) and by
``bench/bombs.py``, which times intake on each beside a valid return.
"""

from __future__ import annotations

import csv
import io
import os
import random
import zipfile
from pathlib import Path

from cpip.app import samples
from cpip.core.periods import Period

Q3 = Period(2026, 3)
BOMB_PARTNER = "CELCIS"


def _sample_xlsx(ref, partner: str) -> bytes:
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"bomb-{os.getpid()}-{random.random()}.xlsx"
    samples.write_xlsx(tmp, samples.make_return(ref, partner, Q3))
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def _progress_member(data: bytes) -> str:
    import openpyxl

    names = openpyxl.load_workbook(io.BytesIO(data), read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index('Progress') + 1}.xml"


def _with_progress(path: Path, ref, partner: str, write_sheet) -> None:
    """The partner's sample workbook with its Progress sheet's XML replaced, written as it streams."""
    data = _sample_xlsx(ref, partner)
    member = _progress_member(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != member:
                zout.writestr(item, zin.read(item.filename))
                continue
            with zout.open(member, "w") as out:
                write_sheet(out)


_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
         b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_TAIL = b"</sheetData></worksheet>"
_HEADER = ("item_id", "status", "percent_complete", "forecast_completion", "narrative")


def _letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _header_row(names) -> bytes:
    cells = "".join(f'<c r="{_letters(i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(names, 1))
    return f'<row r="1">{cells}</row>'.encode()


def million_row_workbook(path: Path, ref, partner: str = BOMB_PARTNER, rows: int = 1_000_000) -> None:
    """A workbook whose Progress sheet has a million rows, all alike (rows need not be numbered), so
    that zip compresses them to a few hundred kilobytes."""
    def sheet(out):
        out.write(_HEAD + _header_row(_HEADER))
        block = b'<row><c t="inlineStr"><is><t>A-NEG-1</t></is></c><c><v>50</v></c></row>' * 10_000
        for _ in range(rows // 10_000):
            out.write(block)
        out.write(_TAIL)
    _with_progress(path, ref, partner, sheet)


def wide_workbook(path: Path, ref, partner: str = BOMB_PARTNER, columns: int = 2_000) -> None:
    """A workbook whose Progress sheet has 2,000 columns: the required headings, then 1,995 more."""
    def sheet(out):
        out.write(_HEAD + _header_row(list(_HEADER) + [f"extra_{i}" for i in range(len(_HEADER) + 1, columns + 1)]))
        out.write(b'<row r="2"><c r="A2" t="inlineStr"><is><t>A-X-1</t></is></c></row>' + _TAIL)
    _with_progress(path, ref, partner, sheet)


def tiny_rows_csv(path: Path, ref, rows: int = 4_900_000) -> None:
    """A CSV of millions of one-character records, just under the 10 MB limit."""
    with open(path, "wb") as fh:
        fh.write(b"item_id\n")
        block = b"a\n" * 100_000
        for _ in range(rows // 100_000):
            fh.write(block)
        fh.write(b"a\n" * (rows % 100_000))


def error_on_every_row_csv(path: Path, ref, partner: str = BOMB_PARTNER, rows: int = 9_000) -> None:
    """A progress CSV with a valid cover and 9,000 rows, each naming an item not in the register (P01)."""
    text = samples.progress_csv_text(samples.make_return(ref, partner, Q3))
    records = list(csv.reader(io.StringIO(text)))
    header, first = records[0], records[1]
    item = header.index("item_id")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(header)
        for n in range(rows):
            row = list(first)
            row[item] = f"NOT-AN-ITEM-{n}"
            w.writerow(row)


BOMBS = {
    "a-million-rows.xlsx": million_row_workbook,
    "tiny-rows-under-10mb.csv": tiny_rows_csv,
    "two-thousand-columns.xlsx": wide_workbook,
    "an-error-on-every-row.csv": error_on_every_row_csv,
}


def slow_workbook(path: Path, ref, partner: str = BOMB_PARTNER, rows: int = 5_000, columns: int = 1_000) -> None:
    """A workbook within every limit (5,000 rows of 1,000 columns, under 100 MB when opened) whose
    five million cells take seconds and hundreds of megabytes to read: a cost no rule foresees."""
    def sheet(out):
        out.write(_HEAD + _header_row(list(_HEADER) + [f"extra_{i}" for i in range(len(_HEADER) + 1, columns + 1)]))
        row = b"<row>" + b"<c><v>1</v></c>" * columns + b"</row>"
        for _ in range(rows - 1):
            out.write(row)
        out.write(_TAIL)
    _with_progress(path, ref, partner, sheet)
