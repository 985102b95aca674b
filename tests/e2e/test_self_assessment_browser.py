"""Real browser: a coach completes an assessment and sees the radar."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_coach_fills_an_assessment_and_sees_the_radar(own_server, page, log_in, settle, go_to):
    log_in("coach")
    go_to("Self-assessment")
    page.get_by_role("button", name="Copy into the draft").click()
    settle(page)
    expect(
        page.get_by_text("49 of 49 answered", exact=False)
    ).to_be_visible()  # 42 practices and 7 principles
    principle = page.get_by_role("radiogroup").first
    principle.get_by_text("no", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Submit the assessment").click()
    settle(page)
    expect(page.get_by_text("submitted.")).to_be_visible()
    page.get_by_role("tab", name="Results").click()
    radar = page.get_by_test_id("stVegaLiteChart").first
    expect(radar).to_be_visible()
    expect(radar.locator("canvas, svg").first).to_be_visible()
