"""How a brief's cadence rule reads in the brief PDF, the deck and the projector."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sam_core.outputs import wording

AS_OF = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("status", "deadline", "reads"),
    [
        ("overdue", date(2026, 11, 2), "since 2 Nov 2026"),  # the deadline has passed
        ("overdue", AS_OF, "since 29 Nov 2026"),  # due today and not held: late from today
        # Internal reviews: none held last month, so overdue, but this month ends tomorrow
        # (on 29 Nov the brief once said "since 30 Nov 2026").
        ("overdue", date(2026, 11, 30), "by 30 Nov 2026"),
        ("due soon", date(2026, 12, 15), "by 15 Dec 2026"),
        ("compliant", date(2027, 2, 26), "by 26 Feb 2027"),
        ("overdue", None, "never held"),
    ],
)
def test_a_cadence_rule_says_since_only_for_a_deadline_already_passed(status, deadline, reads):
    assert wording.cadence_when({"status": status, "deadline": deadline}, AS_OF) == reads


@pytest.mark.parametrize(
    ("kind", "reads"),
    [
        ("ninety_day_review", "31 Oct 2026, 90-day review"),  # the stranger's slide: 'ninety day review'
        ("qbr", "31 Oct 2026, QBR"),  # and 'qbr'
        ("executive_visit", "31 Oct 2026, executive visit"),
    ],
)
def test_the_last_touchpoint_names_its_engagement_type_in_words(kind, reads):
    assert wording.touchpoint({"date": date(2026, 10, 31), "type": kind}) == reads


def account(**figures) -> dict:
    base = {
        "data_through": date(2026, 10, 1),
        "won_value": 0.0,
        "win_rate_count": None,
        "win_rate_value": None,
    }
    return base | figures


@pytest.mark.parametrize(
    ("figures", "reads"),
    [
        # Summit Telecom: no deal won or lost in the window, so no win rate to give
        ({}, "no deals won or lost in the 12 months to Oct 2026"),
        # 2 lost, none won: a rate of 0%, and nothing won
        (
            {"win_rate_count": 0.0, "win_rate_value": 0.0},
            "none won in the 12 months to Oct 2026, win rate 0% of deals, 0% of value",
        ),
        (
            {"won_value": 46_800_000.0, "win_rate_count": 1.0, "win_rate_value": 1.0},
            "won €46.8m in the 12 months to Oct 2026, win rate 100% of deals, 100% of value",
        ),
    ],
)
def test_what_an_account_won_reads_in_words_when_nothing_closed(figures, reads):
    assert wording.won_line(account(**figures), "EUR") == reads


def movement(*moves: tuple[str, float]) -> pl.DataFrame:
    """part_movement's frame: the largest move first."""
    rows = sorted(moves, key=lambda m: -abs(m[1]))
    return pl.DataFrame({"part": [p for p, _ in rows], "change": [c for _, c in rows]})


@pytest.mark.parametrize(
    ("then", "now", "moves", "reads"),
    [
        # the stranger's Summit Telecom: 87 -> 87 read '(+0 points); no part moved'
        (
            87.2,
            86.9,
            [("cadence", 0.0), ("loyalty", -0.3)],
            "Since 31 Oct 2026: health 87, no change; no part moved.",
        ),
        # Aurora Water read '(+3 points) ... momentum +3.0 points': one style of points in one sentence
        (
            56.2,
            59.1,
            [("momentum", 3.0), ("loyalty", -0.1)],
            "Since 31 Oct 2026: health 56 -> 59 (+3 points); the part that moved most: momentum +3 points.",
        ),
        (
            60.4,
            59.4,
            [("cadence", -0.4), ("coverage", -0.4), ("loyalty", -0.2)],
            "Since 31 Oct 2026: health 60 -> 59 (-1 point); no part moved by a whole point.",
        ),
    ],
)
def test_a_health_move_is_whole_points_for_the_health_and_its_parts(then, now, moves, reads):
    assert wording.health_move(date(2026, 10, 31), then, now, movement(*moves)) == reads


@pytest.mark.parametrize(
    ("change", "reads"), [(-5.04, "cadence -5 points"), (1.0, "cadence +1 point"), (0.3, None)]
)
def test_the_part_that_moved_most_is_written_in_whole_points(change, reads):
    assert wording.moved_part(movement(("cadence", change))) == reads


@pytest.mark.parametrize(
    ("weighted", "open_", "figure", "detail"),
    [
        # Aurora Robotics' slide: 'Weighted pipeline €836.1k · €8.4m open in 1 deal'
        (836_100.0, 8_400_000.0, "€0.8m", "€8.4m open in 1 deal"),
        (98_600_000.0, 228_100_000.0, "€98.6m", "€228.1m open in 1 deal"),
        (0.0, 0.0, "€0", "€0 open in 1 deal"),
    ],
)
def test_the_weighted_and_open_pipeline_share_one_magnitude(weighted, open_, figure, detail):
    a = {"weighted_pipeline": weighted, "open_pipeline": open_, "open_deals": 1}
    assert (wording.pipeline_figure(a, "EUR"), wording.pipeline_detail(a, "EUR")) == (figure, detail)
