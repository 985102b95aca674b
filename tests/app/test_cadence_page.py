"""The Sponsor cadence page on the demo data."""

from __future__ import annotations

from datetime import date

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
    executive = app_as("executive", "pages/sponsor_cadence.py", cadence_tab="Policy")
    assert executive.number_input(key="cadence_policy_review_gap_days").disabled
    admin = app_as("admin", "pages/sponsor_cadence.py", cadence_tab="Policy")
    assert not admin.number_input(key="cadence_policy_review_gap_days").disabled


def test_rule_compliance_of_a_hand_worked_account(hand_worked):
    # Alpha on 2026-06-15: visits 2025-09-01 and 2026-03-01 with the sponsor (2 in 12 months);
    # internal review in May, June not over; QBR with the sponsor in Q1, Q2 not over: all three
    # not overdue. The last 90-day review was 2026-02-01, over 90 days ago: overdue.
    at = hand_worked("executive", "pages/sponsor_cadence.py", cadence_as_of=date(2026, 6, 15))
    shown = {m.label: (m.value, m.delta) for m in at.metric}
    assert shown == {
        "Executive visits": ("100%", "0 overdue"),
        "Internal reviews": ("100%", "0 overdue"),
        "QBRs": ("100%", "0 overdue"),
        "90-day reviews": ("0%", "1 overdue"),
        "Accounts overdue": ("1", ""),
    }


def test_by_account_lists_the_worst_accounts_first(app_as):
    by_account = app_as("executive", "pages/sponsor_cadence.py").dataframe[0].value
    overdue = by_account["overdue"].to_list()
    assert overdue == sorted(overdue, reverse=True) and overdue[0] >= 1
    assert by_account.columns[0] == "account_name"  # the key column first, pinned


def test_suggestions_as_of_a_past_date_are_working_days_within_the_year(app_as):
    as_of = date(2026, 3, 31)
    at = app_as("executive", "pages/sponsor_cadence.py", cadence_as_of=as_of, cadence_tab="90-day schedule")
    suggested = at.dataframe[0].value["suggested"]
    assert len(suggested) > 0
    assert all(d.weekday() < 5 for d in suggested)
    assert max(suggested).date() <= date(2027, 3, 31) and min(suggested).date() >= date(2026, 4, 7)
