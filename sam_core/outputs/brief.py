"""The one-page account brief: what an executive sponsor needs before meeting the customer.

Revenue and trend, health and why, key stakeholders and who covers them, the last and
next sponsor touchpoints, loyalty with the latest comments, open actions and the top
opportunities. `account_brief` gathers it; `exports` renders it as PDF, Excel or slides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from sam_core.errors import NotFound
from sam_core.metrics.contracts import renewals_with_health
from sam_core.metrics.health import health_parts
from sam_core.metrics.portfolio import DEFAULT_RULES, DataThrough, RevenueRules, monthly_revenue
from sam_core.metrics.relationships import STRONG
from sam_core.plans.plan import DEFAULT_REVIEW_DAYS, plan_status

SPONSOR_TOUCHPOINTS = ("executive_visit", "site_visit", "qbr", "ninety_day_review")


@dataclass(frozen=True)
class Brief:
    account: dict  # one row of health.account_overview (its money over the data-through window)
    as_of: date
    revenue_trend: list[float]  # the 12 monthly revenues to the data-through month
    health_parts: pl.DataFrame  # part, score, weight, points
    stakeholders: (
        pl.DataFrame
    )  # name, title, level, buying_role, influence, attitude, decision_maker, covered_by
    last_touchpoint: dict | None  # the last held with the sponsor attending: date, type, status
    next_touchpoint: dict | None  # the next planned
    comments: pl.DataFrame  # survey_date, respondent, recommend_score, comment
    actions: pl.DataFrame  # description, owner, due, status, overdue
    opportunities: pl.DataFrame  # name, stage, amount, close_date, probability
    plan: dict | None = None  # the account plan: reviewed_on, stale, reason (None: no plan, not strategic)
    # contracts renewing in the next 180 days, with the account's health and loyalty beside each
    # (metrics.contracts.renewals_with_health); None when not gathered
    renewals: pl.DataFrame | None = None


def account_brief(
    con: duckdb.DuckDBPyConnection,
    overview: pl.DataFrame,
    account_id: str,
    *,
    as_of: date,
    rollup: bool = False,
    rules: RevenueRules = DEFAULT_RULES,
    through: DataThrough | None = None,
    review_days: int = DEFAULT_REVIEW_DAYS,
) -> Brief:
    """Everything the brief shows for one account of the overview (health.account_overview,
    made with the same `as_of`, `rollup`, `rules` and data-through month), with the account
    plan's stale flag (`review_days`: the setting SAM_PLAN_REVIEW_DAYS)."""
    rows = overview.filter(pl.col("account_id") == account_id)
    if rows.is_empty():
        raise NotFound(f"There is no account {account_id}.")
    account = rows.row(0, named=True)
    trend = monthly_revenue(
        con, as_of=as_of, account_ids=[account_id], rollup=rollup, rules=rules, through=through
    )
    stakeholders = con.sql(
        """SELECT s.name, s.title, s.level, s.buying_role, s.influence, s.attitude, s.decision_maker,
                  string_agg(r.member || ' (' || r.strength || ')', ', ' ORDER BY r.strength DESC, r.member)
                      FILTER (WHERE r.strength >= ?) AS covered_by
           FROM stakeholders s LEFT JOIN relationships r ON r.stakeholder_id = s.stakeholder_id
               AND r.account_id = s.account_id
           WHERE s.account_id = ?
           GROUP BY s.stakeholder_id, s.name, s.title, s.level, s.buying_role, s.influence, s.attitude,
               s.decision_maker
           ORDER BY coalesce(s.decision_maker, false) DESC, coalesce(s.influence, 0) DESC, s.name
           LIMIT 8""",
        params=[STRONG, account_id],
    ).pl()
    touch = con.sql(
        """SELECT date, type, status, coalesce(sponsor_attended, false) AS sponsor_attended FROM engagements
           WHERE account_id = ? AND type IN (SELECT unnest(?))
             AND (status = 'planned' OR (status = 'held' AND coalesce(sponsor_attended, false)))
           ORDER BY date""",
        params=[account_id, list(SPONSOR_TOUCHPOINTS)],
    ).pl()
    held = touch.filter((pl.col("status") == "held") & (pl.col("date") <= as_of))
    planned = touch.filter((pl.col("status") == "planned") & (pl.col("date") >= as_of))
    comments = con.sql(
        """SELECT survey_date, coalesce(respondent_name, '')
                  || CASE WHEN respondent_title IS NULL THEN '' ELSE ', ' || respondent_title END
                      AS respondent, recommend_score, comment
           FROM surveys WHERE account_id = ? AND comment IS NOT NULL ORDER BY survey_date DESC LIMIT 3""",
        params=[account_id],
    ).pl()
    actions = con.sql(
        """SELECT description, owner, due, status, coalesce(due < ?, false) AS overdue FROM actions
           WHERE account_id = ? AND status IN ('open', 'in_progress') ORDER BY due NULLS LAST LIMIT 5""",
        params=[as_of, account_id],
    ).pl()
    opportunities = con.sql(
        """SELECT name, stage, amount, close_date, probability FROM opportunities
           WHERE account_id = ? AND coalesce(stage, '') NOT IN ('won', 'lost')
           ORDER BY amount * coalesce(probability, 1) DESC LIMIT 5""",
        params=[account_id],
    ).pl()
    return Brief(
        account=account,
        as_of=as_of,
        revenue_trend=trend["revenue_trend"][0].to_list() if trend.height else [],
        health_parts=health_parts(account),
        stakeholders=stakeholders,
        last_touchpoint=held.row(-1, named=True) if held.height else None,
        next_touchpoint=planned.row(0, named=True) if planned.height else None,
        comments=comments,
        actions=actions,
        opportunities=opportunities,
        plan=next(
            iter(
                plan_status(con, as_of=as_of, review_days=review_days)
                .filter(account_id=account_id)
                .to_dicts()
            ),
            None,
        ),
        renewals=renewals_with_health(con, overview, as_of=as_of, account_ids=[account_id]),
    )
