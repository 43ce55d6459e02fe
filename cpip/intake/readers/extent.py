"""How many rows and columns a workbook's sheets hold, streamed, before anything reads them (F02).

A worksheet is read as a rectangle from its first cell holding a value to its last: one value in
row 1,048,576 makes a reader hold a million rows. So the sheets a return is read from (Cover,
Progress, Indicators: extra sheets are never read) are streamed through an XML parser, keeping
nothing but the furthest row and column holding a value, and refused (F02) the moment either
passes :data:`~cpip.core.values.MAX_ROWS` or :data:`~cpip.core.values.MAX_COLUMNS`: a million-row
sheet costs what its first ten thousand rows cost. A cell with only formatting holds no value and
does not count (Excel keeps formatting down to the last row without a value).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from xml.etree.ElementTree import iterparse

from cpip.core.values import MAX_COLUMNS, MAX_ROWS, norm_name
from cpip.intake.model import FileRejected, make_issue

READ_SHEETS = ("cover", "progress", "indicators")  # as norm_name gives them; the readers read no other
_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """The zip member of each sheet the readers read, by its shown name (the first of equal names,
    as the reader takes it). Names no sheet can be found for are left out: the reader reports them."""
    names = {i.filename for i in zf.infolist()}
    book = next((n for n in names if n.lower() == "xl/workbook.xml"), None)
    if book is None:
        return {}
    rels_name = posixpath.join(posixpath.dirname(book), "_rels", posixpath.basename(book) + ".rels")
    targets: dict[str, str] = {}
    if rels_name in names:
        with zf.open(rels_name) as fh:
            for _, el in iterparse(fh):
                if _local(el.tag) == "Relationship":
                    target = el.get("Target", "")
                    path = target.lstrip("/") if target.startswith("/") else \
                        posixpath.normpath(posixpath.join(posixpath.dirname(book), target))
                    targets[el.get("Id", "")] = path
    out: dict[str, str] = {}
    with zf.open(book) as fh:
        for _, el in iterparse(fh):
            if _local(el.tag) == "sheet":
                key = norm_name(el.get("name"))
                part = targets.get(el.get(_REL_ID, ""))
                if key in READ_SHEETS and key not in out and part in names:
                    out[key] = part
                el.clear()
    return out


def _too_big(sheet: str, rows: int, columns: int) -> FileRejected:
    if rows > MAX_ROWS:
        what = f"The {sheet} sheet holds more than {MAX_ROWS:,} rows (a value is in row {rows:,})"
    else:
        what = f"The {sheet} sheet holds more than {MAX_COLUMNS:,} columns (a value is in column {columns:,})"
    return FileRejected([make_issue("F02", what + "; no return needs so many, so we have not read it.")])


_ROW_R = re.compile(rb"""\br=["'](\d+)["']""")
_CELL_R = re.compile(rb"""\br=["']([A-Za-z]{1,3})(\d+)["']""")
_PREFIXED_ROW = re.compile(rb"<\w+:row[\s>/]")
_CHUNK = 1 << 20


def _last_value(seg: bytes) -> int:
    return max(seg.rfind(b"<v>"), seg.rfind(b"<v "), seg.rfind(b"<is>"), seg.rfind(b"<is "))


def _row_extent(seg: bytes, row: int) -> tuple[int, int]:
    """(row, last column holding a value; 0 for none) of one ``<row>`` element's bytes."""
    lv = _last_value(seg)
    if lv < 0:
        return row, 0
    cp = max(seg.rfind(b"<c ", 0, lv), seg.rfind(b"<c>", 0, lv))
    if cp < 0:
        return row, 0
    m = _CELL_R.search(seg, cp, seg.find(b">", cp))
    if m:
        return int(m.group(2)), _column_number(m.group(1).decode())
    return row, sum(seg.count(tag, 0, cp + 3) for tag in (b"<c ", b"<c>", b"<c/"))


def check_sheet(fh, sheet: str) -> tuple[int, int]:
    """(last row, last column) holding a value in a worksheet's XML, streamed a row at a time with
    byte searches (a sheet of five million cells in a second or two); :class:`FileRejected` (F02) as
    soon as either passes its limit. A sheet written with namespace prefixes (``<x:row>``) is read
    by the XML parser instead (:func:`_check_sheet_parsed`), slower but alike."""
    last_row = last_col = row = 0
    buf = b""
    while True:
        chunk = fh.read(_CHUNK)
        buf += chunk
        pos = 0
        while True:
            start = buf.find(b"<row", pos)
            if start < 0 or start + 5 > len(buf):
                break
            if buf[start + 4:start + 5] not in (b" ", b">", b"/"):
                pos = start + 4
                continue
            head_end = buf.find(b">", start)
            if head_end < 0:
                break
            m = _ROW_R.search(buf, start, head_end)
            row = int(m.group(1)) if m else row + 1
            if buf[head_end - 1:head_end] == b"/":  # <row .../>: no cells
                pos = head_end + 1
                continue
            end = buf.find(b"</row>", head_end)
            if end < 0:
                break
            row, col = _row_extent(buf[head_end + 1:end], row)
            if col:
                last_row, last_col = max(last_row, row), max(last_col, col)
                if last_row > MAX_ROWS or last_col > MAX_COLUMNS:
                    raise _too_big(sheet, last_row, last_col)
            pos = end + 6
        buf = buf[pos:] if pos else buf
        if not chunk:
            break
        if row == 0 and _PREFIXED_ROW.search(buf):
            return _check_sheet_parsed(fh, sheet, buf)
    return last_row, last_col


def _check_sheet_parsed(fh, sheet: str, head: bytes) -> tuple[int, int]:
    """:func:`check_sheet` with the XML parser, for a sheet written with namespace prefixes."""
    import io
    import itertools

    class _Joined(io.RawIOBase):
        def __init__(self):
            self.parts = itertools.chain([head], iter(lambda: fh.read(_CHUNK), b""))
            self.rest = b""

        def readable(self):
            return True

        def readinto(self, b):
            while not self.rest:
                self.rest = next(self.parts, None)
                if self.rest is None:
                    return 0
            n = min(len(b), len(self.rest))
            b[:n], self.rest = self.rest[:n], self.rest[n:]
            return n

    last_row = last_col = 0
    row = col = 0
    for event, el in iterparse(io.BufferedReader(_Joined()), events=("start", "end")):
        tag = _local(el.tag)
        if event == "start":
            if tag == "row":
                r = el.get("r")
                row = int(r) if r and r.isdigit() else row + 1
                col = 0
            continue
        if tag == "c":
            m = _REF.match(el.get("r") or "")
            col = _column_number(m.group(1)) if m else col + 1
            if m:
                row = int(m.group(2))
            if any(_local(child.tag) in ("v", "is") for child in el):
                last_row, last_col = max(last_row, row), max(last_col, col)
                if last_row > MAX_ROWS or last_col > MAX_COLUMNS:
                    raise _too_big(sheet, last_row, last_col)
            el.clear()
        elif tag == "row":
            el.clear()
    return last_row, last_col


def check_workbook(zf: zipfile.ZipFile) -> None:
    """F02 for a workbook whose Cover, Progress or Indicators sheet holds too many rows or columns."""
    for key, part in sheet_parts(zf).items():
        with zf.open(part) as fh:
            check_sheet(fh, key.capitalize())
