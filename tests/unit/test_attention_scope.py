"""Whose accounts a user's attention list covers, and how acknowledgements and snoozes show."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from sam_core.access.permissions import User
from sam_core.attention.acks import item_account, with_states
from sam_core.attention.scope import user_scope
from sam_core.errors import NotFound

ACCOUNTS = pl.DataFrame(
    {
        "account_id": ["A1", "A2", "A3", "A4"],
        "account_manager": ["Maria Keller", "Jonas Weber", "Maria Keller", "Jonas Weber"],
        "executive_sponsor": ["Helena Brandt", "Thomas Gruber", None, "Helena Brandt"],
        "rank": [1, 2, 3, None],
    }
)


@pytest.mark.parametrize(
    "user,accounts,portfolio",
    [
        (User("manager", "Maria Keller", "account_manager"), {"A1", "A3"}, False),
        (User("manager", "Maria Keller", "account_manager", frozenset({"A2"})), {"A1", "A2", "A3"}, False),
        (User("jonas", "Jonas Weber", "account_manager"), {"A2", "A4"}, False),
        (User("executive", "Helena Brandt", "executive"), {"A1", "A2", "A4"}, True),  # top 2 and sponsored A4
        (User("thomas", "Thomas Gruber", "executive"), {"A1", "A2"}, True),
        (User("coach", "Carla Jensen", "coach"), {"A1", "A2"}, True),
        # company sign-on: the provider says "Brandt, Helena"; the Users table's name is the data's
        (
            User("h@example.com", "Brandt, Helena", "executive", manager_name="Helena Brandt"),
            {"A1", "A2", "A4"},
            True,
        ),
        (User("h@example.com", "Brandt, Helena", "executive", manager_name=""), {"A1", "A2"}, True),
    ],
)
def test_managers_see_their_accounts_sponsors_theirs_executives_the_top(user, accounts, portfolio):
    scope = user_scope(user, ACCOUNTS, top_n=2)
    assert (scope.accounts, scope.portfolio) == (frozenset(accounts), portfolio)


def test_an_admin_sees_every_account_and_the_portfolio():
    scope = user_scope(User("admin", "Alex Morgan", "admin"), ACCOUNTS, top_n=2)
    assert (scope.accounts, scope.portfolio, scope.covers("ANY"), scope.covers(None)) == (
        None,
        True,
        True,
        True,
    )


def test_a_manager_who_also_sponsors_sees_both_and_no_portfolio_item():
    maria = User("manager", "Maria Keller", "account_manager")
    accounts = ACCOUNTS.with_columns(pl.lit("Maria Keller").alias("executive_sponsor"))
    scope = user_scope(maria, accounts, top_n=2)
    assert scope.accounts == frozenset({"A1", "A2", "A3", "A4"})
    assert (
        scope.description
        == "the 2 accounts Maria Keller manages and the 2 more accounts Maria Keller sponsors"
    )
    assert not scope.covers(None)


@pytest.mark.parametrize(
    ("user", "top_n", "description"),
    [
        (
            User("jonas", "Jonas Weber", "account_manager", frozenset()),
            2,
            "the 2 accounts Jonas Weber manages",
        ),
        (
            User("anna", "Anna Roth", "account_manager", frozenset({"A1"})),
            2,
            "the 1 account Anna Roth manages",
        ),
        (
            User("thomas", "Thomas Gruber", "executive"),
            1,
            "the top account by revenue and the 1 more account Thomas Gruber sponsors",
        ),
    ],
)
def test_a_scope_counts_its_accounts_in_words(user, top_n, description):
    # it said 'the 1 accounts Ann AM manages'
    assert user_scope(user, ACCOUNTS, top_n=top_n).description == description


@pytest.mark.parametrize(
    "key,expected",
    [
        ("loop_open|A1|R7", ("loop_open", "A1")),
        ("concentration|account:A3|2026-06", ("concentration", "A3")),
        ("concentration|top3|2026-06", ("concentration", None)),
    ],
)
def test_an_item_key_names_its_rule_and_account(key, expected):
    assert item_account(key) == expected


@pytest.mark.parametrize("key", ["loop_open", "nonsense|A1|x", ""])
def test_a_key_that_is_no_item_is_refused(key):
    with pytest.raises(NotFound, match="is not an attention item"):
        item_account(key)


def test_acknowledged_items_leave_the_list_and_snoozes_come_back_on_their_day():
    items = pl.DataFrame({"key": ["k1", "k2", "k3", "k4"]})
    acks = pl.DataFrame(
        {
            "key": ["k1", "k2", "k3"],
            "state": ["acknowledged", "snoozed", "snoozed"],
            "snoozed_until": [None, date(2026, 6, 16), date(2026, 6, 15)],
            "note": ["done", "after the QBR", "next week"],
            "acted_at": [datetime(2026, 6, 1)] * 3,
        }
    )
    shown = with_states(items, acks, today=date(2026, 6, 15))
    assert shown.select("key", "state").rows() == [
        ("k1", "acknowledged"),
        ("k2", "snoozed"),  # until tomorrow
        ("k3", "open"),  # its snooze ended today
        ("k4", "open"),
    ]
