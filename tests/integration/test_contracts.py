"""The Contracts sheet: loading, its checks, money converted by the start month, and renewals in the
next 180 days with the account's health and loyalty beside each."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import polars as pl
import pytest
from pdf_layout import overlapping, text_lines
from portfolio_fixture import AS_OF, SHEETS

from sam_core.access.permissions import User
from sam_core.errors import ValidationFailed
from sam_core.ingest.currency import Currencies
from sam_core.ingest.uploads import load_files
from sam_core.metrics.contracts import renewals, renewals_with_health
from sam_core.metrics.health import account_overview
from sam_core.outputs.brief import account_brief
from sam_core.outputs.brief_pdf import brief_pdf
from sam_core.outputs.exports import brief_xlsx
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


# -- renewals in the brief (PDF on the designed page, Excel) ------------------------------------------


def _brief_with(db, make_workbook, contracts: list[dict], account_id: str = "A1"):
    load_files(db, [("p.xlsx", make_workbook({**SHEETS, "Contracts": contracts}))], user=ADMIN)
    return account_brief(db, account_overview(db, as_of=AS_OF), account_id, as_of=AS_OF)


def test_the_brief_shows_a_renewal_in_its_notice_period_with_the_accounts_health_and_loyalty(
    db, make_workbook, tmp_path
):
    # Renews 31 Aug 2026 with 90 days' notice: notice by 2 Jun 2026, so on 15 Jun it is in the notice
    # period. A1's health 75 and loyalty index 81 are the Portfolio's (test_meeting_outputs works them out).
    renews = contract("C1", date(2026, 8, 31), name="Service agreement", auto_renew="yes", notice_days=90)
    brief = _brief_with(db, make_workbook, [renews])
    texts = [t[4] for t in text_lines(brief_pdf(brief, currency="EUR"), tmp_path)[1]]
    assert "Renewals in the next 180 days · health 75, loyalty 81" in texts
    assert (
        "Service agreement · €1.0k a year · renews 31 Aug 2026, automatically · notice by 2 Jun 2026 "
        "(in the notice period)" in texts
    )


def test_a_second_renewal_is_counted_on_the_line_and_nothing_overlaps_or_leaves_the_page(
    db, make_workbook, tmp_path
):
    later = contract("C2", date(2026, 11, 30), name="Support " + "with a very long name " * 8)
    brief = _brief_with(db, make_workbook, [contract("C1", date(2026, 8, 31)), later])
    lines = text_lines(brief_pdf(brief, currency="EUR"), tmp_path)[1]
    renewal = next(t for t in lines if t[4].startswith("Contract C1 ·"))
    assert renewal[4].endswith("· and 1 more on the Portfolio page")
    assert overlapping(lines) == []
    footer = next(t for t in lines if t[4].startswith("Account brief of Alpha"))
    assert renewal[3] < footer[1]  # above the footer, which stays in the margin box


def test_an_account_renewing_nothing_in_180_days_has_no_renewals_in_its_brief(db, make_workbook, tmp_path):
    brief = _brief_with(db, make_workbook, [contract("C1", date(2027, 6, 30))])  # 380 days ahead
    texts = " ".join(t[4] for t in text_lines(brief_pdf(brief, currency="EUR"), tmp_path)[1])
    assert "Renewals in the next" not in texts and brief.renewals.is_empty()
    assert "Renewals" not in openpyxl.load_workbook(io.BytesIO(brief_xlsx(brief, currency="EUR"))).sheetnames


def test_the_excel_brief_lists_the_renewals(db, make_workbook):
    brief = _brief_with(db, make_workbook, [contract("C1", date(2026, 8, 31))])
    sheet = openpyxl.load_workbook(io.BytesIO(brief_xlsx(brief, currency="EUR")))["Renewals"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    # columns labelled for people, money naming its currency
    assert (row["Contract ID"], row["Annual value (€)"], row["In notice"]) == ("C1", 1000, "yes")
    assert row["Health"] == pytest.approx(75, abs=0.5)
