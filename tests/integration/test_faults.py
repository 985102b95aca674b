"""Faults: a loader killed mid-commit, a second process on the same file, a full disk, and
hostile workbooks; each leaves the last committed state and a clear message."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from sam_core.access.permissions import User
from sam_core.errors import SamError
from sam_core.ingest.reader import read_file
from sam_core.ingest.uploads import load_files
from sam_core.ingest.validation import validate
from sam_core.store import connect, transaction

ROOT = Path(__file__).resolve().parents[2]
ADMIN = User("admin", "Admin", "admin")
ACCOUNTS = {"Accounts": [{"account_id": "A1", "account_name": "Alpha", "account_manager": "Ann"}]}


def counts(path: Path) -> tuple:
    con = connect(path)
    try:
        return con.execute(
            "SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM financials), (SELECT count(*) "
            "FROM uploads)"
        ).fetchall()[0]
    finally:
        con.close()


def test_a_loader_killed_in_the_middle_of_a_commit_leaves_the_last_committed_state(tmp_path, make_workbook):
    db = tmp_path / "sam.duckdb"
    con = connect(db)
    load_files(con, [("a.xlsx", make_workbook(ACCOUNTS))], user=ADMIN)
    con.close()
    book = tmp_path / "big.xlsx"
    book.write_bytes(
        make_workbook(
            {
                **ACCOUNTS,
                "Financials": [
                    {"account_id": "A1", "period": f"20{y:02d}-{m:02d}", "revenue": 1}
                    for y in range(10, 30)
                    for m in range(1, 13)
                ],
            }
        )
    )
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from sam_core.ingest import uploads
        from sam_core.access.permissions import User
        from sam_core.store import connect
        real = uploads._write_sheet
        def slow(*args, **kwargs):
            result = real(*args, **kwargs)
            print("IN_COMMIT", flush=True)
            time.sleep(60)
            return result
        uploads._write_sheet = slow
        con = connect({str(db)!r})
        uploads.load_files(con, [("big.xlsx", open({str(book)!r}, "rb").read())],
            user=User("admin", "Admin", "admin"))
    """)
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as loader:
        assert (
            loader.stdout.readline().strip() == "IN_COMMIT"
        )  # the first sheet is written, the transaction is open
        loader.send_signal(signal.SIGKILL)
        loader.wait()
    assert counts(db) == (1, 0, 1)


def test_a_second_process_on_the_same_file_gets_a_clear_message(tmp_path):
    db = tmp_path / "sam.duckdb"
    holder = connect(db)
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); from sam_core.store import connect; "
        f"connect({str(db)!r})"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    holder.close()
    assert done.returncode == 1
    assert "SamError: The database" in done.stderr and "cannot be opened" in done.stderr
    assert counts(db) == (0, 0, 0)


def test_a_full_disk_during_a_commit_changes_nothing_and_says_so(db, make_workbook, monkeypatch):
    load_files(db, [("a.xlsx", make_workbook(ACCOUNTS))], user=ADMIN)
    before = db.execute("SELECT count(*) FROM uploads").fetchall()
    from sam_core.ingest import uploads

    def disk_full(*args, **kwargs):
        raise duckdb.IOException("IO Error: No space left on device")

    monkeypatch.setattr(uploads, "_write_sheet", disk_full)
    with pytest.raises(
        SamError, match=r"could not be written .*No space left on device.*nothing was changed"
    ):
        load_files(db, [("b.xlsx", make_workbook(ACCOUNTS))], user=ADMIN)
    assert db.execute("SELECT count(*) FROM uploads").fetchall() == before


def workbook(write) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    write(book.add_worksheet("Accounts"))
    book.close()
    return buffer.getvalue()


def test_formulas_give_their_values_and_their_text_is_never_kept():
    def write(ws):
        ws.write_row(0, 0, ["account_id", "account_name", "account_manager", "wallet_estimate"])
        ws.write_row(1, 0, ["A1", "Alpha", "Ann"])
        ws.write_formula(1, 3, "=1000*3", None, 3000)
        ws.write_formula(2, 1, '=HYPERLINK("http://evil.example","click")', None, "click")
        ws.write_row(2, 0, ["A2"])
        ws.write(2, 2, "Ann")

    rows = validate(read_file("f.xlsx", workbook(write))).sheets["Accounts"].rows
    assert rows.select("account_name", "wallet_estimate").rows() == [("Alpha", 3000.0), ("click", None)]


def test_very_long_strings_and_control_characters_are_kept_as_text():
    long = "x" * 32_767  # Excel's longest cell

    def write(ws):
        ws.write_row(0, 0, ["account_id", "account_name", "account_manager"])
        ws.write_row(1, 0, ["A1", long, "Ann\x07\x1b[31m"])

    rows = validate(read_file("l.xlsx", workbook(write))).sheets["Accounts"].rows
    assert rows["account_name"].to_list() == [long]
    assert rows["account_manager"].str.contains("Ann").to_list() == [True]


def test_a_sheet_with_16384_columns_is_refused_before_it_is_read():
    def write(ws):
        ws.write_row(
            0, 0, ["account_id", "account_name", "account_manager"] + [f"x{i}" for i in range(16_384 - 3)]
        )
        ws.write_row(1, 0, ["A1", "Alpha", "Ann"] + ["v"] * (16_384 - 3))

    checked = validate(read_file("wide.xlsx", workbook(write)))
    assert checked.sheets == {}
    assert checked.report.select("severity", "sheet", "problem").rows() == [
        (
            "error",
            "Accounts",
            "Sheet 'Accounts' was not read: it spans 16,384 columns, over the limit of 1,024; delete the "
            "unused columns (or move them to another sheet) and upload again.",
        )
    ]


def test_an_xml_entity_bomb_is_refused_as_billion_laughs():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
            for i in range(1, 10)
        )
        + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        + 'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(
            io.BytesIO(
                workbook(lambda ws: ws.write_row(0, 0, ["account_id", "account_name", "account_manager"]))
            )
        ) as src,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in src.infolist():
            out.writestr(item, bomb if item.filename == "xl/sharedStrings.xml" else src.read(item.filename))
    with pytest.raises(SamError, match=r"declares XML entities \(an entity-expansion or \"billion laughs\""):
        read_file("bomb.xlsx", buffer.getvalue())


def test_a_million_empty_formatted_rows_below_the_data_are_ignored(tmp_path):
    """Bloated exports carry formatting far below their data: the rows with values load,
    the empty ones neither count nor reach the database."""
    styled = xlsxwriter.Workbook(buffer := io.BytesIO(), {"in_memory": True})
    sheet = styled.add_worksheet("Accounts")
    sheet.write_row(0, 0, ["account_id", "account_name", "account_manager"])
    sheet.write_row(1, 0, ["A1", "Alpha", "Ann"])
    sheet.write_blank(2, 0, None, styled.add_format({"bg_color": "#ffff00"}))  # style 1: a filled cell
    styled.close()
    empty_rows = "".join(
        f'<row r="{r}"><c r="A{r}" s="1"/><c r="C{r}" s="1"/></row>' for r in range(4, 1_000_004)
    )
    bloated = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(bloated, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"A1:C3", b"A1:C1000003").replace(
                    b"</sheetData>", empty_rows.encode() + b"</sheetData>"
                )
            out.writestr(item, content)
    con = connect(tmp_path / "sam.duckdb")
    result = load_files(con, [("bloated.xlsx", bloated.getvalue())], user=ADMIN)
    con.close()
    assert result.changes.select("sheet", "rows").rows() == [("Accounts", 1)]
    assert counts(tmp_path / "sam.duckdb") == (1, 0, 1)


class CommitFails:
    """A connection whose COMMIT fails as on a full disk: DuckDB ends the transaction and
    raises an I/O error."""

    def __init__(self, con):
        self.con = con

    def execute(self, sql, *args):
        if sql == "COMMIT":
            self.con.execute("ROLLBACK")
            raise duckdb.IOException("IO Error: No space left on device")
        return self.con.execute(sql, *args)


def test_a_commit_that_fails_on_a_full_disk_says_to_free_space_and_changes_nothing(db):
    failing = CommitFails(db)
    with (
        pytest.raises(
            SamError, match=r"No space left on device\); nothing was changed\. Free some disk space"
        ),
        transaction(failing),
    ):
        failing.execute("INSERT INTO meta VALUES ('written', 'yes')")
    assert db.execute("SELECT count(*) FROM meta WHERE key = 'written'").fetchall() == [(0,)]
