"""The Loyalty page on the demo data."""

from __future__ import annotations


def test_program_figures_and_every_tab_draw(app_as):
    at = app_as("executive", "pages/loyalty.py")
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert labels[:5] == [
        "Loyalty index",
        "NPS",
        "Respondents",
        "Key stakeholders who answered",
        "Detractors",
    ]
    assert [t.label for t in at.tabs] == ["Program", "Accounts", "Drill-down", "Comments", "Closed loop"]


def test_drill_down_to_an_account_shows_its_questions_and_respondents(app_as):
    at = app_as("executive", "pages/loyalty.py")
    at.selectbox(key="loyalty_account").set_value("ACC-0002").run()
    questions = at.dataframe[2].value
    assert questions["question"].to_list()[:3] == [
        "Likelihood to recommend",
        "Satisfaction",
        "Likelihood to continue buying",
    ]
    assert "Ease of doing business" in questions["question"].to_list()


def test_only_roles_that_may_add_actions_get_the_form(app_as):
    assert not app_as("executive", "pages/loyalty.py").get("form")
    assert app_as("manager", "pages/loyalty.py").get("form")


def test_search_filters_the_comments(app_as):
    at = app_as("coach", "pages/loyalty.py")
    at.text_input(key="loyalty_search").input("Invoices").run()
    shown = at.dataframe[4].value
    assert len(shown) > 0 and all("Invoices" in c for c in shown["comment"])


def test_program_figures_match_the_hand_worked_values(hand_worked):
    # 2026 H1: R1 9/5/4 -> (90 + 100 + 75) / 3 = 88.3; R2 6/3 -> (60 + 50) / 2 = 55; R3 10 -> 100;
    # R4 7 -> 70. Index = mean 78.3; NPS = (2 promoters - 1 detractor) / 4 = +25.
    at = hand_worked("coach", "pages/loyalty.py")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Loyalty index"] == "78"
    assert shown["NPS"] == "+25"
    assert shown["Respondents"] == "4"
    assert shown["Detractors"] == "25%"


def test_accounts_are_ranked_with_their_hand_worked_index(hand_worked):
    # A1: (88.3 + 55 + 100) / 3 = 81.1, NPS (2 - 1) / 3 = +33; A2: 70, NPS 0 (one passive).
    at = hand_worked("coach", "pages/loyalty.py")
    ranked = next(d.value for d in at.dataframe if "account_name" in d.value.columns)
    figures = {r.account_name: (round(r.loyalty_index, 1), round(r.nps)) for r in ranked.itertuples()}
    assert figures == {"Alpha": (81.1, 33), "Beta": (70.0, 0)}
