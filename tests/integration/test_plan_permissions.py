"""Who may change an account plan and its living data: every write of the Account plan page,
for every role, on an account of their own and on somebody else's."""

from __future__ import annotations

from datetime import date

import pytest
from plan_fixture import ADMIN, ANN, AS_OF, COACH, EXECUTIVE, at
from workbooks import workbook_bytes

from sam_core.access.permissions import PLAN_ACTIONS, can
from sam_core.errors import PermissionDenied, ValidationFailed
from sam_core.plans import edits
from sam_core.plans import plan as plans
from sam_core.plans.workbook import load_plan_files
from sam_core.store import data_version

# The fixture's accounts: A1 is Ann's (stakeholder S1, engagement E2 planned, action X1), A2
# is Bob's (S3, E3, X2).
THINGS = {"A1": ("S1", "E2", "X1"), "A2": ("S3", "E3", "X2")}


def _stakeholder(con, account, user):
    return edits.add_stakeholder(
        con, user=user, account_id=account, values={"name": "New Person"}, now=at(6, 1)
    )


def _edit_stakeholder(con, account, user):
    person = THINGS[account][0]
    title = con.execute("SELECT title FROM stakeholders WHERE stakeholder_id = ?", [person]).fetchall()[0][0]
    edits.edit_stakeholder(
        con,
        user=user,
        stakeholder_id=person,
        expected={"title": title},
        changes={"title": "Chief"},
        now=at(6, 1),
    )


def _record_engagement(con, account, user):
    values = {"date": date(2026, 6, 20), "type": "qbr", "status": "planned"}
    edits.record_engagement(con, user=user, account_id=account, values=values, now=at(6, 1))


def _engagement_held(con, account, user):
    engagement = THINGS[account][1]
    edits.update_engagement(
        con, user=user, engagement_id=engagement, expected={"status": "planned"}, changes={"status": "held"}
    )


def _add_action(con, account, user):
    edits.add_action(
        con,
        user=user,
        account_id=account,
        description="Call",
        owner="Ann AM",
        due=None,
        today=AS_OF,
        now=at(6, 1),
    )


def _action_done(con, account, user):
    action = THINGS[account][2]
    edits.set_action_status(
        con, user=user, action_id=action, status="done", expected_status="open", today=AS_OF, now=at(6, 1)
    )


def _share_action(con, account, user):
    change = plans.Change("shared_actions", THINGS[account][2], {"shared": True}, 0)
    plans.save_items(con, user=user, account_id=account, changes=[change], now=at(6, 1))


def _edit_plan(con, account, user):
    change = plans.Change("objectives", None, {"objective": "Grow share of wallet", "progress": 10})
    plans.save_items(con, user=user, account_id=account, changes=[change], now=at(6, 1))


def _review_plan(con, account, user):
    plans.review(con, user=user, account_id=account, sections=["objectives"], now=at(6, 1))


def _load_plans(con, account, user):
    book = workbook_bytes({"Plan objectives": [{"account_id": account, "objective": "Grow share of wallet"}]})
    load_plan_files(con, [("plans.xlsx", book)], user=user, now=at(6, 1))


# Each write of the page, with the permission it needs.
WRITES = {
    "add a stakeholder": ("edit_stakeholder", _stakeholder),
    "edit a stakeholder": ("edit_stakeholder", _edit_stakeholder),
    "record an engagement": ("record_engagement", _record_engagement),
    "mark an engagement held": ("record_engagement", _engagement_held),
    "add an action": ("add_action", _add_action),
    "mark an action done": ("update_action", _action_done),
    "share an action with the customer": ("edit_plan", _share_action),
    "edit a plan section": ("edit_plan", _edit_plan),
    "stamp a section reviewed": ("review_plan", _review_plan),
    "load plans from a workbook": ("load_plans", _load_plans),
}
ROLES = {"executive": EXECUTIVE, "account_manager": ANN, "coach": COACH, "admin": ADMIN}


def test_every_plan_action_is_covered():
    assert {action for action, _ in WRITES.values()} == set(PLAN_ACTIONS)


def _state(con) -> tuple:
    return (
        data_version(con),
        *(
            con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]  # sql-ok: names of this test
            for t in ("plan_items", "plan_reviews", "data_edits", "stakeholders", "engagements", "actions")
        ),
        con.execute("SELECT string_agg(status, ',' ORDER BY engagement_id) FROM engagements").fetchall()[0][
            0
        ],
        con.execute("SELECT string_agg(status, ',' ORDER BY action_id) FROM actions").fetchall()[0][0],
    )


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("account", ["A1", "A2"], ids=["own account", "someone else's account"])
def test_only_the_accounts_manager_and_admins_may_change_its_plan(planned, role, write, account):
    user = ROLES[role]
    action, run = WRITES[write]
    # Ann owns A1 only; admins own every account; executives and coaches only read.
    allowed = role == "admin" or (role == "account_manager" and account == "A1")
    manager = "Ann AM" if account == "A1" else "Bob AM"
    assert can(user, action, account_id=account, account_manager=manager) is allowed
    before = _state(planned)
    if allowed:
        run(planned, account, user)
        assert _state(planned) != before
        return
    with pytest.raises((PermissionDenied, ValidationFailed)) as refused:
        run(planned, account, user)
    report = getattr(refused.value, "report", None)
    said = str(refused.value) if report is None else " ".join(report["problem"].to_list())
    assert "Not permitted" in said
    assert _state(planned) == before  # nothing changed
