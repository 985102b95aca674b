"""Portfolio figures of SPEC.md section 4: trailing-12-month revenue, growth, margin, share
of wallet, concentration (top-N share, Pareto, HHI, effective number of accounts), tiers.

Money is summed in DuckDB; frames returned are one row per account (or per month), small
enough to draw. Money figures use one portfolio-wide "data through" month (`data_through`):
the latest month for which accounts holding at least 80% (a setting) of the previous 12
months' revenue have reported. "Trailing 12 months" (T12M) are the 12 months ending there,
"previous 12 months" the 12 before them. One account's early month never moves the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

# Concentration flags (SPEC.md section 4): (top n, share above which it is a risk)
CONCENTRATION_LIMITS = ((1, 0.10), (3, 0.25), (10, 0.40))
TIER_A, TIER_B = 0.80, 0.95
# What an account's financials say in the data-through window.
REPORTED, NOT_REPORTED, NO_FINANCIALS, WON_DEALS = "reported", "not reported", "no financials", "won deals"


@dataclass(frozen=True)
class RevenueRules:
    """How money is windowed (settings): the share of the previous 12 months' revenue whose
    accounts must have reported a month for it to be the data-through month, and whether
    won deal value counts as revenue for accounts without financials."""

    reported_share: float = 0.8
    won_as_revenue: bool = False


DEFAULT_RULES = RevenueRules()


@dataclass(frozen=True)
class DataThrough:
    """The data-through month, the share of the base revenue whose accounts reported it, and
    the latest month anyone reported (later when some accounts are early)."""

    month: date
    reported_share: float | None  # None when nothing was sold in the 12 months before
    latest_month: date


def data_through(
    con: duckdb.DuckDBPyConnection, *, as_of: date, share: float = DEFAULT_RULES.reported_share
) -> DataThrough | None:
    """The latest month M on or before `as_of`'s month for which the accounts that reported
    M (have a Financials row in it) held at least `share` of the revenue of the 12 months
    before M (negative account totals count as 0). A month with no revenue before it (the
    first month of data) qualifies; months more than 24 before `as_of` are not considered,
    and when none of the last 24 qualifies, the latest month with data is used. None without
    financials."""
    month = as_of.replace(day=1)
    rows = con.execute(
        """WITH monthly AS (
               SELECT account_id, date_trunc('month', period)::DATE AS month, sum(revenue) AS revenue
               FROM financials
               WHERE period < ?::DATE + INTERVAL 1 MONTH AND period >= ?::DATE - INTERVAL 36 MONTH
               GROUP BY ALL
           ),
           candidates AS (SELECT DISTINCT month FROM monthly WHERE month > ?::DATE - INTERVAL 24 MONTH),
           base AS (
               SELECT c.month, m.account_id, greatest(sum(m.revenue), 0) AS base
               FROM candidates c JOIN monthly m
                   ON m.month >= c.month - INTERVAL 12 MONTH AND m.month < c.month
               GROUP BY ALL
           )
           SELECT c.month, coalesce(sum(b.base), 0) AS total,
                  coalesce(sum(b.base) FILTER (WHERE r.account_id IS NOT NULL), 0) AS reported
           FROM candidates c LEFT JOIN base b USING (month)
           LEFT JOIN monthly r ON r.month = c.month AND r.account_id = b.account_id
           GROUP BY c.month ORDER BY c.month DESC""",
        [month, month, month],
    ).fetchall()
    if not rows:
        last = latest_period(con, as_of)
        return None if last is None else DataThrough(last.replace(day=1), None, last.replace(day=1))
    latest = rows[0][0]
    for candidate, total, reported in rows:
        if total <= 0:
            return DataThrough(candidate, None, latest)
        if reported >= share * total:
            return DataThrough(candidate, reported / total, latest)
    return DataThrough(latest, rows[0][2] / rows[0][1] if rows[0][1] else None, latest)


def latest_period(con: duckdb.DuckDBPyConnection, as_of: date) -> date | None:
    """The latest financial period on or before `as_of` (None without financials)."""
    return con.execute("SELECT max(period) FROM financials WHERE period <= ?", [as_of]).fetchall()[0][0]


# Each account's owner: itself, or with roll-up (the first parameter) its top parent.
OWNERS_SQL = """
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


def account_revenue(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: date,
    rollup: bool = False,
    rules: RevenueRules = DEFAULT_RULES,
    through: DataThrough | None = None,
) -> pl.DataFrame:
    """One row per account (per top parent with `rollup`) over the data-through window
    (`through`, found with `data_through` when not given):
    T12M revenue, profit, EBITDA, plan; previous-12-month revenue; growth (T12M / previous -
    1, where an account that has not reported the data-through month leaves out the same
    month a year before, so a missing report is never a fall; the previous revenue, profit and
    growth are empty while the financials do not reach back to the previous window's first month);
    margin (profit / the revenue of the months that report profit); share of wallet (T12M
    revenue / wallet_estimate);
    share of total T12M revenue, rank, cumulative share and tier (given, else A/B/C by
    cumulative share: A = the accounts making the first 80%, B the next 15%, C the rest).

    `financials` says what the window holds: reported, not reported (no row for the
    data-through month), no financials (no row in the window: revenue, share, rank, growth,
    margin and computed tier stay empty, listed after the ranked accounts), or won deals
    (with `rules.won_as_revenue`, an account without financials whose won deals in the window
    count as its revenue). `data_through` is the window's last month on every row."""
    through = through or data_through(con, as_of=as_of, share=rules.reported_share)
    if through is None:
        return pl.DataFrame()
    query = (
        OWNERS_SQL
        + """,
    -- growth compares the window with the 12 months before it: only where the data reach back
    -- to their first month (an early as-of month would set 12 months against 2)
    months AS (SELECT ?::DATE AS last_period,
                      coalesce((SELECT min(date_trunc('month', period)) FROM financials)
                               <= last_period - INTERVAL 23 MONTH, false) AS previous_complete),
    per_account AS (
        SELECT f.account_id,
               count(*) FILTER (WHERE f.period > m.last_period - INTERVAL 12 MONTH) AS current_rows,
               bool_or(date_trunc('month', f.period) = m.last_period) AS reported_last,
               sum(f.revenue) FILTER (WHERE f.period > m.last_period - INTERVAL 12 MONTH) AS revenue,
               sum(f.revenue) FILTER (WHERE f.period <= m.last_period - INTERVAL 12 MONTH)
                   AS revenue_previous,
               sum(f.revenue) FILTER (WHERE date_trunc('month', f.period) = m.last_period - INTERVAL 12 MONTH)
                   AS revenue_year_before_last,
               sum(f.profit) FILTER (WHERE f.period > m.last_period - INTERVAL 12 MONTH) AS profit,
               sum(f.profit) FILTER (WHERE f.period <= m.last_period - INTERVAL 12 MONTH) AS profit_previous,
               sum(f.revenue) FILTER (WHERE f.period > m.last_period - INTERVAL 12 MONTH
                                      AND f.profit IS NOT NULL)
                   AS revenue_with_profit,
               sum(f.revenue) FILTER (WHERE f.period <= m.last_period - INTERVAL 12 MONTH
                                      AND f.profit IS NOT NULL) AS revenue_previous_with_profit,
               sum(f.ebitda) FILTER (WHERE f.period > m.last_period - INTERVAL 12 MONTH) AS ebitda,
               sum(f.plan_revenue) FILTER (WHERE f.period > m.last_period - INTERVAL 12 MONTH) AS plan_revenue
        FROM financials f, months m
        WHERE f.period > m.last_period - INTERVAL 24 MONTH AND f.period < m.last_period + INTERVAL 1 MONTH
        GROUP BY ALL
    ),
    money AS (
        SELECT o.owner_id AS account_id,
               sum(p.current_rows) AS current_rows,
               count(*) FILTER (WHERE p.current_rows > 0 AND NOT p.reported_last) AS not_reported,
               sum(p.revenue) AS revenue, sum(p.revenue_previous) AS revenue_previous,
               sum(p.revenue_previous) - coalesce(sum(p.revenue_year_before_last)
                   FILTER (WHERE p.current_rows > 0 AND NOT p.reported_last), 0) AS revenue_previous_like,
               sum(p.profit) AS profit, sum(p.profit_previous) AS profit_previous,
               sum(p.revenue_with_profit) AS revenue_with_profit,
               sum(p.revenue_previous_with_profit) AS revenue_previous_with_profit,
               sum(p.ebitda) AS ebitda, sum(p.plan_revenue) AS plan_revenue
        FROM per_account p JOIN owner o USING (account_id)
        GROUP BY ALL
    ),
    won AS (
        SELECT o.owner_id AS account_id,
               sum(x.amount) FILTER (WHERE x.close_date >= m.last_period - INTERVAL 11 MONTH) AS won,
               sum(x.amount) FILTER (WHERE x.close_date < m.last_period - INTERVAL 11 MONTH) AS won_previous
        FROM opportunities x JOIN owner o USING (account_id), months m
        WHERE ? AND x.stage = 'won' AND x.close_date >= m.last_period - INTERVAL 23 MONTH
          AND x.close_date < m.last_period + INTERVAL 1 MONTH
        GROUP BY ALL
    ),
    wallet AS (
        SELECT o.owner_id AS account_id, sum(a.wallet_estimate) AS wallet_estimate
        FROM accounts a JOIN owner o USING (account_id) GROUP BY ALL
    ),
    joined AS (
        SELECT a.account_id, a.account_name, a.account_manager, a.executive_sponsor, a.business_unit,
               a.region, a.industry, a.status, coalesce(a.strategic, false) AS strategic,
               a.tier AS given_tier,
               CASE WHEN coalesce(m.current_rows, 0) > 0 THEN (CASE WHEN m.not_reported > 0 THEN ? ELSE ? END)
                    WHEN w.won IS NOT NULL THEN ? ELSE ? END AS financials,
               m.* EXCLUDE (account_id), w.won, w.won_previous, wl.wallet_estimate
        FROM accounts a JOIN owner o ON o.account_id = a.account_id AND o.owner_id = a.account_id
        LEFT JOIN money m ON m.account_id = a.account_id
        LEFT JOIN won w ON w.account_id = a.account_id
        LEFT JOIN wallet wl ON wl.account_id = a.account_id
    ),
    ranked AS (
        SELECT account_id, account_name, account_manager, executive_sponsor, business_unit, region, industry,
               status, strategic, given_tier, financials,
               CASE WHEN financials = ? THEN won ELSE revenue END AS revenue,
               CASE WHEN m.previous_complete THEN (CASE WHEN financials = ? THEN won_previous
                                                         ELSE revenue_previous END) END AS revenue_previous,
               CASE WHEN m.previous_complete THEN (CASE WHEN financials = ? THEN won_previous
                                                         ELSE revenue_previous_like END) END
                   AS revenue_previous_like,
               profit,
               CASE WHEN m.previous_complete THEN profit_previous END AS profit_previous,
               revenue_with_profit,
               CASE WHEN m.previous_complete THEN revenue_previous_with_profit END
                   AS revenue_previous_with_profit,
               ebitda,
               plan_revenue,
               wallet_estimate
        FROM joined, months m
    ),
    shared AS (SELECT *, revenue / nullif(sum(revenue) OVER (), 0) AS share FROM ranked)
    SELECT *,
           CASE WHEN revenue IS NOT NULL THEN row_number() OVER (ORDER BY revenue DESC NULLS LAST, account_id)
           END AS rank,
           CASE WHEN revenue IS NOT NULL THEN sum(share) OVER (ORDER BY revenue DESC NULLS LAST, account_id)
           END AS cumulative_share,
           revenue / nullif(revenue_previous_like, 0) - 1 AS growth,
           profit / nullif(revenue_with_profit, 0) AS margin,
           revenue / nullif(wallet_estimate, 0) AS share_of_wallet,
           ?::DATE AS data_through
    FROM shared ORDER BY rank NULLS LAST, account_name, account_id"""
    )
    params = [
        rollup,
        through.month,
        rules.won_as_revenue,
        NOT_REPORTED,
        REPORTED,
        WON_DEALS,
        NO_FINANCIALS,
        WON_DEALS,
        WON_DEALS,
        WON_DEALS,
        through.month,
    ]
    frame = con.sql(query, params=params).pl()
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


def ranked(revenue: pl.DataFrame) -> pl.DataFrame:
    """The accounts with revenue in the window (those without financials are left out of
    concentration, tiers and the Pareto curve), largest first."""
    return revenue.filter(pl.col("rank").is_not_null()) if "rank" in revenue.columns else revenue


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
    flags when the largest account holds over 10%, the top 3 over 25%, the top 10 over 40%.
    Accounts without financials are left out."""
    revenue = ranked(revenue)
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
    rules: RevenueRules = DEFAULT_RULES,
    through: DataThrough | None = None,
) -> pl.DataFrame:
    """Revenue, profit, EBITDA and plan per period (month or quarter) over the 24 months to
    the data-through month, for the top accounts (`top_ids`) against the rest."""
    through = through or data_through(con, as_of=as_of, share=rules.reported_share)
    if through is None:
        return pl.DataFrame()
    last = through.month
    if grain not in ("month", "quarter"):
        raise ValueError(grain)
    query = (
        OWNERS_SQL
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
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: date,
    account_ids: list[str],
    rollup: bool = False,
    rules: RevenueRules = DEFAULT_RULES,
    through: DataThrough | None = None,
) -> pl.DataFrame:
    """Monthly revenue of the 12 months to the data-through month per account, as a list
    (for sparklines)."""
    through = through or data_through(con, as_of=as_of, share=rules.reported_share)
    if through is None:
        return pl.DataFrame(schema={"account_id": pl.String, "revenue_trend": pl.List(pl.Float64)})
    last = through.month
    query = (
        OWNERS_SQL
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
