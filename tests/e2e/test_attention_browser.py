"""Real browser: an account manager acknowledges one item of her attention list and snoozes
another, each with a note; both leave the list and its count in the sidebar, and show below."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def open_count(page) -> int:
    label = page.get_by_role("tab", name=re.compile(r"^Needs attention \(\d+\)$")).inner_text()
    return int(re.search(r"\((\d+)\)", label).group(1))


def test_manager_acknowledges_one_item_and_snoozes_another(page, own_server, log_in, go_to, choose, settle):
    log_in("manager")
    go_to("Attention")
    expect(page.get_by_role("heading", name="Attention")).to_be_visible()
    n = open_count(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(f"{n} need attention")).to_be_visible()

    # The demo's CRM update removed a decision maker of Orion Pharma (Maria Keller's).
    choose("Item", "Ida Meyer left")
    expect(page.get_by_text("was removed from the stakeholders by upload")).to_have_count(2)  # list and panel
    page.get_by_role("textbox", name="Note").fill("Met the new VP Operations; sponsor call booked.")
    page.get_by_role("button", name="Acknowledge").click()
    settle(page)
    expect(page.get_by_text("Acknowledged: Ida Meyer left - Orion Pharma.")).to_be_visible()
    expect(page.get_by_role("tab", name=f"Needs attention ({n - 1})")).to_be_visible()

    # Vertex Systems' health fell more than 10 points in 30 days.
    choose("Item", "Health down")
    page.get_by_role("textbox", name="Note").fill("Recovery plan in the QBR next week.")
    page.get_by_role("button", name="Snooze").click()
    settle(page)
    expect(
        page.get_by_text(re.compile(r"^Snoozed until .+: Health down \d+ points - Vertex Systems\.$"))
    ).to_be_visible()
    expect(page.get_by_role("tab", name=f"Needs attention ({n - 2})")).to_be_visible()
    expect(sidebar.get_by_text(f"{n - 2} need attention")).to_be_visible()

    page.get_by_text("Acknowledged and snoozed (2)").click()
    done = page.get_by_test_id("stExpander").filter(has_text="Acknowledged and snoozed (2)")
    expect(done).to_contain_text(
        "Ida Meyer left - Orion Pharma. Note: Met the new VP Operations; sponsor call booked."
    )
    expect(done).to_contain_text("Vertex Systems. Note: Recovery plan in the QBR next week.")
