"""Loading workbooks into a real DuckDB: all or nothing, upsert by key, a complete history
that replaces its accounts' rows, the upload history, rollback, and who may do which."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sam_core.access.permissions import User
from sam_core.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from sam_core.ingest.uploads import load_files, rollback, upload_history

ACCOUNTS = [
    {"account_id": "A1", "account_name": "Alpha", "account_manager": "Maria Manager"},
    {"account_id": "A2", "account_name": "Beta", "account_manager": "Jonas Weber"},
]
NOT_PERMITTED_A2 = (
    "Not permitted: account A2 belongs to Jonas Weber; Maria Manager may only upload rows "
    "for accounts they own."
)


def fin(account: str, *month_revenue: tuple[int, float]) -> list[dict]:
    return [{"account_id": account, "period": f"2025-{m:02d}", "revenue": r} for m, r in month_revenue]


def tables(con) -> dict[str, list[tuple]]:
    """Every table of the database with all its rows, in a stable order."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = "
            "'BASE TABLE' ORDER BY 1"
        ).fetchall()
    ]
    return {
        t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall()  # sql-ok: names from the catalogue
        for t in names
    }


def data(con) -> dict[str, list[tuple]]:
    """The data tables only: what the views read."""
    return {
        t: rows
        for t, rows in tables(con).items()
        if t
        in {
            "accounts",
            "financials",
            "opportunities",
            "stakeholders",
            "team",
            "relationships",
            "engagements",
            "evidence",
            "surveys",
            "survey_answers",
            "actions",
        }
    }


def revenue(con) -> list[tuple]:
    return con.execute("SELECT account_id, month(period), revenue FROM financials ORDER BY ALL").fetchall()


def per_sheet(con, upload_id: int) -> list[tuple]:
    return con.execute(
        "SELECT sheet, added, changed, removed FROM upload_sheets WHERE upload_id = ? ORDER BY sheet",
        [upload_id],
    ).fetchall()


def history(con) -> list[tuple]:
    return upload_history(con).drop("uploaded_at", "mode", "currency").rows()


@pytest.fixture
def load(db, make_workbook, admin):
    """Load a workbook made from `sheets` (upserted, or with `replace` as the complete
    history of its accounts); returns the upload id."""

    def _load(sheets, *, user=admin, name="book.xlsx", replace=False):
        return load_files(db, [(name, make_workbook(sheets))], user=user, replace=replace).upload_id

    return _load


@pytest.fixture
def loaded(db, load):
    """A1 (Maria's) with January and February, A2 (Jonas's) with January: upload 1."""
    load(
        {"Accounts": ACCOUNTS, "Financials": fin("A1", (1, 10), (2, 20)) + fin("A2", (1, 5))},
        name="base.xlsx",
    )
    return db


def test_a_clean_workbook_loads_and_is_recorded_with_user_file_hash_and_counts(db, make_workbook, admin):
    content = make_workbook(
        {"Accounts": ACCOUNTS, "Financials": fin("A1", (1, 10), (2, 20)) + fin("A2", (1, 5))}
    )
    result = load_files(db, [("base.xlsx", content)], user=admin)
    assert db.execute(
        "SELECT account_id, account_name, account_manager FROM accounts ORDER BY 1"
    ).fetchall() == [("A1", "Alpha", "Maria Manager"), ("A2", "Beta", "Jonas Weber")]
    assert revenue(db) == [("A1", 1, 10.0), ("A1", 2, 20.0), ("A2", 1, 5.0)]
    assert_frame_equal(
        result.changes,
        pl.DataFrame(
            {
                "sheet": ["Accounts", "Financials"],
                "accounts": [2, 2],
                "rows": [2, 3],
                "added": [2, 3],
                "changed": [0, 0],
                "removed": [0, 0],
            }
        ),
    )
    assert per_sheet(db, result.upload_id) == [("Accounts", 2, 0, 0), ("Financials", 3, 0, 0)]
    assert history(db) == [
        (
            result.upload_id,
            "upload",
            "admin",
            "base.xlsx",
            hashlib.sha256(content).hexdigest(),
            "Accounts, Financials",
            5,
            0,
            0,
            None,
            None,
        )
    ]
    assert isinstance(upload_history(db)["uploaded_at"][0], datetime)


def test_several_files_are_one_upload_hashed_in_order(db, make_workbook, admin):
    book = make_workbook({"Accounts": ACCOUNTS})
    csv = b"account_id;period;revenue\nA2;2025-Q1;7\n"
    load_files(db, [("accounts.xlsx", book), ("Financials.csv", csv)], user=admin)
    assert revenue(db) == [("A2", 1, 7.0)]
    assert history(db) == [
        (
            1,
            "upload",
            "admin",
            "accounts.xlsx, Financials.csv",
            hashlib.sha256(book + csv).hexdigest(),
            "Accounts, Financials",
            3,
            0,
            0,
            None,
            None,
        )
    ]


@pytest.mark.parametrize(
    "bad,errors",
    [
        ({"Financials": fin("A1", (3, "n/a"))}, 1),
        (
            {
                "Financials": fin("A1", (3, 30)),
                "Evidence": [{"account_id": "A1", "date": "13/13/2025", "signal": "advice_sought"}],
            },
            1,
        ),
        ({"Accounts": [{"account_id": "A3", "account_name": "Gamma"}], "Financials": fin("A1", (3, 30))}, 1),
        ({"Financials": fin("A9", (3, 30)) + fin("A1", (3, 30), (3, 31))}, 2),
        ({"Stakeholders": [{"stakeholder_id": "S1", "account_id": "A2", "name": "Sam"}]}, 1),
    ],
    ids=[
        "text-in-number",
        "error-in-second-sheet",
        "missing-column",
        "unknown-account-and-duplicate",
        "id-of-another-account",
    ],
)
def test_a_workbook_with_any_error_changes_nothing(loaded, load, bad, errors):
    load({"Stakeholders": [{"stakeholder_id": "S1", "account_id": "A1", "name": "Sam"}]})
    before = tables(loaded)
    with pytest.raises(
        ValidationFailed, match=rf"^The workbook has {errors} errors?; nothing was loaded\.$"
    ) as failed:
        load(bad)
    assert failed.value.report.filter(pl.col("severity") == "error").height == errors
    assert tables(loaded) == before


def test_a_stakeholder_id_cannot_move_to_another_account(loaded, load):
    load({"Stakeholders": [{"stakeholder_id": "S1", "account_id": "A1", "name": "Sam"}]})
    with pytest.raises(ValidationFailed) as failed:
        load({"Stakeholders": [{"stakeholder_id": "S1", "account_id": "A2", "name": "Sam"}]})
    assert failed.value.report.drop("file").rows() == [
        (
            "error",
            "Stakeholders",
            2,
            "stakeholder_id",
            "S1",
            "stakeholder_id 'S1' already belongs to account A1; use a new id.",
        )
    ]


def test_a_workbook_without_contract_rows_loads_nothing(loaded, load):
    before = tables(loaded)
    with pytest.raises(
        ValidationFailed,
        match=r"^The workbook holds no rows to load \(no contract sheet with data\); nothing was loaded\.$",
    ):
        load({"Pivot": [{"total": 1}], "Team": []})
    assert tables(loaded) == before


def test_an_upload_adds_and_changes_rows_by_key_and_removes_nothing(loaded, make_workbook, admin):
    result = load_files(
        loaded, [("a1.xlsx", make_workbook({"Financials": fin("A1", (2, 25), (3, 30))}))], user=admin
    )
    # January stays; February changes 20 -> 25; March is added; A2 is not touched.
    assert revenue(loaded) == [("A1", 1, 10.0), ("A1", 2, 25.0), ("A1", 3, 30.0), ("A2", 1, 5.0)]
    assert result.changes.rows() == [("Financials", 1, 2, 1, 1, 0)]
    assert per_sheet(loaded, result.upload_id) == [("Financials", 1, 1, 0)]
    assert upload_history(loaded).select("mode", "currency").row(0) == ("upsert", None)


def test_a_complete_history_replaces_the_rows_of_the_accounts_it_lists_and_leaves_the_others(
    loaded, make_workbook, admin
):
    result = load_files(
        loaded,
        [("a1.xlsx", make_workbook({"Financials": fin("A1", (2, 25), (3, 30))}))],
        user=admin,
        replace=True,
    )
    assert revenue(loaded) == [("A1", 2, 25.0), ("A1", 3, 30.0), ("A2", 1, 5.0)]
    assert result.changes.rows() == [("Financials", 1, 2, 1, 1, 1)]
    assert per_sheet(loaded, result.upload_id) == [("Financials", 1, 1, 1)]
    assert upload_history(loaded)["mode"][0] == "replace"


def test_loading_the_same_rows_again_changes_nothing_and_says_so(loaded, load):
    upload_id = load({"Accounts": ACCOUNTS, "Financials": fin("A1", (1, 10), (2, 20)) + fin("A2", (1, 5))})
    assert per_sheet(loaded, upload_id) == [("Accounts", 0, 0, 0), ("Financials", 0, 0, 0)]
    assert revenue(loaded) == [("A1", 1, 10.0), ("A1", 2, 20.0), ("A2", 1, 5.0)]


def test_accounts_are_upserted_by_key_and_never_deleted(loaded, load):
    upload_id = load(
        {
            "Accounts": [
                ACCOUNTS[0] | {"account_name": "Alpha Group"},
                {"account_id": "A3", "account_name": "Gamma", "account_manager": "Jonas Weber"},
            ]
        }
    )
    assert loaded.execute("SELECT account_id, account_name FROM accounts ORDER BY 1").fetchall() == [
        ("A1", "Alpha Group"),
        ("A2", "Beta"),
        ("A3", "Gamma"),
    ]
    assert per_sheet(loaded, upload_id) == [("Accounts", 1, 1, 0)]
    assert revenue(loaded) == [("A1", 1, 10.0), ("A1", 2, 20.0), ("A2", 1, 5.0)]


def survey(rid, account, score):
    return {
        "response_id": rid,
        "account_id": account,
        "survey_date": date(2025, 6, 1),
        "Ease of ordering": score,
    }


@pytest.mark.parametrize(
    "replace,answers",
    [
        (
            False,
            [
                ("R1", "A1", "Ease of ordering", 4.0, 5),
                ("R2", "A2", "Ease of ordering", 2.0, 5),
                ("R3", "A1", "Ease of ordering", 5.0, 5),
            ],
        ),
        (True, [("R2", "A2", "Ease of ordering", 2.0, 5), ("R3", "A1", "Ease of ordering", 5.0, 5)]),
    ],
    ids=["upsert", "complete-history"],
)
def test_surveys_and_their_answers_are_written_and_rolled_back_together(
    loaded, load, admin, replace, answers
):
    load({"Surveys": [survey("R1", "A1", 4), survey("R2", "A2", 2)]})
    before = data(loaded)
    upload_id = load({"Surveys": [survey("R3", "A1", 5)]}, replace=replace)
    assert (
        loaded.execute("SELECT * EXCLUDE (loaded_in) FROM survey_answers ORDER BY ALL").fetchall() == answers
    )
    rollback(loaded, upload_id, user=admin)
    assert data(loaded) == before


@pytest.mark.parametrize(
    "replace,rollback_counts,totals",
    [
        # Upsert: Alpha renamed; February changed, March added. The rollback removes March.
        (False, [("Accounts", 0, 1, 0), ("Financials", 0, 1, 1)], (1, 2, 0)),
        # Complete history: January removed too. The rollback puts it back.
        (True, [("Accounts", 0, 1, 0), ("Financials", 1, 1, 1)], (1, 2, 1)),
    ],
    ids=["upsert", "complete-history"],
)
def test_rollback_restores_the_exact_previous_rows_and_is_recorded(
    loaded, load, admin, replace, rollback_counts, totals
):
    before = data(loaded)
    upload_id = load(
        {
            "Accounts": [ACCOUNTS[0] | {"account_name": "Alpha Group", "tier": "A"}],
            "Financials": fin("A1", (2, 25), (3, 30)),
        },
        name="a1.xlsx",
        replace=replace,
    )
    assert data(loaded) != before
    rollback_id = rollback(loaded, upload_id, user=admin)
    assert data(loaded) == before  # the rows and the upload each version came from
    assert per_sheet(loaded, rollback_id) == rollback_counts
    added, changed, removed = totals
    assert [row[:4] + row[5:] for row in history(loaded)] == [
        (
            rollback_id,
            "rollback",
            "admin",
            None,
            "Accounts, Financials",
            removed,
            changed,
            added,
            upload_id,
            None,
        ),
        (
            upload_id,
            "upload",
            "admin",
            "a1.xlsx",
            "Accounts, Financials",
            added,
            changed,
            removed,
            None,
            rollback_id,
        ),
        (1, "upload", "admin", "base.xlsx", "Accounts, Financials", 5, 0, 0, None, None),
    ]


def test_rolling_back_the_first_upload_removes_the_accounts_it_created(loaded, admin):
    rollback(loaded, 1, user=admin)
    assert data(loaded) == {t: [] for t in data(loaded)}


def test_rollback_is_refused_while_a_later_upload_touched_the_same_accounts(loaded, load, admin):
    first = load({"Financials": fin("A1", (3, 30))})
    second = load({"Financials": fin("A1", (3, 33), (4, 40))})
    with pytest.raises(
        ConflictError,
        match=rf"^Upload {second} changed the same accounts later; roll back upload {second} first\.$",
    ):
        rollback(loaded, first, user=admin)
    assert revenue(loaded) == [
        ("A1", 1, 10.0),
        ("A1", 2, 20.0),
        ("A1", 3, 33.0),
        ("A1", 4, 40.0),
        ("A2", 1, 5.0),
    ]
    rollback(loaded, second, user=admin)
    assert revenue(loaded) == [("A1", 1, 10.0), ("A1", 2, 20.0), ("A1", 3, 30.0), ("A2", 1, 5.0)]
    rollback(loaded, first, user=admin)
    assert revenue(loaded) == [("A1", 1, 10.0), ("A1", 2, 20.0), ("A2", 1, 5.0)]


def test_rollback_of_a_new_account_is_refused_while_a_later_upload_loaded_rows_for_it(loaded, load, admin):
    # Rolling back would delete account A3 and leave the later upload's Financials rows without their account.
    created = load(
        {"Accounts": [{"account_id": "A3", "account_name": "Gamma", "account_manager": "Jonas Weber"}]}
    )
    later = load({"Financials": fin("A3", (1, 3))})
    before = tables(loaded)
    with pytest.raises(
        ConflictError,
        match=rf"^Upload {later} changed the same accounts later; roll back upload {later} first\.$",
    ):
        rollback(loaded, created, user=admin)
    assert tables(loaded) == before


def test_a_later_upload_of_other_accounts_does_not_block_a_rollback(loaded, load, admin):
    first = load({"Financials": fin("A1", (3, 30))})
    load({"Financials": fin("A2", (3, 9))})
    rollback(loaded, first, user=admin)
    assert revenue(loaded) == [("A1", 1, 10.0), ("A1", 2, 20.0), ("A2", 1, 5.0), ("A2", 3, 9.0)]


@pytest.mark.parametrize(
    "target,error,message",
    [
        ("rolled-back", ConflictError, r"^Upload 2 was already rolled back \(by 3\)\.$"),
        ("rollback", ConflictError, r"^Upload 3 is itself a rollback; upload the workbook again instead\.$"),
        ("unknown", NotFound, r"^There is no upload 99\.$"),
    ],
)
def test_a_rollback_that_cannot_be_done_is_refused(loaded, load, admin, target, error, message):
    upload_id = load({"Financials": fin("A1", (3, 30))})
    rollback_id = rollback(loaded, upload_id, user=admin)
    before = tables(loaded)
    with pytest.raises(error, match=message):
        rollback(
            loaded, {"rolled-back": upload_id, "rollback": rollback_id, "unknown": 99}[target], user=admin
        )
    assert tables(loaded) == before


@pytest.mark.parametrize("role,label", [("executive", "Executive"), ("coach", "Coach")])
def test_a_read_only_role_may_not_roll_back(loaded, role, label):
    before = tables(loaded)
    with pytest.raises(PermissionDenied, match=rf"^Not permitted: the {label} role cannot rollback\.$"):
        rollback(loaded, 1, user=User("u", "Maria Manager", role))
    assert tables(loaded) == before


@pytest.mark.parametrize("role,label", [("executive", "Executive"), ("coach", "Coach")])
def test_an_executive_or_coach_cannot_load(loaded, load, role, label):
    before = tables(loaded)
    with pytest.raises(PermissionDenied, match=rf"^Not permitted: the {label} role cannot upload\.$"):
        load({"Financials": fin("A1", (3, 30))}, user=User("boss", "Bea Boss", role))
    assert tables(loaded) == before


def test_an_account_manager_may_load_rows_of_the_accounts_they_own(loaded, load, manager):
    upload_id = load({"Financials": fin("A1", (3, 30))}, user=manager)
    assert revenue(loaded) == [("A1", 1, 10.0), ("A1", 2, 20.0), ("A1", 3, 30.0), ("A2", 1, 5.0)]
    assert history(loaded)[0][:4] == (upload_id, "upload", "manager", "book.xlsx")


def test_an_account_manager_may_create_a_new_account_naming_themselves_owner(loaded, load, manager):
    load(
        {
            "Accounts": [{"account_id": "A3", "account_name": "Gamma", "account_manager": "Maria Manager"}],
            "Financials": fin("A3", (1, 3)),
        },
        user=manager,
    )
    assert loaded.execute("SELECT account_id, account_manager FROM accounts ORDER BY 1").fetchall() == [
        ("A1", "Maria Manager"),
        ("A2", "Jonas Weber"),
        ("A3", "Maria Manager"),
    ]
    assert revenue(loaded)[-1] == ("A3", 1, 3.0)


@pytest.mark.parametrize(
    "sheets,expected",
    [
        (
            {"Financials": fin("A1", (3, 30)) + fin("A2", (3, 9))},
            [("error", "Financials", 3, "account_id", "A2", NOT_PERMITTED_A2)],
        ),
        (
            {"Accounts": [ACCOUNTS[1] | {"account_manager": "Maria Manager"}]},
            [
                (
                    "error",
                    "Accounts",
                    2,
                    "account_id",
                    "A2",
                    "Not permitted: account A2 belongs to Jonas Weber; "
                    "Maria Manager may only upload rows for accounts they own.",
                )
            ],
        ),
        (
            {"Accounts": [{"account_id": "A3", "account_name": "Gamma", "account_manager": "Jonas Weber"}]},
            [
                (
                    "error",
                    "Accounts",
                    2,
                    "account_id",
                    "A3",
                    "Not permitted: account A3 belongs to Jonas Weber; "
                    "Maria Manager may only upload rows for accounts they own.",
                )
            ],
        ),
    ],
    ids=["rows-of-another-owner", "taking-over-an-account", "new-account-for-someone-else"],
)
def test_an_account_manager_may_not_write_accounts_of_others(loaded, load, manager, sheets, expected):
    before = tables(loaded)
    with pytest.raises(ValidationFailed, match=r"nothing was loaded") as failed:
        load(sheets, user=manager)
    assert failed.value.report.drop("file").rows() == expected
    assert tables(loaded) == before
