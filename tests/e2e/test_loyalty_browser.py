"""Real browser: the Loyalty page's figures, and a drill from an account down to its comment."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).first.get_by_test_id("stMetricValue")


def test_hand_worked_figures_and_a_detractors_comment(page, hand_worked_server, log_in, go_to, choose):
    # 2026 H1: respondents' indexes 88.3, 55, 100 and 70: loyalty index 78; NPS (2 - 1) / 4 = +25.
    log_in("executive")
    go_to("Loyalty")
    expect(metric(page, "Loyalty index")).to_have_text("78")
    expect(metric(page, "NPS")).to_have_text("+25")
    expect(metric(page, "Respondents")).to_have_text("4")
    page.get_by_role("tab", name="Drill-down").click()
    choose("Account", "Alpha")
    comment = page.get_by_test_id("stText").filter(has_text="Delivery slipped twice this spring.")
    expect(comment).to_have_count(1)
    expect(page.get_by_test_id("stText").filter(has_text="recommend 6 · 3 May 2026")).to_have_count(1)
