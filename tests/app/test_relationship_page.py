"""The Relationship map page on the demo data."""

from __future__ import annotations


def open_map(app_as, account: str | None = None, **state):
    at = app_as("manager", "pages/relationship_map.py", **state)
    if account:
        at.selectbox(key="relationship_account").set_value(account).run()
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_single_threaded_demo_account_shows_its_gap_and_map(app_as):
    at = open_map(app_as, "ACC-0008")
    assert not at.exception
    assert metrics(at)["Single-threaded"] == "yes"
    assert len(at.get("graphviz_chart")) == 1
    at.session_state["relationship_tab"] = "Gaps and risks"
    gaps = at.run().dataframe[1].value  # [0] is the table of all accounts
    assert "single-threaded" in gaps["gap"].to_list()


def test_an_account_without_stakeholders_gets_a_clear_message(app_as):
    at = open_map(app_as, sam_account="ACC-0300")
    assert not at.exception
    assert at.info[0].value.replace("\\", "").startswith("No stakeholders are recorded for account ACC-0300")


def test_focus_on_one_person_redraws_the_map(app_as):
    at = open_map(app_as, "ACC-0001")
    before = at.get("graphviz_chart")[0].proto.spec
    at.selectbox(key="relationship_focus").set_value(at.selectbox(key="relationship_focus").options[1]).run()
    assert at.get("graphviz_chart")[0].proto.spec != before


def test_coverage_of_a_hand_worked_account(hand_worked):
    # Alpha: key stakeholders S1 (decision maker) and S2 (influence 4); S1 has Sam Sponsor at 4,
    # S2 only Ann AM at 2: coverage 1 of 2. Strong ties to S1 (Sam) and S3 (Ann): not single-
    # threaded. The sponsor knows S1, an executive: aligned.
    at = hand_worked("executive", "pages/relationship_map.py", sam_account="A1")
    shown = metrics(at)
    assert shown["Relationship coverage"] == "50%"
    assert shown["Single-threaded"] == "no"
    assert shown["Executive alignment"] == "yes"
    assert shown["Levels reached"] == "2 of 3"  # executive and staff of executive, senior, staff


def test_the_stakeholder_list_names_whom_each_reports_to(hand_worked):
    # S2 Dan CFO and S3 Eve Buyer report to nobody in the fixture; a demo account's do.
    at = hand_worked(
        "executive", "pages/relationship_map.py", sam_account="A1", relationship_tab="Stakeholders"
    )
    listed = at.dataframe[1].value
    assert "stakeholder_id" not in listed.columns
    assert listed["name"].to_list() == ["Cara CEO", "Dan CFO", "Eve Buyer"]


def test_reports_to_shows_the_managers_name_on_the_demo(app_as):
    at = open_map(app_as, "ACC-0001", relationship_tab="Stakeholders")
    listed = at.dataframe[1].value
    names = set(listed["name"])
    managers = set(listed["reports_to"].dropna())
    assert managers and managers <= names  # names of people on the list, not ids such as STK-0001
