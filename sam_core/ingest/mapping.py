"""Mapping real exports onto the contract: which sheet each is, where its header row is,
which column means what, and which of its values mean which allowed value.

`propose` suggests a mapping (remembered, exact name, alias or a best guess, each labelled);
`apply` turns a raw sheet and a confirmed mapping into a raw sheet the validator reads as
if it had been written in the template. Confirmed mappings are remembered per source
(sheet name and header set), so next month's export maps itself.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import duckdb
import polars as pl

from sam_core.ingest import contract as c
from sam_core.ingest.reader import RawSheet
from sam_core.ingest.validation import header_row_of
from sam_core.store import WRITE_LOCK, transaction

IGNORE = ""  # the target of a column (or sheet) the user chose to leave out
KEEP = "(keep aside)"  # the target of a column the contract does not know: kept with each row, reported
EXACT, ALIAS, GUESS, REMEMBERED, UNKNOWN = "exact", "alias", "guess", "remembered", "not in the contract"


@dataclass
class SheetMapping:
    """How one sheet of an upload maps onto the contract."""

    file_name: str
    source_sheet: str
    sheet: str  # contract sheet name, or IGNORE
    header_row: int  # the Excel row of the header
    columns: dict[str, str] = field(default_factory=dict)  # source header -> contract column, KEEP or IGNORE
    how: dict[str, str] = field(
        default_factory=dict
    )  # source header -> exact / alias / guess / remembered / not in the contract
    values: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # contract column -> {source value: allowed value}

    @property
    def signature(self) -> str:
        return source_signature(self.source_sheet, list(self.columns))


def source_signature(sheet_name: str, headers: list[str]) -> str:
    """Identifies a recurring export: its sheet name and set of headers, normalised."""
    key = c.normalise_name(sheet_name) + "|" + ",".join(sorted(c.normalise_name(h) for h in headers))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def headers_of(raw: RawSheet, header_row: int | None = None) -> tuple[int, list[str]]:
    """(Excel row of the header, header texts) — found, or at the row the user named."""
    index = header_row_of(raw.cells) if header_row is None else header_row - raw.first_row
    if index is None or index < 0 or index >= raw.cells.height:
        return (raw.first_row if header_row is None else header_row), []
    return raw.first_row + index, [h for h in raw.cells.row(index) if h is not None]


def _guess_column(sheet: c.Sheet, header: str) -> c.Column | None:
    names = {}
    for column in sheet.columns:
        for name in (column.name, *column.aliases):
            names.setdefault(c.normalise_name(name), column)
    close = difflib.get_close_matches(c.normalise_name(header), list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None


def _guess_sheet(raw_name: str, headers: list[str]) -> c.Sheet | None:
    """The contract sheet whose columns the headers match best (at least two matches)."""
    best, best_score = None, 1
    for sheet in c.SHEETS:
        score = sum(c.match_column(sheet, h) is not None for h in headers)
        score += (
            sum(c.match_column(sheet, h) is not None and c.match_column(sheet, h).required for h in headers)
            * 0.5
        )
        if score > best_score:
            best, best_score = sheet, score
    return best


def propose(
    raw: RawSheet,
    remembered: dict[str, SheetMapping] | None = None,
    *,
    header_row: int | None = None,
    sheet: str | None = None,
) -> SheetMapping:
    """A mapping for `raw`: the remembered one for this source if any, else matched by
    name and alias, with close spellings offered as guesses."""
    row, headers = headers_of(raw, header_row)
    signature = source_signature(raw.name, headers)
    if remembered and signature in remembered and sheet is None:
        saved = remembered[signature]
        return replace(
            saved,
            file_name=raw.file_name,
            source_sheet=raw.name,
            header_row=row,
            how=dict.fromkeys(saved.columns, REMEMBERED),
        )
    # A plan sheet (loaded on the Account plan page) is never guessed to be a data sheet.
    plan_sheet = c.match_plan_sheet(raw.name) is not None
    target = (
        c.SHEETS_BY_NAME.get(sheet)
        if sheet
        else (c.match_sheet(raw.name) or (None if plan_sheet else _guess_sheet(raw.name, headers)))
    )
    mapping = SheetMapping(raw.file_name, raw.name, target.name if target else IGNORE, row)
    taken: set[str] = set()
    for header in headers:
        column, how = None, UNKNOWN
        if target is not None:
            column = c.match_column(target, header)
            how = (
                (EXACT if column and c.normalise_name(header) == c.normalise_name(column.name) else ALIAS)
                if column
                else UNKNOWN
            )
            if column is None and not target.extra_columns_are_questions:
                column, how = _guess_column(target, header), GUESS
                how = GUESS if column else UNKNOWN
        if column is not None and column.name in taken:
            column, how = None, UNKNOWN
        mapping.columns[header] = column.name if column else KEEP
        mapping.how[header] = how
        if column:
            taken.add(column.name)
    return mapping


def apply(raw: RawSheet, mapping: SheetMapping) -> RawSheet | None:
    """The raw sheet as the template would hold it: header at the top, headers renamed to
    contract columns, ignored columns dropped (unknown ones kept, to be reported), and
    mapped values replaced. None for an ignored sheet."""
    if mapping.sheet == IGNORE:
        return None
    index = mapping.header_row - raw.first_row
    cells = raw.cells.slice(max(index, 0))
    if cells.height == 0:
        return replace(raw, name=mapping.sheet, cells=cells, first_row=mapping.header_row)
    header = list(cells.row(0))
    keep, new_header = [], []
    for i, text in enumerate(header):
        if text is None:
            keep.append(f"c{i}")
            new_header.append(None)
            continue
        target = mapping.columns.get(text, KEEP)
        if target == IGNORE:
            continue  # the user chose to leave it out
        keep.append(f"c{i}")
        new_header.append(text if target == KEEP else target)
    body = cells.select(keep).slice(1)
    renamed = dict(zip(keep, new_header, strict=True))
    for col, name in renamed.items():
        replacements = mapping.values.get(name or "")
        if replacements:
            lookup = {c.normalise_value(k): v for k, v in replacements.items()}
            norm = (
                body[col]
                .str.strip_chars()
                .str.to_lowercase()
                .str.replace_all(r"[^0-9a-z]+", "_")
                .str.strip_chars("_")
            )
            body = body.with_columns(
                pl.when(norm.is_in(list(lookup)))
                .then(norm.replace_strict(lookup, default=None))
                .otherwise(pl.col(col))
                .alias(col)
            )
    header_frame = pl.DataFrame([pl.Series(col, [name], dtype=pl.String) for col, name in renamed.items()])
    out = pl.concat([header_frame, body.cast(pl.String)])
    out = out.rename({old: f"c{i}" for i, old in enumerate(out.columns)})
    return RawSheet(raw.file_name, mapping.sheet, out, mapping.header_row)


def unknown_values(raw: RawSheet, mapping: SheetMapping) -> dict[str, list[str]]:
    """Per mapped choice column, the distinct source values that are not allowed values
    (nor their known spellings): candidates for a value mapping."""
    sheet = c.SHEETS_BY_NAME.get(mapping.sheet)
    applied = apply(raw, mapping)
    if sheet is None or applied is None or applied.cells.height < 2:
        return {}
    header = list(applied.cells.row(0))
    out = {}
    for i, name in enumerate(header):
        if name not in sheet.column_names or sheet.column(name).kind != c.CHOICE:
            continue
        column = sheet.column(name)
        known = {c.normalise_value(a) for a in column.allowed} | {k for k, _ in column.value_aliases}
        values = applied.cells[f"c{i}"].slice(1).drop_nulls().unique().sort().to_list()
        strange = [v for v in values if c.normalise_value(v) not in known]
        if strange:
            out[name] = strange[:50]
    return out


# -- remembering confirmed mappings ------------------------------------------------


def remembered_mappings(con: duckdb.DuckDBPyConnection) -> dict[str, SheetMapping]:
    """Confirmed mappings by source signature."""
    rows = con.execute("SELECT signature, mapping FROM source_mappings").fetchall()
    return {sig: SheetMapping(**json.loads(text)) for sig, text in rows}


def remember(con: duckdb.DuckDBPyConnection, mappings: list[SheetMapping], *, user_name: str) -> None:
    """Save confirmed mappings (replacing earlier ones for the same source)."""
    with WRITE_LOCK, transaction(con):
        for m in mappings:
            text = json.dumps(
                {
                    "file_name": "",
                    "source_sheet": m.source_sheet,
                    "sheet": m.sheet,
                    "header_row": m.header_row,
                    "columns": m.columns,
                    "how": {},
                    "values": m.values,
                }
            )
            con.execute("DELETE FROM source_mappings WHERE signature = ?", [m.signature])
            con.execute(
                "INSERT INTO source_mappings VALUES (?, ?, ?, ?, ?)",
                [
                    m.signature,
                    m.source_sheet,
                    text,
                    user_name,
                    datetime.now(UTC).replace(tzinfo=None),
                ],
            )
