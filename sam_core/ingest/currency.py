"""Money in another currency: converted with the admin's rate table, or refused, never relabelled.

A workbook declares the currency its money is in (an upload choice; default the reporting
currency, the `currency` setting). Each amount is converted with the rate of its row's month
(Financials: period; Opportunities: close_date). Amounts without a month (a wallet estimate,
an opportunity without a close date), the current month and the months to come (an expected
close date) use the latest rate. A past month without a rate refuses the upload, naming the
rate to add.

Rates are stored per currency and month as the value of 1 unit in the reporting currency
(the `Rates` sheet: currency, month, rate), loaded by admins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from sam_core.ingest import contract as c

CODE = r"^[A-Z]{3}$"


@dataclass(frozen=True)
class Currencies:
    """The currency a workbook's money is in, and the one figures are reported in."""

    workbook: str
    reporting: str

    @property
    def converts(self) -> bool:
        return self.workbook != self.reporting


RATES_SCHEMA = {"currency": pl.String, "month": pl.Date, "rate": pl.Float64}


def stored_rates(con: duckdb.DuckDBPyConnection | None, currency: str) -> pl.DataFrame:
    """The stored rates of one currency: month, rate (1 unit in the reporting currency)."""
    if con is None:
        return pl.DataFrame(schema={"month": pl.Date, "rate": pl.Float64})
    return con.sql("SELECT month, rate FROM rates WHERE currency = ? ORDER BY month", params=[currency]).pl()


def rates_of(stored: pl.DataFrame, incoming: pl.DataFrame | None, currency: str) -> pl.DataFrame:
    """The rates that apply to this upload: the stored ones, replaced month by month by the
    workbook's own Rates sheet (`incoming`: currency, month, rate)."""
    if incoming is None:
        return stored
    mine = incoming.filter(pl.col("currency") == currency).select("month", "rate")
    return (
        pl.concat([mine, stored.filter(~pl.col("month").is_in(mine["month"].implode()))])
        .sort("month")
        .cast({"month": pl.Date, "rate": pl.Float64})
    )


@dataclass(frozen=True)
class Missing:
    """Rows of a sheet whose month has no rate."""

    month: date
    rows: int
    first_row: int


def convert(
    rows: pl.DataFrame, sheet: c.Sheet, currencies: Currencies, rates: pl.DataFrame, *, today: date
) -> tuple[pl.DataFrame, list[Missing]]:
    """The sheet's money columns converted to the reporting currency (`rows` keeps `__row`),
    and the months without a rate. Rows of a missing month keep their value: the upload is
    refused anyway."""
    if not currencies.converts or not sheet.money_columns:
        return rows, []
    this_month = today.replace(day=1)
    month = (
        pl.col(sheet.dated_by).dt.truncate("1mo").fill_null(this_month)
        if sheet.dated_by
        else pl.lit(this_month, dtype=pl.Date)
    )
    latest = rates.sort("month").tail(1)
    latest_rate = latest["rate"][0] if latest.height else None
    # Undated amounts stand for now; this month and the months to come take the latest rate.
    needs_latest = (month >= this_month) if sheet.dated_by else pl.lit(True)
    looked_up = (
        rows.with_columns(month.alias("__month"), needs_latest.alias("__latest"))
        .join(rates.rename({"month": "__month", "rate": "__rate"}), on="__month", how="left")
        .with_columns(
            pl.when(pl.col("__latest"))
            .then(pl.lit(latest_rate, dtype=pl.Float64))
            .otherwise(pl.col("__rate"))
            .alias("__rate")
        )
    )
    has_money = pl.any_horizontal([pl.col(m).is_not_null() for m in sheet.money_columns])
    gaps = (
        looked_up.filter(pl.col("__rate").is_null() & has_money)
        .group_by("__month")
        .agg(pl.len().alias("rows"), pl.col("__row").min().alias("first_row"))
        .sort("__month")
    )
    converted = looked_up.with_columns(
        pl.when(pl.col("__rate").is_not_null())
        .then(pl.col(m) * pl.col("__rate"))
        .otherwise(pl.col(m))
        .alias(m)
        for m in sheet.money_columns
    ).drop("__month", "__rate", "__latest")
    return converted, [Missing(m, n, r) for m, n, r in gaps.iter_rows()]


def missing_rate_message(missing: Missing, sheet: c.Sheet, currencies: Currencies) -> str:
    """What to do about a month without a rate."""
    month = f"{missing.month:%Y-%m}"
    rows = f"{missing.rows:,} row{'s' if missing.rows != 1 else ''}"
    return (
        f"No {currencies.workbook} rate for {month} ({rows} of {sheet.name}): money is never "
        f"relabelled. An admin adds it to the Rates sheet (currency {currencies.workbook}, month {month}, "
        f"rate = the value of 1 {currencies.workbook} in {currencies.reporting}), or upload the file in "
        f"{currencies.reporting}."
    )


COMMON = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "JPY", "CNY", "INR", "CAD", "AUD")


def known_currencies(con: duckdb.DuckDBPyConnection, reporting: str) -> list[str]:
    """Currencies a workbook may declare: the reporting one first, then those with stored
    rates, then common codes (a workbook in one without rates is refused, naming the rate)."""
    stored = [r[0] for r in con.execute("SELECT DISTINCT currency FROM rates ORDER BY 1").fetchall()]
    return list(dict.fromkeys([reporting, *stored, *COMMON]))
