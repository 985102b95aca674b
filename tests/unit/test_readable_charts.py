"""Charts that say what they show in words: the power grid's legend, the radar's spoke labels,
the self-assessment history's month axis (issue 17)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sam_core.metrics.maturity import PROVEN_8
from sam_core.outputs import charts

AREAS = [area for area, _ in PROVEN_8]


def people(decision_makers: list[bool]) -> pl.DataFrame:
    n = len(decision_makers)
    return pl.DataFrame(
        {
            "name": [f"Person {i}" for i in range(n)],
            "title": ["CFO"] * n,
            "influence": [4] * n,
            "attitude": list(range(-2, n - 2)),
            "decision_maker": decision_makers,
        }
    )


def test_the_power_grid_legend_says_decision_maker_or_other_never_true_or_false():
    grid = charts.power_grid(people([True, False, None])).to_dict()
    size = grid["layer"][1]["encoding"]["size"]
    assert size["field"] == "kind"
    assert size["scale"]["domain"] == ["decision maker", "other"]
    rows = next(rows for rows in grid["datasets"].values() if rows and "kind" in rows[0])
    # a decision maker, someone who is not, and someone the sheet says nothing about (not one)
    assert [r["kind"] for r in rows] == ["decision maker", "other", "other"]
    assert [r["decision maker"] for r in rows] == ["yes", "no", "no"]  # the tooltip's words


def test_two_people_of_one_cell_are_a_full_label_step_apart():
    # David Dubois and Hugo Schmidt (influence 1, attitude -1) overlapped at 0.18 apart (9 px)
    pair = pl.DataFrame(
        {
            "name": ["David Dubois", "Hugo Schmidt"],
            "title": ["x", "y"],
            "influence": [1, 1],
            "attitude": [-1, -1],
            "decision_maker": [False, False],
        }
    )
    ys = charts.power_grid_positions(pair)["y"].to_list()
    assert abs(ys[0] - ys[1]) == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("text", "wrapped"),
    [
        ("Measurements and metrics", "Measurements\nand metrics"),
        ("Infrastructure", "Infrastructure"),  # 14 characters: one line
        ("Tools", "Tools"),
    ],
)
def test_long_radar_labels_wrap_onto_lines_of_14_characters(text, wrapped):
    assert charts.wrap(text, charts.AXIS_LABEL_WIDTH) == wrapped


def test_radar_labels_are_written_away_from_the_centre():
    radar = charts.radar_chart(pl.DataFrame({"series": "A", "area": AREAS, "score": [50.0] * 8}), axes=AREAS)
    labels = next(rows for rows in radar.to_dict()["datasets"].values() if rows and "align" in rows[0])
    side = {r["area"]: r["align"] for r in labels}
    # eight spokes clockwise from the top: Infrastructure on top, Planning at the bottom
    assert side["Infrastructure"] == side["Planning"] == "center"
    assert side["Methodology"] == "left"  # on the right: starts at its spoke's end
    assert side["Measurements and metrics"] == "right"  # on the left: ends there, off the line
    assert {r["area"]: r["text"] for r in labels}["Measurements and metrics"] == "Measurements\nand metrics"


def test_the_assessment_history_has_one_tick_per_month_on_the_first_in_utc():
    overall = pl.DataFrame(
        {
            "assessment_id": [1, 2, 3],
            "scope": ["Industrial Solutions", "Industrial Solutions", "Healthcare"],
            "assessed_on": [date(2026, 2, 1), date(2026, 9, 1), date(2026, 8, 20)],
            "overall": [57.0, 68.0, 30.0],
        }
    )
    x = charts.maturity_history_chart(overall).to_dict()["encoding"]["x"]
    assert x["scale"]["type"] == "utc"  # dates are sent as UTC midnights: 1 Sep sits on the Sep tick
    assert x["axis"]["tickCount"] == {"interval": "month", "step": 1}
    assert x["axis"]["format"] == "%b %Y"


@pytest.mark.parametrize(
    ("first", "last", "step"),
    [
        (date(2026, 2, 1), date(2026, 9, 1), 1),  # 7 months
        (date(2025, 1, 1), date(2026, 7, 1), 1),  # 18 months
        (date(2025, 1, 1), date(2026, 8, 1), 3),  # 19 months: quarters
        (date(2020, 1, 1), date(2026, 1, 1), 6),  # 72 months
        (date(2010, 1, 1), date(2026, 1, 1), 12),
    ],
)
def test_a_long_history_ticks_every_quarter_half_year_or_year(first, last, step):
    assert charts.month_step(first, last) == step
