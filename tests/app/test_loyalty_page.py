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
