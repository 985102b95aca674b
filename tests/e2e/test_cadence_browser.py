"""Real browser: an executive filters the cadence page by one sponsor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_executive_filters_by_one_sponsor_and_sees_only_their_accounts(page, server, log_in, settle, go_to):
    log_in("executive")
    go_to("Sponsor cadence")
    table = page.get_by_test_id("stDataFrame").first
    expect(table.locator("[role=gridcell]", has_text="Thomas Gruber").first).to_be_attached()
    page.get_by_test_id("stMultiSelect").filter(has_text="Sponsor").click()
    page.get_by_role("option", name="Helena Brandt").click()
    page.keyboard.press("Escape")
    settle(page)
    expect(table.locator("[role=gridcell]", has_text="Helena Brandt")).to_have_count(5)
    expect(table.locator("[role=gridcell]", has_text="Thomas Gruber")).to_have_count(0)
