"""Account health (0-100) and the top-accounts table (SPEC.md section 4).

Health is a weighted blend of six parts, each scored 0-100:

| part | score |
|---|---|
| revenue trend | growth clipped to -20%..+20%, mapped linearly to 0..100 |
| loyalty | loyalty index of the latest wave |
| cadence | share of cadence rules not overdue x 100 |
| coverage | relationship coverage x 100 |
| momentum | evidence momentum clipped to -5..+5, mapped to 0..100 |
| overdue actions | 100 - 50 per overdue action, at least 0 |

A part without data for the account (no survey, not strategic, no stakeholders, no
evidence, no actions) is left out and the other weights are rescaled; the contribution
of each part is weight x score / sum of the weights used, so contributions add up to
the health score.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from sam_core.metrics.activity import action_counts, data_freshness, evidence_momentum
from sam_core.metrics.cadence import account_cadence, cadence_status
from sam_core.metrics.loyalty import latest_loyalty
from sam_core.metrics.pipeline import PIPELINE_COLUMNS, account_pipeline
from sam_core.metrics.policy import cadence_policy
from sam_core.metrics.portfolio import (
    DEFAULT_RULES,
    DataThrough,
    RevenueRules,
    account_revenue,
    monthly_revenue,
)
from sam_core.metrics.relationships import relationship_summary

DEFAULT_WEIGHTS = {
    "revenue trend": 25,
    "loyalty": 20,
    "cadence": 20,
    "coverage": 15,
    "momentum": 10,
    "overdue actions": 10,
}
HEALTHY, WATCH = 70, 40  # green at or above HEALTHY, amber at or above WATCH, red below

_SCORES = {
    "revenue trend": (pl.col("growth").clip(-0.2, 0.2) + 0.2) / 0.4 * 100,
    "loyalty": pl.col("loyalty_index"),
    "cadence": pl.col("cadence_compliance") * 100,
    "coverage": pl.col("coverage") * 100,
    "momentum": (pl.col("momentum").clip(-5, 5) + 5) * 10,
    "overdue actions": pl.when(pl.col("actions") > 0).then(
        (100 - 50 * pl.col("overdue_actions")).clip(0, 100)
    ),
}


def health_band(score: float | None) -> str:
    if score is None:
        return "no data"
    return "healthy" if score >= HEALTHY else ("watch" if score >= WATCH else "at risk")


def account_overview(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: date,
    rollup: bool = False,
    weights: dict[str, float] | None = None,
    rules: RevenueRules = DEFAULT_RULES,
    through: DataThrough | None = None,
) -> pl.DataFrame:
    """One row per account, ranked by T12M revenue over the data-through window: money
    figures (see portfolio), pipeline and wins (see pipeline), loyalty (latest wave on or
    before `as_of`), cadence, relationships, momentum, actions, freshness, health with its
    band and the score and contribution of each part (`score: <part>`, `points: <part>`)."""
    weights = weights or DEFAULT_WEIGHTS
    revenue = account_revenue(con, as_of=as_of, rollup=rollup, rules=rules, through=through)
    if revenue.is_empty():
        return revenue
    loyalty = latest_loyalty(con, as_of=as_of).select(
        "account_id", "loyalty_index", "nps", "respondents", "thin"
    )
    cadence = account_cadence(cadence_status(con, as_of=as_of, policy=cadence_policy(con)))
    pipeline = account_pipeline(con, through=revenue["data_through"][0], rollup=rollup)
    frame = (
        revenue.join(pipeline, on="account_id", how="left")
        .with_columns(
            pl.col(c).fill_null(0)
            for c in PIPELINE_COLUMNS
            if c != "account_id" and not c.startswith("win_rate")
        )
        .join(loyalty, on="account_id", how="left")
        .join(cadence, on="account_id", how="left")
        .join(relationship_summary(con), on="account_id", how="left")
        .join(evidence_momentum(con, as_of=as_of), on="account_id", how="left")
        .join(action_counts(con, as_of=as_of), on="account_id", how="left")
        .join(
            data_freshness(con, as_of=as_of).select("account_id", "last_upload", "stale"),
            on="account_id",
            how="left",
        )
        .with_columns(
            pl.col("cadence").fill_null("not applicable"),
            pl.col("open_actions").fill_null(0),
            pl.col("overdue_actions").fill_null(0),
            pl.col("actions").fill_null(0),
        )
    )
    scores = [_SCORES[part].cast(pl.Float64).alias(f"score: {part}") for part in weights]
    frame = frame.with_columns(scores)
    used = pl.sum_horizontal(
        [
            pl.when(pl.col(f"score: {p}").is_not_null()).then(pl.lit(float(w))).otherwise(0.0)
            for p, w in weights.items()
        ]
    )
    frame = frame.with_columns(used.alias("__weights")).with_columns(
        (pl.col(f"score: {p}") * w / pl.col("__weights")).fill_null(0.0).alias(f"points: {p}")
        for p, w in weights.items()
    )
    frame = frame.with_columns(
        pl.when(pl.col("__weights") > 0)
        .then(pl.sum_horizontal([f"points: {p}" for p in weights]))
        .alias("health")
    ).drop("__weights")
    return frame.with_columns(
        pl.col("health").map_elements(health_band, return_dtype=pl.String).alias("health_band"),
        ((pl.col("status") == "at_risk") | (pl.col("health") < WATCH)).fill_null(False).alias("at_risk"),
    )


def with_sparklines(
    con: duckdb.DuckDBPyConnection,
    frame: pl.DataFrame,
    *,
    as_of: date,
    rollup: bool = False,
    rules: RevenueRules = DEFAULT_RULES,
) -> pl.DataFrame:
    """Add `revenue_trend` (the monthly revenues to the data-through month) to the rows of `frame`."""
    trend = monthly_revenue(
        con, as_of=as_of, account_ids=frame["account_id"].to_list(), rollup=rollup, rules=rules
    )
    return frame.join(trend, on="account_id", how="left")


def health_parts(row: dict, weights: dict[str, float] | None = None) -> pl.DataFrame:
    """How each part contributed to one account's health: part, score (0-100 or null when
    the part has no data), weight, points (weight x score / weights used)."""
    weights = weights or DEFAULT_WEIGHTS
    return pl.DataFrame(
        [
            {
                "part": p,
                "score": row.get(f"score: {p}"),
                "weight": float(w),
                "points": row.get(f"points: {p}") or 0.0,
            }
            for p, w in weights.items()
        ],
        schema={"part": pl.String, "score": pl.Float64, "weight": pl.Float64, "points": pl.Float64},
    )
