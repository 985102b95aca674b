"""The portfolio's headline figures with their change against the previous period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import polars as pl

from sam_core.metrics.cadence import cadence_status, program_compliance
from sam_core.metrics.loyalty import feedback_revenue_coverage, loyalty_by_account, program_loyalty, waves
from sam_core.metrics.policy import cadence_policy
from sam_core.metrics.portfolio import Concentration, concentration
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
    revenue: Figure  # T12M, previous = the 12 months before
    growth: Figure
    margin: Figure
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


def headline(con: duckdb.DuckDBPyConnection, overview: pl.DataFrame, *, as_of: date, n: int) -> Headline:
    """Headline figures from the account overview (see health.account_overview)."""
    revenue = float(overview["revenue"].sum())
    previous = overview["revenue_previous"].sum()
    profit, profit_previous = overview["profit"].sum(), overview["profit_previous"].sum()
    previous_top = (
        overview.sort("revenue_previous", descending=True, nulls_last=True).head(n)["revenue_previous"].sum()
    )
    known = waves(con)
    latest = program_loyalty(con, wave=known[-1] if known else None)
    before = program_loyalty(con, wave=known[-2] if len(known) > 1 else None)

    def coverage(wave: str | None) -> float | None:
        if wave is None:
            return None
        return feedback_revenue_coverage(overview, loyalty_by_account(con, wave=wave)["account_id"])

    conc = concentration(overview, n)
    policy = cadence_policy(con)
    status = cadence_status(con, as_of=as_of, policy=policy)
    return Headline(
        revenue=Figure(revenue, previous or None),
        growth=Figure(revenue / previous - 1 if previous else None),
        margin=Figure(
            profit / revenue if revenue else None, profit_previous / previous if previous else None
        ),
        top_share=Figure(conc.top_share, previous_top / previous if previous else None),
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
            program_compliance(cadence_status(con, as_of=as_of - timedelta(days=90), policy=policy)),
        ),
        at_risk=int(overview.head(n)["at_risk"].sum()),
        strategic_accounts=int(overview["strategic"].sum()),
    )
