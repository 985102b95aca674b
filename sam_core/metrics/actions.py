"""Action items added on the page (the closed loop of a survey response)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import duckdb

from sam_core.access.permissions import User, ensure
from sam_core.errors import NotFound, ValidationFailed
from sam_core.store import WRITE_LOCK, bump_data_version, transaction


def add_action(
    con: duckdb.DuckDBPyConnection,
    *,
    user: User,
    response_id: str,
    description: str,
    owner: str,
    due: date | None,
    today: date,
) -> str:
    """Add an open action for a survey response on an account the user owns (admins: any).
    Who added it and when is kept in the row's `extras`. Returns the new action_id. A later
    upload of the account's Actions sheet replaces it, like any row of that account."""
    found = con.execute(
        "SELECT s.account_id, a.account_manager FROM surveys s JOIN accounts a USING (account_id) WHERE "
        "s.response_id = ?",
        [response_id],
    ).fetchall()
    if not found:
        raise NotFound(f"There is no survey response {response_id}.")
    account_id, manager = found[0]
    ensure(user, "add_action", account_id=account_id, account_manager=manager)
    problems = [
        m
        for ok, m in (
            (description.strip(), "Describe the action."),
            (owner.strip(), "Name its owner."),
            (due is None or due >= today, "The due date cannot be in the past."),
        )
        if not ok
    ]
    if problems:
        raise ValidationFailed(" ".join(problems))
    with WRITE_LOCK, transaction(con):
        n = con.execute("SELECT count(*) FROM actions WHERE action_id LIKE 'WEB-%'").fetchall()[0][0] + 1
        action_id = f"WEB-{n:05d}"
        while con.execute("SELECT count(*) FROM actions WHERE action_id = ?", [action_id]).fetchall()[0][0]:
            n += 1
            action_id = f"WEB-{n:05d}"
        extras = json.dumps(
            {"added_by": user.username, "added_at": datetime.now(UTC).isoformat(timespec="seconds")}
        )
        con.execute(
            """INSERT INTO actions (action_id, account_id, description, owner, source, created, due,
                                  status, closed, extras)
               VALUES (?, ?, ?, ?, ?, ?, ?, 'open', NULL, ?)""",
            [action_id, account_id, description.strip(), owner.strip(), response_id, today, due, extras],
        )
        bump_data_version(con)
    return action_id
