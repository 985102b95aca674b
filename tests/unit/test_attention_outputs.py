"""The early warnings' documents write figures and changes in words."""

from __future__ import annotations

import polars as pl
import pytest

from sam_core.outputs.attention import change_text, figure_rows, part_rows, value_text


@pytest.mark.parametrize(
    "kind,value,text",
    [
        ("money", 1_234_567.0, "€1.2m"),
        ("percent", 0.0312, "3.1%"),
        ("signed", 13.2, "+13"),
        ("number", 13.9, "13.9"),
        ("number", 35.0, "35"),
        ("money", None, "–"),
        ("signed", 0.3, "0"),
    ],
)
def test_values_in_words(kind, value, text):
    assert value_text(kind, value) == text


@pytest.mark.parametrize(
    "kind,then,now,text",
    [
        ("money", 1_000_000.0, 1_500_000.0, "+€500.0k"),
        ("money", 1_500_000.0, 1_000_000.0, "-€500.0k"),
        ("percent", 0.10, 0.125, "+2.5 pts"),
        ("number", 70.0, 58.0, "-12"),
        ("number", 3.0, 3.0, "no change"),
        # the stranger's rows: 93.1% -> 93.1% (0.93104 -> 0.93098) is no change, not '+0.0 pts'
        ("percent", 0.93104, 0.93098, "no change"),
        ("percent", 0.942, 0.808, "-13.4 pts"),
        # NPS +8 -> +13 in whole points: '+5', never '+5.0' (7.6 and 12.6 are written +8 and +13)
        ("signed", 7.6, 12.6, "+5"),
        ("signed", 7.6, 8.4, "no change"),
        # a change is that of the figures as written: 70.6 -> 68.4 reads 71 -> 68, so '-3'
        ("number", 70.6, 68.4, "-3"),
        ("number", 13.96, 13.9, "-0.1"),
        ("money", 1_000_000.0, 1_000_000.2, "no change"),
        ("number", None, 3.0, "new"),
        ("number", 3.0, None, "gone"),
    ],
)
def test_changes_in_words(kind, then, now, text):
    assert change_text(kind, then, now) == text


def test_a_row_of_figures_has_one_number_of_decimals_and_a_zero_change_in_words():
    figures = pl.DataFrame(
        [
            ("Portfolio: share of the top 20", "percent", 0.93104, 0.93098),
            ("Portfolio: effective number of accounts", "number", 13.96, 13.9),
            ("Portfolio: NPS (latest wave)", "signed", 7.6, 12.6),
            ("Average health", "number", 70.6, 68.4),
        ],
        schema=["figure", "kind", "then", "now"],
        orient="row",
    )
    assert figure_rows(figures) == [
        ["Portfolio: share of the top 20", "93.1%", "93.1%", "no change"],
        ["Portfolio: effective number of accounts", "14.0", "13.9", "-0.1"],
        ["Portfolio: NPS (latest wave)", "+8", "+13", "+5"],
        ["Average health", "71", "68", "-3"],
    ]


def test_health_parts_are_written_with_one_decimal_and_a_part_that_did_not_move_reads_no_change():
    parts = pl.DataFrame(
        {"part": ["cadence", "loyalty", "momentum"], "then": [20.0, 13.44, 3.0], "now": [15.0, 13.4, 6.0]}
    )
    assert part_rows(parts) == [
        ["cadence", "20.0", "15.0", "-5.0"],
        ["momentum", "3.0", "6.0", "+3.0"],
        ["loyalty", "13.4", "13.4", "no change"],
    ]
