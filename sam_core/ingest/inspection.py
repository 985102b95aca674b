"""What runs in the reader's child process (see `sandbox`): the checks on an upload's bytes,
its sheets with their top rows, and the reading of whole sheets, within the budgets of
`ReadLimits`.

An .xlsx sheet's top rows come from its XML, streamed until they are in (with the shared
strings up to the highest one they use): a sheet that is never mapped is never parsed. Other
formats are opened with the reader itself, which parses the workbook on opening.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import PurePosixPath
from xml.etree import ElementTree

import fastexcel
import polars as pl

from sam_core.ingest import sandbox
from sam_core.ingest.sandbox import Refused

# Refuse a container that unpacks past this, or whose members compress suspiciously well.
MAX_UNPACKED_BYTES = 1 << 30
MAX_COMPRESSION_RATIO = 200
READ_THREADS = min(4, os.cpu_count() or 1)  # sheets read side by side in the child
# How many rows at the top may hold titles above the header.
HEADER_SEARCH_ROWS = 10
# How many rows of each sheet are read before it is mapped (the header search and a margin).
PEEK_ROWS = 25
# A document type declaration must come before the root element: this much of each XML part is checked.
_PROLOG_BYTES = 64 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """What one upload may cost. `max_cells` counts rows x columns of every sheet read (a
    reader holds each sheet as a dense grid, so a file with cells at A1 and XFD1048576 counts
    17 billion); a sheet wider than `max_columns` is not read. Each read runs in a child
    process with `memory_mb` of address space for `timeout_s` seconds."""

    max_cells: int = 20_000_000
    max_columns: int = 1_024
    memory_mb: int = 3_072
    timeout_s: float = 120.0


LIMITS = ReadLimits()


# -- in the child process: checking and listing ------------------------------------------


def inspect(path: str, kind: str, limits: ReadLimits) -> list[dict]:
    """Check the file and list its sheets: name, first_row, head, rows, columns, refused."""
    if kind == "cfb":
        _check_cfb(path, limits)
        return _inspect_with_fastexcel(path, limits)
    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise Refused("the file is damaged or truncated (not a readable workbook).") from exc
    with archive:
        _check_zip(archive, members)
        names = {m.filename.lower(): m.filename for m in members}
        if "encryptioninfo" in names:
            raise Refused("the workbook is password-protected; save it without a password and upload again.")
        ods = "mimetype" in names and archive.read(names["mimetype"]).strip().startswith(
            b"application/vnd.oasis.opendocument"
        )
        _check_xml_parts(archive, members, ods)
        if ods:
            manifest = names.get("meta-inf/manifest.xml")
            if manifest and b"encryption-data" in archive.read(manifest):
                raise Refused(
                    "the workbook is password-protected; save it without a password and upload again."
                )
            return _inspect_with_fastexcel(path, limits)
        if "xl/workbook.xml" in names:
            return _inspect_xlsx(archive, limits)
        if "xl/workbook.bin" in names:
            return _inspect_with_fastexcel(path, limits)
        raise Refused(
            "this is a zip archive, not a workbook. Upload the workbook itself (.xlsx, .xlsb, .ods) or a CSV "
            "file."
        )


def _check_zip(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Refuse zip bombs before anything is unpacked."""
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        raise Refused(
            f"the workbook would unpack to {total / 2**20:,.0f} MB, over the limit of "
            f"{MAX_UNPACKED_BYTES / 2**20:,.0f} MB."
        )
    for m in members:
        if m.file_size > 10 * 2**20 and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
            raise Refused(
                f"part {m.filename} expands {m.file_size // max(m.compress_size, 1):,} times when unpacked; "
                "refused as a possible zip bomb."
            )


_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)


def _check_xml_parts(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], ods: bool) -> None:
    """No XML part may declare entities: that is how entity-expansion ("billion laughs") and
    external-entity (XXE) files work, and no spreadsheet program writes them. Only the head of
    each part is read (a declaration must come before the root element)."""
    for m in members:
        if not m.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(m) as stream:
                head = stream.read(_PROLOG_BYTES)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
            raise Refused(f"the file is damaged (part {m.filename} cannot be unpacked).") from exc
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:
            encoding = "utf-16-be" if head[:2] == b"\xfe\xff" or head[:1] == b"\x00" else "utf-16-le"
            head = head.decode(encoding, errors="replace").encode()
        found = _DTD.search(head)
        if not found:
            continue
        declaration = head[found.start() :].upper()
        external = re.search(rb"<!(?:ENTITY|DOCTYPE)[^>\[]*\b(?:SYSTEM|PUBLIC)\b", declaration)
        if b"<!ENTITY" in declaration and external:
            raise Refused(
                f"part {m.filename} declares an external entity (an XXE attack file: it tries to make the "
                "reader fetch a file or address). Refused; spreadsheet programs never write this."
            )
        if b"<!ENTITY" in declaration:
            raise Refused(
                f'part {m.filename} declares XML entities (an entity-expansion or "billion laughs" attack '
                "file, made to exhaust memory). Refused; spreadsheet programs never write this."
            )
        if not ods:  # old OpenOffice manifests carry a plain DOCTYPE; nothing else may
            raise Refused(
                f"part {m.filename} has a document type declaration, which spreadsheet programs never write; "
                "refused as a possible XML attack file."
            )


def _check_cfb(path: str, limits: ReadLimits) -> None:
    """An .xls (or an encrypted .xlsx, which is a CFB file too): password protection and sheet
    sizes, from the records themselves."""
    import olefile

    try:
        ole = olefile.OleFileIO(path)
    except Exception as exc:  # olefile raises OSError and others for a broken container
        raise Refused(
            f"the workbook could not be read (damaged container: {exc}). Open and save it in Excel, then "
            "upload again."
        ) from exc
    with ole:
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            raise Refused("the workbook is password-protected; save it without a password and upload again.")
        stream = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if stream is None:
            raise Refused("this is an Office file but not an Excel workbook (no Workbook stream).")
        try:
            data = ole.openstream(stream).read()
        except Exception as exc:  # a broken sector chain
            raise Refused(
                f"the workbook is damaged ({exc}). Open and save it in Excel, then upload again."
            ) from exc
    pos, globals_done, sheet = 0, False, 0
    while pos + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, pos)
        body = data[pos + 4 : pos + 4 + length]
        if kind == 0x002F and not globals_done:  # FILEPASS: the rest of the stream is encrypted
            raise Refused("the workbook is password-protected; save it without a password and upload again.")
        if kind == 0x000A:  # EOF of a substream
            globals_done = True
        elif kind == 0x0809 and globals_done:  # BOF of a sheet
            sheet += 1
        elif kind == 0x0200 and length >= 14:  # DIMENSIONS: first row, last row + 1, first col, last col + 1
            first_row, end_row, first_col, end_col = struct.unpack_from("<IIHH", body)
            rows, cols = max(end_row - first_row, 0), max(end_col - first_col, 0)
            if rows * cols > limits.max_cells:
                raise Refused(
                    f"sheet {sheet} declares {rows:,} rows x {cols:,} columns ({rows * cols:,} cells), over "
                    f"the limit of {limits.max_cells:,} cells; the file is damaged or made to exhaust the "
                    "server."
                )
        pos += 4 + length


def _inspect_with_fastexcel(path: str, limits: ReadLimits) -> list[dict]:
    """.xls, .xlsb and .ods: the reader parses the workbook on opening; keep only the heads."""
    book = fastexcel.read_excel(path)
    out = []
    for name in book.sheet_names:
        cells = positional(_load(book, name))
        refused = over_budget(cells.height, cells.width, limits)
        out.append(
            {
                "name": name,
                "first_row": 1,
                "head": cells.head(PEEK_ROWS),
                "rows": cells.height,
                "columns": cells.width,
                "refused": refused,
            }
        )
    return out


def over_budget(rows: int, columns: int, limits: ReadLimits) -> str:
    if columns > limits.max_columns:
        return (
            f"it spans {columns:,} columns, over the limit of {limits.max_columns:,}; delete the unused "
            "columns (or move them to another sheet) and upload again."
        )
    if rows * columns > limits.max_cells:
        return (
            f"it spans {rows:,} rows x {columns:,} columns ({rows * columns:,} cells), over the limit of "
            f"{limits.max_cells:,} cells (setting SAM_MAX_CELLS); split it or delete what is not needed."
        )
    return ""


# -- .xlsx: sheets and their top rows from the XML, without parsing the whole sheet ---------

_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_BUILTIN_DATE_FORMATS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_DATE_TOKEN = re.compile(r"[dmyhs]", re.I)
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _inspect_xlsx(archive: zipfile.ZipFile, limits: ReadLimits) -> list[dict]:
    names = {m.filename.lower(): m.filename for m in archive.infolist()}
    book = ElementTree.fromstring(archive.read(names["xl/workbook.xml"]))
    rels_name = names.get("xl/_rels/workbook.xml.rels")
    rels = ElementTree.fromstring(archive.read(rels_name)) if rels_name else None
    targets, shared = {}, None
    for rel in rels if rels is not None else []:
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[rel.get("Id")] = names.get(_normpath(path).lower())
        if rel.get("Type", "").endswith("/sharedStrings"):
            shared = targets[rel.get("Id")]
    date1904 = any(
        _local(e.tag) == "workbookPr" and _attr(e, "date1904") in ("1", "true") for e in book.iter()
    )
    date_styles = _date_styles(archive, names.get("xl/styles.xml"))
    sheets = []
    for element in book.iter():
        if _local(element.tag) != "sheet":
            continue
        part = targets.get(element.get(_REL_ID) or _attr(element, "id"))
        sheets.append((element.get("name", ""), part))
    strings = _SharedStrings(archive, shared)
    out = []
    for name, part in sheets:
        peek = _peek_sheet(archive, part, date_styles, date1904) if part else _Peek()
        rows, columns = peek.extent
        if part and (peek.dimension is None or over_budget(rows, columns, limits)):
            rows, columns = _value_extent(archive, part)  # the declared extent is missing or too big: count
        cells = peek.frame(strings)
        out.append(
            {
                "name": name,
                "first_row": peek.first_row or 1,
                "head": cells,
                "rows": rows,
                "columns": columns,
                "refused": over_budget(rows, columns, limits),
            }
        )
    return out


def _normpath(path: str) -> str:
    parts: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _date_styles(archive: zipfile.ZipFile, styles: str | None) -> set[int]:
    """Indexes of the cell styles that show a number as a date or time."""
    if styles is None:
        return set()
    root = ElementTree.fromstring(archive.read(styles))
    custom = {}
    for element in root.iter():
        if _local(element.tag) == "numFmt":
            code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", element.get("formatCode", ""))
            custom[int(element.get("numFmtId", "0"))] = (
                bool(_DATE_TOKEN.search(code)) and "general" not in code.lower()
            )
    out = set()
    for element in root.iter():
        if _local(element.tag) == "cellXfs":
            for i, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                fmt = int(xf.get("numFmtId", "0"))
                if fmt in _BUILTIN_DATE_FORMATS or custom.get(fmt):
                    out.add(i)
    return out


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class _Peek:
    dimension: tuple[int, int] | None = None  # (rows, columns) the sheet declares
    first_row: int | None = None
    cells: dict[tuple[int, int], str | tuple[str, int]] = field(default_factory=dict)  # (row, col) -> text

    @property
    def extent(self) -> tuple[int, int]:
        return self.dimension or (0, 0)

    def frame(self, strings: _SharedStrings) -> pl.DataFrame:
        if not self.cells:
            return pl.DataFrame()
        wanted = {v[1] for v in self.cells.values() if isinstance(v, tuple)}
        resolved = strings.get(wanted)
        first_col = min(col for _, col in self.cells)
        width = max(col for _, col in self.cells) - first_col + 1
        height = max(row for row, _ in self.cells) - self.first_row + 1
        grid: list[list[str | None]] = [[None] * width for _ in range(height)]
        for (row, col), value in self.cells.items():
            text = resolved.get(value[1]) if isinstance(value, tuple) else value
            grid[row - self.first_row][col - first_col] = text if text and text.strip() else None
        return pl.DataFrame(grid, schema=[f"c{i}" for i in range(width)], orient="row")


def _peek_sheet(archive: zipfile.ZipFile, part: str, date_styles: set[int], date1904: bool) -> _Peek:
    """The declared dimension and the top PEEK_ROWS rows (from the first row holding a value)."""
    peek = _Peek()
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    row_no, col_no = 0, -1
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 13):
            parser.feed(chunk)
            for event, element in parser.read_events():
                tag = _local(element.tag)
                if event == "start":
                    if tag == "dimension":
                        peek.dimension = _dimension(element.get("ref", ""))
                    elif tag == "row":
                        row_no = int(element.get("r") or row_no + 1)
                        col_no = -1
                    continue
                if tag == "c":
                    ref = _CELL_REF.fullmatch(element.get("r") or "")
                    col_no = _column_index(ref.group(1)) if ref else col_no + 1
                    row = int(ref.group(2)) if ref else row_no
                    value = _cell_value(element, date_styles, date1904)
                    if value is not None:
                        if peek.first_row is None:
                            peek.first_row = row
                        if row < peek.first_row + PEEK_ROWS:
                            peek.cells[(row, col_no)] = value
                    element.clear()
                elif tag == "row":
                    element.clear()
                    if peek.first_row is not None and row_no >= peek.first_row + PEEK_ROWS - 1:
                        return peek
                elif tag == "sheetData":
                    return peek
    return peek


def _dimension(ref: str) -> tuple[int, int] | None:
    corners = [_CELL_REF.fullmatch(p) for p in ref.upper().split(":")]
    if not corners or not all(corners):
        return None
    first, last = corners[0], corners[-1]
    rows = int(last.group(2)) - int(first.group(2)) + 1
    cols = _column_index(last.group(1)) - _column_index(first.group(1)) + 1
    return max(rows, 1), max(cols, 1)


def _cell_value(element, date_styles: set[int], date1904: bool) -> str | tuple[str, int] | None:
    """A cell's text as the reader gives it (numbers without a needless '.0', dates as
    'YYYY-MM-DD HH:MM:SS'); ("s", index) for a shared string; None when it holds no value."""
    kind = element.get("t", "n")
    value = next((e.text for e in element if _local(e.tag) == "v"), None)
    if kind == "inlineStr":
        inline = next((e for e in element if _local(e.tag) == "is"), None)
        return (
            "".join(t.text or "" for t in inline.iter() if _local(t.tag) == "t")
            if inline is not None
            else None
        )
    if value is None:
        return None
    if kind == "s":
        return ("s", int(value)) if value.strip().isdigit() else None
    if kind == "b":
        return "true" if value.strip() in ("1", "true") else "false"
    if kind in ("str", "e", "d"):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    if int(element.get("s", "0") or 0) in date_styles:
        epoch = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
        try:
            return (epoch + timedelta(days=number)).strftime("%Y-%m-%d %H:%M:%S")
        except OverflowError:
            return value
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    return format(Decimal(repr(number)), "f")


class _SharedStrings:
    """The workbook's shared strings, parsed only as far as the highest index asked for."""

    def __init__(self, archive: zipfile.ZipFile, part: str | None) -> None:
        self.archive, self.part = archive, part

    def get(self, indexes: set[int]) -> dict[int, str]:
        if not indexes or self.part is None:
            return {}
        top, out, i = max(indexes), {}, 0
        parser = ElementTree.XMLPullParser(events=("end",))
        with self.archive.open(self.part) as stream:
            while i <= top and (chunk := stream.read(1 << 14)):
                parser.feed(chunk)
                for _, element in parser.read_events():
                    if _local(element.tag) != "si":
                        continue
                    if i in indexes:
                        out[i] = "".join(
                            t.text or ""
                            for t in element.iter()
                            if _local(t.tag) == "t" and not _in_phonetic(element, t)
                        )
                    element.clear()
                    i += 1
                    if i > top:
                        break
        return out


def _in_phonetic(si, t) -> bool:
    return any(_local(r.tag) == "rPh" and t in list(r.iter()) for r in si)


_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>")
_R_ATTR = re.compile(rb'\br="([A-Z]*)(\d*)"')


def _value_extent(archive: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """(rows, columns) spanned by the cells that hold something: what a reader allocates.
    Streams the sheet; used only when the declared dimension is missing or over budget."""
    min_row = min_col = 1 << 40
    max_row = max_col = -1
    row_no, col_no, tail = 0, -1, b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            buffer = tail + chunk
            cut = buffer.rfind(b"<")
            for match in _TAG.finditer(buffer, 0, cut):
                ref = _R_ATTR.search(match.group(2))
                if match.group(1) == b"row":
                    row_no = int(ref.group(2)) if ref and ref.group(2) else row_no + 1
                    col_no = -1
                    continue
                if ref and ref.group(1):
                    col_no = _column_index(ref.group(1).decode())
                    row = int(ref.group(2)) if ref.group(2) else row_no
                else:
                    col_no, row = col_no + 1, row_no
                if match.group(3):  # <c .../>: no value
                    continue
                min_row, max_row = min(min_row, row), max(max_row, row)
                min_col, max_col = min(min_col, col_no), max(max_col, col_no)
            tail = buffer[cut:]
    if max_row < 0:
        return 0, 0
    return max_row - min_row + 1, max_col - min_col + 1


# -- in the child process: reading one sheet -------------------------------------------


def read_sheets(emit, path: str, names: list[str], folder: str) -> None:
    """Read sheets side by side (each with its own reader); as each is done, write it to an
    Arrow file in `folder` and emit (name, file, problem). A file is cheaper to hand over than
    the frame through a pipe (pickled on one side, copied twice, unpickled on the other)."""

    def one(index: int, name: str) -> tuple[str, str | None, str]:
        try:
            target = f"{folder}/{index}.arrow"
            positional(_load(fastexcel.read_excel(path), name)).write_ipc(target, compression="uncompressed")
            return name, target, ""
        except BaseException as exc:  # a Rust panic (PanicException) is a BaseException
            return name, None, sandbox.describe(exc)

    with ThreadPoolExecutor(max_workers=min(READ_THREADS, len(names))) as pool:
        for done in as_completed([pool.submit(one, i, name) for i, name in enumerate(names)]):
            emit(done.result())


def _load(book, name: str) -> pl.DataFrame:
    """One sheet, every cell as text (so nothing is silently turned into null)."""
    return book.load_sheet(
        name, header_row=None, dtypes="string", whitespace_as_null=True, skip_whitespace_tail_rows=True
    ).to_polars()


def positional(cells: pl.DataFrame) -> pl.DataFrame:
    return cells.rename({old: f"c{i}" for i, old in enumerate(cells.columns)})
