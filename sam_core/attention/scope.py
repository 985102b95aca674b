"""Whose accounts a user's attention list covers (SPEC.md section 9): account managers the
accounts they own, sponsors the accounts they sponsor, executives (and coaches) the top accounts
by revenue, admins every account. Portfolio-wide items (a concentration flag of the top 3) go to
executives, coaches and admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from sam_core.access.permissions import ACCOUNT_MANAGER, ADMIN, User
from sam_core.metrics.portfolio import DEFAULT_RULES, RevenueRules, account_revenue
from sam_core.outputs.formatting import count_of


@dataclass(frozen=True)
class Scope:
    accounts: frozenset[str] | None  # None: every account
    portfolio: bool  # sees portfolio-wide items
    description: str

    def covers(self, account_id: str | None) -> bool:
        if account_id is None:
            return self.portfolio
        return self.accounts is None or account_id in self.accounts


def _is(person: str | None, user: User) -> bool:
    """Whether the data's name (executive_sponsor) is the user: their name, user name, or the name the
    Users table gives them (company sign-on: the identity provider's name may be written otherwise)."""
    name = (person or "").strip().casefold()
    mine = {user.name.casefold(), user.username.casefold(), (user.manager_name or "").casefold()}
    return bool(name) and name in mine


def user_scope(user: User, accounts: pl.DataFrame, *, top_n: int = 20) -> Scope:
    """The scope of `user` over `accounts` (account_id, account_manager, executive_sponsor,
    rank: the revenue rank, null without financials)."""
    if user.role == ADMIN:
        return Scope(None, True, "every account")
    rows = accounts.select("account_id", "account_manager", "executive_sponsor", "rank").iter_rows()
    sponsored, owned, top_ids = set(), set(), set()
    for account_id, manager, sponsor, rank in rows:
        if _is(sponsor, user):
            sponsored.add(account_id)
        if user.role == ACCOUNT_MANAGER and user.owns(account_id, manager):
            owned.add(account_id)
        if rank is not None and rank <= top_n:
            top_ids.add(account_id)
    extra = sponsored - owned - (top_ids if user.role != ACCOUNT_MANAGER else set())
    also = f" and the {count_of(len(extra), 'more account')} {user.name} sponsors" if extra else ""
    if user.role == ACCOUNT_MANAGER:
        return Scope(
            frozenset(owned | sponsored),
            False,
            f"the {count_of(len(owned), 'account')} {user.name} manages{also}",
        )
    top = f"the top {count_of(top_n, 'account')}" if top_n != 1 else "the top account"
    return Scope(frozenset(top_ids | sponsored), True, f"{top} by revenue{also}")


def scope_of(
    con: duckdb.DuckDBPyConnection,
    user: User,
    *,
    today: date,
    top_n: int = 20,
    rules: RevenueRules = DEFAULT_RULES,
) -> Scope:
    """`user_scope` over the accounts as stored, ranked by revenue as of `today`."""
    revenue = account_revenue(con, as_of=today, rules=rules)
    if revenue.is_empty():
        revenue = con.sql(
            "SELECT account_id, account_manager, executive_sponsor, NULL::BIGINT AS rank FROM accounts"
        ).pl()
    return user_scope(user, revenue, top_n=top_n)
