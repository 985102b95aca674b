"""Pipeline and wins (SPEC.md section 4), with figures worked out by hand.

Account A, data through Jan 2026 (window Feb 2025 .. Jan 2026):

| id | stage | amount | probability | counts as |
|---|---|---|---|---|
| O1 | proposal | 100 | - | open, weighted 50 (stage default 50%) |
| O2 | negotiation | 200 | 60% | open, weighted 120 (its own probability) |
| O3 | - | 10 | - | open, weighted 1 (no stage: prospecting, 10%) |
| O4 | won | 300 | - | won in the window (Jun 2025) |
| O5 | lost | 100 | - | lost in the window (Sep 2025) |
| O6 | won | 1000 | - | won before the window (Dec 2024): not counted |
| O7 | won | 50 | - | closes after the window (Feb 2026): not counted |
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sam_core.access.permissions import User
from sam_core.ingest.uploads import load_files
from sam_core.metrics.headline import headline
from sam_core.metrics.health import account_overview
from sam_core.metrics.pipeline import account_pipeline
from sam_core.plans import facts as facts_module
from sam_core.plans.facts import plan_facts

ADMIN = User("admin", "Admin", "admin")
AS_OF = date(2026, 2, 10)


def opp(oid, stage, amount, probability=None, close=None, account="A"):
    return {
        "opportunity_id": oid,
        "account_id": account,
        "stage": stage,
        "amount": amount,
        "probability": probability,
        "close_date": close,
    }


@pytest.fixture
def pipeline(db, make_workbook):
    sheets = {
        "Accounts": [
            {"account_id": "A", "account_name": "Alpha", "account_manager": "Ann AM"},
            {
                "account_id": "A9",
                "account_name": "Alpha Nordic",
                "account_manager": "Ann AM",
                "parent_account": "A",
            },
        ],
        "Financials": [
            {"account_id": "A", "period": date(2025 + (m // 12), m % 12 + 1, 1), "revenue": 10}
            for m in range(13)
        ],
        "Opportunities": [
            opp("O1", "proposal", 100),
            opp("O2", "negotiation", 200, "60%"),
            opp("O3", None, 10),
            opp("O4", "won", 300, close=date(2025, 6, 10)),
            opp("O5", "lost", 100, close=date(2025, 9, 1)),
            opp("O6", "won", 1000, close=date(2024, 12, 1)),
            opp("O7", "won", 50, close=date(2026, 2, 15)),
            opp("O8", "proposal", 40, account="A9"),
        ],
    }
    load_files(db, [("p.xlsx", make_workbook(sheets))], user=ADMIN)
    return db


def test_open_weighted_won_and_win_rates_of_an_account(pipeline):
    row = account_pipeline(pipeline, through=date(2026, 1, 1)).row(0, named=True)
    assert row == {
        "account_id": "A",
        "open_deals": 3,
        "open_pipeline": 310,  # 100 + 200 + 10
        "weighted_pipeline": pytest.approx(171),  # 50 + 120 + 1
        "won_deals": 1,
        "won_value": 300,
        "closed_deals": 2,
        "closed_value": 400,
        "win_rate_count": 0.5,  # 1 of 2
        "win_rate_value": 0.75,  # 300 of 400
    }


def test_an_account_without_closed_deals_has_no_win_rate_rather_than_nan(pipeline):
    nordic = account_pipeline(pipeline, through=date(2026, 1, 1)).filter(pl.col("account_id") == "A9")
    assert nordic.select("closed_deals", "win_rate_count", "win_rate_value").rows() == [(0, None, None)]


def test_a_subsidiarys_pipeline_rolls_up_into_its_parent(pipeline):
    rolled = account_pipeline(pipeline, through=date(2026, 1, 1), rollup=True).row(0, named=True)
    assert (rolled["account_id"], rolled["open_pipeline"], rolled["weighted_pipeline"]) == (
        "A",
        350,
        pytest.approx(191),  # + O8: 40 at the proposal default 50%
    )


def test_the_portfolio_pipeline_sums_the_accounts_and_rates_the_closed_deals(pipeline):
    overview = account_overview(pipeline, as_of=AS_OF)
    p = headline(pipeline, overview, as_of=AS_OF, n=1).pipeline
    assert (p.open_deals, p.open_pipeline, p.weighted_pipeline) == (4, 350, pytest.approx(191))
    assert (p.won_deals, p.won_value, p.closed_deals, p.win_rate_count, p.win_rate_value) == (
        1,
        300,
        2,
        0.5,
        0.75,
    )


def test_an_account_without_opportunities_has_an_empty_pipeline_and_no_win_rate(db, make_workbook):
    load_files(
        db,
        [
            (
                "p.xlsx",
                make_workbook(
                    {
                        "Accounts": [
                            {"account_id": "Z", "account_name": "Zeta", "account_manager": "Ann AM"}
                        ],
                        "Financials": [{"account_id": "Z", "period": date(2026, 1, 1), "revenue": 5}],
                    }
                ),
            )
        ],
        user=ADMIN,
    )
    row = account_overview(db, as_of=AS_OF).row(0, named=True)
    assert (row["open_pipeline"], row["weighted_pipeline"], row["won_value"], row["win_rate_count"]) == (
        0,
        0,
        0,
        None,  # no closed deal: no rate, not 0%
    )


# -- the account plan's top opportunities (From the data): the same rule --------------------------


def test_the_plans_top_opportunities_weigh_as_the_pipeline_and_show_the_probability_used(pipeline):
    facts = plan_facts(pipeline, account_overview(pipeline, as_of=AS_OF), "A", as_of=AS_OF)
    # O2 200 x its own 60% = 120; O1 100 x proposal's default 50% = 50; O3 10 x prospecting 10% = 1
    assert facts.opportunities.select(
        "opportunity_id", "probability", "stage_default", "weighted_pipeline"
    ).rows() == [
        ("O2", pytest.approx(0.6), False, pytest.approx(120)),
        ("O1", pytest.approx(0.5), True, pytest.approx(50)),
        ("O3", pytest.approx(0.1), True, pytest.approx(1)),
    ]
    portfolio = account_pipeline(pipeline, through=date(2026, 1, 1)).filter(pl.col("account_id") == "A")
    assert facts.pipeline == {
        "open_deals": 3,
        "open_pipeline": pytest.approx(310),
        "weighted_pipeline": pytest.approx(portfolio["weighted_pipeline"][0]),  # 171
    }


def test_the_top_opportunities_are_the_largest_weighted_and_sum_within_the_accounts(pipeline, monkeypatch):
    monkeypatch.setattr(facts_module, "TOP_OPPORTUNITIES", 2)
    facts = plan_facts(pipeline, account_overview(pipeline, as_of=AS_OF), "A", as_of=AS_OF)
    # the two largest, 120 + 50, of the account's 171 weighted
    assert facts.opportunities["opportunity_id"].to_list() == ["O2", "O1"]
    assert facts.opportunities["weighted_pipeline"].sum() == pytest.approx(170)
    assert facts.pipeline["weighted_pipeline"] == pytest.approx(171)
