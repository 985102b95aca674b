"""Logins, logouts and revocations in a real DuckDB file: a logout survives a restart, logging
out everywhere ends the user's other sessions, an admin ends sessions and lifts login limits,
and every login, failed login, logout and unlock is recorded (who, when, what)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sam_core.access import audit, passwords, sessions
from sam_core.access.login_guard import CLIENT, USER, LoginGuard
from sam_core.access.permissions import User
from sam_core.access.users import DEMO_USERS_FILE, UsersFile
from sam_core.errors import NotFound, PermissionDenied
from sam_core.store import connect

NOW = datetime(2026, 11, 24, 9, 0)
COACH = User("coach", "Carla Jensen", "coach")
EXECUTIVE = User("executive", "Helena Brandt", "executive")
ADMIN = User("admin", "Alex Morgan", "admin")


@pytest.fixture
def path(tmp_path):
    return tmp_path / "sam.duckdb"


def start(con, user: User, client: str = "10.0.0.1", at: datetime = NOW) -> sessions.LoginSession:
    return sessions.start_session(con, user, method=sessions.PASSWORD, client=client, hours=12, now=at)


def events(con) -> list[tuple]:
    return [
        (row["event"], row["user_name"], row["actor"], row["detail"])
        for row in audit.recent_events(con).reverse().iter_rows(named=True)
    ]


def test_a_session_is_open_until_it_expires(db):
    login = start(db, COACH)
    assert login.expires_at == NOW + timedelta(hours=12)
    assert sessions.active_session(db, login.session_id, now=NOW + timedelta(hours=11, minutes=59)) == login
    assert sessions.active_session(db, login.session_id, now=NOW + timedelta(hours=12)) is None


def test_a_logout_survives_a_restart(path):
    con = connect(path)
    login = start(con, COACH)
    sessions.log_out(con, COACH, login.session_id, now=NOW + timedelta(minutes=5))
    con.close()
    restarted = connect(path)  # what a restart of the server sees
    assert sessions.active_session(restarted, login.session_id, now=NOW + timedelta(minutes=6)) is None
    restarted.close()


def test_logging_out_ends_only_this_session_unless_everywhere(db):
    laptop, phone, other = start(db, COACH), start(db, COACH), start(db, EXECUTIVE)
    assert sessions.log_out(db, COACH, laptop.session_id, now=NOW) == [laptop.session_id]
    assert sessions.active_session(db, phone.session_id, now=NOW) == phone
    assert sorted(sessions.log_out(db, COACH, phone.session_id, everywhere=True, now=NOW)) == [
        phone.session_id
    ]
    assert sessions.active_session(db, other.session_id, now=NOW) == other  # someone else's stays


def test_logging_out_everywhere_ends_every_open_session_of_the_user(db):
    ids = {start(db, COACH).session_id for _ in range(3)}
    assert set(sessions.log_out(db, COACH, next(iter(ids)), everywhere=True, now=NOW)) == ids
    assert sessions.open_sessions(db, now=NOW).is_empty()
    ended = sessions.ended_sessions(db)
    assert ended["end_reason"].to_list() == [sessions.LOGGED_OUT_EVERYWHERE] * 3


def test_an_admin_ends_someone_elses_session(db):
    login = start(db, EXECUTIVE)
    assert sessions.end_sessions(db, ADMIN, [login.session_id], now=NOW) == [login.session_id]
    assert sessions.active_session(db, login.session_id, now=NOW) is None
    row = sessions.ended_sessions(db).row(0, named=True)
    assert (row["user_name"], row["ended_by"], row["end_reason"]) == (
        "executive",
        "admin",
        "ended by an admin",
    )


@pytest.mark.parametrize("role", ["executive", "account_manager", "coach"])
def test_only_an_admin_ends_other_peoples_sessions(db, role):
    login = start(db, EXECUTIVE)
    with pytest.raises(PermissionDenied, match="Not permitted"):
        sessions.end_sessions(db, User("x", "X", role), [login.session_id], now=NOW)
    assert sessions.active_session(db, login.session_id, now=NOW) == login


def test_ending_sessions_that_are_no_longer_open_says_so_and_changes_nothing(db):
    login = start(db, EXECUTIVE)
    sessions.log_out(db, EXECUTIVE, login.session_id, now=NOW)
    before = events(db)
    with pytest.raises(NotFound, match="None of the chosen sessions is still open"):
        sessions.end_sessions(db, ADMIN, [login.session_id, "no-such-session"], now=NOW)
    assert events(db) == before


def test_logins_and_logouts_are_recorded_with_who_when_and_what(db):
    login = start(db, COACH, client="10.0.0.7")
    other = start(db, EXECUTIVE)
    sessions.log_out(db, COACH, login.session_id, everywhere=True, now=NOW + timedelta(hours=1))
    sessions.end_sessions(db, ADMIN, [other.session_id], now=NOW + timedelta(hours=2))
    assert events(db) == [
        ("login", "coach", "coach", None),
        ("login", "executive", "executive", None),
        ("logout", "coach", "coach", "1 session ended (everywhere)"),
        ("session_ended", "executive", "admin", f"session {other.session_id[:8]}"),
    ]
    first = audit.recent_events(db).row(-1, named=True)
    assert (first["happened_at"], first["method"], first["client"]) == (NOW, "password", "10.0.0.7")


@pytest.fixture(scope="module")
def demo_users() -> UsersFile:
    return UsersFile.load(DEMO_USERS_FILE)


def test_the_right_password_logs_in_and_a_wrong_one_is_recorded(db, demo_users):
    guard = LoginGuard()
    assert passwords.log_in_with_password(db, guard, demo_users, " Coach", "demo", client="10.0.0.1") == COACH
    with pytest.raises(passwords.LoginRefused, match=r"^Wrong user name or password\.$"):
        passwords.log_in_with_password(db, guard, demo_users, "coach", "guess", client="10.0.0.1")
    with pytest.raises(passwords.LoginRefused, match=r"^Wrong user name or password\.$"):
        passwords.log_in_with_password(db, guard, demo_users, "nobody", "demo", client="10.0.0.1")
    assert [(e[0], e[1]) for e in events(db)] == [("login_failed", "coach"), ("login_failed", "nobody")]


def test_an_attempt_refused_for_a_wait_checks_no_password_and_records_nothing(db, demo_users):
    guard = LoginGuard(clock=lambda: 1_000.0)  # a clock that does not move: the wait never passes
    for _ in range(3):
        with pytest.raises(passwords.LoginRefused, match="Wrong"):
            passwords.log_in_with_password(db, guard, demo_users, "coach", "guess", client="10.0.0.1")
    with pytest.raises(passwords.LoginRefused, match="wait 5 seconds"):
        passwords.log_in_with_password(db, guard, demo_users, "coach", "demo", client="10.0.0.1")
    assert len(events(db)) == 3


def test_an_admin_unlocks_a_user_name_and_it_is_recorded(db, demo_users):
    guard = LoginGuard(clock=lambda: 1_000.0)
    for _ in range(3):
        with pytest.raises(passwords.LoginRefused):
            passwords.log_in_with_password(db, guard, demo_users, "coach", "guess", client="10.0.0.1")
    assert passwords.unlock(db, guard, ADMIN, USER, "coach") is True
    assert passwords.unlock(db, guard, ADMIN, CLIENT, "10.0.0.1") is True
    assert passwords.log_in_with_password(db, guard, demo_users, "coach", "demo", client="10.0.0.1") == COACH
    assert events(db)[-2:] == [
        ("unlock", "coach", "admin", "user name coach"),
        ("unlock", None, "admin", "client 10.0.0.1"),
    ]


@pytest.mark.parametrize("role", ["executive", "account_manager", "coach"])
def test_only_an_admin_unlocks(db, role):
    guard = LoginGuard()
    with pytest.raises(PermissionDenied, match="Not permitted"):
        passwords.unlock(db, guard, User("x", "X", role), USER, "coach")
    assert events(db) == []
