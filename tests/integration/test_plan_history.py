"""An account plan's history: every change kept, the plan as of any moment, two moments
compared, living data as it was, and the review stamps that keep a plan from going stale.
Every edit is made on an injected clock (plan_fixture.at)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from plan_fixture import ANN, AS_OF, at

from sam_core.metrics.loyalty import closed_loop
from sam_core.plans import edits
from sam_core.plans import plan as plans

GROW = {"objective": "Grow share of wallet", "measure": "share of wallet", "target": "+8 pts", "progress": 10}


@pytest.fixture
def edited(planned):
    """Ann's objective: added 10 Jan (progress 10), progress 40 on 1 Feb, removed 1 Mar; a
    competitor added 15 Feb; stakeholder S1's title changed on 1 Feb; action X1 done on 1 Mar."""
    (objective,) = plans.save_items(
        planned, user=ANN, account_id="A1", changes=[plans.Change("objectives", None, GROW)], now=at(1, 10)
    )
    plans.save_items(
        planned,
        user=ANN,
        account_id="A1",
        changes=[plans.Change("objectives", objective, GROW | {"progress": 40}, 1)],
        now=at(2, 1),
    )
    plans.save_items(
        planned,
        user=ANN,
        account_id="A1",
        changes=[plans.Change("competitors", None, {"competitor": "Northwind", "threat": "high"})],
        now=at(2, 15),
    )
    plans.save_items(
        planned,
        user=ANN,
        account_id="A1",
        changes=[plans.Change("objectives", objective, None, 2)],
        now=at(3, 1),
    )
    edits.edit_stakeholder(
        planned,
        user=ANN,
        stakeholder_id="S1",
        expected={"title": "CEO"},
        changes={"title": "Chief Executive"},
        now=at(2, 1),
    )
    edits.set_action_status(
        planned,
        user=ANN,
        action_id="X1",
        status="done",
        expected_status="open",
        today=date(2026, 3, 1),
        now=at(3, 1),
    )
    return planned, objective


@pytest.mark.parametrize(
    ("moment", "progress"),
    [
        (at(1, 9), None),  # before it was added
        (at(1, 10), 10),  # the moment it was added
        (date(2026, 1, 31), 10),  # a date means the end of that day
        (date(2026, 2, 1), 40),
        (date(2026, 2, 28), 40),
        (date(2026, 3, 1), None),  # removed
    ],
)
def test_the_plan_as_of_a_moment_shows_each_item_as_it_was(edited, moment, progress):
    con, _ = edited
    shown = plans.items(con, "A1", "objectives", at=moment)["progress"].to_list()
    assert shown == ([] if progress is None else [progress])


def test_every_change_is_kept_with_who_when_old_and_new(edited):
    con, _ = edited
    history = plans.changes(con, "A1").drop("via")
    assert history.rows() == [
        (at(3, 1), "ann", "Our objectives", "Grow share of wallet", "(removed)", None, None),
        (at(2, 15), "ann", "Competitive position", "Northwind", "competitor", None, "Northwind"),
        (at(2, 15), "ann", "Competitive position", "Northwind", "threat", None, "high"),
        (at(2, 1), "ann", "Our objectives", "Grow share of wallet", "progress", "10", "40"),
        (
            at(1, 10),
            "ann",
            "Our objectives",
            "Grow share of wallet",
            "objective",
            None,
            "Grow share of wallet",
        ),
        (at(1, 10), "ann", "Our objectives", "Grow share of wallet", "measure", None, "share of wallet"),
        (at(1, 10), "ann", "Our objectives", "Grow share of wallet", "target", None, "+8 pts"),
        (at(1, 10), "ann", "Our objectives", "Grow share of wallet", "progress", None, "10"),
    ]


def test_two_dates_compared_show_what_changed_between_them(edited):
    con, _ = edited
    # 31 Jan -> 20 Feb: the objective's progress moved and a competitor arrived.
    assert plans.compare(con, "A1", date(2026, 1, 31), date(2026, 2, 20)).rows() == [
        ("Our objectives", "Grow share of wallet", "changed", "progress", "10", "40"),
        ("Competitive position", "Northwind", "added", None, None, None),
    ]
    # 20 Feb -> now: the objective went, and action X1 was done on 1 Mar.
    assert plans.compare(con, "A1", date(2026, 2, 20)).rows() == [
        ("Our objectives", "Grow share of wallet", "removed", None, None, None),
        ("Action plan", "X1 Call Cara about the invoices", "changed", "status", "open", "done"),
    ]


def test_living_data_as_of_a_moment_shows_values_before_later_app_edits(edited):
    con, _ = edited
    title = edits.rows_as_of(con, "Stakeholders", "A1", at=at(1, 31)).filter(pl.col("stakeholder_id") == "S1")
    assert title["title"].to_list() == ["CEO"]
    now = edits.rows_as_of(con, "Stakeholders", "A1", at=None).filter(pl.col("stakeholder_id") == "S1")
    assert now["title"].to_list() == ["Chief Executive"]
    x1 = plans.actions(con, "A1", at=date(2026, 2, 28)).filter(pl.col("action_id") == "X1")
    assert x1.select("status", "closed").rows() == [("open", None)]


def test_a_stakeholder_added_in_the_app_is_absent_from_earlier_moments(planned):
    new = edits.add_stakeholder(planned, user=ANN, account_id="A1", values={"name": "Nia New"}, now=at(5, 2))
    assert new not in edits.rows_as_of(planned, "Stakeholders", "A1", at=at(5, 1))["stakeholder_id"].to_list()
    assert new in edits.rows_as_of(planned, "Stakeholders", "A1", at=at(5, 2))["stakeholder_id"].to_list()


def test_living_data_edits_are_logged_value_by_value(edited):
    con, _ = edited
    log = edits.data_edits(con, "A1").select("edited_by", "sheet", "row_key", "column", "old", "new", "edit")
    assert log.rows() == [
        ("ann", "Actions", "X1", "status", "open", "done", "changed"),
        ("ann", "Actions", "X1", "closed", None, "2026-03-01", "changed"),
        ("ann", "Stakeholders", "S1", "title", "CEO", "Chief Executive", "changed"),
    ]


def test_an_action_marked_done_in_the_plan_closes_the_loyalty_loop(edited):
    con, _ = edited
    # R1 (recommend 4) is a detractor; its action X1 was marked done on the plan.
    loop = closed_loop(con, as_of=AS_OF).filter(pl.col("response_id") == "R1")
    assert loop.select("action_id", "status", "closed", "loop_open").rows() == [
        ("X1", "done", date(2026, 3, 1), False)
    ]


def test_an_action_added_in_the_plan_for_a_response_is_in_the_closed_loop(planned):
    added = edits.add_action(
        planned,
        user=ANN,
        account_id="A1",
        description="Visit Cara",
        owner="Ann AM",
        due=None,
        today=AS_OF,
        source="R1",
    )
    loop = closed_loop(planned, as_of=AS_OF).filter(pl.col("response_id") == "R1")
    assert sorted(loop["action_id"].to_list()) == sorted(["X1", added])


# -- never stale -----------------------------------------------------------------------------------


def _review_all(con, when):
    plans.review(con, user=ANN, account_id="A1", sections=[k for k, _ in plans.REVIEW_SECTIONS], now=when)


@pytest.mark.parametrize(
    ("reviewed", "stale", "reason"),
    [
        # A1's last held 90-day review was 1 May 2026; today is 15 Jun 2026; the limit is 90 days.
        (at(5, 2), False, None),
        (at(5, 1, 8), False, None),  # the day of the review counts as after it
        (at(4, 30), True, "not reviewed since the 90-day review of 1 May 2026"),
        (at(3, 17), True, "not reviewed since the 90-day review of 1 May 2026"),  # 17 Mar: 90 days, not over
        (at(3, 16), True, "last reviewed 16 Mar 2026, over 90 days ago"),
    ],
)
def test_a_plan_is_stale_when_not_reviewed_in_90_days_or_since_the_last_90_day_review(
    planned, reviewed, stale, reason
):
    plans.save_items(
        planned, user=ANN, account_id="A1", changes=[plans.Change("objectives", None, GROW)], now=at(1, 1)
    )
    _review_all(planned, reviewed)
    status = plans.plan_status(planned, as_of=AS_OF).filter(pl.col("account_id") == "A1")
    assert status.select("reviewed_on", "stale", "reason").rows() == [(reviewed.date(), stale, reason)]


def test_the_plan_is_as_fresh_as_its_stalest_section(planned):
    _review_all(planned, at(6, 1))
    plans.review(planned, user=ANN, account_id="A1", sections=["whitespace"], now=at(6, 10))
    status = plans.plan_status(planned, as_of=AS_OF).filter(pl.col("account_id") == "A1")
    assert status.select("reviewed_on", "stale").rows() == [(date(2026, 6, 1), False)]
    sections = plans.section_reviews(planned, "A1", as_of=date(2026, 9, 5))  # 96 days after 1 Jun
    assert sections.filter(~pl.col("stale"))["section"].to_list() == ["whitespace"]  # reviewed 87 days before


def test_a_section_never_reviewed_and_a_plan_never_written_are_named(planned):
    plans.review(planned, user=ANN, account_id="A1", sections=["business", "objectives"], now=at(6, 1))
    status = {
        r["account_id"]: r["reason"] for r in plans.plan_status(planned, as_of=AS_OF).iter_rows(named=True)
    }
    assert status == {
        "A1": "never reviewed: value propositions, whitespace, competition, action plan, sponsor plan",
        "A2": "no plan yet",
    }


def test_the_review_period_is_a_setting(planned):
    _review_all(planned, at(5, 15))
    # 31 days before 15 Jun: fresh with 90 days, stale with 30.
    assert plans.plan_status(planned, as_of=AS_OF).filter(pl.col("account_id") == "A1")[
        "stale"
    ].to_list() == [False]
    short = plans.plan_status(planned, as_of=AS_OF, review_days=30).filter(pl.col("account_id") == "A1")
    assert short["reason"].to_list() == ["last reviewed 15 May 2026, over 30 days ago"]


def test_reviewing_an_unknown_section_is_refused_and_changes_nothing(planned):
    with pytest.raises(plans.ValidationFailed, match="Choose plan sections to review"):
        plans.review(planned, user=ANN, account_id="A1", sections=["finances"], now=at(6, 1))
    assert planned.execute("SELECT count(*) FROM plan_reviews").fetchall() == [(0,)]
