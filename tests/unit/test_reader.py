"""Reading files into raw text sheets: the file's kind is told from its bytes, and a file that
cannot be read is refused with a reason the user can act on."""

from __future__ import annotations

import polars as pl
import pytest

from sam_core.errors import WorkbookError
from sam_core.ingest.reader import column_letter, find_header_row, read_file, read_files

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ACCOUNT = {"account_id": "A1", "account_name": "Alpha", "account_manager": "Ann"}


def fake_encrypted_workbook() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE container holding an
    `EncryptedPackage` stream (the name is stored in UTF-16-LE in the directory)."""
    return OLE_MAGIC + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64


def test_text_named_xlsx_is_not_a_spreadsheet():
    with pytest.raises(
        WorkbookError,
        match=r"^x\.xlsx: this is not a spreadsheet\. Upload an Excel workbook \(\.xlsx, .*\) "
        r"or a CSV file\.$",
    ):
        read_file("x.xlsx", b"hello")


@pytest.mark.parametrize("name", ["x.xlsx", "x.csv"])
def test_empty_bytes_are_an_empty_file(name):
    with pytest.raises(WorkbookError, match=rf"^{name.replace('.', '[.]')}: the file is empty\.$"):
        read_file(name, b"")


def test_a_password_protected_workbook_is_refused_with_what_to_do():
    with pytest.raises(
        WorkbookError,
        match=r"^secret\.xlsx: the workbook is password-protected; "
        r"save it without a password and upload again\.$",
    ):
        read_file("secret.xlsx", fake_encrypted_workbook())


def test_an_old_style_workbook_that_cannot_be_parsed_is_refused():
    with pytest.raises(
        WorkbookError,
        match=r"^old\.xls: the workbook could not be read \(.*\)\. "
        r"Open and save it in Excel, then upload again\.$",
    ):
        read_file("old.xls", OLE_MAGIC + b"\x00" * 600)


def test_a_truncated_workbook_is_reported_as_damaged(make_workbook):
    content = make_workbook({"Accounts": [ACCOUNT]})
    with pytest.raises(
        WorkbookError, match=r"^cut\.xlsx: the file is damaged or truncated \(not a readable workbook\)\.$"
    ):
        read_file("cut.xlsx", content[: len(content) // 2])


def test_binary_content_named_csv_is_not_a_text_csv():
    with pytest.raises(WorkbookError, match=r"^Accounts\.csv: this is not a text CSV file\.$"):
        read_file("Accounts.csv", b"account_id\x00\x01\x02")


def test_the_kind_is_told_from_the_bytes_not_the_name(make_workbook):
    sheets = read_file("exported.xls", make_workbook({"Accounts": [ACCOUNT]}))
    assert [(s.file_name, s.name, s.first_row) for s in sheets] == [("exported.xls", "Accounts", 1)]


def test_every_cell_is_read_as_text(make_workbook):
    [sheet] = read_file(
        "t.xlsx", make_workbook({"Financials": [{"account_id": 1001, "period": "2025-07", "revenue": 12.5}]})
    )
    assert sheet.cells.schema == pl.Schema({"c0": pl.String, "c1": pl.String, "c2": pl.String})
    assert sheet.cells.rows() == [("account_id", "period", "revenue"), ("1001", "2025-07", "12.5")]


def test_csv_with_semicolons_and_a_byte_order_mark_is_one_sheet_named_after_the_file():
    content = "\ufeffaccount_id;account_name;account_manager\nA1; Alpha ;Ann\nA2;;Bo\n".encode("utf-8")
    [sheet] = read_file("exports/Accounts.csv", content)
    assert (sheet.file_name, sheet.name, sheet.first_row) == ("exports/Accounts.csv", "Accounts", 1)
    assert sheet.cells.rows() == [
        ("account_id", "account_name", "account_manager"),
        ("A1", "Alpha", "Ann"),
        ("A2", None, "Bo"),
    ]


def test_csv_in_windows_encoding_is_read():
    [sheet] = read_file("Accounts.csv", "account_id,account_name\nA1,Café Müller\n".encode("cp1252"))
    assert sheet.cells.rows() == [("account_id", "account_name"), ("A1", "Café Müller")]


def test_read_files_returns_the_sheets_of_every_file_in_order(make_workbook):
    files = [
        (
            "one.xlsx",
            make_workbook(
                {"Accounts": [ACCOUNT], "Team": [{"account_id": "A1", "member": "Ann", "wave": "core"}]}
            ),
        ),
        ("Financials.csv", b"account_id,period,revenue\nA1,2025-07,1\n"),
    ]
    assert [(s.file_name, s.name) for s in read_files(files)] == [
        ("one.xlsx", "Accounts"),
        ("one.xlsx", "Team"),
        ("Financials.csv", "Financials"),
    ]


def test_the_header_is_found_below_title_rows(make_workbook):
    [sheet] = read_file(
        "t.xlsx",
        make_workbook(
            {"Accounts": [ACCOUNT]}, title_rows={"Accounts": ["Accounts export", "as of 1 July 2025"]}
        ),
    )
    header = find_header_row(sheet.cells)
    assert (sheet.first_row, header) == (1, 2)
    assert sheet.cells.row(header) == ("account_id", "account_name", "account_manager")


def test_blank_rows_above_the_table_keep_excel_row_numbers(make_workbook):
    # calamine starts at the first row holding a value; first_row says which Excel row that is.
    [sheet] = read_file(
        "t.xlsx", make_workbook({"Accounts": [ACCOUNT]}, title_rows={"Accounts": ["", "", ""]})
    )
    assert (sheet.first_row, find_header_row(sheet.cells)) == (4, 0)
    assert sheet.cells.rows() == [("account_id", "account_name", "account_manager"), ("A1", "Alpha", "Ann")]


@pytest.mark.parametrize(
    "rows,expected",
    [
        ([["id", "name", "owner"], ["1", "a", "b"]], 0),
        ([["Report", None, None], [None, None, None], ["id", "name", "owner"], ["1", "a", "b"]], 2),
        ([["Report", "July", None, None, None], ["id", "name", "owner", "region", "tier"]], 1),
        ([[None, None], [None, None]], None),
    ],
)
def test_find_header_row_skips_sparse_title_rows(rows, expected):
    cells = pl.DataFrame(rows, schema=[f"c{i}" for i in range(len(rows[0]))], orient="row")
    assert find_header_row(cells) == expected


def test_find_header_row_of_no_cells_is_none():
    assert find_header_row(pl.DataFrame()) is None


@pytest.mark.parametrize(
    "index,letter",
    [
        (0, "A"),
        (1, "B"),
        (25, "Z"),
        (26, "AA"),
        (27, "AB"),
        (51, "AZ"),
        (52, "BA"),
        (701, "ZZ"),
        (702, "AAA"),
        (16383, "XFD"),
    ],
)
def test_column_letter_counts_like_excel(index, letter):
    assert column_letter(index) == letter


def test_the_reader_limits_are_settings():
    from sam_core.settings import load_settings

    limits = load_settings(
        {"SAM_MAX_CELLS": "1000", "SAM_READER_MEMORY_MB": "512", "SAM_READER_TIMEOUT_S": "9"}
    ).read_limits
    assert (limits.max_cells, limits.memory_mb, limits.timeout_s, limits.max_columns) == (
        1000,
        512,
        9.0,
        1024,
    )
