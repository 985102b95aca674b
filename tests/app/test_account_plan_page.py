"""The Account plan page on the demo data: who may edit, the stale flag, an edit saved, and a
stale save refused with the other person's change."""

from __future__ import annotations

import json
import re

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
    # who changed it by their name in the users file (admin is Alex Morgan)
    assert conflict[["field", "now", "changed_by"]].values.tolist() == [["status", "at_risk", "Alex Morgan"]]
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


# -- what the page writes: labels, money, names, codes (issue 17, "one formatting layer") ----------


def headers(table) -> list[str]:
    """The headers a person sees: each column's configured label, else its name."""
    config = json.loads(table.proto.columns or "{}")
    return [(config.get(str(name)) or {}).get("label") or str(name) for name in table.value.columns]


def tab(at, name: str):
    at.session_state["plan_tab"] = name
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("manager", "Plan"),
        ("executive", "Plan"),
        ("executive", "From the data"),
        ("executive", "History"),
        ("manager", "People and meetings"),
    ],
)
def test_no_table_of_the_plan_has_a_snake_case_or_lowercase_header(plan_as, username, shown):
    at = tab(plan_as(username, "ACC-0002"), shown)
    seen = [h for t in at.dataframe for h in headers(t)]
    assert seen and "item_id" not in seen and "version" not in seen
    assert [h for h in seen if "_" in h or h[:1].islower()] == []


def test_plan_money_has_the_currency_symbol_in_one_style(plan_as):
    # Summit Telecom's value propositions (demo): 400,000 / 1,200,000 / 1,100,000 a year, so the
    # column is in millions ('€0.4m'); investments 180,000 / 430,000 / 260,000, in thousands.
    at = plan_as("manager", "ACC-0002")
    value = next(t for t in at.dataframe if "investment" in t.value.columns)
    config = json.loads(value.proto.columns)
    assert (config["value"]["label"], config["value"]["type_config"]["format"]) == ("Value / year", "€%,.1fm")
    assert config["investment"]["type_config"]["format"] == "€%,.1fk"
    assert sorted(value.value["investment"]) == [180.0, 260.0, 430.0]  # in thousands: €180.0k ...
    objectives = next(t for t in at.dataframe if "objective" in t.value.columns)
    assert "€1.5m" in objectives.value["target"].tolist()  # the demo's target, in the app's style


def test_reviews_and_changes_name_the_person_not_the_user_id(plan_as):
    at = plan_as("manager", "ACC-0002")  # her sections were reviewed by her (user id 'manager')
    stamps = [m.value for m in at.markdown if "reviewed]" in m.value]
    assert stamps and all(s.endswith("by Maria Keller") for s in stamps), stamps
    at = tab(at, "History")
    changes = next(t for t in at.dataframe if "via" in t.value.columns)
    assert "manager" not in changes.value["changed_by"].tolist()
    assert "Maria Keller" in changes.value["changed_by"].tolist()


def test_the_demos_own_reviews_name_the_demo_not_its_user_id(plan_as):
    # Aurora Water's demo plan read 'reviewed 26 Nov 2026 by demo'
    stamps = [m.value for m in plan_as("executive", "ACC-0001").markdown if "reviewed]" in m.value]
    assert stamps and all(s.endswith("by Demo data generator") for s in stamps), stamps


def test_the_plan_from_the_data_shows_signals_as_words_and_weighted_opportunities(plan_as):
    at = tab(plan_as("executive", "ACC-0001"), "From the data")
    evidence = next(t for t in at.dataframe if "signal" in t.value.columns)
    assert evidence.value["signal"].tolist() and not any("_" in s for s in evidence.value["signal"])
    top = next(t for t in at.dataframe if "weighted_pipeline" in t.value.columns)
    rows = top.value
    # weighted = amount x the probability shown (percent, as shown: x 100)
    assert (rows["weighted_pipeline"] - rows["amount"] * rows["probability"] / 100).abs().max() < 1e-6
    assert {"Opportunity", "Weighted", "Probability", "Amount", "Stage default"} <= set(headers(top))
    caption = next(c.value for c in at.caption if "weighted pipeline" in c.value)
    assert caption.startswith("The top 5 of ") and "€" in caption


def test_the_whitespace_grid_names_its_opportunities(plan_as):
    at = plan_as("executive", "ACC-0001")
    grid = next(t for t in at.dataframe if "offering" in t.value.columns)
    pipeline = [v for col in grid.value.columns[1:] for v in grid.value[col] if str(v).startswith("pipeline")]
    assert pipeline and not any("OPP-" in v for v in pipeline), pipeline


@pytest.mark.parametrize("account", ["ACC-0001", "ACC-0002"])
def test_the_plans_figures_write_a_zero_without_a_sign(plan_as, account):
    # Summit Telecom's NPS of 0 read '+0' here while its slide said 'NPS 0'
    at = tab(plan_as("executive", account), "From the data")
    shown = {m.label: m.value for m in at.metric}
    assert re.fullmatch(r"0|[+-][1-9]\d*|–", shown["NPS"]), shown["NPS"]
    assert re.fullmatch(r"0|[+-][1-9]\d*|–", shown["Evidence momentum"]), shown["Evidence momentum"]
    assert re.fullmatch(r"\d+ / 100|–", shown["Health"])


def test_the_relationship_gaps_read_as_whole_sentences(plan_as):
    # a narrow table cut 'influence 4 (CFO) has no relationship of strength 3…'
    at = tab(plan_as("executive", "ACC-0001"), "From the data")
    heading = next(i for i, m in enumerate(at.markdown) if m.value.startswith("**Relationship gaps ("))
    count = int(at.markdown[heading].value.split("(")[1].split(")")[0])
    items = at.markdown[heading + 1].value.splitlines()
    assert count >= 1 and len(items) == count
    assert all(item.startswith("- **") for item in items), items
    assert items[0].endswith(r"has no relationship of strength 3\+\."), items  # whole, escaped for Markdown
