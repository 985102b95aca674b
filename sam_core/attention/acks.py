"""Acknowledging and snoozing attention items, each user on their own list.

Every action is a row of `attention_acks` (whose list, which item, acknowledged / snoozed /
reopened, until when, the note, when), never changed afterwards: the latest row of a user and
item is its state. An acknowledged item stays off that user's list (the same cause again has
the same key; a new cause, a new key); a snoozed one comes back on the day its snooze ends.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import duckdb
import polars as pl

from sam_core.access.permissions import User, ensure
from sam_core.attention.rules import RULES
from sam_core.attention.scope import Scope, scope_of
from sam_core.errors import NotFound, PermissionDenied, ValidationFailed
from sam_core.metrics.portfolio import DEFAULT_RULES, RevenueRules
from sam_core.store import WRITE_LOCK, transaction

OPEN, ACKNOWLEDGED, SNOOZED, REOPENED = "open", "acknowledged", "snoozed", "reopened"
STATES = (ACKNOWLEDGED, SNOOZED, REOPENED)
MAX_SNOOZE_DAYS = 90
NOTE_LIMIT = 500


def item_account(key: str) -> tuple[str, str | None]:
    """(rule, account_id or None) of an item key, e.g. 'loop_open|ACC-0004|RSP-00186'."""
    parts = key.split("|")
    rule = parts[0]
    if rule not in RULES or len(parts) < 3:
        raise NotFound(f"'{key}' is not an attention item.")
    if rule == "concentration":
        flag = parts[1]
        return rule, flag.removeprefix("account:") if flag.startswith("account:") else None
    return rule, parts[1]


def set_state(
    con: duckdb.DuckDBPyConnection,
    *,
    user: User,
    key: str,
    state: str,
    note: str,
    today: date,
    until: date | None = None,
    now: datetime | None = None,
    scope: Scope | None = None,
    top_n: int = 20,
    revenue_rules: RevenueRules = DEFAULT_RULES,
) -> None:
    """Acknowledge, snooze (until a date, at most 90 days ahead) or reopen an item of the user's
    own list, with a note (required to acknowledge or snooze). Refused for an account outside
    the user's scope (worked out here unless `scope` is given by sam_core's own caller)."""
    ensure(user, "acknowledge_attention")
    if state not in STATES:
        raise ValidationFailed(f"'{state}' is not one of: {', '.join(STATES)}.")
    rule, account_id = item_account(key)
    scope = scope or scope_of(con, user, today=today, top_n=top_n, rules=revenue_rules)
    if not scope.covers(account_id):
        what = f"account {account_id}" if account_id else "the portfolio's concentration"
        raise PermissionDenied(f"Not permitted: {what} is not on {user.name}'s list ({scope.description}).")
    note = (note or "").strip()
    problems = []
    if state != REOPENED and not note:
        problems.append("Write a note: what was done or why it can wait.")
    if len(note) > NOTE_LIMIT:
        problems.append(f"The note has {len(note)} characters; keep it under {NOTE_LIMIT}.")
    if state == SNOOZED:
        if until is None or until <= today:
            problems.append("Choose a day after today to snooze until.")
        elif until > today + timedelta(days=MAX_SNOOZE_DAYS):
            problems.append(
                f"Snooze for at most {MAX_SNOOZE_DAYS} days "
                f"(until {today + timedelta(days=MAX_SNOOZE_DAYS)})."
            )
    if problems:
        raise ValidationFailed(" ".join(problems))
    with WRITE_LOCK, transaction(con):
        con.execute(
            "INSERT INTO attention_acks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                user.username,
                key,
                rule,
                account_id,
                state,
                until if state == SNOOZED else None,
                note or None,
                now or datetime.now(UTC).replace(tzinfo=None),
            ],
        )


def acknowledgements(con: duckdb.DuckDBPyConnection, user_name: str) -> pl.DataFrame:
    """The latest state of each item the user acted on: key, state, snoozed_until, note, acted_at."""
    return con.sql(
        """SELECT item_key AS key, arg_max(state, (acted_at, rowid)) AS state,
                  arg_max(snoozed_until, (acted_at, rowid)) AS snoozed_until,
                  arg_max(note, (acted_at, rowid)) AS note, max(acted_at) AS acted_at
           FROM attention_acks WHERE user_name = ? GROUP BY item_key""",
        params=[user_name],
    ).pl()


def ack_log(con: duckdb.DuckDBPyConnection, user_name: str, *, limit: int = 200) -> pl.DataFrame:
    """Everything the user did on their list, newest first: acted_at, key, rule, account_id,
    state, snoozed_until, note."""
    return con.sql(
        """SELECT acted_at, item_key AS key, rule, account_id, state, snoozed_until, note FROM attention_acks
           WHERE user_name = ? ORDER BY acted_at DESC, rowid DESC LIMIT ?""",
        params=[user_name, limit],
    ).pl()


def with_states(items: pl.DataFrame, acks: pl.DataFrame, *, today: date) -> pl.DataFrame:
    """Items (of one user's list) with `state` (open, acknowledged or snoozed), snoozed_until,
    note and acted_at; a snooze that has ended is open again (its note kept)."""
    joined = items.join(acks.rename({"state": "__state"}), on="key", how="left")
    state = (
        pl.when(pl.col("__state") == ACKNOWLEDGED)
        .then(pl.lit(ACKNOWLEDGED))
        .when((pl.col("__state") == SNOOZED) & (pl.col("snoozed_until") > today))
        .then(pl.lit(SNOOZED))
        .otherwise(pl.lit(OPEN))
    )
    return joined.with_columns(state.alias("state")).drop("__state")


def user_list(
    con: duckdb.DuckDBPyConnection, user: User, items: pl.DataFrame, *, today: date, scope: Scope
) -> pl.DataFrame:
    """The user's own list: the items (rules.attention_items) of the accounts in their scope,
    with the state of each on their list (see `with_states`)."""
    portfolio_items = pl.col("account_id").is_null() & pl.lit(scope.portfolio)
    if scope.accounts is None:
        mine = items.filter(pl.col("account_id").is_not_null() | portfolio_items)
    else:
        mine = items.filter(pl.col("account_id").is_in(sorted(scope.accounts)) | portfolio_items)
    return with_states(mine, acknowledgements(con, user.username), today=today)
