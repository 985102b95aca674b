"""Login and role checks: each role sees exactly its pages; forbidden pages are refused."""

from __future__ import annotations

import pytest

from sam_core.access.permissions import PAGES

ALL = [key for key, _ in PAGES]
VISIBLE = {
    "executive": [
        "portfolio",
        "attention",
        "relationship_map",
        "sponsor_cadence",
        "loyalty",
        "self_assessment",
        "account_plan",
    ],
    "manager": [
        "portfolio",
        "attention",
        "relationship_map",
        "sponsor_cadence",
        "loyalty",
        "account_plan",
        "data_upload",
    ],
    "coach": [
        "portfolio",
        "attention",
        "relationship_map",
        "sponsor_cadence",
        "loyalty",
        "self_assessment",
        "account_plan",
    ],
    "admin": ALL,
}


def test_anonymous_visitor_gets_the_login_form_and_no_page(app_as):
    at = app_as(None)
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert [t.value for t in at.title] == ["Strategic account management"]
    assert "password **demo**" in at.info[0].value


def test_wrong_password_is_refused_with_a_message(app_as):
    at = app_as(None)
    at.text_input[0].input("executive")
    at.text_input[1].input("not-the-password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert [t.value for t in at.title] == ["Strategic account management"]


@pytest.fixture
def stopped_login_clock():
    """The server's login limiter on a clock that does not move: a slow machine cannot let the
    delay pass between two attempts."""
    from ui import session

    guard = session.login_guard()  # the one instance every session of this process shares
    guard.clock = lambda: 1_000.0
    return guard


def test_failed_logins_are_slowed_down_on_the_server_even_in_a_new_session(app_as, stopped_login_clock):
    for _ in range(3):
        at = app_as(None)  # each attempt in a fresh session: the limit is kept on the server
        at.text_input[0].input("coach")
        at.text_input[1].input("guess")
        at.button[0].click().run()
        assert [e.value for e in at.error] == ["Wrong user name or password."]
    at = app_as(None)
    at.text_input[0].input("coach")
    at.text_input[1].input("demo")  # even the right password waits
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Too many failed logins: wait 5 seconds before trying again."]
    assert [t.value for t in at.title] == ["Strategic account management"]


def test_demo_user_logs_in_with_the_form_and_lands_on_portfolio(app_as):
    at = app_as(None)
    at.text_input[0].input("executive")
    at.text_input[1].input("demo")
    at.button[0].click().run()  # the login reruns straight into the dashboard
    assert not at.exception
    assert [t.value for t in at.title] == ["Portfolio"]
    assert "**Helena Brandt**  \nExecutive" in [m.value for m in at.markdown]


@pytest.mark.parametrize("username", list(VISIBLE))
def test_sidebar_shows_who_is_logged_in_and_the_demo_badge(app_as, username):
    at = app_as(username)
    sidebar = [m.value for m in at.markdown]
    assert any("Demo data" in m for m in sidebar)
    assert [b.label for b in at.sidebar.button] == ["Log out", "End all my sessions"]


@pytest.mark.parametrize("username,page", [(u, p) for u in VISIBLE for p in VISIBLE[u]])
def test_role_opens_each_of_its_pages(app_as, username, page):
    at = app_as(username)
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    assert not at.error
    assert at.title[0].value == dict(PAGES)[page]


@pytest.mark.parametrize("username,page", [(u, p) for u in VISIBLE for p in ALL if p not in VISIBLE[u]])
def test_navigation_does_not_register_forbidden_pages(app_as, username, page):
    at = app_as(username)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"pages/{page}.py")


@pytest.mark.parametrize("username,page", [(u, p) for u in VISIBLE for p in ALL if p not in VISIBLE[u]])
def test_page_refuses_a_role_that_may_not_see_it(app_as, username, page):
    at = app_as(username, f"pages/{page}.py")
    assert next(e.value for e in at.error).startswith("Not permitted:")
    assert not at.info  # nothing of the page's content was drawn


@pytest.mark.parametrize("page", ALL)
def test_page_run_on_its_own_asks_a_visitor_who_is_not_logged_in_to_log_in(app_as, page):
    at = app_as(None, f"pages/{page}.py")
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert [t.value for t in at.title] == [dict(PAGES)[page]]  # its header, then the form only
    assert not at.error and not at.dataframe and not at.metric and not at.tabs


def test_app_refuses_to_start_in_production_with_demo_credentials(app_env, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("SAM_MODE", "production")
    monkeypatch.setenv("SAM_USERS_FILE", "config/users.demo.yaml")
    at = AppTest.from_file("../../app.py", default_timeout=60).run()
    assert at.error[0].value.startswith("The app cannot start: Production mode needs its own cookie key")
    assert not at.text_input  # no login form
