"""The app's tables (ui.widgets.table) format each column by its kind: money with the currency
symbol in one magnitude, signed figures without a '+0' or '-0', and the columns stay numbers so
that they sort."""

from __future__ import annotations

import json

import polars as pl
import pytest

from ui import widgets


def shown(column: str, values: list, dtype=pl.Float64) -> tuple[list, dict]:
    series = pl.Series(column, values, dtype=dtype)
    data, config = widgets._column(column, dtype, series, "EUR")
    return data.to_list(), config


@pytest.mark.parametrize("column", ["momentum", "nps"])
def test_a_signed_column_writes_a_zero_without_a_sign(column):
    # momentum -0.4 and 0.3 round to 0: printf '%+.0f' wrote '+0' and '-0'; 3 and -12 keep their order
    data, config = shown(column, [3.0, -0.4, 0.3, -12.0, None])
    assert data == [3.0, 0.0, 0.0, -12.0, None]
    assert config["type_config"]["format"] == "%.0f"  # no forced '+': a zero reads '0'
    assert "+" not in config["type_config"]["format"]


def test_a_signed_column_of_whole_numbers_stays_numeric_for_sorting():
    data, config = shown("momentum", [2, 0, -1], pl.Int64)
    assert data == [2.0, 0.0, -1.0] and config["type_config"]["type"] == "number"


def test_the_renewals_money_column_has_the_currency_and_the_captions_magnitude():
    # the stranger's 'Per year (€)' column read 41M, 20M, 6.1M, 531K beside a caption of €129.1m:
    # the largest figure sets millions with one decimal for every row ('€0.5m', not '531K')
    data, config = shown("annual_value", [40_700_000.0, 19_700_000.0, 6_100_000.0, 531_000.0])
    assert config["type_config"]["format"] == "€%,.1fm"
    assert data == pytest.approx([40.7, 19.7, 6.1, 0.531])


def test_a_column_the_callers_config_hides_stays_hidden():
    # the Account plan hid item_id and version with None in `config`: they showed under their raw names
    from streamlit.testing.v1 import AppTest

    def page():
        import polars as pl

        from ui import widgets

        widgets.table(pl.DataFrame({"item_id": ["I1"], "objective": ["Renew"]}), config={"item_id": None})

    at = AppTest.from_function(page).run()
    shown = json.loads(at.dataframe[0].proto.columns)
    assert shown["item_id"] == {"hidden": True}
    assert shown["objective"]["label"] == "Objective"
