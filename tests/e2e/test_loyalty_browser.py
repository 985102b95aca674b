"""Real browser: drill from an account down to its comments."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_drill_from_an_account_to_a_comment(page, server, log_in, settle, go_to, choose):
    log_in("executive")
    go_to("Loyalty")
    page.get_by_role("tab", name="Drill-down").click()
    choose("Account", "ACC-0002")
    comment = page.get_by_test_id("stText").filter(has_text="recommend").first
    expect(comment).to_be_visible()
    expect(page.get_by_test_id("stText").first).not_to_be_empty()
