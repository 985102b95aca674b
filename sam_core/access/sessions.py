"""Login sessions: what happens after a login, whatever the method that proved who it is.

`start_session` records a login (method `password`, or `oidc` for company sign-on) with its
lifetime; the login cookie carries the session's id (a company sign-on session is found by the
sign-in that started it instead, `token_session`). A session ends at its expiry, at a
logout (of that session, or of all the user's sessions), or when an admin ends it; an ended
session is kept as ended in the database, so a restart of the server does not bring back a
cookie that was logged out. Every start and end is audited (`sam_core.access.audit`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl

from sam_core.access import audit
from sam_core.access.permissions import User, ensure
from sam_core.errors import ConflictError, NotFound
from sam_core.store import WRITE_LOCK, transaction

PASSWORD = "password"
OIDC = "oidc"  # company sign-on (OpenID Connect)

LOGGED_OUT = "logged out"
LOGGED_OUT_EVERYWHERE = "logged out everywhere"
ENDED_BY_ADMIN = "ended by an admin"
REMOVED_FROM_USERS = "removed from the Users table"
NO_ROLE = "no role any more"

_COLUMNS = "session_id, user_name, method, client, started_at, expires_at, token_id, identity"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class LoginSession:
    session_id: str
    username: str
    method: str
    client: str
    started_at: datetime  # UTC
    expires_at: datetime  # UTC
    token_id: str | None = None  # company sign-on: the sign-in that started it (sam_core.access.oidc)
    identity: str | None = None  # company sign-on: e-mail, name and groups it was given (JSON)

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class TokenSession:
    """The session a company sign-in started, whatever became of it."""

    session: LoginSession
    ended_at: datetime | None
    end_reason: str | None

    def state(self, now: datetime) -> str | None:
        """None while it is open; else why it is not (an end reason, or `expired`)."""
        if self.ended_at is not None:
            return self.end_reason or LOGGED_OUT
        return "expired" if self.session.expired(now) else None


def start_session(
    con: duckdb.DuckDBPyConnection,
    user: User,
    *,
    method: str,
    client: str,
    hours: float,
    now: datetime | None = None,
    token_id: str | None = None,
    identity: str | None = None,
) -> LoginSession:
    """Record that `user` logged in now by `method` from `client`, for `hours`. A company
    sign-in (`token_id`) starts one session at most: a second start of the same sign-in (two
    tabs opened at once) gets the first one's session, or ConflictError when it has ended."""
    now = now or utc_now()
    session = LoginSession(
        secrets.token_urlsafe(32),
        user.username,
        method,
        client,
        now,
        now + timedelta(hours=hours),
        token_id,
        identity,
    )
    with WRITE_LOCK, transaction(con):
        if token_id is not None and (earlier := token_session(con, token_id)) is not None:
            if earlier.state(now) is not None:
                raise ConflictError("This sign-in's session has ended; sign in again.")
            return earlier.session
        con.execute(
            f"INSERT INTO login_sessions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # sql-ok: constant
            [
                session.session_id,
                user.username,
                method,
                client,
                now,
                session.expires_at,
                token_id,
                identity,
            ],
        )
        audit.record(
            con,
            audit.LOGIN,
            at=now,
            user_name=user.username,
            actor=user.username,
            method=method,
            client=client,
        )
    return session


def active_session(
    con: duckdb.DuckDBPyConnection, session_id: str, *, now: datetime | None = None
) -> LoginSession | None:
    """The session with this id if it has neither ended nor expired."""
    row = con.execute(
        f"SELECT {_COLUMNS} FROM login_sessions "  # sql-ok: the column list is a constant
        "WHERE session_id = ? AND ended_at IS NULL AND expires_at > ?",
        [session_id, now or utc_now()],
    ).fetchall()
    return LoginSession(*row[0]) if row else None


def token_session(con: duckdb.DuckDBPyConnection, token_id: str) -> TokenSession | None:
    """The session the company sign-in `token_id` started, open or not; None if it started none."""
    row = con.execute(
        # sql-ok: table and column names from the contract and constants, values bound
        f"""SELECT {_COLUMNS}, ended_at, end_reason FROM login_sessions WHERE token_id = ?
            ORDER BY started_at LIMIT 1""",  # sql-ok: the column list is a constant
        [token_id],
    ).fetchall()
    if not row:
        return None
    return TokenSession(LoginSession(*row[0][:8]), row[0][8], row[0][9])


def log_out(
    con: duckdb.DuckDBPyConnection,
    user: User,
    session_id: str,
    *,
    everywhere: bool = False,
    now: datetime | None = None,
) -> list[str]:
    """End the user's session `session_id`, or with `everywhere` every session of theirs still
    open (other browsers and tabs included). The ids ended."""
    now = now or utc_now()
    with WRITE_LOCK, transaction(con):
        ended = [
            sid
            for sid, owner in _open(con, now)
            if owner == user.username and (everywhere or sid == session_id)
        ]
        _end(
            con, ended, by=user.username, reason=LOGGED_OUT_EVERYWHERE if everywhere else LOGGED_OUT, now=now
        )
        count = f"{len(ended)} session{'s' if len(ended) != 1 else ''} ended"
        audit.record(
            con,
            audit.LOGOUT,
            at=now,
            user_name=user.username,
            actor=user.username,
            detail=count + (" (everywhere)" if everywhere else ""),
        )
    return ended


def end_sessions(
    con: duckdb.DuckDBPyConnection, admin: User, session_ids: list[str], *, now: datetime | None = None
) -> list[str]:
    """An admin ends other people's sessions (a lost laptop, someone who left). The ids ended."""
    ensure(admin, "end_session")
    now = now or utc_now()
    with WRITE_LOCK, transaction(con):
        rows = [(sid, owner) for sid, owner in _open(con, now) if sid in set(session_ids)]
        if not rows:
            raise NotFound("None of the chosen sessions is still open; nothing was changed.")
        _end(con, [sid for sid, _ in rows], by=admin.username, reason=ENDED_BY_ADMIN, now=now)
        for sid, owner in rows:
            audit.record(
                con,
                audit.SESSION_ENDED,
                at=now,
                user_name=owner,
                actor=admin.username,
                detail=f"session {short_id(sid)}",
            )
    return [sid for sid, _ in rows]


def end_user_sessions(
    con: duckdb.DuckDBPyConnection, user_name: str, *, by: str, reason: str, now: datetime
) -> list[str]:
    """End every open session of `user_name` inside the caller's transaction (an admin removed
    them from the Users table, or they have no role any more), each recorded. The ids ended."""
    ended = [sid for sid, owner in _open(con, now) if owner == user_name]
    _end(con, ended, by=by, reason=reason, now=now)
    for sid in ended:
        audit.record(
            con,
            audit.SESSION_ENDED,
            at=now,
            user_name=user_name,
            actor=by,
            detail=f"session {short_id(sid)} ({reason})",
        )
    return ended


def refuse_user(
    con: duckdb.DuckDBPyConnection, user_name: str, *, reason: str, now: datetime | None = None
) -> list[str]:
    """End the open sessions of someone the app no longer lets in (company sign-on: the Users
    table or the groups give them no role any more), recorded as ended by `app`."""
    with WRITE_LOCK, transaction(con):
        return end_user_sessions(con, user_name, by="app", reason=reason, now=now or utc_now())


def _open(con: duckdb.DuckDBPyConnection, now: datetime) -> list[tuple[str, str]]:
    """(session id, user name) of every session still open."""
    return con.execute(
        "SELECT session_id, user_name FROM login_sessions WHERE ended_at IS NULL AND expires_at > ?", [now]
    ).fetchall()


def _end(con: duckdb.DuckDBPyConnection, ids: list[str], *, by: str, reason: str, now: datetime) -> None:
    con.executemany(
        "UPDATE login_sessions SET ended_at = ?, ended_by = ?, end_reason = ? WHERE session_id = ?",
        [[now, by, reason, sid] for sid in ids],
    )


def open_sessions(con: duckdb.DuckDBPyConnection, *, now: datetime | None = None) -> pl.DataFrame:
    """Sessions neither ended nor expired, newest first (times in UTC)."""
    return con.sql(
        """SELECT session_id, user_name, method, client, started_at, expires_at FROM login_sessions
           WHERE ended_at IS NULL AND expires_at > ? ORDER BY started_at DESC""",
        params=[now or utc_now()],
    ).pl()


def ended_sessions(con: duckdb.DuckDBPyConnection, *, limit: int = 200) -> pl.DataFrame:
    """Sessions ended by a logout or an admin (not by expiry), latest first: the revocations."""
    return con.sql(
        """SELECT session_id, user_name, method, started_at, ended_at, ended_by, end_reason
           FROM login_sessions WHERE ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT ?""",
        params=[limit],
    ).pl()


def short_id(session_id: str) -> str:
    """The first characters of a session id: enough to tell sessions apart on screen, not to
    use one."""
    return session_id[:8]
