"""Money over the data-through window (SPEC.md section 4), with figures worked out by hand.

The program: account A sells 81 a month and B 19 a month, flat, from Jan 2024 to Dec 2025;
A has also reported Jan 2026, B has not. A reports profit 8.1 a month (10%), B none. C is
known only from the CRM: no financials, one deal won for 50 in Jun 2025.
"""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import pypdf
import pytest

from sam_core.access.permissions import User
from sam_core.ingest.uploads import load_files
from sam_core.metrics.headline import headline
from sam_core.metrics.health import account_overview
from sam_core.metrics.portfolio import RevenueRules, account_revenue, concentration, data_through
from sam_core.outputs.brief import account_brief
from sam_core.outputs.brief_pdf import brief_pdf

ADMIN = User("admin", "Admin", "admin")
MARIA = User("manager", "Maria Keller", "account_manager")
AS_OF = date(2026, 2, 10)
MONTHS = [date(2024 + i // 12, i % 12 + 1, 1) for i in range(24)]  # Jan 2024 .. Dec 2025
ACCOUNTS = [
    {"account_id": "A", "account_name": "Alpha", "account_manager": "Ann AM"},
    {"account_id": "B", "account_name": "Beta", "account_manager": "Maria Keller"},
    {"account_id": "C", "account_name": "Gamma", "account_manager": "Ann AM"},
]


def month_rows(account: str, months: list[date], revenue: float, profit: float | None = None) -> list[dict]:
    return [{"account_id": account, "period": m, "revenue": revenue, "profit": profit} for m in months]


def program(a: float = 81, b: float = 19) -> dict:
    return {
        "Accounts": ACCOUNTS,
        "Financials": month_rows("A", [*MONTHS, date(2026, 1, 1)], a, a / 10) + month_rows("B", MONTHS, b),
        "Opportunities": [
            {
                "opportunity_id": "W1",
                "account_id": "C",
                "stage": "won",
                "amount": 50,
                "close_date": date(2025, 6, 15),
            }
        ],
    }


@pytest.fixture
def loaded(db, make_workbook):
    load_files(db, [("program.xlsx", make_workbook(program()))], user=ADMIN)
    return db


def rows(con, **kwargs) -> dict[str, dict]:
    return {r["account_id"]: r for r in account_revenue(con, as_of=AS_OF, **kwargs).iter_rows(named=True)}


@pytest.mark.parametrize(
    "a,b,share,through",
    [
        # Jan 2026: only A reported; A held 12 x 79 = 948 of the 1,200 sold Jan-Dec 2025 = 79%.
        (79, 21, 0.80, date(2025, 12, 1)),
        # 12 x 81 = 972 of 1,200 = 81%: January is the data-through month.
        (81, 19, 0.80, date(2026, 1, 1)),
        # "at least 80%": exactly 960 of 1,200 is enough
        (80, 20, 0.80, date(2026, 1, 1)),
        # the setting decides: 79% is enough when 75% is asked
        (79, 21, 0.75, date(2026, 1, 1)),
    ],
    ids=["79%-reported", "81%-reported", "exactly-80%", "79%-with-a-75%-setting"],
)
def test_the_data_through_month_is_the_latest_reported_by_accounts_holding_the_share(
    db, make_workbook, a, b, share, through
):
    load_files(db, [("p.xlsx", make_workbook(program(a, b)))], user=ADMIN)
    found = data_through(db, as_of=AS_OF, share=share)
    assert (found.month, found.latest_month) == (through, date(2026, 1, 1))
    assert rows(db, rules=RevenueRules(reported_share=share))["A"]["data_through"] == through


def test_an_account_that_has_not_reported_the_month_is_marked_and_is_not_a_fall(loaded):
    r = rows(loaded)
    # Window Feb 2025 .. Jan 2026. A: 12 x 81 = 972, previous 12 x 81 = 972.
    assert (r["A"]["financials"], r["A"]["revenue"], r["A"]["growth"]) == ("reported", 972, 0)
    # B: Feb-Dec 2025 = 11 x 19 = 209 against the same 11 months a year before (228 - Jan 2025's 19).
    assert (r["B"]["financials"], r["B"]["revenue"], r["B"]["revenue_previous"]) == ("not reported", 209, 228)
    assert r["B"]["growth"] == 0  # not 209 / 228 - 1 = -8.3%


def test_accounts_without_financials_are_left_out_of_ranking_tiers_concentration_and_listed(loaded):
    frame = account_revenue(loaded, as_of=AS_OF)
    assert frame.select("account_id", "financials", "revenue", "rank", "tier", "share").rows() == [
        ("A", "reported", 972, 1, "A", pytest.approx(972 / 1181)),
        ("B", "not reported", 209, 2, "B", pytest.approx(209 / 1181)),  # 82.3% before it: tier B
        ("C", "no financials", None, None, None, None),
    ]
    c = concentration(frame, 1)
    assert (c.accounts, c.total_revenue, c.top_share) == (2, 1181, pytest.approx(972 / 1181))
    h = headline(loaded, account_overview(loaded, as_of=AS_OF), as_of=AS_OF, n=1)
    assert h.no_financials.rows() == [("C", "Gamma")]
    assert h.not_reported.rows() == [("B", "Beta")]


def test_the_margin_is_over_the_accounts_that_report_profit_and_says_how_many(loaded):
    h = headline(loaded, account_overview(loaded, as_of=AS_OF), as_of=AS_OF, n=2)
    # A's profit 12 x 8.1 = 97.2 over A's revenue 972 = 10%; B reports no profit (not 97.2 / 1181 = 8.2%)
    assert h.margin.value == pytest.approx(0.10)
    assert (h.margin_accounts, h.margin_revenue_share) == (1, pytest.approx(972 / 1181))
    assert rows(loaded)["B"]["margin"] is None


def test_won_deals_count_as_revenue_for_accounts_without_financials_when_the_setting_says_so(loaded):
    r = rows(loaded, rules=RevenueRules(won_as_revenue=True))
    assert (r["C"]["financials"], r["C"]["revenue"], r["C"]["rank"]) == ("won deals", 50, 3)
    h = headline(
        loaded,
        account_overview(loaded, as_of=AS_OF, rules=RevenueRules(won_as_revenue=True)),
        as_of=AS_OF,
        n=3,
        rules=RevenueRules(won_as_revenue=True),
    )
    assert (h.revenue.value, h.won_as_revenue.rows()) == (1231, [("C", "Gamma")])  # 972 + 209 + 50


def test_the_as_of_month_moves_the_window(loaded):
    # As of Dec 2025 both accounts reported: Jan-Dec 2025 = 972 and 228.
    r = {x["account_id"]: x for x in account_revenue(loaded, as_of=date(2025, 12, 31)).iter_rows(named=True)}
    assert (r["A"]["revenue"], r["B"]["revenue"], r["B"]["financials"]) == (972, 228, "reported")


def headline_figures(con) -> dict:
    overview = account_overview(con, as_of=AS_OF)
    h = headline(con, overview, as_of=AS_OF, n=1)
    return {
        "through": h.data_through.month,
        "revenue": h.revenue.value,
        "growth": h.growth.value,
        "margin": h.margin.value,
        "top share": h.top_share.value,
        "accounts": {r["account_id"]: (r["revenue"], r["growth"]) for r in overview.iter_rows(named=True)},
    }


def test_one_month_added_to_one_account_moves_nothing_else(loaded, make_workbook):
    before = headline_figures(loaded)
    # Maria fills B's missing January (19): the window stays; only B's revenue and growth change.
    load_files(
        loaded,
        [("b.xlsx", make_workbook({"Financials": month_rows("B", [date(2026, 1, 1)], 19)}))],
        user=MARIA,
    )
    after = headline_figures(loaded)
    assert after["through"] == before["through"] == date(2026, 1, 1)
    assert after["revenue"] == before["revenue"] + 19 == 1200
    assert after["accounts"] == before["accounts"] | {"B": (228, 0)}
    assert (
        (after["growth"], after["margin"]) == (before["growth"], before["margin"]) == (0, pytest.approx(0.10))
    )


def test_an_early_month_of_one_account_shifts_no_window(loaded, make_workbook):
    before = headline_figures(loaded)
    # Maria sends B's February 2026 early: B held 209 of the 1,181 sold Feb 2025 - Jan 2026 = 17.7%,
    # so February is not reported enough and the window stays at January.
    load_files(
        loaded,
        [("b.xlsx", make_workbook({"Financials": month_rows("B", [date(2026, 2, 1)], 19)}))],
        user=MARIA,
    )
    assert headline_figures(loaded) == before
    assert data_through(loaded, as_of=AS_OF).latest_month == date(2026, 2, 1)


def test_the_overview_lists_every_account_with_ranked_ones_first(loaded):
    overview = account_overview(loaded, as_of=AS_OF)
    assert overview["account_id"].to_list() == ["A", "B", "C"]
    assert overview.filter(pl.col("account_id") == "C")["health"].to_list() == [None]


def test_the_brief_says_what_its_money_covers_and_that_the_month_is_missing(loaded):
    overview = account_overview(loaded, as_of=AS_OF)
    pdf = brief_pdf(account_brief(loaded, overview, "B", as_of=AS_OF), currency="EUR")
    text = " ".join(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "money in EUR (€), data through Jan 2026" in text
    assert "€209" in text
    assert "0.0% like for like; Jan 2026 not reported" in text and "+0.0%" not in text  # a zero has no sign
    no_financials = brief_pdf(account_brief(loaded, overview, "C", as_of=AS_OF), currency="EUR")
    assert "no financials to Jan 2026" in " ".join(
        pypdf.PdfReader(io.BytesIO(no_financials)).pages[0].extract_text().split()
    )
