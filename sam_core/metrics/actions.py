"""Action items added on the Loyalty page: the closed loop of a survey response. The same
list as an account plan's action plan (sam_core.plans.edits), written the same way."""

from __future__ import annotations

from datetime import date

import duckdb

from sam_core.access.permissions import User
from sam_core.errors import NotFound
from sam_core.plans import edits


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
    Who added it and when is kept in the row's `extras` and in the edit log. Returns the
    new action_id."""
    found = con.execute("SELECT account_id FROM surveys WHERE response_id = ?", [response_id]).fetchall()
    if not found:
        raise NotFound(f"There is no survey response {response_id}.")
    return edits.add_action(
        con,
        user=user,
        account_id=found[0][0],
        description=description,
        owner=owner,
        due=due,
        today=today,
        source=response_id,
    )
