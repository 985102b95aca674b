"""Upsert by key and "complete history" uploads: what the preview promises is what the commit
does, what `__before` keeps, a manager's undo of her own latest upload, and the indirect
writes ownership covers (parent links, action sources)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sam_core.access.permissions import User
from sam_core.errors import ConflictError, PermissionDenied, ValidationFailed
from sam_core.ingest.uploads import (
    check_files,
    load_files,
    removals,
    removed_rows,
    rollback,
    rollback_refusal,
)
from sam_core.metrics.loyalty import closed_loop

ADMIN = User("admin", "Admin", "admin")
MARIA = User("manager", "Maria Keller", "account_manager")
JONAS = User("jonas", "Jonas Weber", "account_manager")
ACCOUNTS = [
    {"account_id": "A1", "account_name": "Alpha", "account_manager": "Maria Keller"},
    {"account_id": "A2", "account_name": "Beta", "account_manager": "Jonas Weber"},
]


def fin(account: str, *month_revenue) -> list[dict]:
    return [{"account_id": account, "period": f"2025-{m:02d}", "revenue": r} for m, r in month_revenue]


def rows(con, table: str) -> list[tuple]:
    # sql-ok: a table name of the test's own
    return con.execute(f"SELECT * EXCLUDE (loaded_in, extras) FROM {table} ORDER BY ALL").fetchall()


@pytest.fixture
def load(db, make_workbook):
    def _load(sheets, *, user=ADMIN, replace=False):
        return load_files(db, [("book.xlsx", make_workbook(sheets))], user=user, replace=replace).upload_id

    return _load


@pytest.fixture
def loaded(db, load):
    """A1: Jan 10, Feb 20, Mar 30 and two engagements; A2: Jan 5. Upload 1, by the admin."""
    load(
        {
            "Accounts": ACCOUNTS,
            "Financials": fin("A1", (1, 10), (2, 20), (3, 30)) + fin("A2", (1, 5)),
            "Engagements": [
                {
                    "engagement_id": f"E{i}",
                    "account_id": "A1",
                    "date": date(2025, i, 1),
                    "type": "qbr",
                    "status": "held",
                }
                for i in (1, 2)
            ],
        }
    )
    return db


def test_a_complete_history_removes_exactly_what_its_preview_showed(loaded, make_workbook):
    book = make_workbook({"Financials": fin("A1", (2, 25))})
    validation = check_files(loaded, [("a1.xlsx", book)], user=ADMIN, replace=True)
    preview = removals(loaded, validation)
    # January (10) and March (30) of A1 are no longer in the file: 2 rows, 40 of revenue.
    assert preview.select("sheet", "account_id", "account_name", "rows", "money", "first", "last").rows() == [
        ("Financials", "A1", "Alpha", 2, 40.0, date(2025, 1, 1), date(2025, 3, 1))
    ]
    promised = set(removed_rows(loaded, validation, "Financials").rows())
    before = set(rows(loaded, "financials"))
    load_files(loaded, [("a1.xlsx", book)], user=ADMIN, replace=True)
    after = set(rows(loaded, "financials"))
    assert before - after - {("A1", date(2025, 2, 1), 20.0, None, None, None)} == promised
    assert sum(r[2] for r in promised) == 40.0


def test_an_upsert_of_the_same_file_removes_nothing(loaded, load):
    before = set(rows(loaded, "financials"))
    load({"Financials": fin("A1", (2, 25))})
    assert before - set(rows(loaded, "financials")) == {("A1", date(2025, 2, 1), 20.0, None, None, None)}
    assert len(rows(loaded, "financials")) == 4  # Jan, Feb and Mar of A1, Jan of A2: nothing removed


def test_the_snapshot_holds_the_previous_versions_of_changed_rows_and_nothing_for_added_ones(loaded, load):
    upload_id = load({"Financials": fin("A1", (2, 25), (4, 40))})
    assert loaded.execute(
        "SELECT account_id, month(period), revenue, loaded_in FROM financials__before WHERE upload_id = ?",
        [upload_id],
    ).fetchall() == [("A1", 2, 20.0, 1)]  # February as upload 1 wrote it; April was added
    assert loaded.execute(
        "SELECT month(period), loaded_in FROM financials WHERE account_id = 'A1' ORDER BY 1"
    ).fetchall() == [(1, 1), (2, upload_id), (3, 1), (4, upload_id)]


def test_a_complete_history_snapshots_the_removed_rows_too_and_rolls_back_exactly(loaded, load):
    tables = ("financials", "engagements")
    before = {t: loaded.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}  # sql-ok
    upload_id = load(
        {
            "Financials": fin("A1", (2, 25)),
            "Engagements": [
                {
                    "engagement_id": "E2",
                    "account_id": "A1",
                    "date": date(2025, 2, 1),
                    "type": "qbr",
                    "status": "held",
                }
            ],
        },
        replace=True,
    )
    assert loaded.execute(
        "SELECT count(*) FROM financials__before WHERE upload_id = ?", [upload_id]
    ).fetchall() == [(3,)]  # Jan and Mar removed, Feb changed
    rollback(loaded, upload_id, user=ADMIN)
    assert {
        t: loaded.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()  # sql-ok: the tables above
        for t in before
    } == before


def test_uploads_made_before_modes_roll_back_by_account(loaded, load):
    before = rows(loaded, "financials")
    upload_id = load({"Financials": fin("A1", (2, 25))}, replace=True)
    # as such an upload left the database: no mode, no stamps
    loaded.execute("UPDATE uploads SET mode = NULL WHERE upload_id = ?", [upload_id])
    loaded.execute("UPDATE financials SET loaded_in = NULL")
    rollback(loaded, upload_id, user=ADMIN)
    assert rows(loaded, "financials") == before


def test_a_manager_undoes_her_own_latest_upload(loaded, load):
    before = rows(loaded, "financials")
    upload_id = load({"Financials": fin("A1", (4, 40))}, user=MARIA)
    assert rollback_refusal(loaded, upload_id, MARIA) is None
    rollback(loaded, upload_id, user=MARIA)
    assert rows(loaded, "financials") == before


@pytest.mark.parametrize(
    "case,error,message",
    [
        (
            "someone-elses",
            PermissionDenied,
            r"^Not permitted: upload 1 was made by admin; Maria Keller may undo only their own latest upload",
        ),
        (
            "not-her-latest",
            PermissionDenied,
            r"^Not permitted: Maria Keller may undo only their latest upload \(3\); "
            r"ask an admin to roll back upload 2\.$",
        ),
        (
            "touched-later",
            ConflictError,
            r"^Upload 3 changed the same accounts later; roll back upload 3 first\.$",
        ),
        ("already-undone", ConflictError, r"^Upload 2 was already rolled back \(by 3\)\.$"),
    ],
)
def test_a_managers_undo_is_refused_unless_it_is_her_latest_untouched_upload(
    loaded, load, case, error, message
):
    mine = load({"Financials": fin("A1", (4, 40))}, user=MARIA)
    target = {"someone-elses": 1, "not-her-latest": mine, "touched-later": mine, "already-undone": mine}[case]
    if case == "not-her-latest":
        load({"Financials": fin("A1", (5, 50))}, user=MARIA)
    elif case == "touched-later":
        load({"Financials": fin("A1", (5, 50))}, user=ADMIN)
    elif case == "already-undone":
        rollback(loaded, mine, user=MARIA)
    before = rows(loaded, "financials")
    with pytest.raises(error, match=message):
        rollback(loaded, target, user=MARIA)
    assert rollback_refusal(loaded, target, MARIA) is not None
    assert rows(loaded, "financials") == before


def test_an_admin_still_rolls_back_any_upload(loaded, load):
    mine = load({"Financials": fin("A1", (4, 40))}, user=MARIA)
    load({"Financials": fin("A2", (4, 4))}, user=JONAS)
    assert rollback_refusal(loaded, mine, ADMIN) is None


def test_a_manager_cannot_make_her_account_a_subsidiary_of_anothers(loaded, load):
    with pytest.raises(ValidationFailed) as failed:
        load(
            {
                "Accounts": [
                    {
                        "account_id": "A3",
                        "account_name": "Gamma",
                        "account_manager": "Maria Keller",
                        "parent_account": "A2",
                    }
                ]
            },
            user=MARIA,
        )
    assert failed.value.report.filter(pl.col("severity") == "error").drop("file").rows() == [
        (
            "error",
            "Accounts",
            2,
            "parent_account",
            "A2",
            "Not permitted: parent account A2 belongs to Jonas Weber; Maria Keller may link A3 only to an "
            "account they own (its figures would roll up into theirs).",
        )
    ]
    assert loaded.execute("SELECT count(*) FROM accounts").fetchall() == [(2,)]


def test_a_parent_link_an_admin_set_stays_when_the_manager_uploads_her_account(loaded, load):
    load({"Accounts": [ACCOUNTS[0] | {"parent_account": "A2"}]})
    load({"Accounts": [ACCOUNTS[0] | {"parent_account": "A2", "account_name": "Alpha Group"}]}, user=MARIA)
    assert loaded.execute(
        "SELECT account_name, parent_account FROM accounts WHERE account_id = 'A1'"
    ).fetchall() == [("Alpha Group", "A2")]


def survey(rid: str, account: str, score: int) -> dict:
    return {
        "response_id": rid,
        "account_id": account,
        "survey_date": date(2025, 5, 1),
        "recommend_score": score,
    }


def action(aid: str, account: str, source: str) -> dict:
    return {
        "action_id": aid,
        "account_id": account,
        "description": "Call back",
        "owner": "Maria Keller",
        "source": source,
        "created": date(2025, 5, 5),
        "status": "open",
    }


def test_a_manager_cannot_close_another_managers_loop_with_an_action_source(loaded, load):
    load({"Surveys": [survey("R1", "A1", 3), survey("R2", "A2", 2)]})
    with pytest.raises(ValidationFailed) as failed:
        load({"Actions": [action("X1", "A1", "R2")]}, user=MARIA)
    assert failed.value.report.filter(pl.col("severity") == "error")["problem"].to_list() == [
        "Not permitted: source 'R2' is a survey response of account A2 (Jonas Weber), not A1; Maria Keller "
        "may not act on another manager's survey responses."
    ]
    # an engagement of her own account is a fine source; the other account's response is not
    with pytest.raises(ValidationFailed, match="nothing was loaded"):
        load({"Actions": [action("X1", "A1", "E1"), action("X2", "A1", "R2")]}, user=MARIA)
    load({"Actions": [action("X1", "A1", "E1")]}, user=MARIA)


def test_an_action_closes_only_the_loop_of_its_own_account(loaded, load, make_workbook):
    load({"Surveys": [survey("R1", "A1", 3), survey("R2", "A2", 2)]})
    result = load_files(
        loaded,
        [("x.xlsx", make_workbook({"Actions": [action("X1", "A1", "R2"), action("X2", "A1", "R1")]}))],
        user=ADMIN,
    )
    assert result.validation.report.filter(pl.col("severity") == "warning")["problem"].to_list() == [
        "Source 'R2' is a survey response of account A2, not A1: this action does not close that survey "
        "response's loop."
    ]
    loop = closed_loop(loaded, as_of=date(2025, 6, 1))
    assert sorted(loop.select("response_id", "action_id", "loop_open").rows()) == [
        ("R1", "X2", False),
        ("R2", None, True),
    ]


def test_a_database_from_before_upserts_is_migrated_and_its_old_uploads_still_roll_back(
    tmp_path, make_workbook, monkeypatch
):
    from sam_core import store

    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(store, "MIGRATIONS", store.MIGRATIONS[:5])
    old = store.connect(path)
    old.execute("DROP TABLE rates")  # the contract had no Rates sheet then
    old.execute("DROP TABLE rates__before")
    old.execute(
        "INSERT INTO accounts VALUES ('A1', 'Alpha', 'Maria Keller', NULL, NULL, NULL, NULL, NULL, "
        "NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
    )
    old.execute("INSERT INTO uploads VALUES (1, 'upload', 'admin', now(), 'old.xlsx', 'x', NULL, NULL)")
    old.execute("INSERT INTO upload_scope VALUES (1, 'Accounts', 'A1')")
    old.execute("INSERT INTO upload_sheets VALUES (1, 'Accounts', 1, 0, 0)")
    old.close()
    monkeypatch.undo()
    con = store.connect(path)
    assert store.schema_version(con) == len(store.MIGRATIONS)
    assert con.execute("SELECT mode, currency FROM uploads").fetchall() == [(None, None)]
    upload_id = load_files(
        con, [("new.xlsx", make_workbook({"Financials": fin("A1", (1, 10))}))], user=ADMIN
    ).upload_id
    rollback(con, upload_id, user=ADMIN)
    rollback(con, 1, user=ADMIN)  # as then: by account
    assert con.execute("SELECT count(*) FROM accounts").fetchall() == [(0,)]
    con.close()
