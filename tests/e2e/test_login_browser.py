"""Real browser: log in, see the right pages, be refused a typed forbidden URL."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_first_visit_builds_the_demo_data_then_offers_the_login(page, server):
    page.goto(server)
    expect(page.get_by_role("textbox", name="Username")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("password demo")).to_be_visible()


def test_executive_logs_in_and_sees_the_portfolio(page, log_in):
    log_in("executive")
    expect(page.get_by_role("heading", name="Portfolio")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_count(0)  # the login form is gone
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Helena Brandt")).to_be_visible()
    expect(sidebar.get_by_text("Demo data")).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link")).to_contain_text(
        ["Portfolio", "Relationship map", "Sponsor cadence", "Loyalty", "Self-assessment"]
    )


def test_sidebar_keeps_the_user_when_moving_between_pages(page, log_in, settle, go_to):
    log_in("manager")
    go_to("Loyalty")
    expect(page.get_by_role("heading", name="Loyalty")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("Maria Keller")).to_be_visible()


def test_the_login_is_remembered_for_the_session_lifetime_not_just_the_browser_session(page, log_in):
    log_in("executive")
    for _ in range(50):  # the cookie is stored by a script in the first runs after the login
        remembered = [c for c in page.context.cookies() if c["name"] == "sam_login"]
        if remembered:
            break
        page.wait_for_timeout(100)
    assert remembered and remembered[0]["expires"] > time.time() + 11 * 3600  # SAM_SESSION_HOURS: 12


def test_typed_url_of_a_forbidden_page_says_not_permitted(page, server, log_in, settle):
    log_in("executive")
    page.goto(server + "/data_upload")  # a new session: the login cookie logs the user back in
    page.get_by_text("Log out").wait_for()
    settle(page)
    expect(page.get_by_text("Not permitted")).to_be_visible()
    expect(page.get_by_text("Upload a workbook")).to_have_count(0)


def test_log_out_returns_to_the_login_form_and_a_reload_stays_logged_out(page, log_in, settle):
    log_in("coach")
    page.get_by_role("button", name="Log out").click()  # at once: while the login's own reruns may still run
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    expect(page.get_by_text("Carla Jensen")).to_have_count(0)
    settle(page)
    page.reload()  # a new session, with whatever cookie the browser still holds
    settle(page)
    expect(page.get_by_role("textbox", name="Username")).to_be_visible()
    expect(page.get_by_text("Carla Jensen")).to_have_count(0)


def test_wrong_password_is_refused(page, server):
    page.goto(server)
    page.get_by_role("textbox", name="Username").fill("executive")
    page.get_by_role("textbox", name="Password").fill("wrong")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_text("Wrong user name or password.")).to_be_visible()
