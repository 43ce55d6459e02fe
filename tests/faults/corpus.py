"""A corpus of bad inputs, built as real files. Each case says what intake must do with it.

``expect`` is ``("rejected", {rules})`` (a receipt with exactly those rule ids), ``"ignored"``
(left where it is, in no output) or ``"left"`` (not a file we take: left alone). Cases that
are hostile but valid returns are in :data:`HOSTILE`: accepted, and shown only as text.
"""

from __future__ import annotations

import io
import os
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cpip.app import samples
from cpip.core.periods import Period
from tests.faults import bombs

Q3 = Period(2026, 3)
P = "CELCIS"        # a national partner (progress only)
C = "CPC-ANGUS"     # a CPC (progress and indicators)
SECRET = "TOP-SECRET-OUTSIDE-THE-INBOX"


@dataclass
class Case:
    name: str  # file name as dropped (unique in the corpus)
    folder: str
    build: Callable[[Path, object], None]  # (target path, reference) -> writes it
    expect: object
    stays: bool = False  # taken and handled, but the inbox would not let us remove it


def _ret(ref, partner=P, seed=0):
    return samples.make_return(ref, partner, Q3, seed=seed)


def _xlsx_bytes(ref, partner=P, seed=0, mutate=None) -> bytes:
    import openpyxl

    buf = io.BytesIO()
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"corpus-{os.getpid()}-{random.random()}.xlsx"
    samples.write_xlsx(tmp, _ret(ref, partner, seed))
    if mutate:
        wb = openpyxl.load_workbook(tmp)
        mutate(wb)
        wb.save(tmp)
    data = tmp.read_bytes()
    tmp.unlink()
    buf.write(data)
    return buf.getvalue()


def _write(data: bytes):
    def build(path: Path, ref):
        path.write_bytes(data)
    return build


def _xlsx(partner=P, seed=0, mutate=None):
    def build(path: Path, ref):
        path.write_bytes(_xlsx_bytes(ref, partner, seed, mutate))
    return build


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in entries.items():
            z.writestr(n, b)
    return buf.getvalue()


def _truncated(path: Path, ref):
    data = _xlsx_bytes(ref, seed=3)
    path.write_bytes(data[: len(data) // 2])


def _csv_text(ref, partner=P, seed=0) -> str:
    return samples.progress_csv_text(_ret(ref, partner, seed))


def _csv(mutate_text: Callable[[str], str], partner=P, seed=0, encoding="utf-8"):
    def build(path: Path, ref):
        path.write_bytes(mutate_text(_csv_text(ref, partner, seed)).encode(encoding, errors="replace"))
    return build


def _million_rows(path: Path, ref):
    """A workbook formatted down to the last of Excel's 1,048,576 rows, all blank (no value)."""
    from openpyxl.styles import Font

    def m(wb):
        wb["Progress"].cell(1_048_576, 8).font = Font(bold=True)
    path.write_bytes(_xlsx_bytes(ref, seed=4, mutate=m))


def _space_in_last_row(path: Path, ref):
    """A workbook with a value (a space) in the last of Excel's 1,048,576 rows: its used range, which
    a reader holds, runs there, so it holds more rows than any return needs (F02)."""
    from openpyxl.styles import Font

    def m(wb):
        wb["Progress"].cell(1_048_576, 8).font = Font(bold=True)
        wb["Progress"].cell(1_048_576, 8).value = " "
    path.write_bytes(_xlsx_bytes(ref, seed=4, mutate=m))


def _formulas(wb):
    ws = wb["Progress"]
    ws["C2"] = "=50+50"   # no cached value: reads as blank
    ws["B3"] = "=A1"


def _error_cells(path: Path, ref):
    data = _xlsx_bytes(ref, seed=5)
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            b = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = b.decode()
                i = text.index('<c r="C2"')
                j = text.index("</c>", i) + 4
                text = text[:i] + '<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c>' + text[j:]
                b = text.encode()
            z.writestr(item, b)
    path.write_bytes(out.getvalue())


def _merged(wb):
    ws = wb["Progress"]
    ws.merge_cells("B2:C3")


def _hidden_progress(wb):
    wb["Progress"].sheet_state = "hidden"
    wb.create_sheet("Secret").sheet_state = "veryHidden"


def _extra_sheets(wb):
    for n in range(5):
        wb.create_sheet(f"Notes {n}")["A1"] = "anything"


def _header_on_row_2(wb):
    wb["Progress"].insert_rows(1)


def _no_cover(wb):
    del wb["Cover"]


def _long_narrative(wb):
    wb["Progress"]["G2"] = "word " * 1000


def _status_formula_text(wb):
    c = wb["Progress"]["B2"]
    c.value = "=cmd|' /C calc'!A0"
    c.data_type = "s"


def _vanishing(path: Path, ref):
    path.write_bytes(_xlsx_bytes(ref, seed=9))


def _directory(path: Path, ref):
    path.mkdir()
    (path / "inside.csv").write_text("x")


def _fifo(path: Path, ref):
    os.mkfifo(path)


def _symlink_to_secret(path: Path, ref):
    secret = path.parents[2] / "secret.csv"
    secret.write_text(f"partner_code,period\n{SECRET},2026-Q3\n")
    path.symlink_to(secret)


def _symlink_dir(path: Path, ref):
    target = path.parents[2] / "secret-dir"
    target.mkdir(exist_ok=True)
    (target / "x.csv").write_text(SECRET)
    path.symlink_to(target, target_is_directory=True)


def _hard_link_to_secret(path: Path, ref):
    """A second name, in the inbox, for a file outside it (a hard link): never opened."""
    secret = path.parents[2] / "secret-hard-linked.csv"
    secret.write_text(f"partner_code,period\n{SECRET},2026-Q3\n")
    os.link(secret, path)


def _linked_partner_folder(path: Path, ref):
    """A partner folder that is a symbolic link to a share elsewhere (an operator mapping it)."""
    share = path.parents[1] / "mapped-share"
    share.mkdir(exist_ok=True)
    (share / "return.csv").write_text(f"partner_code,period\n{SECRET},2026-Q3\n")
    path.symlink_to(share, target_is_directory=True)


def _ods(path: Path, ref):
    path.write_bytes(_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}))


def _docx_as_xlsx(path: Path, ref):
    path.write_bytes(_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}))


def _bomb(path: Path, ref):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * 101_000_000)
    path.write_bytes(buf.getvalue())


def _big_csv(path: Path, ref):
    text = _csv_text(ref, seed=6).encode()
    path.write_bytes(text + b"\r\n" * ((10_000_001 - len(text)) // 2 + 1))


def _xlsx_named_csv(path: Path, ref):
    path.write_bytes(_xlsx_bytes(ref, seed=7))


def _csv_named_xlsx(path: Path, ref):
    path.write_text(_csv_text(ref, seed=8))


def _rows_disagree(text: str) -> str:
    lines = text.splitlines()
    lines[-1] = lines[-1].replace("2026-Q3", "2026-Q1", 1)
    return "\r\n".join(lines) + "\r\n"


def _cell(column: str, value: str, partner=P, seed=0, row=1, indicators=False):
    """A CSV (progress, or indicators for a CPC) valid but for one cell."""
    import csv

    def build(path: Path, ref):
        ret = _ret(ref, partner, seed)
        text = samples.indicators_csv_text(ret) if indicators else samples.progress_csv_text(ret)
        rows = list(csv.reader(io.StringIO(text)))
        rows[row][rows[0].index(column)] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        path.write_text(buf.getvalue())
    return build


def _error_cell_in(column_letter: str, sheet: str, error: str = "#N/A", partner=P, seed=0):
    """A workbook whose cell (row 2) is an Excel error value, as Excel writes it."""
    def build(path: Path, ref):
        import openpyxl

        def ensure(wb):  # the cell holds a value to replace (and its row is not Complete)
            if sheet == "Progress":
                wb["Progress"]["B2"] = "On track"
                wb["Progress"]["C2"] = 50
            wb[sheet][f"{column_letter}2"] = "placeholder"

        data = _xlsx_bytes(ref, partner, seed, mutate=ensure)
        names = openpyxl.load_workbook(io.BytesIO(data)).sheetnames
        member = f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"
        zin = zipfile.ZipFile(io.BytesIO(data))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for item in zin.infolist():
                b = zin.read(item.filename)
                if item.filename == member:
                    text = b.decode()
                    ref_ = f'<c r="{column_letter}2"'
                    i = text.index(ref_)
                    j = text.index("</c>", i) + 4
                    text = text[:i] + f'{ref_} t="e"><v>{error}</v></c>' + text[j:]
                    b = text.encode()
                z.writestr(item, b)
        path.write_bytes(out.getvalue())
    return build


def _undeletable(path: Path, ref):
    """A valid-looking file the service account may read but not delete (immutable: even root cannot)."""
    import subprocess

    _csv(lambda t: t.replace("On track", "Sort of", 1) if "On track" in t else t.replace(",Complete,", ",Sort of,", 1),
         seed=33)(path, ref)
    subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)


def _status_sort_of(seed):
    return _csv(lambda t: t.replace("On track", "Sort of", 1) if "On track" in t else t.replace(",Complete,", ",Sort of,", 1),
                seed=seed)


_rng = random.Random(42)
RANDOM = bytes(_rng.getrandbits(8) for _ in range(5000))

CASES: list[Case] = [
    # Zero bytes, like empty.csv before it in path order: a duplicate of it (and F01 in test_rules).
    Case("empty.xlsx", P, _write(b""), ("duplicate", set())),
    Case("empty.csv", P, _write(b""), ("rejected", {"F01"})),
    Case("truncated.xlsx", P, _truncated, ("rejected", {"F01"})),
    Case("truncated.csv", P, _csv(lambda t: t[: len(t) // 2]), ("rejected", {"P04"})),
    Case("random-bytes.xlsx", P, _write(RANDOM[7:]), ("rejected", {"F01"})),
    Case("random-bytes.csv", P, _write(RANDOM), ("rejected", {"F01"})),
    Case("zip-bomb.xlsx", P, _bomb, ("rejected", {"F02"})),
    Case("over-ten-megabytes.csv", P, _big_csv, ("rejected", {"F02"})),
    Case("password.xlsx", P, _write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + RANDOM), ("rejected", {"F01"})),
    Case("macros.xlsm", P, _xlsx(seed=10), ("rejected", {"F01"})),
    Case("old-excel.xls", P, _write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + RANDOM[::-1]), ("rejected", {"F01"})),
    Case("libreoffice.ods", P, _ods, ("rejected", {"F01"})),
    Case("binary.xlsb", P, _write(b"PK\x03\x04" + RANDOM), ("rejected", {"F01"})),
    Case("word.docx", P, _write(b"PK\x03\x04" + RANDOM[::-1]), ("rejected", {"F01"})),
    Case("word-named.xlsx", P, _docx_as_xlsx, ("rejected", {"F01"})),
    Case("ods-named.xlsx", C, _write(_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                           "content.xml": b"<office:document-content/>", "styles.xml": b"<x/>"})),
         ("rejected", {"F01"})),
    Case("pdf-named.csv", P, _write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\x00"), ("rejected", {"F01"})),
    Case("utf16.csv", P, _write("partner_code,period\r\n".encode("utf-16")), ("rejected", {"F01"})),
    Case("nul-bytes.csv", P, _write(b"partner_code,period\x00\n"), ("rejected", {"F01"})),
    Case("header-only.csv", P, _write(b"partner_code,period,item_id,status\r\n"), ("rejected", {"F01"})),
    Case("unterminated-quote.csv", P, _csv(lambda t: t.replace("Delivery", '"Delivery', 1)), ("rejected", {"P04"})),
    # Formatting down to row 1,048,576 is not data: the blank rows are skipped and the return stands.
    Case("a-million-blank-rows.xlsx", P, _million_rows, ("accepted", set())),
    # A value there (even a space) is: the sheet's used range holds a million rows (F02, before reading).
    Case("a-space-in-row-1048576.xlsx", P, _space_in_last_row, ("rejected", {"F02"})),
    # Formulas without a cached value read as blank: percent (C2) and status (B3) are missing.
    Case("formulas.xlsx", P, _xlsx(seed=11, mutate=_formulas), ("rejected", {"P05", "P06"})),
    Case("error-cells.xlsx", P, _error_cells, ("rejected", {"P06"})),  # #DIV/0! in percent complete
    Case("merged-cells.xlsx", P, _xlsx(seed=12, mutate=_merged), ("rejected", {"P05", "P06"})),
    Case("hidden-progress-sheet.xlsx", C, _xlsx(C, seed=13, mutate=lambda wb: (_hidden_progress(wb), wb["Cover"].__setitem__("B6", "x"))),
         ("rejected", {"C05"})),
    Case("extra-sheets.xlsx", C, _xlsx(C, seed=14, mutate=lambda wb: (_extra_sheets(wb), wb["Cover"].__setitem__("B3", "CPC-FIFE"))),
         ("rejected", {"C03"})),
    Case("header-on-row-2.xlsx", P, _xlsx(seed=15, mutate=_header_on_row_2), ("rejected", {"F03"})),
    Case("no-cover.xlsx", P, _xlsx(seed=16, mutate=_no_cover), ("rejected", {"F03"})),
    Case("ünïcödé name ☂.xlsx", P, _xlsx(seed=17, mutate=lambda wb: wb["Progress"].__setitem__("B2", "Done")),
         ("rejected", {"P05"})),
    Case("spaces  in   name .csv", P, _csv(lambda t: t.replace("On track", "Sort of", 1) if "On track" in t else t.replace(",Complete,", ",Sort of,", 1), seed=18),
         ("rejected", {"P05"})),
    Case("..starts-with-dots.xlsx", P, _write(b"hidden"), "ignored"),  # a leading dot makes it hidden
    Case("dots..in..name...xlsx", P, _xlsx(seed=19, mutate=lambda wb: wb["Progress"].__setitem__("C2", 170)),
         ("rejected", {"P06"})),
    Case("very-long-narrative.xlsx", P, _xlsx(seed=20, mutate=_long_narrative), ("rejected", {"P09"})),
    Case("formula-text-in-status.xlsx", P, _xlsx(seed=21, mutate=_status_formula_text), ("rejected", {"P05"})),
    Case("rows-disagree.csv", P, _csv(_rows_disagree, seed=22), ("rejected", {"C06"})),
    Case("xlsx-named.csv", P, _xlsx_named_csv, ("rejected", {"F01"})),
    Case("csv-named.xlsx", P, _csv_named_xlsx, ("rejected", {"F01"})),
    Case("no-extension", P, _csv(lambda t: t, seed=23), ("rejected", {"F01"})),
    Case("link-to-outside.csv", P, _symlink_to_secret, ("rejected", {"F01"})),
    Case("link-to-a-folder", C, _symlink_dir, ("rejected", {"F01"})),
    Case("hard-link-to-outside.csv", C, _hard_link_to_secret, ("rejected", {"F01"})),
    Case("CPC-MAPPED-SHARE", "", _linked_partner_folder, "left"),  # reported once, never followed, kept
    Case("folder-named.xlsx", P, _directory, "left"),
    Case("a-pipe.csv", C, _fifo, "left"),
    Case("~$lockfile.xlsx", P, _write(b"lock"), "ignored"),
    Case(".hidden.xlsx", P, _write(b"hidden"), "ignored"),
    Case("download.crdownload", P, _write(b"partial"), "ignored"),
    Case("copying.part", C, _write(b"partial"), "ignored"),
    Case("saving.tmp", C, _write(b"partial"), "ignored"),
    Case("wrong-partner-folder.csv", "SSSC", _csv(lambda t: t, seed=24), ("rejected", {"C03"})),
    Case("not-a-partner-folder.xlsx", "Shared Documents", _xlsx(seed=25), ("rejected", {"C03"})),
    # Extreme values: the officer's mistake under the ordinary rule, never a fault.
    Case("percent-5000-digits.csv", P, _cell("percent_complete", "9" * 5000, seed=40), ("rejected", {"P06"})),
    Case("percent-negative-300-digits.csv", P, _cell("percent_complete", "-" + "9" * 300, seed=41), ("rejected", {"P06"})),
    Case("percent-1e400.csv", P, _cell("percent_complete", "1e400", seed=42), ("rejected", {"P06"})),
    Case("percent-nan.csv", P, _cell("percent_complete", "NaN", seed=43), ("rejected", {"P06"})),
    Case("percent-inf.csv", P, _cell("percent_complete", "inf", seed=44), ("rejected", {"P06"})),
    Case("percent-beyond-64-bits.csv", P, _cell("percent_complete", "99999999999999999999", seed=45), ("rejected", {"P06"})),
    Case("indicator-20-digits.csv", C, _cell("value", "9" * 20, C, seed=46, indicators=True), ("rejected", {"I02"})),
    Case("indicator-beyond-bigint.csv", C, _cell("value", "9223372036854775808", C, seed=47, indicators=True),
         ("rejected", {"I02"})),
    Case("indicator-minus-inf.csv", C, _cell("value", "-inf", C, seed=48, indicators=True), ("rejected", {"I02"})),
    Case("indicator-1e400.csv", C, _cell("value", "1e400", C, seed=49, indicators=True), ("rejected", {"I02"})),
    Case("forecast-year-1.csv", P, _cell("forecast_completion", "0001-01-01", seed=50), ("rejected", {"P10"})),
    Case("forecast-year-9999.csv", P, _cell("forecast_completion", "31/12/9999", seed=51), ("rejected", {"P10"})),
    Case("milestone-year-99999.csv", P, _cell("milestone_due", "99999-01-01", seed=52), ("rejected", {"P10"})),
    Case("signed-off-year-1.csv", P, _cell("signed_off_on", "0001-01-01", seed=53), ("rejected", {"C04"})),
    Case("error-cell-in-forecast.xlsx", P, _error_cell_in("F", "Progress", "#N/A", seed=54), ("rejected", {"P10"})),
    # The workbook reader sees an Excel error value as an empty cell: the rule for a blank applies.
    Case("error-cell-in-indicator.xlsx", C, _error_cell_in("B", "Indicators", "#VALUE!", C, seed=55),
         ("rejected", {"I03"})),
    # Hazardous names, each shown safely; the content has one ordinary error.
    Case(os.fsdecode(b"not-utf8-\xff\xfe.csv"), P, _status_sort_of(60), ("rejected", {"P05"})),
    Case("control-\x1b[31m-\x07-chars\nname.csv", P, _status_sort_of(61), ("rejected", {"P05"})),
    Case("very-long-" + "n" * 235 + ".csv", P, _status_sort_of(62), ("rejected", {"P05"})),
    # Bombs: cost grows with rows or columns. Refused from their structure before any row is read (F02),
    # or, within the limits, checked with a receipt that lists the first 100 issues of each rule.
    Case("a-million-rows.xlsx", P, bombs.million_row_workbook, ("rejected", {"F02"})),
    Case("tiny-rows-under-10mb.csv", P, bombs.tiny_rows_csv, ("rejected", {"F02"})),
    Case("two-thousand-columns.xlsx", P, bombs.wide_workbook, ("rejected", {"F02"})),
    Case("an-error-on-every-row.csv", P, bombs.error_on_every_row_csv, ("rejected", {"P01", "P04"})),
    # A file-system fault: archived and handled once, reported, left in place.
    Case("cannot-be-deleted.csv", P, _undeletable, ("rejected", {"P05"}), stays=True),
]

HOSTILE_TEXT = "<script>alert('x')</script> <img src=x onerror=alert(1)> =HYPERLINK(\"http://evil\") \x01\x1b[31m"
