"""Portfolio figures of SPEC.md section 4: trailing-12-month revenue, growth, margin, share
of wallet, concentration (top-N share, Pareto, HHI, effective number of accounts), tiers.

Money is summed in DuckDB; frames returned are one row per account (or per month), small
enough to draw. "Trailing 12 months" (T12M) are the 12 monthly periods ending with the
latest period on or before `as_of`; "previous 12 months" the 12 before them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

# Concentration flags (SPEC.md section 4): (top n, share above which it is a risk)
CONCENTRATION_LIMITS = ((1, 0.10), (3, 0.25), (10, 0.40))
TIER_A, TIER_B = 0.80, 0.95


def latest_period(con: duckdb.DuckDBPyConnection, as_of: date) -> date | None:
    """The latest financial period on or before `as_of` (None without financials)."""
    return con.execute("SELECT max(period) FROM financials WHERE period <= ?", [as_of]).fetchall()[0][0]


_OWNER = """
    WITH RECURSIVE chain(account_id, owner_id, depth) AS (
        SELECT account_id, account_id, 0 FROM accounts
        UNION ALL
        SELECT c.account_id, a.parent_account, c.depth + 1
        FROM chain c JOIN accounts a ON a.account_id = c.owner_id
        WHERE a.parent_account IS NOT NULL AND a.parent_account <> a.account_id AND c.depth < 10
    ),
    owner AS (
        SELECT account_id, CASE WHEN ? THEN arg_max(owner_id, depth) ELSE account_id END AS owner_id
        FROM chain GROUP BY account_id
    )"""


def account_revenue(con: duckdb.DuckDBPyConnection, *, as_of: date, rollup: bool = False) -> pl.DataFrame:
    """One row per account (per top parent with `rollup`): T12M revenue, profit, EBITDA,
    plan, previous-12-month revenue, growth (T12M / previous - 1), margin (profit /
    revenue), share of wallet (T12M revenue / wallet_estimate), share of total T12M
    revenue, rank, cumulative share and tier (given, else A/B/C by cumulative share:
    A = the accounts making the first 80%, B the next 15%, C the rest)."""
    last = latest_period(con, as_of)
    if last is None:
        return pl.DataFrame()
    query = (
        _OWNER
        + """,
    months AS (SELECT ?::DATE AS last_period),
    money AS (
        SELECT o.owner_id AS account_id,
               sum(f.revenue) FILTER (WHERE f.period > m.last_period - INTERVAL 12 MONTH) AS revenue,
               sum(f.revenue) FILTER (WHERE f.period <= m.last_period - INTERVAL 12 MONTH)
                   AS revenue_previous,
               sum(f.profit) FILTER (WHERE f.period > m.last_period - INTERVAL 12 MONTH) AS profit,
               sum(f.profit) FILTER (WHERE f.period <= m.last_period - INTERVAL 12 MONTH) AS profit_previous,
               sum(f.ebitda) FILTER (WHERE f.period > m.last_period - INTERVAL 12 MONTH) AS ebitda,
               sum(f.plan_revenue) FILTER (WHERE f.period > m.last_period - INTERVAL 12 MONTH) AS plan_revenue
        FROM financials f JOIN owner o USING (account_id), months m
        WHERE f.period > m.last_period - INTERVAL 24 MONTH AND f.period <= m.last_period
        GROUP BY ALL
    ),
    wallet AS (
        SELECT o.owner_id AS account_id, sum(a.wallet_estimate) AS wallet_estimate
        FROM accounts a JOIN owner o USING (account_id) GROUP BY ALL
    ),
    ranked AS (
        SELECT a.account_id, a.account_name, a.account_manager, a.executive_sponsor, a.business_unit,
            a.region,
               a.industry, a.status, coalesce(a.strategic, false) AS strategic, a.tier AS given_tier,
               coalesce(m.revenue, 0) AS revenue, m.revenue_previous, m.profit, m.profit_previous, m.ebitda,
                   m.plan_revenue,
               w.wallet_estimate,
               coalesce(m.revenue, 0) / nullif(sum(coalesce(m.revenue, 0)) OVER (), 0) AS share
        FROM accounts a JOIN owner o ON o.account_id = a.account_id AND o.owner_id = a.account_id
        LEFT JOIN money m ON m.account_id = a.account_id
        LEFT JOIN wallet w ON w.account_id = a.account_id
    )
    SELECT *,
           row_number() OVER (ORDER BY revenue DESC, account_id) AS rank,
           sum(share) OVER (ORDER BY revenue DESC, account_id) AS cumulative_share,
           revenue / nullif(revenue_previous, 0) - 1 AS growth,
           profit / nullif(revenue, 0) AS margin,
           revenue / nullif(wallet_estimate, 0) AS share_of_wallet
    FROM ranked ORDER BY rank"""
    )
    frame = con.sql(query, params=[rollup, last]).pl()
    before = frame["cumulative_share"] - frame["share"]
    computed = (
        pl.when(before < TIER_A)
        .then(pl.lit("A"))
        .when(before < TIER_B)
        .then(pl.lit("B"))
        .otherwise(pl.lit("C"))
    )
    return frame.with_columns(
        pl.coalesce(pl.col("given_tier"), pl.when(pl.Series(before).is_not_null()).then(computed)).alias(
            "tier"
        ),
        pl.col("given_tier").is_null().alias("tier_computed"),
    ).drop("given_tier")


@dataclass(frozen=True)
class Concentration:
    """How much depends on how few: top-N share, HHI, effective number, risk flags."""

    n: int
    accounts: int
    total_revenue: float
    top_revenue: float
    top_share: float
    rest_share: float
    hhi: float  # sum of squared account shares (0-1)
    effective_accounts: float  # 1 / HHI
    flags: tuple[str, ...]


def concentration(revenue: pl.DataFrame, n: int) -> Concentration:
    """Top-N share of T12M revenue; HHI = sum of squared shares; effective number = 1/HHI;
    flags when the largest account holds over 10%, the top 3 over 25%, the top 10 over 40%."""
    total = float(revenue["revenue"].sum() or 0.0)
    shares = revenue["share"].fill_null(0.0)
    top = float(revenue.head(n)["revenue"].sum() or 0.0)
    hhi = float((shares**2).sum())
    flags = []
    for k, limit in CONCENTRATION_LIMITS:
        held = float(shares.head(k).sum())
        if held > limit:
            who = "The largest account holds" if k == 1 else f"The top {k} accounts hold"
            flags.append(f"{who} {held:.0%} of revenue (risk above {limit:.0%}).")
    top_share = top / total if total else 0.0
    return Concentration(
        n,
        revenue.height,
        total,
        top,
        top_share,
        1 - top_share if total else 0.0,
        hhi,
        1 / hhi if hhi else 0.0,
        tuple(flags),
    )


def revenue_trend(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: date,
    top_ids: list[str],
    rollup: bool = False,
    grain: str = "month",
) -> pl.DataFrame:
    """Revenue, profit, EBITDA and plan per period (month or quarter) over the 24 months to
    the latest period, for the top accounts (`top_ids`) against the rest."""
    last = latest_period(con, as_of)
    if last is None:
        return pl.DataFrame()
    if grain not in ("month", "quarter"):
        raise ValueError(grain)
    query = (
        _OWNER
        + """
    SELECT date_trunc(?, f.period)::DATE AS period,
           CASE WHEN list_contains(?, o.owner_id) THEN 'Top accounts' ELSE 'Other accounts' END AS "group",
           sum(f.revenue) AS revenue, sum(f.profit) AS profit, sum(f.ebitda) AS ebitda,
           sum(f.plan_revenue) AS plan_revenue
    FROM financials f JOIN owner o USING (account_id)
    WHERE f.period > ?::DATE - INTERVAL 24 MONTH AND f.period <= ?
    GROUP BY ALL ORDER BY period, "group" DESC"""
    )
    return con.sql(query, params=[rollup, grain, top_ids, last, last]).pl()


def monthly_revenue(
    con: duckdb.DuckDBPyConnection, *, as_of: date, account_ids: list[str], rollup: bool = False
) -> pl.DataFrame:
    """Monthly revenue of the last 12 periods per account, as a list (for sparklines)."""
    last = latest_period(con, as_of)
    if last is None:
        return pl.DataFrame(schema={"account_id": pl.String, "revenue_trend": pl.List(pl.Float64)})
    query = (
        _OWNER
        + """,
    monthly AS (
        SELECT o.owner_id AS account_id, f.period, sum(f.revenue) AS revenue
        FROM financials f JOIN owner o USING (account_id)
        WHERE f.period > ?::DATE - INTERVAL 12 MONTH AND f.period <= ? AND list_contains(?, o.owner_id)
        GROUP BY ALL
    )
    SELECT account_id, list(revenue ORDER BY period) AS revenue_trend FROM monthly GROUP BY account_id"""
    )
    return con.sql(query, params=[rollup, last, last, account_ids]).pl()
