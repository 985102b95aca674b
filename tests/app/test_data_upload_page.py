"""The Data upload page's history: an account manager undoes her own latest upload; an admin
rolls back any upload with no later one on the same accounts."""

from __future__ import annotations

import pytest
from workbooks import workbook_bytes

from sam_core.access.permissions import User
from sam_core.ingest.uploads import load_files
from sam_core.store import connect

MARIA = User("manager", "Maria Keller", "account_manager")
ADMIN = User("admin", "Alex Morgan", "admin")


@pytest.fixture
def uploads_db(tmp_path, monkeypatch, app_as):
    """Upload 1: the admin loads M1 (Maria Keller's) and J1 (Jonas Weber's); upload 2: Maria
    adds a month to M1."""
    path = tmp_path / "uploads.duckdb"
    con = connect(path)
    accounts = [
        {"account_id": "M1", "account_name": "Mine", "account_manager": "Maria Keller"},
        {"account_id": "J1", "account_name": "Theirs", "account_manager": "Jonas Weber"},
    ]
    load_files(con, [("base.xlsx", workbook_bytes({"Accounts": accounts}))], user=ADMIN)
    month = [{"account_id": "M1", "period": "2026-10", "revenue": 5}]
    load_files(con, [("october.xlsx", workbook_bytes({"Financials": month}))], user=MARIA)
    con.close()
    monkeypatch.setenv("SAM_DB_PATH", str(path))
    return path


def financial_rows(path) -> int:
    con = connect(path)
    try:
        return con.execute("SELECT count(*) FROM financials").fetchall()[0][0]
    finally:
        con.close()


def test_a_manager_undoes_her_own_latest_upload_from_the_history(uploads_db, app_as):
    at = app_as("manager", "pages/data_upload.py")
    assert at.selectbox(key="upload_history_chosen").value == 2  # her own latest, chosen for her
    button = at.button(key="upload_rollback")
    assert (button.label, button.disabled) == ("Undo my upload 2", False)
    button.click().run()
    assert at.success[0].value == "Upload 2 was rolled back (recorded as upload 3)."
    assert financial_rows(uploads_db) == 0


def test_a_manager_is_told_why_she_cannot_roll_back_someone_elses_upload(uploads_db, app_as):
    at = app_as("manager", "pages/data_upload.py")
    at.selectbox(key="upload_history_chosen").set_value(1).run()
    assert not [b for b in at.button if b.key == "upload_rollback"]
    assert at.caption[-1].value == (  # once, not followed by 'Only an admin can roll back' again
        "Not permitted: upload 1 was made by admin; Maria Keller may undo only their own latest upload "
        "(an admin can roll back any)."
    )


def test_the_history_names_each_upload_for_people(uploads_db, app_as):
    # the chooser read '2: upload crm.xlsx manager': a code and a user id
    at = app_as("manager", "pages/data_upload.py")
    chosen = at.selectbox(key="upload_history_chosen")
    label = chosen.format_func(chosen.value)
    assert label.startswith("Upload 2 · ") and "Maria Keller, " in label and "manager" not in label


def test_an_admin_sees_the_rollback_refused_while_a_later_upload_touched_the_accounts(uploads_db, app_as):
    at = app_as("admin", "pages/data_upload.py")
    at.selectbox(key="upload_history_chosen").set_value(1).run()
    button = at.button(key="upload_rollback")
    assert (button.label, button.disabled) == ("Roll back upload 1", True)
    assert at.warning[0].value == "Upload 2 changed the same accounts later; roll back upload 2 first."
