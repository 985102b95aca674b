"""Charts people can read: a legend for every line, radars with one axis order, a power grid
whose names do not overlap."""

from __future__ import annotations

import json
from datetime import date
from itertools import combinations

import polars as pl
import pytest

from sam_core.metrics.maturity import PROVEN_8
from sam_core.outputs import charts

AREAS = [area for area, _ in PROVEN_8]


def spec(chart) -> dict:
    return chart.to_dict()


def datasets(chart) -> list[list[dict]]:
    return list(spec(chart)["datasets"].values())


def test_the_trend_chart_has_a_legend_for_the_plan_line():
    trend = pl.DataFrame(
        {
            "period": [date(2026, 1, 1), date(2026, 2, 1)] * 2,
            "group": ["Top accounts"] * 2 + ["Other accounts"] * 2,
            "revenue": [1e6, 2e6, 3e5, 4e5],
            "plan_revenue": [1.1e6, 2.1e6, None, None],
        }
    )
    layer = spec(charts.trend_chart(trend, "revenue"))["layer"][0]["encoding"]
    assert layer["strokeDash"]["scale"]["domain"] == ["Actual", "Plan"]
    assert layer["strokeDash"]["legend"] is not None
    assert layer["color"]["scale"]["domain"] == ["Top accounts", "Other accounts"]
    lines = {(r["group"], r["line"]) for rows in datasets(charts.trend_chart(trend, "revenue")) for r in rows}
    assert ("Top accounts", "Plan") in lines and ("Other accounts", "Plan") not in lines  # no plan, no line


def test_the_loyalty_chart_names_both_lines_in_a_legend():
    trend = pl.DataFrame(
        {
            "wave": ["2025 H2", "2026 H1"],
            "loyalty_index": [70.0, 72.0],
            "nps": [10.0, 13.0],
            "respondents": [5, 6],
        }
    )
    layers = spec(charts.loyalty_trend_chart(trend))["layer"]
    colour = layers[0]["encoding"]["color"]
    assert colour["scale"]["domain"] == ["Loyalty index (0-100, left)", "NPS (-100..100, right)"]
    assert colour["legend"]["orient"] == "top"
    assert [layer["transform"][0]["calculate"] for layer in layers] == [
        "'Loyalty index (0-100, left)'",
        "'NPS (-100..100, right)'",
    ]


def spokes(chart) -> list[str]:
    """The radar's area labels in spoke order (clockwise from the top)."""
    labels = next(rows for rows in datasets(chart) if rows and "area" in rows[0] and "score" not in rows[0])
    return [r["area"] for r in labels]


def test_radars_put_the_areas_in_the_models_order_whatever_order_the_data_comes_in():
    alphabetical = pl.DataFrame({"series": "BU", "area": sorted(AREAS), "score": [50.0] * len(AREAS)})
    as_scored = pl.DataFrame({"series": "BU", "area": AREAS, "score": [50.0] * len(AREAS)})
    assert spokes(charts.radar_chart(alphabetical, axes=AREAS)) == AREAS
    assert spokes(charts.radar_chart(as_scored, axes=AREAS)) == AREAS


def test_radar_rings_show_their_values():
    radar = charts.radar_chart(pl.DataFrame({"series": "A", "area": AREAS, "score": [10.0] * 8}), axes=AREAS)
    rings = next(rows for rows in datasets(radar) if rows and "label" in rows[0])
    assert [r["label"] for r in rings] == ["25", "50", "75", "100"]


@pytest.mark.parametrize("people", [2, 5, 8])
def test_people_in_one_cell_of_the_power_grid_each_get_a_line_of_their_own(people):
    stakeholders = pl.DataFrame(
        {
            "name": [f"Person {i}" for i in range(people)] + ["Alone"],
            "title": None,
            "influence": [4] * people + [2],
            "attitude": [-1] * people + [1],
            "decision_maker": [False] * (people + 1),
        }
    )
    at = charts.power_grid_positions(stakeholders)
    cell = at.filter(pl.col("attitude") == -1)["y"].to_list()
    gap = min(abs(a - b) for a, b in combinations(cell, 2))
    assert gap == pytest.approx(min(charts.LABEL_STEP, 0.9 / people))  # 16 px at 440 px for up to 5
    assert min(cell) > 3.5 and max(cell) < 4.5  # still inside its influence row
    assert at.filter(pl.col("name") == "Alone").select("x", "y").row(0) == (1.0, 2.0)


def test_every_chart_spec_is_valid_json():
    trend = pl.DataFrame({"wave": ["W"], "loyalty_index": [1.0], "nps": [1.0], "respondents": [1]})
    assert json.dumps(spec(charts.loyalty_trend_chart(trend)))


def test_the_plan_legend_draws_a_solid_and_a_dashed_line():
    # the stranger's legend read 'Actual  Plan' with no symbol: the points layer shared the dash
    # encoding, and Vega-Lite then drew the dash legend's symbols blank
    trend = pl.DataFrame(
        {
            "period": [date(2026, 1, 1), date(2026, 2, 1)],
            "group": ["Top accounts"] * 2,
            "revenue": [1e6, 2e6],
            "plan_revenue": [1.1e6, 2.1e6],
        }
    )
    lines, points = spec(charts.trend_chart(trend, "revenue"))["layer"]
    assert lines["encoding"]["strokeDash"]["legend"]["symbolType"] == "stroke"
    assert "strokeDash" not in points["encoding"]


def test_the_health_history_names_the_health_line_in_its_legend():
    history = pl.DataFrame(
        {
            "as_of": [date(2026, 9, 30), date(2026, 9, 30), date(2026, 10, 31), date(2026, 10, 31)],
            "health": [50.0, 50.0, 60.0, 60.0],
            "part": ["loyalty", "cadence"] * 2,
            "points": [20.0, 30.0, 25.0, 35.0],
        }
    )
    areas, line = spec(charts.health_history_chart(history))["layer"]
    assert areas["encoding"]["color"]["legend"] is not None  # the parts
    stroke = line["encoding"]["stroke"]
    assert stroke["legend"]["symbolType"] == "stroke"
    assert line["transform"] == [{"calculate": "'Health (sum of the parts)'", "as": "series"}]


def test_the_pareto_chart_names_the_accounts_it_does_not_draw_as_such():
    # beside 'Top 20 = 93% of revenue; the other 417 accounts = 7%' it said '+ 377 more accounts = 4.4%':
    # those are the accounts beyond the bars drawn, and the note now says so
    n = 100
    revenue = pl.DataFrame(
        {
            "rank": list(range(1, n + 1)),
            "account_name": [f"A{i}" for i in range(n)],
            "revenue": [1000.0 - i for i in range(n)],
            "share": [(1000.0 - i) / 95050 for i in range(n)],
            "cumulative_share": [sum(1000.0 - j for j in range(i + 1)) / 95050 for i in range(n)],
            "tier": ["A"] * n,
        }
    )
    shown = charts.pareto_window(20, n)
    drawn = spec(charts.pareto_chart(revenue, 20))
    notes = [rows[0]["label"] for rows in drawn["datasets"].values() if "label" in rows[0]]
    beyond = sum(1000.0 - i for i in range(shown, n)) / 95050
    assert notes == ["top 20 = 21%", f"not drawn: {n - shown} more accounts = {beyond:.1%}"]
