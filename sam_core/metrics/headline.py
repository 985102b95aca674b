"""The portfolio's headline figures with their change against the previous period.

Money figures come from the account overview over the data-through window (see portfolio):
accounts without financials are left out of revenue, growth, margin and concentration, and
listed; an account that has not reported the data-through month is listed and its growth
compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import polars as pl

from sam_core.metrics.cadence import cadence_status, program_compliance
from sam_core.metrics.loyalty import feedback_revenue_coverage, loyalty_by_account, program_loyalty, waves
from sam_core.metrics.pipeline import Pipeline, portfolio_pipeline
from sam_core.metrics.policy import cadence_policy
from sam_core.metrics.portfolio import (
    DEFAULT_RULES,
    NO_FINANCIALS,
    NOT_REPORTED,
    WON_DEALS,
    Concentration,
    DataThrough,
    RevenueRules,
    concentration,
    data_through,
    ranked,
)
from sam_core.metrics.sponsors import rule_compliance


@dataclass(frozen=True)
class Figure:
    value: float | None
    previous: float | None = None

    @property
    def change(self) -> float | None:
        return None if self.value is None or self.previous is None else self.value - self.previous


@dataclass(frozen=True)
class Headline:
    data_through: DataThrough
    revenue: Figure  # T12M, previous = the 12 months before (like for like, see portfolio)
    growth: Figure
    margin: Figure  # profit / revenue, over the accounts that report profit
    margin_accounts: int  # accounts that report profit in the window
    margin_revenue_share: float | None  # their share of T12M revenue
    top_share: Figure  # share of the top N, previous = same N a year earlier
    concentration: Concentration
    loyalty_index: Figure  # latest wave, previous = wave before
    nps: Figure
    respondents: int
    feedback_coverage: Figure
    cadence_compliance: Figure  # now, previous = 90 days ago
    cadence_by_rule: pl.DataFrame  # rule, compliance, accounts_overdue (as on the Sponsor cadence page)
    accounts_overdue: int  # strategic accounts with any cadence rule overdue
    at_risk: int  # among the top N
    strategic_accounts: int
    pipeline: Pipeline
    not_reported: pl.DataFrame  # account_id, account_name: no row for the data-through month
    no_financials: pl.DataFrame  # account_id, account_name: nothing in the window
    won_as_revenue: pl.DataFrame  # account_id, account_name: revenue from won deals (setting)


def _engagements_since(con: duckdb.DuckDBPyConnection, day: date) -> bool:
    """Whether the engagements loaded reach back to `day`."""
    first = con.execute("SELECT min(date) FROM engagements").fetchall()[0][0]
    return first is not None and first <= day


def headline(
    con: duckdb.DuckDBPyConnection,
    overview: pl.DataFrame,
    *,
    as_of: date,
    n: int,
    rules: RevenueRules = DEFAULT_RULES,
    through: DataThrough | None = None,
) -> Headline:
    """Headline figures from the account overview (see health.account_overview, made with
    the same `as_of`, `rules` and data-through month)."""
    money = ranked(overview)
    revenue = float(money["revenue"].sum())
    previous = money["revenue_previous_like"].sum()
    profit, profit_previous = money["profit"].sum(), money["profit_previous"].sum()
    with_profit = money["revenue_with_profit"].sum()
    previous_with_profit = money["revenue_previous_with_profit"].sum()
    previous_top = (
        money.sort("revenue_previous", descending=True, nulls_last=True).head(n)["revenue_previous"].sum()
    )
    previous_all = money["revenue_previous"].sum()

    def listed(status: str) -> pl.DataFrame:
        return overview.filter(pl.col("financials") == status).select("account_id", "account_name")

    known = waves(con, as_of=as_of)
    latest = program_loyalty(con, wave=known[-1] if known else None, as_of=as_of)
    before = program_loyalty(con, wave=known[-2] if len(known) > 1 else None, as_of=as_of)

    def coverage(wave: str | None) -> float | None:
        if wave is None:
            return None
        return feedback_revenue_coverage(money, loyalty_by_account(con, wave=wave, as_of=as_of)["account_id"])

    conc = concentration(overview, n)
    policy = cadence_policy(con)
    status = cadence_status(con, as_of=as_of, policy=policy)
    return Headline(
        data_through=through or data_through(con, as_of=as_of, share=rules.reported_share),
        revenue=Figure(revenue, previous or None),
        growth=Figure(revenue / previous - 1 if previous else None),
        margin=Figure(
            profit / with_profit if with_profit else None,
            profit_previous / previous_with_profit if previous_with_profit else None,
        ),
        margin_accounts=int(money["revenue_with_profit"].is_not_null().sum()),
        margin_revenue_share=with_profit / revenue if revenue and with_profit is not None else None,
        top_share=Figure(conc.top_share, previous_top / previous_all if previous_all else None),
        concentration=conc,
        loyalty_index=Figure(latest["loyalty_index"], before["loyalty_index"]),
        nps=Figure(latest["nps"], before["nps"]),
        respondents=latest["respondents"],
        feedback_coverage=Figure(
            coverage(known[-1] if known else None), coverage(known[-2] if len(known) > 1 else None)
        ),
        cadence_by_rule=rule_compliance(status),
        accounts_overdue=status.filter(pl.col("status") == "overdue")["account_id"].n_unique(),
        cadence_compliance=Figure(
            program_compliance(status),
            # 90 days earlier, only where the engagements reach back that far (else every rule was
            # overdue then only because nothing had been loaded yet: '+50 pts' of nothing)
            program_compliance(cadence_status(con, as_of=as_of - timedelta(days=90), policy=policy))
            if _engagements_since(con, as_of - timedelta(days=90))
            else None,
        ),
        at_risk=int(money.head(n)["at_risk"].sum()),
        strategic_accounts=int(overview["strategic"].sum()),
        pipeline=portfolio_pipeline(overview),
        not_reported=listed(NOT_REPORTED),
        no_financials=listed(NO_FINANCIALS),
        won_as_revenue=listed(WON_DEALS),
    )
