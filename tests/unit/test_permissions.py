"""Who may do what: the whole role x action matrix, and ownership of accounts."""

from __future__ import annotations

import pytest

from sam_core.access.permissions import PAGES, ROLES, RULES, User, can, ensure, pages_for
from sam_core.errors import PermissionDenied

ALLOWED = {
    "executive": {
        "view:portfolio",
        "view:attention",
        "acknowledge_attention",
        "write_digest",
        "view:relationship_map",
        "view:sponsor_cadence",
        "view:loyalty",
        "view:self_assessment",
        "view:account_plan",
    },
    "account_manager": {
        "view:portfolio",
        "view:attention",
        "acknowledge_attention",
        "write_digest",
        "view:relationship_map",
        "view:sponsor_cadence",
        "view:loyalty",
        "view:account_plan",
        "view:data_upload",
        "upload",
        "undo_own_upload",
        "add_action",
        "edit_plan",
        "review_plan",
        "load_plans",
        "edit_stakeholder",
        "record_engagement",
        "update_action",
    },
    "coach": {
        "view:portfolio",
        "view:attention",
        "acknowledge_attention",
        "write_digest",
        "view:relationship_map",
        "view:sponsor_cadence",
        "view:loyalty",
        "view:self_assessment",
        "view:account_plan",
        "submit_assessment",
    },
    "admin": set(RULES),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(RULES))
def test_role_action_matrix(role, action):
    user = User("u", "U", role)
    assert can(user, action) is (action in ALLOWED[role])
    if action in ALLOWED[role]:
        ensure(user, action)
    else:
        with pytest.raises(PermissionDenied, match=r"^Not permitted: "):
            ensure(user, action)


@pytest.mark.parametrize("action", sorted(RULES))
def test_nobody_logged_in_may_do_anything(action):
    assert not can(None, action)
    with pytest.raises(PermissionDenied, match="please log in"):
        ensure(None, action)


@pytest.mark.parametrize(
    "manager,granted,expected",
    [
        ("Maria Keller", (), True),
        ("maria keller ", (), True),
        ("manager", (), True),
        ("Jonas Weber", (), False),
        ("Jonas Weber", ("A1",), True),
        (None, (), False),
    ],
)
def test_an_account_manager_owns_accounts_by_name_or_grant(manager, granted, expected):
    maria = User("manager", "Maria Keller", "account_manager", frozenset(granted))
    assert can(maria, "upload", account_id="A1", account_manager=manager) is expected


def test_the_refusal_names_the_account_and_its_owner():
    with pytest.raises(
        PermissionDenied, match="Maria Keller does not own account A1 \\(owned by Jonas Weber\\)"
    ):
        ensure(
            User("manager", "Maria Keller", "account_manager"),
            "upload",
            account_id="A1",
            account_manager="Jonas Weber",
        )


def test_admins_own_every_account():
    assert can(User("a", "A", "admin"), "add_action", account_id="Z", account_manager="Someone")


def test_navigation_lists_exactly_the_pages_of_each_role():
    assert {role: [key for key, _ in pages_for(role)] for role in ROLES} == {
        role: [key for key, _ in PAGES if f"view:{key}" in ALLOWED[role]] for role in ROLES
    }
