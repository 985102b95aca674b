"""Reading spreadsheet files into raw sheets of text cells, without ever letting a file take
the app down.

Every cell is read as text (fastexcel `dtypes="string"`), so that a text value in a numeric
column reaches the validator instead of silently becoming null. The file's kind is told from
its bytes, not its name.

An upload is read in two steps, each in a child process (`sandbox`: memory cap, time limit,
panics and aborts caught):

1. `open_file` checks the bytes (zip bombs, password protection, XML entity tricks, sheets
   over the cell or column budget) and lists the sheets with their top rows only, which is
   all that mapping needs; an .xlsx sheet is not parsed further.
2. `PendingSheet.read()` parses one whole sheet, only once it is known to be wanted.

The child side (checks, top rows, whole sheets) is `inspection`; the budgets are its `ReadLimits`.

The reader is fastexcel 0.21.0 (calamine 0.36.1), the newest release. python-calamine 0.9.1
(calamine 0.37.0) reads 2 of 8 damaged .xls files that make it panic and behaves the same on
everything else tried (38 odd files), with its own value types: not worth a second reader; those
files are refused as damaged ("open and save it in Excel").
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sam_core.errors import WorkbookError
from sam_core.ingest import sandbox
from sam_core.ingest.inspection import (
    HEADER_SEARCH_ROWS,
    LIMITS,
    PEEK_ROWS,
    ReadLimits,
    inspect,
    over_budget,
    positional,
    read_sheets,
)

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True)
class RawSheet:
    """One sheet as text cells. `cells` has columns c0..cN and includes the header row."""

    file_name: str
    name: str
    cells: pl.DataFrame
    first_row: int  # the Excel row number of cells' row 0
    # Set by mapping.apply: headers are contract names exactly (anything else is kept aside),
    # and the rows the mapping skipped (`__row`, `column`).
    mapped: bool = False
    skipped: pl.DataFrame | None = None
    refused: str = ""  # why the sheet was not read ("" when it was)


@dataclass(frozen=True)
class PendingSheet:
    """A sheet of an opened file, not read yet: `head` holds its top rows (as `cells` would),
    `read()` gives the whole RawSheet. `refused` says why it cannot be read ("" if it can)."""

    file_name: str
    name: str
    read: Callable[[], RawSheet] = field(repr=False, compare=False)
    head: pl.DataFrame = field(default_factory=pl.DataFrame, repr=False, compare=False)
    first_row: int = 1
    rows: int | None = None  # the sheet's extent, when known before reading
    columns: int | None = None
    refused: str = ""
    source: _Source | None = field(default=None, repr=False, compare=False)  # for `prefetch`
    source_name: str = ""  # the sheet's name in its file

    @property
    def cells(self) -> pl.DataFrame:
        """The top rows: what mapping looks at before the sheet is read."""
        return self.head

    @property
    def size(self) -> int:
        return (self.rows or 0) * (self.columns or 0)


def read_files(files: list[tuple[str, bytes]], limits: ReadLimits = LIMITS) -> list[RawSheet]:
    """Read several uploaded files (name, content) into their raw sheets (each whole)."""
    sheets = open_files(files, limits)
    check_budget(sheets, limits)
    prefetch(sheets)
    return [sheet.read() for sheet in sheets]


def read_file(file_name: str, content: bytes, limits: ReadLimits = LIMITS) -> list[RawSheet]:
    """Read one spreadsheet or CSV file; raises WorkbookError with a reason if it cannot."""
    return read_files([(file_name, content)], limits)


def open_files(files: list[tuple[str, bytes]], limits: ReadLimits = LIMITS) -> list[PendingSheet]:
    """The sheets of several files, checked but not read yet."""
    return [sheet for name, content in files for sheet in open_file(name, content, limits)]


def check_budget(sheets: list[PendingSheet], limits: ReadLimits = LIMITS) -> None:
    """Refuse, before reading, sheets that together exceed the cell budget."""
    total = sum(s.size for s in sheets if not s.refused)
    if total > limits.max_cells:
        biggest = max(sheets, key=lambda s: s.size)
        raise WorkbookError(
            f"The sheets to read hold {total:,} cells (rows x columns), over the limit of "
            f"{limits.max_cells:,} (setting SAM_MAX_CELLS); the largest is '{biggest.name}' in "
            f"{biggest.file_name} with {biggest.rows:,} rows x {biggest.columns:,} columns. Upload fewer "
            "sheets or fewer rows at once."
        )


def open_file(file_name: str, content: bytes, limits: ReadLimits = LIMITS) -> list[PendingSheet]:
    """Check one file and list its sheets with their top rows; raises WorkbookError with a
    reason if it cannot be read."""
    if not content:
        raise WorkbookError(f"{file_name}: the file is empty.")
    if file_name.lower().endswith(".csv"):
        raw = _read_csv(file_name, content, limits)
        return [
            PendingSheet(
                file_name,
                raw.name,
                lambda: raw,
                head=raw.cells.head(PEEK_ROWS),
                rows=raw.cells.height,
                columns=raw.cells.width,
            )
        ]
    kind = _sniff(file_name, content)
    source = _Source(file_name, content, limits)
    infos = sandbox.run(
        inspect,
        str(source.path),
        kind,
        limits,
        memory_mb=limits.memory_mb,
        timeout_s=limits.timeout_s,
        label=file_name,
    )

    def reader(info: dict) -> Callable[[], RawSheet]:
        def read() -> RawSheet:
            if info["refused"]:
                return RawSheet(
                    file_name, info["name"], pl.DataFrame(), info["first_row"], refused=info["refused"]
                )
            return RawSheet(file_name, info["name"], source.read(info["name"]), info["first_row"])

        return read

    return [
        PendingSheet(
            file_name,
            info["name"],
            reader(info),
            head=info["head"],
            first_row=info["first_row"],
            rows=info["rows"],
            columns=info["columns"],
            refused=info["refused"],
            source=source,
            source_name=info["name"],
        )
        for info in infos
    ]


def prefetch(sheets: list) -> None:
    """Start reading these sheets in the background, one child process per file reading its
    sheets side by side; each `read()` then waits for its own sheet only."""
    wanted: dict[int, tuple[_Source, list[str]]] = {}
    # Largest first: the sheet that takes longest to read and check starts first.
    for sheet in sorted(sheets, key=lambda s: -getattr(s, "size", 0)):
        source = getattr(sheet, "source", None)
        if source is not None and not sheet.refused:
            wanted.setdefault(id(source), (source, []))[1].append(sheet.source_name)
    for source, names in wanted.values():
        source.prefetch(names)


class _Source:
    """One opened file: its bytes in a private temporary file for the child processes (removed
    when no sheet of it can be read any more) and the sheets read from it so far."""

    def __init__(self, file_name: str, content: bytes, limits: ReadLimits) -> None:
        # In memory (/dev/shm) where there is one: the sheets read come back through it too.
        shared = Path("/dev/shm")
        parent = shared if os.access(shared, os.W_OK) else Path(tempfile.gettempdir())
        _remove_orphans(parent)
        self.folder = Path(tempfile.mkdtemp(prefix=f"sam-upload-{os.getpid()}-", dir=parent))
        weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)
        self.path = self.folder / "upload"
        self.path.write_bytes(content)
        self.file_name, self.limits = file_name, limits
        self._sheets: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._batches = 0

    def read(self, name: str) -> pl.DataFrame:
        self.prefetch([name])
        with self._lock:
            wanted = self._sheets[name]
        return wanted.result()

    def prefetch(self, names: list[str]) -> None:
        with self._lock:
            new = [n for n in dict.fromkeys(names) if n not in self._sheets]
            for name in new:
                self._sheets[name] = Future()
        if new:
            threading.Thread(target=self._receive, args=(new,), daemon=True, name="sam-reader").start()

    def _receive(self, names: list[str]) -> None:
        waiting = {name: self._sheets[name] for name in names}
        label = self.file_name if len(names) > 1 else f"{self.file_name}, sheet '{names[0]}'"
        with self._lock:
            self._batches += 1
            folder = self.folder / str(self._batches)
        folder.mkdir()
        try:
            for name, written, problem in sandbox.stream(
                read_sheets,
                str(self.path),
                names,
                str(folder),
                memory_mb=self.limits.memory_mb,
                timeout_s=self.limits.timeout_s,
                label=label,
            ):
                if problem:
                    error = WorkbookError(f"{self.file_name}, sheet '{name}': {problem}")
                    waiting.pop(name).set_exception(error)
                else:
                    cells = pl.read_ipc(written)
                    Path(written).unlink()
                    waiting.pop(name).set_result(cells)
        except WorkbookError as exc:
            for future in waiting.values():
                future.set_exception(exc)
        except BaseException as exc:  # the reading thread must always answer its waiters
            for future in waiting.values():
                future.set_exception(WorkbookError(f"{self.file_name}: the file could not be read ({exc})."))
            raise
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        for future in waiting.values():
            if not future.done():
                future.set_exception(WorkbookError(f"{self.file_name}: a sheet was not read."))


def _remove_orphans(parent: Path) -> None:
    """Folders of uploads whose process was killed (no finalizer ran then): remove them."""
    for folder in parent.glob("sam-upload-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def _sniff(file_name: str, content: bytes) -> str:
    if content.startswith(_ZIP_MAGIC):
        return "zip"
    if content.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in content[: 1 << 20]:
            raise WorkbookError(_password(file_name))
        return "cfb"
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<body")):
        raise WorkbookError(
            f"{file_name}: this is a web page (HTML) saved with a spreadsheet name, not a workbook. Open it "
            "in Excel, save it as .xlsx, and upload that."
        )
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in content[:4096]:
        raise WorkbookError(
            f"{file_name}: this is an Excel 2003 XML spreadsheet; open it in Excel, save it as .xlsx, and "
            "upload that."
        )
    raise WorkbookError(
        f"{file_name}: this is not a spreadsheet. Upload an Excel workbook "
        f"({', '.join(SPREADSHEET_SUFFIXES[:-1])}) or a CSV file."
    )


def _password(file_name: str) -> str:
    return f"{file_name}: the workbook is password-protected; save it without a password and upload again."


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _read_csv(file_name: str, content: bytes, limits: ReadLimits) -> RawSheet:
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
    refused = over_budget(text.count("\n") + 1, first_line.count(separator) + 1, limits)
    if refused:
        raise WorkbookError(f"{file_name}: {refused}")
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
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise WorkbookError(f"{file_name}: the CSV file could not be read ({_short(exc)}).") from exc
    cells = cells.with_columns(pl.all().str.strip_chars().replace("", None)) if cells.width else cells
    return RawSheet(file_name, Path(file_name).stem, positional(cells), 1)


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
