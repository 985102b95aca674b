"""Pipeline and wins of SPEC.md section 4, per account and for the portfolio.

- Open pipeline = the amount of opportunities not won or lost (as last loaded).
- Weighted pipeline = amount x probability; where the probability is empty, the stage's
  default (`STAGE_PROBABILITY`; an open opportunity without a stage counts as prospecting).
- Won value = the amount of opportunities won with a close date in the data-through window
  (the 12 months to the data-through month).
- Win rate of the deals closed (won or lost) in that window, by count and by value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from sam_core.metrics.portfolio import OWNERS_SQL

STAGE_PROBABILITY = {"prospecting": 0.10, "qualifying": 0.25, "proposal": 0.50, "negotiation": 0.75}
PIPELINE_COLUMNS = {
    "account_id": pl.String,
    "open_deals": pl.Int64,
    "open_pipeline": pl.Float64,
    "weighted_pipeline": pl.Float64,
    "won_deals": pl.Int64,
    "won_value": pl.Float64,
    "closed_deals": pl.Int64,
    "closed_value": pl.Float64,
    "win_rate_count": pl.Float64,
    "win_rate_value": pl.Float64,
}


def probability_sql(alias: str) -> str:
    """The SQL of the probability the weighted pipeline uses for the opportunity `alias` (a
    table alias of the caller's query): its own, else its stage's default; an open
    opportunity without a stage counts as prospecting. One rule for every view of the pipeline."""
    defaults = " ".join(f"WHEN '{s}' THEN {p}" for s, p in STAGE_PROBABILITY.items())
    # sql-ok: the alias is the caller's constant, the stages and probabilities are constants
    return (
        f"coalesce({alias}.probability, CASE {alias}.stage {defaults} "
        f"ELSE {STAGE_PROBABILITY['prospecting']} END)"
    )


def account_pipeline(con: duckdb.DuckDBPyConnection, *, through: date, rollup: bool = False) -> pl.DataFrame:
    """One row per account with opportunities (per top parent with `rollup`): open deals,
    open and weighted pipeline, won deals and value, deals and value closed in the window
    ending with the month `through`, and the win rates by count and by value."""
    query = (
        OWNERS_SQL
        # sql-ok: table and column names from the contract and constants, values bound
        + f""",
    deals AS (
        SELECT o.owner_id AS account_id, x.amount, coalesce(x.stage, 'prospecting') AS stage,
               {probability_sql("x")} AS probability,
               x.close_date >= ?::DATE - INTERVAL 11 MONTH AND x.close_date < ?::DATE + INTERVAL 1 MONTH
                   AS in_window
        FROM opportunities x JOIN owner o USING (account_id)
    )
    SELECT account_id,
           count(*) FILTER (WHERE stage NOT IN ('won', 'lost')) AS open_deals,
           coalesce(sum(amount) FILTER (WHERE stage NOT IN ('won', 'lost')), 0) AS open_pipeline,
           coalesce(sum(amount * probability) FILTER (WHERE stage NOT IN ('won', 'lost')), 0)
               AS weighted_pipeline,
           count(*) FILTER (WHERE stage = 'won' AND in_window) AS won_deals,
           coalesce(sum(amount) FILTER (WHERE stage = 'won' AND in_window), 0) AS won_value,
           count(*) FILTER (WHERE stage IN ('won', 'lost') AND in_window) AS closed_deals,
           coalesce(sum(amount) FILTER (WHERE stage IN ('won', 'lost') AND in_window), 0) AS closed_value
    FROM deals GROUP BY account_id ORDER BY account_id"""  # sql-ok: constants only
    )
    frame = con.sql(query, params=[rollup, through, through]).pl()
    return frame.with_columns(
        (pl.col("won_deals") / pl.when(pl.col("closed_deals") > 0).then(pl.col("closed_deals"))).alias(
            "win_rate_count"
        ),
        (pl.col("won_value") / pl.when(pl.col("closed_value") > 0).then(pl.col("closed_value"))).alias(
            "win_rate_value"
        ),
    ).cast(PIPELINE_COLUMNS)


@dataclass(frozen=True)
class Pipeline:
    """The portfolio's pipeline and wins (see the module docstring)."""

    open_deals: int
    open_pipeline: float
    weighted_pipeline: float
    won_deals: int
    won_value: float
    closed_deals: int
    win_rate_count: float | None  # won / closed deals
    win_rate_value: float | None  # won value / closed value


def portfolio_pipeline(accounts: pl.DataFrame) -> Pipeline:
    """Sums over the accounts' pipeline columns (rows of `account_pipeline`)."""

    def total(column: str) -> float:
        return float(accounts[column].sum() or 0) if column in accounts.columns else 0.0

    closed, closed_value = total("closed_deals"), total("closed_value")
    return Pipeline(
        open_deals=int(total("open_deals")),
        open_pipeline=total("open_pipeline"),
        weighted_pipeline=total("weighted_pipeline"),
        won_deals=int(total("won_deals")),
        won_value=total("won_value"),
        closed_deals=int(closed),
        win_rate_count=total("won_deals") / closed if closed else None,
        win_rate_value=total("won_value") / closed_value if closed_value else None,
    )
