"""Writing Excel workbooks: the empty template, the demo workbook and exports.

Text is always written as a text cell (`write_string`), never as a formula, and text that
starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return) is prefixed with an
apostrophe, so a value such as `=HYPERLINK(...)` from an upload cannot run even when a
user edits the cell. Numbers stay numbers.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import polars as pl
import xlsxwriter

from sam_core.ingest import contract as c
from sam_core.outputs import formatting

_KIND_LABELS = {
    c.TEXT: "text",
    c.ID: "identifier (text)",
    c.NUMBER: "number",
    c.INTEGER: "whole number",
    c.DATE: "date",
    c.PERIOD: "period (date, 2025-Q3 or 2025-07)",
    c.YES_NO: "yes / no",
    c.CHOICE: "one of the allowed values",
    c.CHOICES: "any of the allowed values, separated by ;",
}


def write_workbook(
    sheets: dict[str, pl.DataFrame],
    target: str | Path | BinaryIO,
    *,
    readme: pl.DataFrame | None = None,
    choices: bool = False,
) -> None:
    """Write frames as sheets (header row bold, frozen, filtered). With `choices`, contract
    sheets get drop-down lists for their allowed values."""
    book = xlsxwriter.Workbook(
        target if not isinstance(target, Path) else str(target),
        {"constant_memory": True, "in_memory": not isinstance(target, (str, Path))},
    )
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    if readme is not None:
        _write_sheet(book.add_worksheet("README"), readme, bold, date_format)
    for name, frame in sheets.items():
        ws = book.add_worksheet(name[:31])
        _write_sheet(ws, frame, bold, date_format)
        sheet = c.SHEETS_BY_NAME.get(name) or c.PLAN_SHEETS_BY_NAME.get(name)
        sheet = sheet or (c.USERS_SHEET if name == c.USERS_SHEET.name else None)
        if choices and sheet is not None:
            for j, header in enumerate(frame.columns):
                column = sheet.column(header) if header in sheet.column_names else None
                # Excel caps a typed-in list at 255 characters; longer lists are in README.
                if column is not None and column.kind == c.CHOICE and len(",".join(column.allowed)) <= 255:
                    ws.data_validation(
                        1,
                        j,
                        100_000,
                        j,
                        {"validate": "list", "source": list(column.allowed), "error_type": "warning"},
                    )
    book.close()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text that a spreadsheet could take for a formula gets a leading apostrophe; it is
    written as a text cell as well, so nothing in an export can run."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _write_sheet(ws, frame: pl.DataFrame, bold, date_format, formats: list | None = None) -> None:
    """One sheet; with `formats` (one cell format or None per column: a report for people)
    booleans are written yes / no and every value in its column's format."""
    widths = [max(10, min(60, len(str(h)) + 2)) for h in frame.columns]
    for j, header in enumerate(frame.columns):
        ws.write_string(0, j, str(header), bold)
    for i, row in enumerate(frame.iter_rows(), start=1):
        for j, value in enumerate(row):
            cell_format = formats[j] if formats else None
            if value is None:
                continue
            if isinstance(value, bool):
                if formats is None:
                    ws.write_boolean(i, j, value)
                else:
                    ws.write_string(i, j, formatting.yes_no(value))
            elif isinstance(value, (int, float)):
                ws.write_number(i, j, value, cell_format)
            elif isinstance(value, datetime):
                ws.write_datetime(i, j, value, cell_format or date_format)
            elif isinstance(value, date):
                ws.write_datetime(
                    i, j, datetime(value.year, value.month, value.day), cell_format or date_format
                )
            else:
                text = neutralise(str(value))
                widths[j] = max(widths[j], min(60, len(text) + 2))
                ws.write_string(i, j, text)
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    if frame.width:
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(frame.height, 1), frame.width - 1)


def contract_readme() -> pl.DataFrame:
    """One row per sheet and column: what it holds, whether required, its type and values."""
    rows = []
    for sheet in (*c.SHEETS, *c.PLAN_SHEETS, c.USERS_SHEET):
        for col in sheet.columns:
            rows.append(
                {
                    "sheet": sheet.name,
                    "column": col.name,
                    "required": "yes" if col.required else "",
                    "key": "yes" if col.name in sheet.key else "",
                    "type": _KIND_LABELS[col.kind],
                    "allowed values": ", ".join(col.allowed),
                    "description": col.description
                    + (
                        f" ({sheet.description})"
                        if col is sheet.columns[0] and (sheet in c.PLAN_SHEETS or sheet is c.USERS_SHEET)
                        else ""
                    ),
                    "also accepted as header": ", ".join(col.aliases),
                }
            )
    return pl.DataFrame(rows)


def template_bytes() -> bytes:
    """The empty upload template: a README sheet and one sheet per contract sheet, then the
    account plan sheets (loaded on the Account plan page) and the Users sheet (loaded by an admin
    on the Administration page)."""
    buffer = io.BytesIO()
    sheets = {
        s.name: pl.DataFrame({n: pl.Series([], dtype=pl.String) for n in s.column_names})
        for s in (*c.SHEETS, *c.PLAN_SHEETS, c.USERS_SHEET)
    }
    write_workbook(sheets, buffer, readme=contract_readme(), choices=True)
    return buffer.getvalue()


def export_bytes(sheets: dict[str, pl.DataFrame]) -> bytes:
    """Frames as an .xlsx for download: list columns are dropped, text stays text."""
    buffer = io.BytesIO()
    clean = {
        name: frame.select(
            [c for c, t in frame.schema.items() if not isinstance(t, (pl.List, pl.Array, pl.Struct))]
        )
        for name, frame in sheets.items()
    }
    write_workbook(clean, buffer)
    return buffer.getvalue()


# Excel number formats of each kind of column (formatting.column_kind) in a report for people.
_EXCEL_FORMATS = {
    "money": "#,##0",
    "count": "#,##0",
    "date": "d mmm yyyy",
}


def _excel_format(kind: str, digits: int) -> str | None:
    if kind in _EXCEL_FORMATS:
        return _EXCEL_FORMATS[kind]
    decimals = "." + "0" * digits if digits else ""
    return {
        "percent": f"0{decimals}%",
        "score": f"0{decimals}",
        "number": f"#,##0{decimals}",
        "signed": f"+0{decimals};-0{decimals};0{decimals}",
        "datetime": "d mmm yyyy hh:mm",
    }.get(kind)


def report_bytes(sheets: dict[str, pl.DataFrame], *, currency: str | None = None) -> bytes:
    """Frames as an .xlsx for people (not for loading back): headers are labels
    (formatting.column_label: 'Single-threaded', money headers naming the currency), every
    column in the number format of its kind (money with thousands separators, percentages and
    scores with fixed decimals, dates without a time), booleans yes / no. List columns are
    dropped; text stays text."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    cache: dict[str, object] = {}

    def fmt(spec: str | None):
        if spec is None:
            return None
        if spec not in cache:
            cache[spec] = book.add_format({"num_format": spec})
        return cache[spec]

    for name, frame in sheets.items():
        frame = frame.select(
            [c for c, t in frame.schema.items() if not isinstance(t, (pl.List, pl.Array, pl.Struct))]
        )
        formats = [
            fmt(_excel_format(formatting.column_kind(c, t), formatting.digits(c)))
            for c, t in frame.schema.items()
        ]
        _write_sheet(
            book.add_worksheet(name[:31]),
            formatting.labels(frame, currency),
            bold,
            fmt("d mmm yyyy"),
            formats,
        )
    book.close()
    return buffer.getvalue()


def money_export_bytes(
    sheets: dict[str, pl.DataFrame], *, currency: str, through: date | None, as_of: date | None = None
) -> bytes:
    """An export of money figures for people: an About sheet first (what the figures cover:
    data through which month, in which currency, as of when), then the sheets as
    `report_bytes` writes them, every money column's header naming the currency ('Revenue (€)')."""
    about = pl.DataFrame(
        {
            "about": ["data through", "money in", "as of"],
            "value": [
                formatting.month(through),
                f"{currency} ({formatting.symbol(currency)})",
                formatting.long_date(as_of) if as_of else formatting.DASH,
            ],
        }
    )
    return report_bytes({"About": about, **sheets}, currency=currency)
