"""Logging in with a password: one login method. It proves who someone is and nothing more;
what follows a login (the session, its lifetime, logout, roles, audit of the session) is
`sam_core.access.sessions`, the same for every method.

The order matters: the attempt is reserved with the login limits before the password is
checked (`LoginGuard.begin`), so attempts sent at the same moment cannot all slip in before
the first failure is counted; then the bcrypt check; then the outcome is recorded with the
limits and, for a failure, in the audit.
"""

from __future__ import annotations

import bcrypt
import duckdb

from sam_core.access import audit
from sam_core.access.login_guard import CLIENT, USER, LoginGuard, normal_name, refusal
from sam_core.access.permissions import User, ensure
from sam_core.access.sessions import PASSWORD, utc_now
from sam_core.access.users import UsersFile
from sam_core.errors import SamError

WRONG = "Wrong user name or password."

# A bcrypt hash of cost 12 that no password matches: an unknown user name costs the same
# check as a known one, so the answer's timing does not tell which names exist.
_NO_SUCH_USER = b"$2b$12$oJ4B3YAjAhoqE76kopOYYutPiVfEQysIwdD7cqHN2TF2UbAUOTS4G"


class LoginRefused(SamError):
    """Wrong user name or password, or an attempt that must wait; nothing says which names exist."""


def password_matches(users: UsersFile, username: str, password: str) -> User | None:
    """The user of the users file whose password this is (bcrypt), or None. User names are
    matched trimmed and lower case; an unknown name costs the same check."""
    account = users.accounts.get(username.strip().lower())
    stored = account.password_hash.encode() if account else _NO_SUCH_USER
    matches = bool(password) and bcrypt.checkpw(password.encode(), stored)
    return account.user if matches and account else None


def log_in_with_password(
    con: duckdb.DuckDBPyConnection,
    guard: LoginGuard,
    users: UsersFile,
    username: str,
    password: str,
    *,
    client: str,
) -> User:
    """The user, if the password is theirs and the limits allow the attempt; else LoginRefused
    (wrong password, or how long to wait). A failure is audited; a refused attempt is only
    counted by the limits (it checks no password)."""
    wait = guard.begin(username, client)
    if wait > 0:
        raise LoginRefused(refusal(wait))
    outcome = None
    try:
        user = password_matches(users, username, password)
        outcome = user is not None
    finally:
        guard.end(username, client, outcome)
    if user is None:
        audit.log(
            con,
            audit.LOGIN_FAILED,
            at=utc_now(),
            user_name=normal_name(username),
            method=PASSWORD,
            client=client,
            detail="wrong user name or password",
        )
        raise LoginRefused(WRONG)
    return user


def unlock(con: duckdb.DuckDBPyConnection, guard: LoginGuard, admin: User, kind: str, key: str) -> bool:
    """An admin lifts the login limit of a user name or client address at once (audited)."""
    ensure(admin, "unlock_login")
    if kind not in (USER, CLIENT):
        raise ValueError(f"kind must be {USER!r} or {CLIENT!r}, not {kind!r}")
    had = guard.unlock(kind, key)
    audit.log(
        con,
        audit.UNLOCK,
        at=utc_now(),
        user_name=normal_name(key) if kind == USER else None,
        actor=admin.username,
        client=key if kind == CLIENT else None,
        detail=f"{kind} {key}" + ("" if had else " (had no failures)"),
    )
    return had
