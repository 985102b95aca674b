"""The one formatting layer: each kind of value written one way for people."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from sam_core.outputs import formatting as f


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (213_000_000, "EUR", "€213.0m"),
        (12_345_678, "EUR", "€12.3m"),
        (1_500_000_000, "EUR", "€1.5bn"),
        (2_160, "EUR", "€2.2k"),
        (950, "EUR", "€950"),
        (0, "EUR", "€0"),
        (-4_200_000, "USD", "-$4.2m"),
        (999_960, "EUR", "€1.0m"),  # not '€1,000.0k'
        (12_345_678, "CHF", "CHF 12.3m"),  # no symbol of its own: the code
        (None, "EUR", "–"),
    ],
)
def test_money_has_its_symbol_and_one_magnitude_style(value, currency, shown):
    assert f.money(value, currency) == shown


def test_money_without_symbols_writes_the_code_for_fonts_that_lack_them():
    assert f.money(12_345_678, "EUR", symbol=False) == "EUR 12.3m"


def test_a_money_column_uses_the_magnitude_of_its_largest_figure():
    unit = f.money_unit([213_000_000, 11_400_000, None, 600_000])
    assert [f.money_in(v, unit, "EUR") for v in (213_000_000, 11_400_000, 600_000)] == [
        "€213.0m",
        "€11.4m",
        "€0.6m",
    ]
    assert f.money_format(unit, "EUR") == "€%,.1fm"  # the table column's printf, values / 1e6


def test_a_money_column_of_small_figures_is_in_whole_units():
    assert f.money_format(f.money_unit([60, 300]), "GBP") == "£%,.0f"


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        (0.3843, 1, "38.4%"),
        (0.393, 1, "39.3%"),
        (0.5, 0, "50%"),
        (0.5, 1, "50.0%"),
        (1, 0, "100%"),
        (None, 0, "–"),
    ],
)
def test_percentages_have_fixed_decimals(value, digits, shown):
    assert f.percent(value, digits) == shown


def test_a_percentage_column_has_a_fixed_printf():
    assert f.percent_format(1) == "%.1f%%"


@pytest.mark.parametrize(
    ("value", "kwargs", "shown"),
    [
        (0.012, {"unit": "pts", "scale": 100}, "+1.2 pts"),
        (-0.13, {"unit": "pts", "scale": 100, "digits": 0}, "-13 pts"),
        (-0.0004, {"unit": "pts", "scale": 100}, "no change"),  # was a red '-0.0 pts'
        (0.001, {"unit": "pts", "scale": 100, "digits": 0}, "no change"),  # was a green '+0 pts'
        (0.0, {}, "no change"),
        (2.04, {}, "+2.0"),
        (0.01, {"unit": "pts", "scale": 100, "digits": 0}, "+1 pt"),  # was '+1 pts'
        (-1.0, {"unit": "points", "digits": 0}, "-1 point"),
        (1.04, {"unit": "pts", "digits": 1}, "+1.0 pts"),
        (None, {}, None),
    ],
)
def test_a_change_has_its_sign_and_zero_is_no_change(value, kwargs, shown):
    assert f.change(value, **kwargs) == shown


@pytest.mark.parametrize(("value", "shown"), [(13, "+13"), (-4, "-4"), (0, "0"), (-0.2, "0"), (None, "–")])
def test_signed_figures_show_their_sign_but_not_on_zero(value, shown):
    assert f.signed(value) == shown


@pytest.mark.parametrize(
    ("write", "value", "shown"),
    [
        (f.nps, 33.3, "+33"),
        (f.nps, -0.4, "0"),  # was '+0' / '-0' in the deck and the brief
        (f.growth, 0.25, "+25.0%"),
        (f.growth, -0.0004, "0.0%"),  # rounds to 0.0: no sign, as the app's 'no change'
        (f.growth, None, "–"),
        (f.score, 74.72, "75"),
        (f.points, 16.2222, "16.2"),
        (f.points, None, "–"),
    ],
)
def test_the_meeting_outputs_write_figures_as_the_app_does(write, value, shown):
    assert write(value) == shown


@pytest.mark.parametrize(
    ("n", "noun", "shown"),
    [
        (1, "account", "1 account"),
        (2, "account", "2 accounts"),
        (0, "account", "0 accounts"),
        (1413, "error", "1,413 errors"),
        (1, "reply", "1 reply"),
    ],
)
def test_counts_have_thousands_separators_and_agree_with_their_noun(n, noun, shown):
    assert f.count_of(n, noun) == shown


def test_a_plural_of_its_own():
    assert f.count_of(3, "reply", "replies") == "3 replies"
    assert f.count(1_234_567) == "1,234,567"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (date(2026, 10, 7), "7 Oct 2026"),
        (datetime(2026, 10, 7, 0, 0), "7 Oct 2026"),  # never '00:00:00'
        (None, "–"),
    ],
)
def test_dates_are_days_without_a_time(value, shown):
    assert f.long_date(value) == shown
    assert f.date_time(value) == shown


def test_a_moment_shows_its_time_when_it_has_one():
    assert f.date_time(datetime(2026, 10, 7, 14, 5, 31)) == "7 Oct 2026, 14:05"
    assert f.month(date(2026, 10, 1)) == "Oct 2026"
    assert f.data_through(date(2026, 10, 1)) == "data through Oct 2026"


@pytest.mark.parametrize(
    ("column", "shown"),
    [
        ("single_threaded", "Single-threaded"),
        ("account_name", "Account"),
        ("last_contact", "Last contact"),
        ("nps_change", "NPS change"),
        ("planned_now", "Planned now"),
        ("visits_12m", "Visits (12 months)"),
        ("some_new_column", "Some new column"),
        ("Executive visits", "Executive visits"),
        ("score %", "Score %"),
    ],
)
def test_column_labels_have_no_snake_case(column, shown):
    assert f.label(column) == shown


def test_money_headers_name_the_currency():
    frame = pl.DataFrame({"account_name": ["A"], "revenue": [1.0], "growth": [0.1]})
    assert f.labels(frame, "EUR").columns == ["Account", "Revenue (€)", "Growth"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("devils_advocate", "devil's advocate"), ("in_progress", "in progress"), ("core", "core"), (None, "–")],
)
def test_codes_from_the_data_read_as_words(value, shown):
    assert f.value_label(value) == shown


@pytest.mark.parametrize(
    ("column", "dtype", "kind"),
    [
        ("revenue", pl.Float64, "money"),
        ("growth", pl.Float64, "percent"),
        ("loyalty_index", pl.Float64, "score"),
        ("nps", pl.Float64, "signed"),
        ("respondents", pl.Int64, "count"),
        ("survey_date", pl.Date, "date"),
        ("edited_at", pl.Datetime("us"), "datetime"),
        ("covered", pl.Boolean, "bool"),
        ("account_name", pl.String, "text"),
        ("revenue", pl.String, "text"),  # a header that looks like money but holds text
    ],
)
def test_a_column_kind_follows_its_name_and_type(column, dtype, kind):
    assert f.column_kind(column, dtype) == kind


@pytest.mark.parametrize("column", ["recommend_score", "satisfaction", "continue_score"])
def test_a_survey_answer_is_a_whole_number(column):
    # the loyalty tables showed a recommend score of 6 as '6.0' beside 'recommend 6' in a comment
    assert (f.column_kind(column, pl.Float64), f.digits(column)) == ("score", 0)
    assert f.cell(6.0, column) == "6"


@pytest.mark.parametrize(
    ("value", "column", "shown"),
    [
        (None, "title", "–"),
        (True, "covered", "yes"),
        (213_000_000.0, "revenue", "€213.0m"),
        (0.38432, "growth", "38.4%"),
        (71.875, "loyalty_index", "72"),
        (18.3333, "mean", "18.3"),
        (1413, "respondents", "1,413"),
        (-3.0, "nps", "-3"),
        (datetime(2026, 5, 1), "survey_date", "1 May 2026"),
        ("Delivery slipped", "comment", "Delivery slipped"),
    ],
)
def test_any_cell_is_written_by_its_columns_kind(value, column, shown):
    assert f.cell(value, column, "EUR") == shown


@pytest.mark.parametrize(
    ("then", "now", "kwargs", "shown"),
    [
        (68.4, 69.6, {"digits": 0}, "+2"),  # written 68 and 70: never '+1' or '+1.2'
        (0.93104, 0.93098, {"digits": 1, "unit": "pts", "scale": 100}, "no change"),  # 93.1% and 93.1%
        (7.6, 12.6, {"digits": 0}, "+5"),
        (None, 3.0, {}, None),
    ],
)
def test_a_change_between_two_figures_is_that_of_the_figures_as_written(then, now, kwargs, shown):
    assert f.change_between(then, now, **kwargs) == shown
