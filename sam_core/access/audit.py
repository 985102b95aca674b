"""The record of logins, failed logins, logouts, ended sessions, unlocks and changes of the
Users table: who, when, what.

Kept in the database beside the data (table `auth_events`); shown on the Administration
page. Events: `login`, `login_failed` (a wrong password, or a company sign-in with no role),
`logout`, `session_ended` (an admin ended someone's session, or removed them from the Users
table), `unlock` (an admin lifted a login limit), `user_added`, `user_changed`, `user_removed`
(the Users table of company sign-on, in the app or by a Users sheet).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from sam_core.store import WRITE_LOCK, transaction

LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
SESSION_ENDED = "session_ended"
UNLOCK = "unlock"
USER_ADDED = "user_added"
USER_CHANGED = "user_changed"
USER_REMOVED = "user_removed"
EVENTS = (LOGIN, LOGIN_FAILED, LOGOUT, SESSION_ENDED, UNLOCK, USER_ADDED, USER_CHANGED, USER_REMOVED)


def record(
    con: duckdb.DuckDBPyConnection,
    event: str,
    *,
    at: datetime,
    user_name: str | None,
    actor: str | None = None,
    method: str | None = None,
    client: str | None = None,
    detail: str | None = None,
) -> None:
    """Add one event, inside the caller's transaction."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    con.execute(
        "INSERT INTO auth_events VALUES (?, ?, ?, ?, ?, ?, ?)",
        [at, event, user_name, actor, method, client, detail],
    )


def log(con: duckdb.DuckDBPyConnection, event: str, **fields) -> None:
    """Add one event in a transaction of its own."""
    with WRITE_LOCK, transaction(con):
        record(con, event, **fields)


def recent_events(
    con: duckdb.DuckDBPyConnection, *, limit: int = 500, user_name: str | None = None
) -> pl.DataFrame:
    """The latest events first (times in UTC), of one user name if given."""
    return con.sql(
        """SELECT happened_at, event, user_name, actor, method, client, detail FROM auth_events
           WHERE ? IS NULL OR user_name = ?
           ORDER BY happened_at DESC, rowid DESC LIMIT ?""",
        params=[user_name, user_name, limit],
    ).pl()
