"""The Loyalty page: figures on the hand-worked program, and on the demo data what each tab
shows and what an account manager may do in the closed loop."""

from __future__ import annotations

from datetime import date, timedelta

from sam_core.store import connect

TABS = ["Program", "Accounts", "Drill-down", "Comments", "Closed loop"]


def test_program_figures_and_the_tabs_draw(app_as):
    at = app_as("executive", "pages/loyalty.py")
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels[:5] == [
        "Loyalty index",
        "NPS",
        "Respondents",
        "Key stakeholders heard",
        "Detractors",
    ]
    assert [t.label for t in at.tabs] == TABS


def test_drill_down_to_an_account_shows_its_questions_and_respondents(app_as):
    at = app_as("executive", "pages/loyalty.py", loyalty_tab="Drill-down")
    at.selectbox(key="loyalty_account").set_value("ACC-0002").run()
    questions = at.dataframe[0].value
    assert questions["question"].to_list()[:3] == [
        "Likelihood to recommend",
        "Satisfaction",
        "Likelihood to continue buying",
    ]
    assert "Ease of doing business" in questions["question"].to_list()


def test_the_drill_down_starts_on_the_account_chosen_on_another_page(app_as):
    at = app_as("executive", "pages/loyalty.py", loyalty_tab="Drill-down", sam_account="ACC-0005")
    assert at.selectbox(key="loyalty_account").value == "ACC-0005"


def test_only_roles_that_may_add_actions_get_the_form(app_as):
    assert not app_as("executive", "pages/loyalty.py", loyalty_tab="Closed loop").get("form")
    assert app_as("manager", "pages/loyalty.py", loyalty_tab="Closed loop").get("form")


def test_search_filters_the_comments(app_as):
    at = app_as("coach", "pages/loyalty.py", loyalty_tab="Comments")
    at.text_input(key="loyalty_search").input("Invoices").run()
    shown = at.dataframe[0].value
    assert len(shown) > 0 and all("invoices" in c.lower() for c in shown["comment"])


def test_comment_search_ignores_case(hand_worked):
    # "deliver" finds R2's "Delivery slipped twice this spring." (it found nothing before)
    at = hand_worked("coach", "pages/loyalty.py", loyalty_tab="Comments")
    at.text_input(key="loyalty_search").input("deliver").run()
    assert at.dataframe[0].value["comment"].to_list() == ["Delivery slipped twice this spring."]


def test_program_figures_match_the_hand_worked_values(hand_worked):
    # 2026 H1: R1 9/5/4 -> (90 + 100 + 75) / 3 = 88.3; R2 6/3 -> (60 + 50) / 2 = 55; R3 10 -> 100;
    # R4 7 -> 70. Index = mean 78.3; NPS = (2 promoters - 1 detractor) / 4 = +25.
    at = hand_worked("coach", "pages/loyalty.py")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Loyalty index"] == "78"
    assert shown["NPS"] == "+25"
    assert shown["Respondents"] == "4"
    assert shown["Detractors"] == "25%"


def test_key_stakeholders_who_answered_is_zero_percent_without_stakeholder_linked_responses(hand_worked):
    # Key stakeholders S1 (decision maker) and S2 (influence 4); no response names a
    # stakeholder: 0 of 2 answered (it showed "–").
    at = hand_worked("coach", "pages/loyalty.py")
    assert {m.label: m.value for m in at.metric}["Key stakeholders heard"] == "0%"


def test_accounts_are_ranked_with_their_hand_worked_index_thin_ones_last(hand_worked):
    # A1: (88.3 + 55 + 100) / 3 = 81.1, NPS (2 - 1) / 3 = +33; A2: 70, NPS 0 (one passive).
    # A2 is lower but thin (one respondent): it follows A1 instead of leading "lowest first".
    at = hand_worked("coach", "pages/loyalty.py", loyalty_tab="Accounts")
    ranked = at.dataframe[0].value
    assert [(r.account_name, round(r.loyalty_index, 1), round(r.nps)) for r in ranked.itertuples()] == [
        ("Alpha", 81.1, 33),
        ("Beta", 70.0, 0),
    ]


def demo_managers(path, response_ids: list[str]) -> set[str]:
    con = connect(path)
    try:
        return {
            m
            for (m,) in con.execute(
                "SELECT a.account_manager FROM surveys s JOIN accounts a USING (account_id) "
                "WHERE list_contains(?, s.response_id)",
                [response_ids],
            ).fetchall()
        }
    finally:
        con.close()


def test_the_managers_form_offers_the_open_low_scores_of_her_own_accounts(app_as, demo_db):
    at = app_as("manager", "pages/loyalty.py", loyalty_tab="Closed loop")
    offered = at.selectbox(key="loyalty_action_response").options
    assert offered
    assert demo_managers(demo_db, [o.rsplit("(", 1)[1].rstrip(")") for o in offered]) == {"Maria Keller"}


def test_a_refused_action_keeps_what_she_typed_and_an_added_one_stays_on_the_tab(own_copy, app_as):
    at = app_as("manager", "pages/loyalty.py", loyalty_tab="Closed loop")
    at.text_input(key="loyalty_action_description").input("Call the CFO about the delays")
    at.text_input(key="loyalty_action_owner").input("")
    at.button(key="FormSubmitter:loyalty_add_action-Add the action").click().run()
    assert "Name its owner" in at.error[0].value
    assert at.text_input(key="loyalty_action_description").value == "Call the CFO about the delays"
    response = at.selectbox(key="loyalty_action_response").value
    at.text_input(key="loyalty_action_owner").input("Maria Keller")
    at.date_input(key="loyalty_action_due").set_value(date.today() + timedelta(days=14))
    at.button(key="FormSubmitter:loyalty_add_action-Add the action").click().run()
    assert not at.error
    assert at.success[0].value.startswith("Action ") and at.success[0].value.endswith(
        f"for response {response}."
    )
    assert at.session_state["loyalty_tab"] == "Closed loop"
    # the demo gives Maria one open low score: now every one of hers has an action
    assert "Every low score of your accounts has an action." in [c.value for c in at.caption]


def test_marking_an_action_done_closes_it_in_the_action_plan(own_copy, app_as):
    at = app_as("manager", "pages/loyalty.py", loyalty_tab="Closed loop")
    action = at.selectbox(key="loyalty_done_action").value
    at.button(key="loyalty_mark_done").click().run()
    assert at.success[0].value == f"Action {action} marked done on {date.today().day} {date.today():%b %Y}."
    con = connect(own_copy)
    try:
        status, closed = con.execute(
            "SELECT status, closed FROM actions WHERE action_id = ?", [action]
        ).fetchone()
        edit = con.execute(
            "SELECT edited_by, new_value FROM data_edits WHERE row_key = ? AND column_name = 'status'",
            [action],
        ).fetchall()
    finally:
        con.close()
    assert (status, closed) == ("done", date.today())
    assert edit == [("manager", "done")]  # recorded like any edit of the action plan
    assert action not in (at.selectbox(key="loyalty_done_action").options or [])
