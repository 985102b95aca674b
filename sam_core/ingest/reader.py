"""Reading spreadsheet files into raw sheets of text cells.

Every cell is read as text (fastexcel `dtypes="string"`), so that a text value in a
numeric column reaches the validator instead of silently becoming null. The file's
kind is told from its bytes, not its name, and zip containers are checked before
anything is unpacked.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from sam_core.errors import WorkbookError

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
# Refuse a container that unpacks past this, or whose members compress suspiciously well.
MAX_UNPACKED_BYTES = 1 << 30
MAX_COMPRESSION_RATIO = 200
READ_THREADS = min(4, os.cpu_count() or 1)
# How many rows at the top may hold titles above the header.
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class RawSheet:
    """One sheet as text cells. `cells` has columns c0..cN and includes the header row."""

    file_name: str
    name: str
    cells: pl.DataFrame
    first_row: int  # the Excel row number of cells' row 0


@dataclass(frozen=True)
class PendingSheet:
    """A sheet of an opened file, not read yet: `read()` gives its RawSheet. Lets a loader
    read one sheet while it checks and stores another."""

    file_name: str
    name: str
    read: Callable[[], RawSheet] = field(repr=False, compare=False)


def read_files(files: list[tuple[str, bytes]]) -> list[RawSheet]:
    """Read several uploaded files (name, content) into their raw sheets."""
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        # Sheets are parsed side by side (fastexcel releases the GIL), each by its own reader.
        return list(pool.map(lambda sheet: sheet.read(), open_files(files)))


def read_file(file_name: str, content: bytes) -> list[RawSheet]:
    """Read one spreadsheet or CSV file; raises WorkbookError with a reason if it cannot."""
    return read_files([(file_name, content)])


def open_files(files: list[tuple[str, bytes]]) -> list[PendingSheet]:
    """The sheets of several files, checked (kind, zip bomb, password) but not read yet."""
    return [sheet for name, content in files for sheet in open_file(name, content)]


def open_file(file_name: str, content: bytes) -> list[PendingSheet]:
    """Check one file and list its sheets; raises WorkbookError with a reason if it cannot be read."""
    if not content:
        raise WorkbookError(f"{file_name}: the file is empty.")
    if file_name.lower().endswith(".csv"):
        raw = _read_csv(file_name, content)
        return [PendingSheet(file_name, raw.name, lambda: raw)]
    if content.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in content:
            raise WorkbookError(
                f"{file_name}: the workbook is password-protected; save it without a password and upload "
                "again."
            )
        first_rows: dict[str, int] = {}
    elif content.startswith(_ZIP_MAGIC):
        first_rows = _check_zip(file_name, content)
    else:
        raise WorkbookError(
            f"{file_name}: this is not a spreadsheet. Upload an Excel workbook "
            f"({', '.join(SPREADSHEET_SUFFIXES[:-1])}) or a CSV file."
        )
    names = _unreadable_as_error(file_name, lambda: fastexcel.read_excel(content).sheet_names)

    def reader(name: str) -> Callable[[], RawSheet]:
        def read() -> RawSheet:
            cells = _unreadable_as_error(file_name, lambda: _load_sheet(content, name))
            return RawSheet(file_name, name, _positional(cells), first_rows.get(name, 1))

        return read

    return [PendingSheet(file_name, name, reader(name)) for name in names]


def _unreadable_as_error(file_name: str, read):
    try:
        return read()
    except WorkbookError:
        raise
    except Exception as exc:  # fastexcel raises its own family of errors for broken files
        raise WorkbookError(
            f"{file_name}: the workbook could not be read ({_short(exc)}). Open and save it in Excel, then "
            "upload again."
        ) from exc


def _load_sheet(content: bytes, name: str) -> pl.DataFrame:
    """One sheet, every cell as text (so nothing is silently turned into null). Each sheet
    gets its own reader, so that sheets can be read on several threads at once."""
    return (
        fastexcel.read_excel(content)
        .load_sheet(
            name, header_row=None, dtypes="string", whitespace_as_null=True, skip_whitespace_tail_rows=True
        )
        .to_polars()
    )


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _positional(cells: pl.DataFrame) -> pl.DataFrame:
    return cells.rename({old: f"c{i}" for i, old in enumerate(cells.columns)})


def _check_zip(file_name: str, content: bytes) -> dict[str, int]:
    """Refuse zip bombs and broken containers; return each sheet's first row number (xlsx)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise WorkbookError(
            f"{file_name}: the file is damaged or truncated (not a readable workbook)."
        ) from exc
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        raise WorkbookError(
            f"{file_name}: the workbook would unpack to {total / 2**20:,.0f} MB, over the limit of "
            f"{MAX_UNPACKED_BYTES / 2**20:,.0f} MB."
        )
    for m in members:
        if m.file_size > 10 * 2**20 and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
            raise WorkbookError(
                f"{file_name}: part {m.filename} expands {m.file_size // max(m.compress_size, 1):,} times "
                "when unpacked; refused as a possible zip bomb."
            )
    names = {m.filename for m in members}
    if "EncryptionInfo" in names:
        raise WorkbookError(
            f"{file_name}: the workbook is password-protected; save it without a password and upload again."
        )
    if "xl/workbook.xml" not in names:
        return {}
    try:
        return _first_rows(archive)
    except (KeyError, zipfile.BadZipFile, EOFError, ValueError):
        return {}


_SHEET_RE = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', re.S)
_SHEET_RE_ALT = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?r:id="([^"]*)"[^>]*?name="([^"]*)"', re.S)
_REL_RE = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"', re.S)
_REL_RE_ALT = re.compile(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"', re.S)
_VALUE_CELL_RE = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="[A-Z]+(\d+)"[^>]*?>(?:(?!</(?:\w+:)?c>).)*?<(?:\w+:)?(?:v|is)\b', re.S
)


def _first_rows(archive: zipfile.ZipFile) -> dict[str, int]:
    """The Excel row of the first cell holding a value, per sheet (calamine starts there)."""
    from html import unescape

    book = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    targets = dict(_REL_RE.findall(rels))
    targets.update({rid: target for target, rid in _REL_RE_ALT.findall(rels)})
    sheets = dict(_SHEET_RE.findall(book))
    sheets.update({name: rid for rid, name in _SHEET_RE_ALT.findall(book)})
    out = {}
    for raw_name, rid in sheets.items():
        target = targets.get(rid, b"").decode()
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        with archive.open(path) as stream:
            head = b""
            while chunk := stream.read(1 << 16):
                head += chunk
                match = _VALUE_CELL_RE.search(head)
                if match:
                    out[unescape(raw_name.decode())] = int(match.group(1))
                    break
                if len(head) > 8 << 20:
                    break
    return out


def _read_csv(file_name: str, content: bytes) -> RawSheet:
    """A CSV file is one sheet named after the file; BOM and ';' or tab separators are handled."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    if "\x00" in text[:4096]:
        raise WorkbookError(f"{file_name}: this is not a text CSV file.")
    first_line = text.split("\n", 1)[0]
    separator = max((",", ";", "\t"), key=first_line.count)
    try:
        cells = pl.read_csv(
            io.StringIO(text),
            has_header=False,
            separator=separator,
            infer_schema=False,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.NoDataError:
        cells = pl.DataFrame()
    except Exception as exc:
        raise WorkbookError(f"{file_name}: the CSV file could not be read ({_short(exc)}).") from exc
    cells = cells.with_columns(pl.all().str.strip_chars().replace("", None)) if cells.width else cells
    return RawSheet(file_name, Path(file_name).stem, _positional(cells), 1)


def find_header_row(cells: pl.DataFrame) -> int | None:
    """Index of the header row: the first of the top rows filled at least half as much as the
    fullest of them (title rows above a table hold one or two cells). None when empty."""
    top = cells.head(HEADER_SEARCH_ROWS)
    if top.height == 0 or top.width == 0:
        return None
    counts = top.select(pl.sum_horizontal(pl.all().is_not_null().cast(pl.Int32))).to_series().to_list()
    fullest = max(counts)
    if fullest == 0:
        return None
    return next(i for i, n in enumerate(counts) if n * 2 >= fullest)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
