"""A workbook in another currency is converted with the admin's rates, or refused naming the
missing rate; money is never relabelled. Reporting currency EUR; today 15 Mar 2025; the
stored rates: 1 USD = 0.90 EUR in Jan 2025 and 0.92 EUR in Feb 2025."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sam_core.access.permissions import User
from sam_core.errors import PermissionDenied, ValidationFailed
from sam_core.ingest.currency import Currencies
from sam_core.ingest.uploads import load_files, upload_history

ADMIN = User("admin", "Admin", "admin")
MARIA = User("manager", "Maria Keller", "account_manager")
TODAY = date(2025, 3, 15)
USD = Currencies("USD", "EUR")
RATES = [
    {"currency": "usd", "month": "2025-01", "rate": 0.90},
    {"currency": "USD", "month": "2025-02", "rate": 0.92},
]


@pytest.fixture
def rated(db, make_workbook):
    accounts = [{"account_id": "A1", "account_name": "Alpha", "account_manager": "Maria Keller"}]
    load_files(db, [("base.xlsx", make_workbook({"Accounts": accounts, "Rates": RATES}))], user=ADMIN)
    return db


def load(con, make_workbook, sheets, *, user=ADMIN, currencies=USD):
    return load_files(
        con, [("usd.xlsx", make_workbook(sheets))], user=user, currencies=currencies, today=TODAY
    )


def stored(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_money_is_converted_with_the_rate_of_its_month(rated, make_workbook):
    load(
        rated,
        make_workbook,
        {
            "Accounts": [
                {
                    "account_id": "A1",
                    "account_name": "Alpha",
                    "account_manager": "Maria Keller",
                    "wallet_estimate": 1000,
                }
            ],
            "Financials": [
                {"account_id": "A1", "period": "2025-01", "revenue": 100, "profit": 10},
                {"account_id": "A1", "period": "2025-02", "revenue": 100},
            ],
            "Opportunities": [
                {"opportunity_id": "O1", "account_id": "A1", "amount": 1000, "close_date": date(2025, 6, 30)}
            ],
        },
    )
    # Jan: 100 x 0.90; Feb: 100 x 0.92
    assert stored(rated, "SELECT month(period), revenue, profit FROM financials ORDER BY 1") == [
        (1, pytest.approx(90), pytest.approx(9)),
        (2, pytest.approx(92), None),
    ]
    # a close date to come and an undated wallet estimate take the latest rate (Feb, 0.92)
    assert stored(rated, "SELECT amount FROM opportunities") == [(pytest.approx(920),)]
    assert stored(rated, "SELECT wallet_estimate FROM accounts") == [(pytest.approx(920),)]
    assert upload_history(rated)["currency"][0] == "USD"


def test_a_past_month_without_a_rate_is_refused_naming_the_rate_and_nothing_changes(rated, make_workbook):
    before = stored(rated, "SELECT count(*) FROM financials")
    with pytest.raises(ValidationFailed) as failed:
        load(
            rated,
            make_workbook,
            {"Financials": [{"account_id": "A1", "period": "2024-12", "revenue": 100}]},
        )
    assert failed.value.report.filter(pl.col("severity") == "error").drop("file").rows() == [
        (
            "error",
            "Financials",
            2,
            "period",
            "2024-12",
            "No USD rate for 2024-12 (1 row of Financials): money is never relabelled. An admin adds it to "
            "the Rates sheet (currency USD, month 2024-12, rate = the value of 1 USD in EUR), or upload the "
            "file in EUR.",
        )
    ]
    assert stored(rated, "SELECT count(*) FROM financials") == before


def test_without_any_rate_of_the_currency_the_upload_is_refused(rated, make_workbook):
    with pytest.raises(ValidationFailed):
        load(
            rated,
            make_workbook,
            {"Financials": [{"account_id": "A1", "period": "2025-01", "revenue": 100}]},
            currencies=Currencies("GBP", "EUR"),
        )
    assert stored(rated, "SELECT count(*) FROM financials") == [(0,)]


def test_the_workbooks_own_rates_sheet_converts_its_money(rated, make_workbook):
    load(
        rated,
        make_workbook,
        {
            "Rates": [{"currency": "GBP", "month": "2025-01", "rate": 1.2}],
            "Financials": [{"account_id": "A1", "period": "2025-01", "revenue": 100}],
        },
        currencies=Currencies("GBP", "EUR"),
    )
    assert stored(rated, "SELECT revenue FROM financials") == [(pytest.approx(120),)]


def test_money_in_the_reporting_currency_is_stored_as_it_is(rated, make_workbook):
    load(
        rated,
        make_workbook,
        {"Financials": [{"account_id": "A1", "period": "2024-12", "revenue": 100}]},
        currencies=Currencies("EUR", "EUR"),
    )
    assert stored(rated, "SELECT revenue FROM financials") == [(100.0,)]


def test_only_an_admin_loads_rates(rated, make_workbook):
    with pytest.raises(ValidationFailed) as failed:
        load(
            rated, make_workbook, {"Rates": [{"currency": "USD", "month": "2025-03", "rate": 5}]}, user=MARIA
        )
    assert failed.value.report.filter(pl.col("severity") == "error")["problem"].to_list() == [
        "Not permitted: only an admin may load the Rates sheet; remove it from the workbook."
    ]
    assert stored(rated, "SELECT count(*) FROM rates") == [(2,)]


def test_a_rates_writer_is_refused_even_past_validation(rated, make_workbook, monkeypatch):
    from sam_core.ingest import uploads

    monkeypatch.setattr(uploads, "validate", _validate_without_ownership(uploads.validate))
    with pytest.raises(PermissionDenied, match="cannot load rates"):
        load(
            rated, make_workbook, {"Rates": [{"currency": "USD", "month": "2025-03", "rate": 5}]}, user=MARIA
        )
    assert stored(rated, "SELECT count(*) FROM rates") == [(2,)]


def _validate_without_ownership(validate):
    def checked_as_admin(*args, user=None, **kwargs):
        return validate(*args, user=ADMIN, **kwargs)

    return checked_as_admin


@pytest.mark.parametrize(
    "row,problem",
    [
        (
            {"currency": "US Dollar", "month": "2025-03", "rate": 0.9},
            "'US DOLLAR' is not a three-letter currency",
        ),
        ({"currency": "USD", "month": "2025-03", "rate": 0}, "Rate 0.0 must be above zero"),
    ],
    ids=["not-a-code", "zero-rate"],
)
def test_a_bad_rate_is_reported(rated, make_workbook, row, problem):
    with pytest.raises(ValidationFailed) as failed:
        load(rated, make_workbook, {"Rates": [row]}, currencies=None)
    assert failed.value.report.filter(pl.col("severity") == "error")["problem"].str.starts_with(
        problem
    ).to_list() == [True]
