"""The Contracts sheet: loading, its checks, money converted by the start month, and renewals in the
next 180 days with the account's health and loyalty beside each."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from sam_core.access.permissions import User
from sam_core.errors import ValidationFailed
from sam_core.ingest.currency import Currencies
from sam_core.ingest.uploads import load_files
from sam_core.metrics.contracts import renewals, renewals_with_health
from sam_core.store import MIGRATIONS, connect, migrate

ADMIN = User("admin", "Admin", "admin")
TODAY = date(2026, 6, 15)
ACCOUNT = {"account_id": "A1", "account_name": "Alpha", "account_manager": "Ann AM"}


def contract(contract_id: str, renews: date | None, **more) -> dict:
    return {
        "contract_id": contract_id,
        "account_id": "A1",
        "name": f"Contract {contract_id}",
        "annual_value": 1000,
        "start": date(2025, 1, 1),
        "end": renews or date(2027, 12, 31),
        "renewal_date": renews,
        **more,
    }


def load(db, make_workbook, rows, **kw):
    return load_files(
        db, [("c.xlsx", make_workbook({"Accounts": [ACCOUNT], "Contracts": rows}))], user=ADMIN, **kw
    )


def test_a_contract_ending_before_it_starts_is_refused_naming_the_row_and_nothing_is_loaded(
    db, make_workbook
):
    backwards = contract("C1", None, start=date(2026, 3, 1), end=date(2026, 2, 1))
    with pytest.raises(ValidationFailed) as refused:
        load(db, make_workbook, [backwards])
    errors = refused.value.report.filter(pl.col("severity") == "error")
    assert errors.select("sheet", "row", "column", "value", "problem").rows() == [
        (
            "Contracts",
            2,
            "end",
            "2026-02-01",
            "The end 2026-02-01 is before the start 2026-03-01; swap them or correct one.",
        )
    ]
    assert db.execute("SELECT count(*) FROM contracts").fetchall() == [(0,)]
    assert db.execute("SELECT count(*) FROM accounts").fetchall() == [(0,)]


def test_a_renewal_after_the_end_is_a_warning(db, make_workbook):
    result = load(db, make_workbook, [contract("C1", date(2028, 1, 31), end=date(2027, 12, 31))])
    warnings = result.validation.report.filter(pl.col("severity") == "warning")["problem"].to_list()
    assert warnings == [
        "The renewal date 2028-01-31 is after the end 2027-12-31: the contract lapses in between; check the "
        "dates."
    ]


def test_annual_value_in_another_currency_is_converted_with_the_rate_of_the_start_month(db, make_workbook):
    # 1000 USD a year from January 2025 at 0.9 EUR per USD = 900 EUR; the March rate (0.8) is not used.
    rates = [
        {"currency": "USD", "month": "2025-01", "rate": 0.9},
        {"currency": "USD", "month": "2025-03", "rate": 0.8},
    ]
    load_files(
        db,
        [
            (
                "c.xlsx",
                make_workbook({"Accounts": [ACCOUNT], "Rates": rates, "Contracts": [contract("C1", None)]}),
            )
        ],
        user=ADMIN,
        currencies=Currencies("USD", "EUR"),
        today=TODAY,
    )
    assert db.execute("SELECT annual_value FROM contracts").fetchall() == [(900.0,)]


@pytest.mark.parametrize(
    "days_ahead,listed",
    [(-1, False), (0, True), (180, True), (181, False)],
)
def test_renewals_of_the_next_180_days_include_today_and_the_180th_day(db, make_workbook, days_ahead, listed):
    load(db, make_workbook, [contract("C1", TODAY + timedelta(days=days_ahead))])
    assert renewals(db, as_of=TODAY)["contract_id"].to_list() == (["C1"] if listed else [])


@pytest.mark.parametrize(
    "notice_days,days_ahead,in_notice",
    [
        (30, 30, True),  # the notice deadline is today: within the notice period
        (30, 31, False),  # a day before the deadline
        (None, 90, True),  # no notice period given: 90 days
        (None, 91, False),
    ],
)
def test_a_contract_is_within_its_notice_period_from_the_renewal_date_minus_the_notice(
    db, make_workbook, notice_days, days_ahead, in_notice
):
    renews = TODAY + timedelta(days=days_ahead)
    load(db, make_workbook, [contract("C1", renews, notice_days=notice_days)])
    row = renewals(db, as_of=TODAY).row(0, named=True)
    assert (row["in_notice"], row["notice_by"], row["days_left"]) == (
        in_notice,
        renews - timedelta(days=notice_days or 90),
        days_ahead,
    )


def test_a_contract_without_renewal_date_renews_at_its_end(db, make_workbook):
    load(db, make_workbook, [contract("C1", None, end=TODAY + timedelta(days=10))])
    assert renewals(db, as_of=TODAY)["renewal_date"].to_list() == [TODAY + timedelta(days=10)]


def test_each_renewal_carries_the_accounts_health_and_loyalty(db, make_workbook):
    load(db, make_workbook, [contract("C1", TODAY + timedelta(days=20))])
    overview = pl.DataFrame(
        {
            "account_id": ["A1"],
            "account_name": ["Alpha"],
            "account_manager": ["Ann AM"],
            "executive_sponsor": [None],
            "health": [55.0],
            "health_band": ["watch"],
            "loyalty_index": [61.0],
            "nps": [-20.0],
            "respondents": [4],
        }
    )
    row = renewals_with_health(db, overview, as_of=TODAY).row(0, named=True)
    assert (row["account_name"], row["health"], row["loyalty_index"], row["nps"]) == (
        "Alpha",
        55.0,
        61.0,
        -20.0,
    )


def test_a_database_from_before_contracts_gains_the_table_with_its_rollback_twin(tmp_path):
    path = tmp_path / "old.duckdb"
    con = connect(path)
    con.execute("DROP TABLE contracts")
    con.execute("DROP TABLE contracts__before")
    con.execute("DELETE FROM schema_version WHERE version = ?", [len(MIGRATIONS)])
    for table in ("health_history", "attention_acks", "digests"):
        con.execute(f"DROP TABLE {table}")  # sql-ok: test
    assert migrate(con) == len(MIGRATIONS)
    columns = [r[0] for r in con.execute("DESCRIBE contracts").fetchall()]
    assert columns[-2:] == ["extras", "loaded_in"] and "end" in columns
    assert con.execute("SELECT count(*) FROM contracts__before").fetchall() == [(0,)]
