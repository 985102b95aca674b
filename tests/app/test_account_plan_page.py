"""The Account plan page on the demo data: who may edit, the stale flag, an edit saved, and a
stale save refused with the other person's change."""

from __future__ import annotations

import pytest

from sam_core.access.permissions import User
from sam_core.plans import plan as plans
from sam_core.store import connect

# Demo plans (sam_core/plans/demo.py): Maria Keller's ACC-0002 was reviewed recently,
# ACC-0005 was last reviewed over 90 days ago; ACC-0008 has no plan.


@pytest.fixture
def plan_as(app_as):
    def open_plan(username: str, account: str):
        at = app_as(username, plan_account=account)
        at.switch_page("pages/account_plan.py").run()
        assert not at.exception
        return at

    return open_plan


def test_the_manager_edits_her_own_fresh_plan(plan_as):
    at = plan_as("manager", "ACC-0002")
    assert at.title[0].value == "Account plan"
    assert [t.label for t in at.tabs][:5] == [
        "Plan",
        "From the data",
        "People and meetings",
        "History",
        "Outputs",
    ]
    assert at.success[0].value.startswith("Reviewed: every section since ")
    labels = [b.label for b in at.button]
    assert labels.count("Mark reviewed") == 7  # one per section
    # Her plan and her people and meetings are always drawn, so that what she typed and did not
    # save survives a look at another tab; the read-only tabs run only when open.
    assert {"Save objective", "Mark done", "Add the stakeholder", "Record the engagement"} <= set(labels)
    assert "plan_since" not in [s.key for s in at.selectbox]  # the History tab's
    at.session_state["plan_tab"] = "History"
    at.run()
    assert "plan_since" in [s.key for s in at.selectbox]
    assert {"Save objective", "Record the engagement"} <= {b.label for b in at.button}


@pytest.mark.parametrize("username", ["executive", "coach"])
def test_executives_and_coaches_read_the_plan_without_a_control(plan_as, username):
    at = plan_as(username, "ACC-0002")
    assert "Read only: the account's manager and admins edit the plan." in [c.value for c in at.caption]
    for tab in ["Plan", "From the data", "People and meetings", "History", "Outputs"]:
        at.session_state["plan_tab"] = tab
        at.run()
        assert not at.exception
        assert at.session_state["plan_tab"] == tab
        assert [b.label for b in at.button] == [], tab
        assert not at.get("form"), tab


def test_a_manager_reads_but_may_not_edit_someone_elses_plan(plan_as):
    at = plan_as("manager", "ACC-0001")  # Jonas Weber's
    for tab in ["Plan", "From the data", "People and meetings", "History", "Outputs"]:
        at.session_state["plan_tab"] = tab
        at.run()
        assert [b.label for b in at.button] == [], tab


def test_the_stale_plan_is_flagged_with_its_reason(plan_as):
    warning = plan_as("manager", "ACC-0005").warning[0].value
    assert warning.startswith("**Stale plan**: last reviewed ") and "over 90 days ago" in warning


def test_an_account_without_a_plan_says_so(plan_as):
    assert plan_as("admin", "ACC-0008").warning[0].value.startswith("**Stale plan**: no plan yet.")


def test_the_manager_saves_an_objectives_progress(own_copy, plan_as):
    at = plan_as("manager", "ACC-0002")
    item = at.selectbox(key="plan_pick_objectives").value
    at.number_input(key=f"plan_objectives_{item}_progress").set_value(95)
    next(b for b in at.button if b.label == "Save objective").click().run()
    assert not at.exception
    assert "Objective saved." in [s.value for s in at.success]
    assert (
        at.number_input(key=f"plan_objectives_{item}_progress").value == 95
    )  # the editor shows the saved version
    con = connect(own_copy)
    saved = plans.items(con, "ACC-0002", "objectives").filter(item_id=item).row(0, named=True)
    con.close()
    assert (saved["progress"], saved["changed_by"]) == (95, "manager")


def test_a_stale_save_is_refused_and_the_other_change_shown(own_copy, plan_as):
    at = plan_as("manager", "ACC-0002")  # the editor opens the objective's current version
    item = at.selectbox(key="plan_pick_objectives").value
    con = connect(own_copy)
    current = plans.items(con, "ACC-0002", "objectives").filter(item_id=item).row(0, named=True)
    fields = {k: current[k] for k in plans.SECTIONS_BY_KEY["objectives"].field_names}
    plans.save_items(  # meanwhile an admin sets the status
        con,
        user=User("admin", "Alex Morgan", "admin"),
        account_id="ACC-0002",
        changes=[plans.Change("objectives", item, fields | {"status": "at_risk"}, current["version"])],
    )
    at.number_input(key=f"plan_objectives_{item}_progress").set_value(99)
    next(b for b in at.button if b.label == "Save objective").click().run()
    assert at.error[0].value.startswith("admin saved a newer version after you opened it; nothing was saved")
    conflict = next(d.value for d in at.dataframe if "when_you_opened" in d.value.columns)
    assert conflict[["field", "now", "changed_by"]].values.tolist() == [["status", "at_risk", "admin"]]
    after = plans.items(con, "ACC-0002", "objectives").filter(item_id=item).row(0, named=True)
    con.close()
    assert (after["progress"], after["status"]) == (current["progress"], "at_risk")


def test_the_portfolio_table_flags_stale_plans(app_as):
    at = app_as("executive")  # the Portfolio: demo plans of ACC-0002 fresh, ACC-0005 stale
    table = next(d.value for d in at.dataframe if "plan" in d.value.columns)
    plans_shown = dict(zip(table["account_id"], table["plan"].fillna(""), strict=True))
    assert plans_shown["ACC-0002"] == ""
    assert plans_shown["ACC-0005"].startswith("last reviewed ") and plans_shown["ACC-0005"].endswith(
        "over 90 days ago"
    )
    assert plans_shown["ACC-0008"] == "no plan yet"
