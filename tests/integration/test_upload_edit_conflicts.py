"""Edits made in the app and uploads coexist: an upload never silently overwrites a value
edited in the app after its data was taken. `edit_conflicts` lists what it would overwrite
(the Data upload preview shows it) and `keep_app_edits` writes the app's values again."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import xlsxwriter
from plan_fixture import ADMIN, ANN, SHEETS, at

from sam_core.errors import ConflictError
from sam_core.ingest.uploads import check_files, load_files
from sam_core.plans import edits


def _stakeholders(**titles) -> list[dict]:
    """The fixture's Stakeholders sheet, with other titles for some stakeholders."""
    return [dict(r, title=titles.get(r["stakeholder_id"], r["title"])) for r in SHEETS["Stakeholders"]]


@pytest.fixture
def edited(planned):
    """Ann changed S2's title from CFO to Group CFO in the app on 1 Apr 2026, 09:00."""
    edits.edit_stakeholder(
        planned,
        user=ANN,
        stakeholder_id="S2",
        expected={"title": "CFO"},
        changes={"title": "Group CFO"},
        now=at(4, 1),
    )
    return planned


def _check(con, make_workbook, sheets):
    return check_files(con, [("crm.xlsx", make_workbook(sheets))], user=ADMIN)


def test_an_upload_from_an_older_export_lists_the_app_edit_it_would_overwrite(edited, make_workbook):
    # The CRM export still says CFO for S2 and renames S1: only S2's title was edited in the app.
    upload = _check(edited, make_workbook, {"Stakeholders": _stakeholders(S1="Chief Executive")})
    found = edits.edit_conflicts(edited, upload, taken_at=at(3, 30))
    assert found.rows() == [("Stakeholders", "S2", "A1", "title", "Group CFO", "CFO", "ann", at(4, 1))]


def test_an_export_taken_after_the_edit_is_no_conflict(edited, make_workbook):
    upload = _check(edited, make_workbook, {"Stakeholders": _stakeholders(S2="CFO")})
    assert edits.edit_conflicts(edited, upload, taken_at=at(4, 2)).is_empty()


def test_without_the_export_time_every_live_app_edit_counts(edited, make_workbook):
    upload = _check(edited, make_workbook, {"Stakeholders": _stakeholders()})
    assert edits.edit_conflicts(edited, upload)["key"].to_list() == ["S2"]


def test_a_file_holding_the_edited_value_is_no_conflict(edited, make_workbook):
    upload = _check(edited, make_workbook, {"Stakeholders": _stakeholders(S2="Group CFO")})
    assert edits.edit_conflicts(edited, upload, taken_at=at(3, 30)).is_empty()


def test_once_an_upload_took_the_files_value_the_edit_no_longer_counts(edited, make_workbook):
    old_export = {"Stakeholders": _stakeholders()}
    load_files(edited, [("crm.xlsx", make_workbook(old_export))], user=ADMIN)  # the file's value wins
    assert edited.execute("SELECT title FROM stakeholders WHERE stakeholder_id = 'S2'").fetchall() == [
        ("CFO",)
    ]
    upload = _check(edited, make_workbook, old_export)
    assert edits.edit_conflicts(edited, upload).is_empty()


def test_keeping_the_app_edits_writes_them_again_in_the_uploads_transaction(edited, make_workbook):
    old_export = {"Stakeholders": _stakeholders()}
    found = edits.edit_conflicts(edited, _check(edited, make_workbook, old_export), taken_at=at(3, 30))
    kept = []
    load_files(
        edited,
        [("crm.xlsx", make_workbook(old_export))],
        user=ADMIN,
        finish=lambda con: kept.append(edits.keep_app_edits(con, found, user=ADMIN, now=at(4, 3))),
    )
    assert kept == [1]
    assert edited.execute("SELECT title FROM stakeholders WHERE stakeholder_id = 'S2'").fetchall() == [
        ("Group CFO",)
    ]
    kept = edits.data_edits(edited, "A1").head(1).select("edited_by", "column", "old", "new", "edit")
    assert kept.rows() == [("admin", "title", "CFO", "Group CFO", "kept")]


def test_an_action_marked_done_in_the_app_is_not_reopened_silently(planned, make_workbook):
    edits.set_action_status(
        planned,
        user=ANN,
        action_id="X1",
        status="done",
        expected_status="open",
        today=at(5, 1).date(),
        now=at(5, 1),
    )
    upload = _check(planned, make_workbook, {"Actions": SHEETS["Actions"]})  # an older export: X1 open
    found = edits.edit_conflicts(planned, upload, taken_at=at(4, 30))
    assert found.select("key", "column", "in_app", "in_file").rows() == [
        ("X1", "closed", "2026-05-01", None),
        ("X1", "status", "done", "open"),
    ]


def test_with_complete_history_an_app_added_row_the_file_lacks_is_listed_as_removed(planned, make_workbook):
    added = edits.add_stakeholder(
        planned, user=ANN, account_id="A1", values={"name": "Nia New"}, now=at(5, 2)
    )
    upload = _check(planned, make_workbook, {"Stakeholders": SHEETS["Stakeholders"]})
    assert edits.edit_conflicts(planned, upload).is_empty()  # upserts by key remove nothing
    removed = edits.edit_conflicts(planned, upload, complete_history=True)
    assert removed.select("key", "column", "in_app", "in_file", "edited_by").rows() == [
        (added, "(row)", "(in the app)", "(removed)", "ann")
    ]


def test_edits_of_accounts_the_file_does_not_hold_are_left_out(edited, make_workbook):
    beta_only = [r for r in SHEETS["Stakeholders"] if r["account_id"] == "A2"]
    assert edits.edit_conflicts(edited, _check(edited, make_workbook, {"Stakeholders": beta_only})).is_empty()


def _workbook_created(created: datetime | None) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    if created is not None:
        book.set_properties({"created": created})
    book.add_worksheet("Stakeholders").write_row(0, 0, ["stakeholder_id", "account_id", "name"])
    book.close()
    return buffer.getvalue()


def test_the_export_time_is_the_workbooks_creation_time():
    files = [
        ("a.xlsx", _workbook_created(datetime(2026, 3, 30, 8, 15))),
        ("b.xlsx", _workbook_created(datetime(2026, 4, 2))),
    ]
    assert edits.export_time(files) == datetime(2026, 3, 30, 8, 15)


def test_a_csv_has_no_export_time():
    assert edits.export_time([("s.csv", b"stakeholder_id,account_id,name\nS1,A1,Cara\n")]) is None


def test_an_upload_whose_kept_edits_fail_changes_nothing(edited, make_workbook):
    old_export = {"Stakeholders": _stakeholders()}
    found = edits.edit_conflicts(edited, _check(edited, make_workbook, old_export), taken_at=at(3, 30))
    before = edited.execute("SELECT * FROM stakeholders ORDER BY ALL").fetchall()
    uploads = edited.execute("SELECT count(*) FROM uploads").fetchall()

    def fails(con):
        edits.keep_app_edits(con, found, user=ADMIN, now=at(4, 3))
        raise ConflictError("someone else saved the same row")

    with pytest.raises(ConflictError):
        load_files(edited, [("crm.xlsx", make_workbook(old_export))], user=ADMIN, finish=fails)
    assert edited.execute("SELECT * FROM stakeholders ORDER BY ALL").fetchall() == before
    assert edited.execute("SELECT count(*) FROM uploads").fetchall() == uploads


@pytest.mark.parametrize(("flag", "title"), [([], "Group CFO"), (["--take-file-values"], "CFO")])
def test_the_command_line_keeps_app_edits_unless_told_the_file_wins(
    tmp_path, make_workbook, capsys, flag, title
):
    from sam_core.__main__ import main
    from sam_core.store import connect

    db = tmp_path / "sam.duckdb"
    con = connect(db)
    load_files(con, [("program.xlsx", make_workbook(SHEETS))], user=ADMIN)
    edits.edit_stakeholder(
        con, user=ANN, stakeholder_id="S2", expected={"title": "CFO"}, changes={"title": "Group CFO"}
    )
    con.close()
    old_export = tmp_path / "crm.xlsx"  # an export taken before the edit still says CFO
    # (its recorded creation time is fixed: one of the same second as the edit could fall after it)
    old_export.write_bytes(make_workbook({"Stakeholders": _stakeholders()}, created=datetime(2020, 1, 1)))
    assert main(["load", str(old_export), "--db", str(db), *flag]) == 0
    assert "Values edited in the app after the file's data was taken" in capsys.readouterr().out
    con = connect(db)
    assert con.execute("SELECT title FROM stakeholders WHERE stakeholder_id = 'S2'").fetchall() == [(title,)]
    con.close()


def test_an_upload_whose_rows_were_edited_in_the_app_since_is_not_rolled_back_silently(
    planned, make_workbook
):
    from sam_core.ingest.uploads import rollback, rollback_refusal

    later = load_files(
        planned, [("crm.xlsx", make_workbook({"Stakeholders": _stakeholders(S2="CFO (acting)")}))], user=ADMIN
    )
    edits.edit_stakeholder(
        planned,
        user=ANN,
        stakeholder_id="S2",
        expected={"title": "CFO (acting)"},
        changes={"title": "Group CFO"},
    )
    refusal = rollback_refusal(planned, later.upload_id, ADMIN)
    assert refusal.startswith("1 value of the rows this upload wrote was changed in the app since (first: ")
    assert "Stakeholders S2, title, by ann" in refusal
    with pytest.raises(ConflictError, match="would undo them silently"):
        rollback(planned, later.upload_id, user=ADMIN)
    assert planned.execute("SELECT title FROM stakeholders WHERE stakeholder_id = 'S2'").fetchall() == [
        ("Group CFO",)
    ]
