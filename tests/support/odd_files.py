"""Odd spreadsheets made by code, for the reader tests: damaged, encrypted, empty, huge,
1904 dates, merged cells, XML attacks, and .xls files damaged the way a public reader test
suite damages them (from tests/fixtures/spreadsheets/biff8_formulas.xls, with olefile).

Also small functions the sandbox tests run in a child process (they must be importable)."""

from __future__ import annotations

import io
import os
import shutil
import signal
import struct
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path

import olefile
import openpyxl
import xlsxwriter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"


def _xlsx(write, **options) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **options})
    write(book)
    book.close()
    return buffer.getvalue()


def _sheet(name: str, rows: list[list]):
    def write(book):
        ws = book.add_worksheet(name)
        for i, row in enumerate(rows):
            ws.write_row(i, 0, row)

    return write


def _rewrite(content: bytes, member: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, change(data) if item.filename == member else data)
    return out.getvalue()


def accounts() -> bytes:
    return _xlsx(
        _sheet("Accounts", [["account_id", "account_name", "account_manager"], ["A1", "Alpha", "Ann"]])
    )


def empty() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def header_only() -> bytes:
    return _xlsx(_sheet("Accounts", [["account_id", "account_name", "account_manager", "region"]]))


def date1904() -> bytes:
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = book.active
    ws.append(["when", "what"])
    ws.append([datetime(2000, 1, 1), "a"])
    ws.append([datetime(2024, 2, 29, 12, 30), "b"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def merged_cells() -> bytes:
    def write(book):
        ws = book.add_worksheet("Merged")
        ws.write_row(0, 0, ["a", "b", "c", "d"])
        ws.merge_range("A2:A4", "tall")
        ws.merge_range("B5:D5", "wide")

    return _xlsx(write)


def sheets_90() -> bytes:
    def write(book):
        for i in range(90):
            book.add_worksheet(f"S{i}").write_row(0, 0, ["x", i])

    return _xlsx(write)


def wide(columns: int = 16_384) -> bytes:
    return _xlsx(_sheet("Wide", [[f"c{i}" for i in range(columns)], ["v"] * columns]))


def sparse(last_cell: str) -> bytes:
    """Two cells, A1 and `last_cell`: a reader that holds the sheet as a grid must allocate it all."""

    def write(book):
        ws = book.add_worksheet("corner")
        ws.write("A1", "top left")
        ws.write(last_cell, "bottom right")

    return _xlsx(write)


def dimension_lie(ref: bytes, content: bytes | None = None) -> bytes:
    """A sheet whose <dimension> says `ref`, whatever its cells are."""
    content = content or accounts()

    def change(xml: bytes) -> bytes:
        start = xml.index(b'<dimension ref="') + len(b'<dimension ref="')
        return xml[:start] + ref + xml[xml.index(b'"', start) :]

    return _rewrite(content, "xl/worksheets/sheet1.xml", change)


def deflate_bomb(megabytes: int = 64) -> bytes:
    """Whitespace inside <sheetData> that compresses about a thousand times."""
    filler = b" " * (megabytes << 20)
    return _rewrite(
        accounts(),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + filler),
    )


def billion_laughs() -> bytes:
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    xml = (
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY lol0 "lol">' + entities + "]>"
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        "<si><t>&lol9;</t></si></sst>"
    )
    return _rewrite(accounts(), "xl/sharedStrings.xml", lambda _: xml.encode())


def external_entity() -> bytes:
    xml = (
        '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        "<si><t>&xxe;</t></si></sst>"
    )
    return _rewrite(accounts(), "xl/sharedStrings.xml", lambda _: xml.encode())


def not_a_workbook_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("notes.txt", "hello")
        z.writestr("data.csv", "a,b\n1,2\n")
    return buffer.getvalue()


HTML = b"<!DOCTYPE html><html><body><table><tr><td>account_id</td></tr></table></body></html>"
CP1252_CSV = "account_id;account_name;account_manager\nA1;Café Müller;Zoë\n".encode("cp1252")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- damaged .xls files, from the LibreOffice one -------------------------------------

FORMULA, DIMENSIONS = 0x0006, 0x0200


def _records(stream: bytes):
    pos = 0
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        yield pos, kind, length
        pos += 4 + length


def _with_workbook_stream(change) -> bytes:
    """biff8_formulas.xls with its Workbook stream changed in place (same size)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.xls"
        shutil.copy(FIXTURES / "biff8_formulas.xls", path)
        ole = olefile.OleFileIO(str(path), write_mode=True)
        stream = bytearray(ole.openstream("Workbook").read())
        change(stream)
        ole.write_stream("Workbook", bytes(stream))
        ole.close()
        return path.read_bytes()


def _formula(stream: bytes, first_token: int) -> int:
    """Offset of the first FORMULA record whose formula starts with this token."""
    return next(
        pos
        for pos, kind, length in _records(stream)
        if kind == FORMULA and length >= 23 and stream[pos + 4 + 22] == first_token
    )


def xls_truncated_formula(first_token: int = 0x5A, cce: int = 4) -> bytes:
    """A formula token cut short (0x5A PtgRef3d: 3 of its 6 operand bytes; 0x01 PtgExp): the reader
    panics (pyo3 PanicException) while opening the workbook."""

    def change(stream: bytearray) -> None:
        struct.pack_into("<H", stream, _formula(stream, first_token) + 4 + 20, cce)

    return _with_workbook_stream(change)


def xls_huge_dimensions() -> bytes:
    """The first sheet's DIMENSIONS record claims 4,294,967,295 rows x 16,384 columns: every reader
    aborts the whole process allocating it."""

    def change(stream: bytearray) -> None:
        pos = next(p for p, kind, length in _records(stream) if kind == DIMENSIONS and length == 14)
        struct.pack_into("<IIHH", stream, pos + 4, 0, 0xFFFFFFFF, 0, 0x4000)

    return _with_workbook_stream(change)


# -- run in a child process by the sandbox tests -------------------------------------


def sleep_for(seconds: float) -> str:
    time.sleep(seconds)
    return "woke up"


class PanicException(BaseException):
    """Named like pyo3's: not an Exception, as a Rust panic is not."""


def panic() -> None:
    raise PanicException("index out of bounds: the len is 1 but the index is 4")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes << 20))


def answer(value):
    return value
