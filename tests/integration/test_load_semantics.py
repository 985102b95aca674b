"""Loading into DuckDB: all or nothing, upsert by key or replace by account, history, rollback."""

from __future__ import annotations

import hashlib

import pytest

from sam_core.access.permissions import User
from sam_core.errors import ConflictError, PermissionDenied, ValidationFailed
from sam_core.ingest.uploads import load_files, rollback, upload_history

ADMIN = User("admin", "Admin", "admin")
MARIA = User("manager", "Maria Keller", "account_manager")
ACCOUNTS = [
    {"account_id": "A1", "account_name": "Alpha", "account_manager": "Maria Keller"},
    {"account_id": "A2", "account_name": "Beta", "account_manager": "Jonas Weber"},
]


def fin(account: str, *months_revenue) -> list[dict]:
    return [{"account_id": account, "period": f"2025-{m:02d}", "revenue": r} for m, r in months_revenue]


def everything(con) -> dict[str, list]:
    tables = [
        "accounts",
        "financials",
        "uploads",
        "upload_sheets",
        "upload_scope",
        "accounts__before",
        "financials__before",
        "meta",
    ]
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}  # sql-ok: test


@pytest.fixture
def loaded(db, make_workbook):
    load_files(
        db,
        [
            (
                "base.xlsx",
                make_workbook(
                    {"Accounts": ACCOUNTS, "Financials": fin("A1", (1, 10), (2, 20)) + fin("A2", (1, 5))}
                ),
            )
        ],
        user=ADMIN,
    )
    return db


@pytest.mark.parametrize(
    "bad",
    [
        {"Financials": fin("A1", (1, "n/a"))},
        {
            "Financials": fin("A1", (1, 99)),
            "Evidence": [{"account_id": "A1", "date": "13/13/2025", "signal": "advice_sought"}],
        },
        {"Accounts": [{"account_id": "A3", "account_name": "Gamma"}], "Financials": fin("A1", (3, 30))},
        # Each sheet is clean on its own (and written while the load runs); the reference is not.
        {
            "Financials": fin("A1", (3, 30)),
            "Opportunities": [{"opportunity_id": "O1", "account_id": "A9", "amount": 5}],
        },
    ],
    ids=["text-in-number", "impossible-date", "missing-required", "unknown-account-across-sheets"],
)
def test_a_workbook_with_any_error_changes_nothing(loaded, make_workbook, bad):
    before = everything(loaded)
    with pytest.raises(ValidationFailed, match="nothing was loaded"):
        load_files(loaded, [("bad.xlsx", make_workbook(bad))], user=ADMIN)
    assert everything(loaded) == before


def test_a_refused_workbook_leaves_no_gap_in_the_upload_numbers(loaded, make_workbook):
    with pytest.raises(ValidationFailed):
        load_files(loaded, [("bad.xlsx", make_workbook({"Financials": fin("A1", (1, "n/a"))}))], user=ADMIN)
    assert (
        load_files(
            loaded, [("good.xlsx", make_workbook({"Financials": fin("A1", (1, 11))}))], user=ADMIN
        ).upload_id
        == 2
    )


def test_a_complete_history_replaces_only_the_accounts_it_mentions(loaded, make_workbook):
    result = load_files(
        loaded,
        [("a1.xlsx", make_workbook({"Financials": fin("A1", (2, 25), (3, 30))}))],
        user=ADMIN,
        replace=True,
    )
    assert loaded.execute(
        "SELECT account_id, month(period), revenue FROM financials ORDER BY ALL"
    ).fetchall() == [("A1", 2, 25.0), ("A1", 3, 30.0), ("A2", 1, 5.0)]
    assert result.changes.select("sheet", "added", "changed", "removed").rows() == [("Financials", 1, 1, 1)]


def test_accounts_are_upserted_never_deleted(loaded, make_workbook):
    load_files(
        loaded,
        [
            (
                "acc.xlsx",
                make_workbook(
                    {
                        "Accounts": [
                            {
                                "account_id": "A1",
                                "account_name": "Alpha Group",
                                "account_manager": "Maria Keller",
                            }
                        ]
                    }
                ),
            )
        ],
        user=ADMIN,
    )
    assert loaded.execute("SELECT account_id, account_name FROM accounts ORDER BY 1").fetchall() == [
        ("A1", "Alpha Group"),
        ("A2", "Beta"),
    ]


def test_every_upload_is_recorded_with_who_file_hash_and_counts(loaded, make_workbook):
    content = make_workbook({"Financials": fin("A1", (1, 11))})
    load_files(loaded, [("march.xlsx", content)], user=MARIA)
    latest = upload_history(loaded).row(0, named=True)
    assert (latest["user_name"], latest["file_name"], latest["sha256"]) == (
        "manager",
        "march.xlsx",
        hashlib.sha256(content).hexdigest(),
    )
    assert (latest["sheets"], latest["added"], latest["changed"], latest["removed"]) == (
        "Financials",
        0,
        1,
        0,
    )


def test_rollback_restores_exactly_the_rows_before(loaded, make_workbook):
    before = loaded.execute("SELECT * FROM financials ORDER BY ALL").fetchall()
    accounts_before = loaded.execute("SELECT * FROM accounts ORDER BY ALL").fetchall()
    result = load_files(
        loaded,
        [
            (
                "x.xlsx",
                make_workbook(
                    {
                        "Accounts": [{**ACCOUNTS[0], "account_name": "Renamed"}],
                        "Financials": fin("A1", (5, 50)),
                    }
                ),
            )
        ],
        user=ADMIN,
    )
    rollback(loaded, result.upload_id, user=ADMIN)
    assert loaded.execute("SELECT * FROM financials ORDER BY ALL").fetchall() == before
    assert loaded.execute("SELECT * FROM accounts ORDER BY ALL").fetchall() == accounts_before
    assert upload_history(loaded).select("kind", "rollback_of").row(0) == ("rollback", result.upload_id)


def test_rollback_waits_for_later_uploads_on_the_same_accounts(loaded, make_workbook):
    first = load_files(loaded, [("1.xlsx", make_workbook({"Financials": fin("A1", (6, 60))}))], user=ADMIN)
    second = load_files(loaded, [("2.xlsx", make_workbook({"Financials": fin("A1", (7, 70))}))], user=ADMIN)
    with pytest.raises(ConflictError, match=f"roll back upload {second.upload_id} first"):
        rollback(loaded, first.upload_id, user=ADMIN)
    rollback(loaded, second.upload_id, user=ADMIN)
    rollback(loaded, first.upload_id, user=ADMIN)
    assert loaded.execute(
        "SELECT month(period), revenue FROM financials WHERE account_id = 'A1' ORDER BY 1"
    ).fetchall() == [(1, 10.0), (2, 20.0)]


@pytest.mark.parametrize("role", ["executive", "coach", "account_manager"])
def test_only_admins_roll_back(loaded, make_workbook, role):
    upload = load_files(loaded, [("x.xlsx", make_workbook({"Financials": fin("A1", (8, 1))}))], user=ADMIN)
    with pytest.raises(PermissionDenied):
        rollback(loaded, upload.upload_id, user=User("u", "Maria Keller", role))


@pytest.mark.parametrize("role", ["executive", "coach"])
def test_read_only_roles_cannot_load(loaded, make_workbook, role):
    before = everything(loaded)
    with pytest.raises(PermissionDenied, match="cannot upload"):
        load_files(
            loaded, [("x.xlsx", make_workbook({"Financials": fin("A1", (8, 1))}))], user=User("u", "U", role)
        )
    assert everything(loaded) == before


def test_a_manager_loads_own_accounts_and_creates_new_ones_as_owner(loaded, make_workbook):
    load_files(
        loaded,
        [
            (
                "mine.xlsx",
                make_workbook(
                    {
                        "Accounts": [
                            {"account_id": "A3", "account_name": "Gamma", "account_manager": "Maria Keller"}
                        ],
                        "Financials": fin("A1", (9, 9)) + fin("A3", (9, 3)),
                    }
                ),
            )
        ],
        user=MARIA,
    )
    # A1's January and February stay beside its new September; A3 is new with September.
    assert loaded.execute("SELECT count(*) FROM financials WHERE account_id IN ('A1', 'A3')").fetchall() == [
        (4,)
    ]


def test_a_manager_cannot_touch_someone_elses_account(loaded, make_workbook):
    with pytest.raises(ValidationFailed) as failed:
        load_files(loaded, [("theirs.xlsx", make_workbook({"Financials": fin("A2", (9, 9))}))], user=MARIA)
    assert failed.value.report.filter(failed.value.report["severity"] == "error")["problem"].to_list() == [
        "Not permitted: account A2 belongs to Jonas Weber; Maria Keller may only upload rows for accounts "
        "they own."
    ]
