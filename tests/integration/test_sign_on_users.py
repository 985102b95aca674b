"""Company sign-on in a real DuckDB file: a sign-in starts one session at most and never another
once it ended; the Users table an admin keeps (one person at a time, or the Users sheet, all or
nothing) with every change recorded; removing someone ends their sessions; the Data upload
skips the Users sheet; the command line loads it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sam_core.__main__ import main
from sam_core.access import audit, directory, sessions
from sam_core.access.oidc import Identity
from sam_core.access.permissions import User
from sam_core.errors import ConflictError, NotFound, PermissionDenied, ValidationFailed
from sam_core.ingest.uploads import check_files
from sam_core.outputs.workbook import export_bytes
from sam_core.store import connect

NOW = datetime(2026, 11, 24, 9, 0)
ADMIN = User("alex.morgan@example.com", "Alex Morgan", "admin")
MARIA = User("maria.keller@example.com", "Maria Keller", "account_manager")
CLAIMS = {"iss": "https://idp", "sub": "m-1", "iat": 1_800_000_000, "nonce": "n", "email": MARIA.username}


@pytest.fixture
def accounts(db, make_workbook):
    """Two accounts of the data (the Users table grants only accounts that exist)."""
    from sam_core.ingest.uploads import load_files

    rows = [
        {"account_id": "ACC-1", "account_name": "Alpha", "account_manager": "Maria Keller"},
        {"account_id": "ACC-2", "account_name": "Beta", "account_manager": "Jonas Weber"},
    ]
    load_files(db, [("a.xlsx", make_workbook({"Accounts": rows}))], user=User("admin", "Admin", "admin"))
    return db


def sign_on_session(con, *, at: datetime = NOW, claims: dict = CLAIMS) -> sessions.LoginSession:
    found = Identity.from_claims(claims)
    return sessions.start_session(
        con,
        MARIA,
        method=sessions.OIDC,
        client="10.0.0.7",
        hours=12,
        now=at,
        token_id=found.token_id,
        identity=found.to_json(),
    )


def events(con, *kinds: str) -> list[tuple]:
    record = audit.recent_events(con).reverse()
    return [
        (r["event"], r["user_name"], r["actor"], r["detail"])
        for r in record.iter_rows(named=True)
        if r["event"] in kinds
    ]


# -- sessions of a sign-in ---------------------------------------------------------------


def test_a_sign_in_starts_one_session_with_the_identity_it_was_given(db):
    first = sign_on_session(db)
    again = sign_on_session(db, at=NOW + timedelta(seconds=2))  # a second tab opened at once
    assert again == first
    found = sessions.token_session(db, first.token_id)
    assert (found.session.method, found.state(NOW)) == ("oidc", None)
    assert Identity.from_json(found.session.identity, first.token_id).email == MARIA.username
    assert [e[:2] for e in events(db, audit.LOGIN)] == [("login", MARIA.username)]  # recorded once


@pytest.mark.parametrize(
    ("end", "state"),
    [
        (lambda con, s: sessions.log_out(con, MARIA, s.session_id, now=NOW), "logged out"),
        (lambda con, s: sessions.end_sessions(con, ADMIN, [s.session_id], now=NOW), "ended by an admin"),
        (lambda con, s: None, "expired"),  # (looked at 12 hours later)
    ],
)
def test_a_sign_in_whose_session_ended_or_expired_starts_no_other(db, end, state):
    login = sign_on_session(db)
    end(db, login)
    later = NOW + timedelta(hours=12)
    assert sessions.token_session(db, login.token_id).state(later) == state
    with pytest.raises(ConflictError, match="session has ended; sign in again"):
        sign_on_session(db, at=later)


def test_a_new_sign_in_of_the_same_person_starts_a_new_session(db):
    first = sign_on_session(db)
    sessions.log_out(db, MARIA, first.session_id, now=NOW)
    second = sign_on_session(db, claims={**CLAIMS, "iat": CLAIMS["iat"] + 60, "nonce": "n2"})
    assert second.session_id != first.session_id
    assert sessions.active_session(db, second.session_id, now=NOW) == second


# -- the Users table ------------------------------------------------------------------------


def test_an_admin_adds_and_changes_a_person_and_each_change_is_recorded(accounts):
    con = accounts
    assert (
        directory.save_entry(con, ADMIN, " Maria.Keller@Example.com ", name="Maria Keller", now=NOW)
        == "added"
    )
    assert directory.save_entry(con, ADMIN, MARIA.username, name="Maria Keller", now=NOW) == "unchanged"
    done = directory.save_entry(
        con, ADMIN, MARIA.username, name="Maria Keller", role="coach", accounts=["ACC-2"], now=NOW
    )
    assert done == "changed"
    assert directory.entry(con, MARIA.username) == directory.DirectoryEntry(
        MARIA.username, "Maria Keller", "coach", frozenset({"ACC-2"})
    )
    assert events(con, audit.USER_ADDED, audit.USER_CHANGED) == [
        (
            "user_added",
            MARIA.username,
            ADMIN.username,
            "name Maria Keller, role from the groups, accounts none",
        ),
        (
            "user_changed",
            MARIA.username,
            ADMIN.username,
            "name Maria Keller, role from the groups, accounts none -> name Maria Keller, role Coach, "
            "accounts ACC-2",
        ),
    ]


@pytest.mark.parametrize(
    ("email", "kwargs", "message"),
    [
        ("maria", {}, "'maria' is not an e-mail address such as maria.keller@example.com."),
        ("a b@example.com", {}, "'a b@example.com' is not an e-mail address"),
        (
            MARIA.username,
            {"role": "boss"},
            "Role 'boss' is not one of executive, account_manager, coach, admin, none",
        ),
        (MARIA.username, {"accounts": ["ACC-1", "ACC-404"]}, "No account ACC-404 in the data"),
    ],
)
def test_a_person_that_cannot_be_saved_changes_nothing(accounts, email, kwargs, message):
    with pytest.raises(directory.InvalidUser, match=message):
        directory.save_entry(accounts, ADMIN, email, **kwargs)
    assert directory.entries(accounts).is_empty()
    assert events(accounts, audit.USER_ADDED) == []


def test_only_an_admin_keeps_the_users_table(accounts):
    with pytest.raises(PermissionDenied, match="the Account manager role cannot manage users"):
        directory.save_entry(accounts, MARIA, MARIA.username, role="admin")
    with pytest.raises(PermissionDenied):
        directory.remove_entries(accounts, MARIA, [MARIA.username])


def test_removing_someone_ends_their_open_sessions_at_once_and_is_recorded(accounts):
    con = accounts
    directory.save_entry(con, ADMIN, MARIA.username, name="Maria Keller", now=NOW)
    login = sign_on_session(con)
    other = sessions.start_session(con, ADMIN, method="oidc", client="10.0.0.8", hours=12, now=NOW)
    ended = directory.remove_entries(con, ADMIN, [MARIA.username.upper()], now=NOW + timedelta(minutes=1))
    assert ended == [login.session_id]
    assert directory.entry(con, MARIA.username) is None
    assert sessions.token_session(con, login.token_id).state(NOW) == "removed from the Users table"
    assert sessions.active_session(con, other.session_id, now=NOW) == other  # the admin's own stays
    assert events(con, audit.USER_REMOVED, audit.SESSION_ENDED) == [
        (
            "user_removed",
            MARIA.username,
            ADMIN.username,
            "name Maria Keller, role from the groups, accounts none",
        ),
        (
            "session_ended",
            MARIA.username,
            ADMIN.username,
            f"session {login.session_id[:8]} (removed from the Users table)",
        ),
    ]
    with pytest.raises(NotFound, match="None of the chosen people is in the Users table"):
        directory.remove_entries(con, ADMIN, [MARIA.username])


# -- the Users sheet ----------------------------------------------------------------------


def users_file(make_workbook, rows: list[dict], sheet: str = "Users") -> list[tuple[str, bytes]]:
    return [("users.xlsx", make_workbook({sheet: rows}))]


GOOD = [
    {"E-mail": "Maria.Keller@example.com", "Name": "Maria Keller", "Role": "Account manager", "Accounts": ""},
    {
        "E-mail": "helena.brandt@example.com",
        "Name": "Helena Brandt",
        "Role": "exec",
        "Accounts": "ACC-1; ACC-2",
    },
    {"E-mail": "carla.jensen@example.com", "Name": None, "Role": None, "Accounts": None},
]


def test_the_users_sheet_adds_and_changes_people_and_says_how_many(accounts, make_workbook):
    con = accounts
    directory.save_entry(con, ADMIN, "carla.jensen@example.com", role="coach", now=NOW)
    checked = directory.load_users_files(con, users_file(make_workbook, GOOD), admin=ADMIN, apply=False)
    assert checked.counts == {"added": 2, "changed": 1, "unchanged": 0}
    assert directory.entries(con).height == 1  # a check changes nothing
    loaded = directory.load_users_files(con, users_file(make_workbook, GOOD), admin=ADMIN, now=NOW)
    assert loaded.counts == {"added": 2, "changed": 1, "unchanged": 0}
    assert directory.entry(con, "helena.brandt@example.com") == directory.DirectoryEntry(
        "helena.brandt@example.com", "Helena Brandt", "executive", frozenset({"ACC-1", "ACC-2"})
    )
    assert directory.entry(con, "carla.jensen@example.com").role is None  # emptied: the groups decide
    assert directory.entry(con, MARIA.username).role == "account_manager"
    from_file = [
        e[:2] for e in events(con, audit.USER_ADDED, audit.USER_CHANGED) if e[3].endswith("(from users.xlsx)")
    ]
    assert from_file == [
        ("user_added", MARIA.username),
        ("user_added", "helena.brandt@example.com"),
        ("user_changed", "carla.jensen@example.com"),
    ]


def test_the_exported_users_sheet_loads_back_unchanged(accounts, make_workbook):
    directory.load_users_files(accounts, users_file(make_workbook, GOOD), admin=ADMIN, now=NOW)
    exported = [("sam-users.xlsx", export_bytes({"Users": directory.users_sheet(accounts)}))]
    assert directory.load_users_files(accounts, exported, admin=ADMIN).counts == {
        "added": 0,
        "changed": 0,
        "unchanged": 3,
    }


def test_a_users_sheet_with_any_error_loads_nothing_and_names_each_row(accounts, make_workbook):
    rows = [
        *GOOD,
        {"E-mail": "nina", "Name": "Nina New", "Role": "coach", "Accounts": ""},
        {"E-mail": "maria.keller@EXAMPLE.com", "Name": "Maria", "Role": "coach", "Accounts": ""},
        {"E-mail": "otto@example.com", "Name": "Otto", "Role": "boss", "Accounts": ""},
    ]
    with pytest.raises(ValidationFailed, match="The Users sheet has 3 errors; nothing was loaded") as failed:
        directory.load_users_files(accounts, users_file(make_workbook, rows), admin=ADMIN)
    errors = failed.value.report.filter(severity="error").select("row", "column", "value").rows()
    assert sorted(errors, key=lambda e: e[0]) == [
        (5, "email", "nina"),
        (6, "email", "maria.keller@example.com"),  # listed twice (first in row 2)
        (7, "Role", "boss"),  # (as the file heads the column)
    ]
    assert directory.entries(accounts).is_empty()


def test_an_account_not_in_the_data_is_a_warning_and_granted_all_the_same(accounts, make_workbook):
    rows = [{"email": "nina@example.com", "name": "Nina", "role": "manager", "accounts": "ACC-1, ACC-77"}]
    loaded = directory.load_users_files(accounts, users_file(make_workbook, rows), admin=ADMIN)
    warnings = loaded.report.filter(severity="warning")
    assert warnings.select("column", "value", "problem").rows() == [
        ("accounts", "ACC-77", "No account ACC-77 in the data (yet); it is granted all the same.")
    ]
    assert directory.entry(accounts, "nina@example.com").accounts == {"ACC-1", "ACC-77"}


def test_only_an_admin_loads_the_users_sheet(accounts, make_workbook):
    with pytest.raises(PermissionDenied):
        directory.load_users_files(accounts, users_file(make_workbook, GOOD), admin=MARIA)
    assert directory.entries(accounts).is_empty()


def test_a_workbook_without_a_users_sheet_loads_nothing(accounts, make_workbook):
    with pytest.raises(ValidationFailed, match="The workbook holds no Users sheet with rows"):
        directory.load_users_files(
            accounts, users_file(make_workbook, GOOD, sheet="People list"), admin=ADMIN
        )


def test_the_data_upload_skips_a_users_sheet_and_says_where_it_loads(accounts, make_workbook):
    validation = check_files(accounts, users_file(make_workbook, GOOD), user=ADMIN)
    assert "Users" not in validation.sheets
    assert validation.report.filter(sheet="Users")["problem"].to_list() == [
        "Sheet 'Users' holds the Users table of company sign-on and was skipped here: an admin loads it on "
        "the Administration page (Users)."
    ]


def test_the_command_line_sets_the_first_admin_and_loads_the_users_sheet(tmp_path, make_workbook, capsys):
    db = tmp_path / "sam.duckdb"
    assert main(["set-user", "Alex.Morgan@example.com", "--role", "admin", "--db", str(db)]) == 0
    assert capsys.readouterr().out == "alex.morgan@example.com: added.\n"
    path = tmp_path / "users.xlsx"
    path.write_bytes(make_workbook({"Users": GOOD[2:]}))
    assert main(["load-users", str(path), "--db", str(db), "--check"]) == 0
    assert capsys.readouterr().out.endswith("Would add 1, changed 0, left 0 unchanged.\n")
    assert main(["load-users", str(path), "--db", str(db)]) == 0
    con = connect(db)
    assert directory.entries(con)["email"].to_list() == [
        "alex.morgan@example.com",
        "carla.jensen@example.com",
    ]
    assert directory.entry(con, "alex.morgan@example.com").role == "admin"
    con.close()
