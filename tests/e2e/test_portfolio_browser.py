"""Real browser: the Portfolio page answers a change of N, and presentation mode works."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def share_of_top(page, n: int) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text=f"Share of the top {n}")
    expect(metric).to_be_visible()
    return metric.get_by_test_id("stMetricValue").inner_text()


def test_changing_n_changes_the_share_of_the_top_accounts(page, log_in, settle):
    log_in("executive")
    top_20 = share_of_top(page, 20)
    assert re.fullmatch(r"9[0-5]%", top_20)  # the demo's promise: about 93%
    field = page.get_by_label("Top N accounts")
    field.fill("5")
    field.press("Enter")
    settle(page)
    top_5 = share_of_top(page, 5)
    assert int(top_5.rstrip("%")) < int(top_20.rstrip("%"))
    # 440 accounts, 3 of them without financials (left out): the other 432
    expect(page.get_by_text(re.compile(r"Top 5 = \d+% of revenue; the other 432 accounts"))).to_be_visible()


def test_presentation_mode_hides_the_sidebar_and_steps_through_accounts(page, log_in, settle):
    log_in("executive")
    page.get_by_text("Presentation mode").click()
    settle(page)
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_role("heading", name=re.compile(r"Top 20 accounts: \d+% of revenue"))).to_be_visible()
    page.get_by_role("button", name="Next").click()
    settle(page)
    expect(page.get_by_role("heading", name=re.compile(r"^1\. "))).to_be_visible()
