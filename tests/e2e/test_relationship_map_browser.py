"""Real browser: an account manager opens a known demo account's relationship map."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_manager_sees_the_gaps_and_a_rendered_map(page, server, log_in, settle, choose):
    log_in("manager")
    page.goto(server + "/relationship_map")
    page.get_by_text("Log out").wait_for()
    settle(page)
    choose("Account", "ACC-0008")
    expect(page.get_by_test_id("stMetric").filter(has_text="Single-threaded")).to_contain_text("yes")
    graph = page.get_by_test_id("stGraphVizChart").locator("svg")
    expect(graph).to_be_visible()
    expect(graph.locator("g.node")).not_to_have_count(0)
    expect(graph.locator("g.edge")).not_to_have_count(0)
    page.get_by_role("tab", name="Gaps and risks").click()
    expect(page.locator("[role=gridcell]", has_text="single-threaded")).to_have_count(1)
