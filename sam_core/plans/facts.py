"""The sections of an account plan that fill themselves from the data, never typed twice:
health and its parts, relationship gaps, cadence and the next 90-day reviews, loyalty and
open survey actions, top opportunities, evidence momentum and data freshness."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import polars as pl

from sam_core.ingest.contract import NEGATIVE_SIGNALS
from sam_core.metrics.activity import MOMENTUM_DAYS, data_freshness
from sam_core.metrics.cadence import cadence_status
from sam_core.metrics.health import health_parts
from sam_core.metrics.loyalty import loyalty_by_account
from sam_core.metrics.pipeline import probability_sql
from sam_core.metrics.policy import cadence_policy
from sam_core.metrics.relationship_map import account_gaps, account_map
from sam_core.metrics.sponsors import review_schedule

TOP_OPPORTUNITIES = 5


@dataclass(frozen=True)
class Facts:
    account: dict | None  # the account's row of health.account_overview (None: no financials)
    health_parts: pl.DataFrame  # part, score, weight, points
    gaps: pl.DataFrame  # gap, who, reason
    cadence: pl.DataFrame  # rule, status, last, deadline, detail
    next_reviews: pl.DataFrame  # date, status ('planned' or 'to schedule')
    loyalty: dict | None  # wave, respondents, loyalty_index, nps, thin (the account's latest wave)
    survey_actions: pl.DataFrame  # open actions from survey responses: action_id, description, owner, due
    # the top TOP_OPPORTUNITIES open ones by weighted value: opportunity_id, name, stage, amount,
    # probability (the one used: its own, else the stage's default), stage_default,
    # weighted_pipeline (amount x probability), close_date
    opportunities: pl.DataFrame
    evidence: pl.DataFrame  # date, signal, positive, note (last 90 days)
    momentum: int | None
    freshness: dict | None  # last_upload, last_engagement, last_contact, last_survey, stale
    # all the account's open opportunities: open_deals, open_pipeline, weighted_pipeline (as the
    # Portfolio's weighted pipeline of the account, metrics.pipeline)
    pipeline: dict = field(default_factory=dict)


def plan_facts(
    con: duckdb.DuckDBPyConnection, overview: pl.DataFrame, account_id: str, *, as_of: date
) -> Facts:
    """Everything the plan shows from the data for one account (`overview`: the rows of
    health.account_overview, where its health comes from)."""
    row = (
        overview.filter(pl.col("account_id") == account_id) if "account_id" in overview.columns else overview
    )
    account = row.row(0, named=True) if row.height else None  # None: no financials loaded
    cadence = (
        cadence_status(con, as_of=as_of, policy=cadence_policy(con))
        .filter(pl.col("account_id") == account_id)
        .drop("account_id")
    )
    planned = con.sql(
        """SELECT date, 'planned' AS status FROM engagements
           WHERE account_id = ? AND type = 'ninety_day_review' AND status = 'planned'
             AND date > ? AND date <= ?::DATE + INTERVAL 12 MONTH ORDER BY date""",
        params=[account_id, as_of, as_of],
    ).pl()
    suggested = (
        review_schedule(con, as_of=as_of, policy=cadence_policy(con))
        .filter(pl.col("account_id") == account_id)
        .select(pl.col("suggested").alias("date"), pl.lit("to schedule").alias("status"))
    )
    loyalty = loyalty_by_account(con).filter(pl.col("account_id") == account_id).sort("last_response")
    survey_actions = con.sql(
        """SELECT a.action_id, a.description, a.owner, a.due, a.status, coalesce(a.due < ?, false) AS overdue
           FROM actions a JOIN surveys s ON s.response_id = a.source AND s.account_id = a.account_id
           WHERE a.account_id = ? AND a.status IN ('open', 'in_progress') ORDER BY a.due NULLS LAST""",
        params=[as_of, account_id],
    ).pl()
    # The weighted pipeline's own rule (metrics.pipeline): the probability used is shown, and
    # the account's open deals and weighted pipeline come with the top ones (window sums).
    ranked = con.sql(
        # sql-ok: the probability rule's SQL is built from constants (metrics.pipeline)
        f"""WITH open AS (
               SELECT o.opportunity_id, o.name, o.stage, o.amount, {probability_sql("o")} AS probability,
                      o.probability IS NULL AS stage_default, o.close_date
               FROM opportunities o WHERE o.account_id = ? AND coalesce(o.stage, '') NOT IN ('won', 'lost'))
           SELECT *, amount * probability AS weighted_pipeline, count(*) OVER () AS open_deals,
                  sum(amount) OVER () AS open_total, sum(amount * probability) OVER () AS weighted_total
           FROM open ORDER BY weighted_pipeline DESC NULLS LAST, opportunity_id LIMIT ?""",
        params=[account_id, TOP_OPPORTUNITIES],
    ).pl()
    opportunities = ranked.select(
        "opportunity_id",
        "name",
        "stage",
        "amount",
        "probability",
        "stage_default",
        "weighted_pipeline",
        "close_date",
    )
    pipeline = (
        {
            "open_deals": ranked["open_deals"][0],
            "open_pipeline": ranked["open_total"][0],
            "weighted_pipeline": ranked["weighted_total"][0],
        }
        if ranked.height
        else {"open_deals": 0, "open_pipeline": 0.0, "weighted_pipeline": 0.0}
    )
    evidence = con.sql(
        """SELECT date, signal, NOT list_contains(?, signal) AS positive, note FROM evidence
           WHERE account_id = ? AND date > ?::DATE - INTERVAL (?) DAY AND date <= ? ORDER BY date DESC""",
        params=[list(NEGATIVE_SIGNALS), account_id, as_of, MOMENTUM_DAYS, as_of],
    ).pl()
    fresh = data_freshness(con, as_of=as_of).filter(pl.col("account_id") == account_id)
    return Facts(
        account=account,
        health_parts=health_parts(account or {}),
        gaps=account_gaps(account_map(con, account_id), as_of=as_of),
        cadence=cadence,
        next_reviews=pl.concat([planned, suggested.cast(planned.schema)]).sort("date"),
        loyalty=loyalty.row(-1, named=True) if loyalty.height else None,
        survey_actions=survey_actions,
        opportunities=opportunities,
        pipeline=pipeline,
        evidence=evidence,
        momentum=(evidence["positive"].sum() - (~evidence["positive"]).sum()) if evidence.height else None,
        freshness=fresh.drop("account_id").row(0, named=True) if fresh.height else None,
    )
