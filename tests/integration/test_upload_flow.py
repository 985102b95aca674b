"""The Data upload flow in sam_core: mapping real exports, remembering it, previewing the
changes, and committing safely (one transaction, one writer at a time)."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import date

import polars as pl
import pytest

from sam_core.access.permissions import User
from sam_core.errors import WorkbookError
from sam_core.ingest import uploads
from sam_core.ingest.mapping import ALIAS, GUESS, KEEP, UNKNOWN, apply, propose, remember, remembered_mappings
from sam_core.ingest.reader import read_file
from sam_core.ingest.uploads import (
    changes_by_account,
    load_files,
    load_sheets,
    preview_changes,
    upload_history,
)
from sam_core.ingest.validation import validate
from sam_core.store import connect

ADMIN = User("admin", "Admin", "admin")
MARIA = User("manager", "Maria Keller", "account_manager")
CRM = {
    "Opportunity export": [
        {
            "Opp ID": "O1",
            "Account Number": "A1",
            "Topic": "Renewal",
            "Sales Stage": "Closed Won",
            "Close Value": "1,200",
            "Est Close Date": "7/12/25",
            "Probabilty": "50",
            "Territory": "North",
        },
        {
            "Opp ID": "O2",
            "Account Number": "A1",
            "Topic": "New site",
            "Sales Stage": "Develop",
            "Close Value": "300",
            "Est Close Date": "7/30/25",
            "Probabilty": "20",
            "Territory": "North",
        },
    ]
}
ACCOUNTS = {
    "Accounts": [
        {"account_id": "A1", "account_name": "Alpha", "account_manager": "Maria Keller"},
        {"account_id": "B1", "account_name": "Beta", "account_manager": "Jonas Weber"},
    ]
}


@pytest.fixture
def crm(make_workbook):
    return read_file(
        "crm.xlsx", make_workbook(CRM, title_rows={"Opportunity export": ["CRM export, 1 Aug 2025", ""]})
    )[0]


@pytest.fixture
def loaded(db, make_workbook):
    load_files(db, [("accounts.xlsx", make_workbook(ACCOUNTS))], user=ADMIN)
    return db


def test_crm_export_is_recognised_below_its_title_rows(crm):
    mapping = propose(crm)
    assert (mapping.sheet, mapping.header_row) == ("Opportunities", 3)
    assert mapping.columns == {
        "Opp ID": "opportunity_id",
        "Account Number": "account_id",
        "Topic": "name",
        "Sales Stage": "stage",
        "Close Value": "amount",
        "Est Close Date": "close_date",
        "Probabilty": "probability",
        "Territory": KEEP,
    }
    assert (
        mapping.how["Close Value"] == ALIAS
        and mapping.how["Probabilty"] == GUESS
        and mapping.how["Territory"] == UNKNOWN
    )


def test_mapped_export_validates_with_rows_numbered_as_in_excel(loaded, crm):
    mapping = propose(crm)
    report = validate([apply(crm, mapping)], con=loaded).report
    assert report.filter(pl.col("severity") == "error").select(
        "row", "column", "value", "problem"
    ).rows() == [
        (
            5,
            "stage",
            "Develop",
            "'Develop' is not one of: prospecting, qualifying, proposal, negotiation, won, lost.",
        )
    ]
    mapping.values["stage"] = {"Develop": "qualifying"}
    checked = validate([apply(crm, mapping)], con=loaded)
    assert checked.ok
    rows = checked.sheets["Opportunities"].rows
    assert rows.select("stage", "amount", "close_date", "probability").rows() == [
        ("won", 1200.0, date(2025, 7, 12), 0.5),
        ("qualifying", 300.0, date(2025, 7, 30), 0.2),
    ]
    assert rows["extras"].to_list() == ['{"Territory":"North"}'] * 2


def test_a_column_left_out_is_not_loaded_nor_reported(loaded, crm):
    mapping = propose(crm)
    mapping.columns["Territory"] = ""
    mapping.values["stage"] = {"Develop": "qualifying"}
    checked = validate([apply(crm, mapping)], con=loaded)
    assert checked.report.filter(pl.col("column") == "Territory").height == 0
    assert checked.sheets["Opportunities"].rows["extras"].to_list() == [None, None]


def test_confirmed_mapping_is_remembered_for_the_next_export(loaded, crm):
    mapping = propose(crm)
    mapping.columns["Probabilty"] = "probability"
    mapping.values["stage"] = {"Develop": "qualifying"}
    remember(loaded, [mapping], user=MARIA)
    again = propose(crm, remembered_mappings(loaded, MARIA))
    assert set(again.how.values()) == {"remembered"}
    assert (again.columns, again.values) == (mapping.columns, {"stage": {"Develop": "qualifying"}})


def test_user_can_set_the_header_row_and_the_sheet(crm):
    mapping = propose(crm, header_row=3, sheet="Opportunities")
    assert mapping.columns["Opp ID"] == "opportunity_id"
    assert propose(crm, sheet="Actions").columns["Opp ID"] == KEEP


def test_preview_counts_per_sheet_and_account(loaded, make_workbook):
    sheets = {
        "Financials": [
            {"account_id": "A1", "period": "2025-07", "revenue": 1},
            {"account_id": "A1", "period": "2025-08", "revenue": 2},
            {"account_id": "B1", "period": "2025-08", "revenue": 5},
        ]
    }
    load_files(loaded, [("f.xlsx", make_workbook(sheets))], user=ADMIN)
    # A1: July unchanged, August changed (2 -> 3), September added; B1 untouched.
    new = {
        "Financials": [
            {"account_id": "A1", "period": "2025-07", "revenue": 1},
            {"account_id": "A1", "period": "2025-08", "revenue": 3},
            {"account_id": "A1", "period": "2025-09", "revenue": 4},
        ]
    }
    validation = uploads.check_files(loaded, [("g.xlsx", make_workbook(new))], user=ADMIN)
    assert changes_by_account(loaded, validation).rows() == [("Financials", "A1", 1, 1, 0)]
    assert preview_changes(loaded, validation).rows() == [("Financials", 1, 3, 1, 1, 0)]
    # without July, an upsert still leaves July alone; a complete history removes it
    dropped = uploads.check_files(
        loaded, [("h.xlsx", make_workbook({"Financials": new["Financials"][1:]}))], user=ADMIN
    )
    assert changes_by_account(loaded, dropped).rows() == [("Financials", "A1", 1, 1, 0)]
    assert changes_by_account(loaded, dropped, replace=True).rows() == [("Financials", "A1", 1, 1, 1)]
    assert preview_changes(loaded, dropped, replace=True).rows() == [("Financials", 1, 2, 1, 1, 1)]


def snapshot(con) -> dict[str, list]:
    return {
        t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()  # sql-ok: test
        for t in ("accounts", "financials", "uploads", "upload_sheets", "upload_scope", "financials__before")
    }


def test_a_commit_that_fails_half_way_leaves_the_database_as_it_was(loaded, make_workbook, monkeypatch):
    before = snapshot(loaded)
    real = uploads._write_sheet
    calls = []

    def crash_on_second_sheet(*args, **kwargs):
        calls.append(args[1].name)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(uploads, "_write_sheet", crash_on_second_sheet)
    sheets = {**ACCOUNTS, "Financials": [{"account_id": "A1", "period": "2025-07", "revenue": 9}]}
    with pytest.raises(RuntimeError, match="disk full"):
        load_files(loaded, [("x.xlsx", make_workbook(sheets))], user=ADMIN)
    assert sorted(calls) == ["Accounts", "Financials"]  # written as each is ready: either may come first
    assert snapshot(loaded) == before


def test_two_users_committing_at_once_both_land_one_after_the_other(tmp_path, make_workbook):
    con = connect(tmp_path / "sam.duckdb")
    load_files(con, [("a.xlsx", make_workbook(ACCOUNTS))], user=ADMIN)
    books = [
        make_workbook(
            {"Financials": [{"account_id": a, "period": f"2025-{m:02d}", "revenue": m} for m in range(1, 13)]}
        )
        for a in ("A1", "B1")
    ]
    errors, barrier = [], threading.Barrier(2)

    def commit(content: bytes) -> None:
        cursor = con.cursor()
        barrier.wait()
        try:
            load_files(cursor, [("f.xlsx", content)], user=ADMIN)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=commit, args=(book,)) for book in books]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert con.execute("SELECT account_id, count(*) FROM financials GROUP BY 1 ORDER BY 1").fetchall() == [
        ("A1", 12),
        ("B1", 12),
    ]
    assert upload_history(con)["upload_id"].to_list() == [3, 2, 1]


def test_a_managers_mapped_rows_for_someone_elses_account_are_refused(loaded, make_workbook):
    sheets = {"Financials": [{"account_id": "B1", "period": "2025-07", "revenue": 1}]}
    raw = read_file("f.xlsx", make_workbook(sheets))
    with pytest.raises(uploads.ValidationFailed) as failed:
        load_sheets(loaded, raw, user=MARIA, file_name="f.xlsx", sha256="x")
    assert failed.value.report.filter(pl.col("severity") == "error")["problem"].to_list() == [
        "Not permitted: account B1 belongs to Jonas Weber; Maria Keller may only upload rows for accounts "
        "they own."
    ]


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<" + "a" * (60 * 2**20) + "/>")
    with pytest.raises(WorkbookError, match="refused as a possible zip bomb"):
        read_file("bomb.xlsx", buffer.getvalue())


def test_merged_header_cells_are_explained(db):
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet("Accounts")
    ws.write_row(0, 0, ["account_id"])
    ws.merge_range(0, 1, 0, 2, "account_name")
    ws.write(0, 3, "account_manager")
    ws.write_row(1, 0, ["A1", "Alpha", "Alpha AG", "Ann"])
    book.close()
    report = validate(read_file("merged.xlsx", buffer.getvalue()), con=db).report
    assert report.select("severity", "row", "column", "problem").rows() == [
        (
            "warning",
            1,
            "(after 'account_name')",
            "A column with values has no header and was ignored; give it a header.",
        )
    ]
