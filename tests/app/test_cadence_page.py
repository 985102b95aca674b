"""The Sponsor cadence page on the demo data."""

from __future__ import annotations

from sam_core.metrics.cadence import RULES


def test_filtering_by_one_sponsor_shows_only_their_accounts(app_as):
    at = app_as("executive", "pages/sponsor_cadence.py")
    assert not at.exception
    assert [m.label for m in at.metric] == [*RULES, "Accounts overdue"]
    at.multiselect(key="cadence_filter_executive_sponsor").set_value(["Helena Brandt"]).run()
    by_account = at.dataframe[0].value
    assert set(by_account["executive_sponsor"]) == {"Helena Brandt"}
    assert len(by_account) == 5


def test_only_an_admin_can_edit_the_policy(app_as):
    executive = app_as("executive", "pages/sponsor_cadence.py")
    assert executive.number_input(key="cadence_policy_review_gap_days").disabled
    admin = app_as("admin", "pages/sponsor_cadence.py")
    assert not admin.number_input(key="cadence_policy_review_gap_days").disabled
