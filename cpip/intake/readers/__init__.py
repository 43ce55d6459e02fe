"""Readers: the bytes of a received file -> one :class:`~cpip.intake.model.ReturnFile`.

No checking happens here beyond what decides whether the file can be read at all
(F01, F02); everything else is the checks' job. Readers work on bytes already
copied into the archive, so they never touch the inbox again.

Workbooks are read with python-calamine (Rust), which in ``bench/`` reads our
returns many times faster than openpyxl and gives the cached values of formulas.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from cpip.intake.model import FileRejected, ReturnFile, make_issue
from cpip.core.values import MAX_FILE_BYTES, MAX_UNCOMPRESSED

_SEND_INSTEAD = "Send your return as an .xlsx workbook or a .csv file."
_OTHER_FORMATS = {
    ".xls": "an Excel 97-2003 workbook (.xls)",
    ".xlsb": "an Excel binary workbook (.xlsb)",
    ".xlsm": "a macro-enabled workbook (.xlsm)",
    ".xltm": "a macro-enabled template (.xltm)",
    ".xltx": "an Excel template (.xltx)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".numbers": "an Apple Numbers file",
    ".zip": "a zip archive",
    ".pdf": "a PDF",
    ".doc": "a Word document",
    ".docx": "a Word document",
    ".txt": "a text file",
    ".json": "a JSON file",
}


def _f01(what: str) -> FileRejected:
    return FileRejected([make_issue("F01", what)])


def refuse_by_size(size: int | None, kept: int | None = None) -> None:
    """F02 for a file over the limit, judged by its size alone, so it is never read into memory.
    ``kept``: the archive kept only this many of its first bytes (said in the receipt)."""
    if size is not None and size > MAX_FILE_BYTES:
        part = "" if kept is None else (f" We have kept only its first {kept:,} bytes and its fingerprint "
                                        "(SHA-256), not the whole file.")
        raise FileRejected([make_issue(
            "F02", f"This file is {size:,} bytes; the largest we accept is {MAX_FILE_BYTES:,} bytes "
                   f"({MAX_FILE_BYTES // 1_000_000} MB).{part}")])


def read_return(name: str, data: bytes) -> ReturnFile:
    """Read a return from its original file name and its bytes.

    Raises :class:`FileRejected` carrying F01/F02 issues when it cannot be read.
    """
    ext = PurePath(name).suffix.lower()
    refuse_by_size(len(data))
    if ext not in (".xlsx", ".csv"):
        kind = _OTHER_FORMATS.get(ext, f"a '{ext}' file" if ext else "a file without an extension")
        if ext in (".xlsm", ".xltm"):
            raise _f01(f"This is {kind}; we do not accept workbooks with macros. Save it as an Excel Workbook (.xlsx).")
        raise _f01(f"This is {kind}, which we cannot accept. {_SEND_INSTEAD}")
    if len(data) == 0:
        raise _f01("This file is empty (0 bytes): it may not have saved or copied properly.")
    if ext == ".csv":
        from cpip.intake.readers.csvfile import read_csv

        return read_csv(data)
    return _read_xlsx(data)


def _read_xlsx(data: bytes) -> ReturnFile:
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _f01("This workbook is password-protected (or is an old .xls file renamed to .xlsx), so we cannot open it. "
                   "Remove the password (File > Info > Protect Workbook) and save it as an Excel Workbook (.xlsx).")
    if data[:2] != b"PK":
        raise _f01("This file has an .xlsx name but is not an Excel workbook inside; it may be damaged or another kind of file.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
        names = {i.filename.lower() for i in infos}
        total = sum(i.file_size for i in infos)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _f01("This workbook is damaged and cannot be opened (it may have been cut short while copying).") from None
    if total > MAX_UNCOMPRESSED:
        raise FileRejected([make_issue(
            "F02", f"This workbook expands to {total:,} bytes when opened; the most we accept is {MAX_UNCOMPRESSED:,}. "
                   "It may contain pictures or formatting far below your data.")])
    if any(n.endswith("vbaproject.bin") for n in names):
        raise _f01("This workbook contains macros, which we do not accept. Save it as an Excel Workbook (.xlsx).")
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        if any(n.startswith("content.xml") for n in names):
            raise _f01("This is an OpenDocument spreadsheet with an .xlsx name. Save it as an Excel Workbook (.xlsx).")
        raise _f01("This file is a zip archive, not an Excel workbook.")
    _check_extent(zf)
    from cpip.intake.readers.xlsx import read_xlsx

    return read_xlsx(data)


def _check_extent(zf: zipfile.ZipFile) -> None:
    """F02 for a sheet holding too many rows or columns, streamed before the workbook is read; a
    workbook whose parts cannot even be parsed is left to the reader (F01)."""
    from xml.etree.ElementTree import ParseError

    from cpip.intake.readers.extent import check_workbook

    try:
        check_workbook(zf)
    except (ParseError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, KeyError):
        pass
    finally:
        zf.close()
