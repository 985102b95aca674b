"""The one-page account brief: what an executive sponsor needs before meeting the customer.

Revenue and trend, health and how its parts add up, key stakeholders and who covers them, the
relationship gaps, the sponsor cadence per rule, the last and next sponsor touchpoints, loyalty
with the latest comments, open actions and the top opportunities. `account_briefs` gathers them
for many accounts at once (one query per kind, not per account: the deck of the top 20 asks for
20); `exports` renders a brief as PDF or Excel, `deck` as slides, `slides` for the projector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import polars as pl

from sam_core.errors import NotFound
from sam_core.metrics.cadence import cadence_status
from sam_core.metrics.health import health_parts
from sam_core.metrics.policy import cadence_policy
from sam_core.metrics.portfolio import (
    DEFAULT_RULES,
    OWNERS_SQL,
    DataThrough,
    RevenueRules,
    data_through,
)
from sam_core.metrics.relationship_map import AccountMap, gaps
from sam_core.metrics.relationships import STRONG
from sam_core.plans.plan import DEFAULT_REVIEW_DAYS, plan_status

SPONSOR_TOUCHPOINTS = ("executive_visit", "site_visit", "qbr", "ninety_day_review")
GAP_ORDER = ("uncovered", "detractor", "no executive pairing", "single-threaded", "stale", "no manager")


@dataclass(frozen=True)
class Brief:
    account: dict  # one row of health.account_overview (its money over the data-through window)
    as_of: date
    revenue_trend: list[float]  # the monthly revenues reported in the 12 months to the data-through month
    health_parts: pl.DataFrame  # part, score, weight, points
    stakeholders: (
        pl.DataFrame
    )  # name, title, level, buying_role, influence, attitude, decision_maker, covered_by
    last_touchpoint: dict | None  # the last held with the sponsor attending: date, type, status
    next_touchpoint: dict | None  # the next planned
    comments: pl.DataFrame  # survey_date, respondent, recommend_score, comment
    actions: pl.DataFrame  # description, owner, due, status, overdue
    opportunities: pl.DataFrame  # name, stage, amount, close_date, probability (largest amount first)
    plan: dict | None = None  # the account plan: reviewed_on, stale, reason (None: no plan, not strategic)
    # month (the 12 months to the data-through month), revenue (null: not reported)
    trend: pl.DataFrame = field(default_factory=pl.DataFrame)
    gaps: pl.DataFrame = field(default_factory=pl.DataFrame)  # gap, who, reason (worst kind first)
    cadence: pl.DataFrame = field(default_factory=pl.DataFrame)  # rule, status, last, deadline, detail
    relationship_map: AccountMap | None = None  # stakeholders, team and relationships (the map)


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
    return account_briefs(
        con,
        overview,
        [account_id],
        as_of=as_of,
        rollup=rollup,
        rules=rules,
        through=through,
        review_days=review_days,
    )[0]


def account_briefs(
    con: duckdb.DuckDBPyConnection,
    overview: pl.DataFrame,
    account_ids: list[str],
    *,
    as_of: date,
    rollup: bool = False,
    rules: RevenueRules = DEFAULT_RULES,
    through: DataThrough | None = None,
    review_days: int = DEFAULT_REVIEW_DAYS,
) -> list[Brief]:
    """The briefs of several accounts of the overview, in the order given (see account_brief)."""
    rows = {r["account_id"]: r for r in overview.filter(pl.col("account_id").is_in(account_ids)).to_dicts()}
    missing = [a for a in account_ids if a not in rows]
    if missing:
        raise NotFound(f"There is no account {missing[0]}.")
    ids = list(account_ids)
    through = through or data_through(con, as_of=as_of, share=rules.reported_share)
    trend = _monthly(con, ids, rollup=rollup, through=through)
    stakeholders = con.sql(
        """SELECT s.account_id, s.name, s.title, s.level, s.buying_role, s.influence, s.attitude,
                  s.decision_maker,
                  string_agg(r.member || ' (' || r.strength || ')', ', ' ORDER BY r.strength DESC, r.member)
                      FILTER (WHERE r.strength >= ?) AS covered_by
           FROM stakeholders s LEFT JOIN relationships r ON r.stakeholder_id = s.stakeholder_id
               AND r.account_id = s.account_id
           WHERE list_contains(?, s.account_id)
           GROUP BY s.account_id, s.stakeholder_id, s.name, s.title, s.level, s.buying_role, s.influence,
               s.attitude, s.decision_maker
           QUALIFY row_number() OVER (PARTITION BY s.account_id
               ORDER BY coalesce(s.decision_maker, false) DESC, coalesce(s.influence, 0) DESC, s.name) <= 8
           ORDER BY s.account_id, coalesce(s.decision_maker, false) DESC, coalesce(s.influence, 0) DESC,
               s.name""",
        params=[STRONG, ids],
    ).pl()
    touch = con.sql(
        """SELECT account_id, date, type, status, coalesce(sponsor_attended, false) AS sponsor_attended
           FROM engagements
           WHERE list_contains(?, account_id) AND type IN (SELECT unnest(?))
             AND (status = 'planned' OR (status = 'held' AND coalesce(sponsor_attended, false)))
           ORDER BY account_id, date""",
        params=[ids, list(SPONSOR_TOUCHPOINTS)],
    ).pl()
    comments = con.sql(
        """SELECT account_id, survey_date, coalesce(respondent_name, '')
                  || CASE WHEN respondent_title IS NULL THEN '' ELSE ', ' || respondent_title END
                      AS respondent, recommend_score, comment
           FROM surveys WHERE list_contains(?, account_id) AND comment IS NOT NULL
           QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY survey_date DESC) <= 3
           ORDER BY account_id, survey_date DESC""",
        params=[ids],
    ).pl()
    actions = con.sql(
        """SELECT account_id, description, owner, due, status, coalesce(due < ?, false) AS overdue
           FROM actions WHERE list_contains(?, account_id) AND status IN ('open', 'in_progress')
           QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY due NULLS LAST, description) <= 5
           ORDER BY account_id, due NULLS LAST, description""",
        params=[as_of, ids],
    ).pl()
    opportunities = con.sql(
        """SELECT account_id, name, stage, amount, close_date, probability FROM opportunities
           WHERE list_contains(?, account_id) AND coalesce(stage, '') NOT IN ('won', 'lost')
           QUALIFY row_number() OVER (PARTITION BY account_id
               ORDER BY amount DESC NULLS LAST, close_date NULLS LAST, name) <= 5
           ORDER BY account_id, amount DESC NULLS LAST, close_date NULLS LAST, name""",
        params=[ids],
    ).pl()
    people = con.sql(
        "SELECT * EXCLUDE (extras) FROM stakeholders WHERE list_contains(?, account_id) ORDER BY "
        "stakeholder_id",
        params=[ids],
    ).pl()
    team = con.sql(
        "SELECT * EXCLUDE (extras) FROM team WHERE list_contains(?, account_id) ORDER BY member", params=[ids]
    ).pl()
    links = con.sql(
        """SELECT * EXCLUDE (extras) FROM relationships WHERE list_contains(?, account_id)
           ORDER BY member, stakeholder_id""",
        params=[ids],
    ).pl()
    sponsors = pl.DataFrame(
        {"account_id": ids, "executive_sponsor": [rows[a]["executive_sponsor"] for a in ids]},
        schema={"account_id": pl.String, "executive_sponsor": pl.String},
    )
    all_gaps = gaps(people, team, links, sponsors, as_of=as_of).with_columns(
        pl.col("gap").replace_strict({g: i for i, g in enumerate(GAP_ORDER)}, default=99).alias("order")
    )
    cadence = cadence_status(con, as_of=as_of, policy=cadence_policy(con)).filter(
        pl.col("account_id").is_in(ids)
    )
    plans = {p["account_id"]: p for p in plan_status(con, as_of=as_of, review_days=review_days).to_dicts()}

    def of(frame: pl.DataFrame, account_id: str) -> pl.DataFrame:
        return frame.filter(pl.col("account_id") == account_id).drop("account_id")

    briefs = []
    for account_id in ids:
        account = rows[account_id]
        touches = touch.filter(pl.col("account_id") == account_id)
        held = touches.filter((pl.col("status") == "held") & (pl.col("date") <= as_of))
        planned = touches.filter((pl.col("status") == "planned") & (pl.col("date") >= as_of))
        months = of(trend, account_id)
        briefs.append(
            Brief(
                account=account,
                as_of=as_of,
                revenue_trend=months["revenue"].drop_nulls().to_list(),
                health_parts=health_parts(account),
                stakeholders=of(stakeholders, account_id),
                last_touchpoint=held.drop("account_id").row(-1, named=True) if held.height else None,
                next_touchpoint=planned.drop("account_id").row(0, named=True) if planned.height else None,
                comments=of(comments, account_id),
                actions=of(actions, account_id),
                opportunities=of(opportunities, account_id),
                plan=plans.get(account_id),
                trend=months,
                gaps=of(all_gaps, account_id).sort("order", "who").drop("order"),
                cadence=of(cadence, account_id),
                relationship_map=AccountMap(
                    account_id,
                    account["account_name"],
                    account["executive_sponsor"],
                    people.filter(pl.col("account_id") == account_id),
                    team.filter(pl.col("account_id") == account_id),
                    links.filter(pl.col("account_id") == account_id),
                ),
            )
        )
    return briefs


def _monthly(
    con: duckdb.DuckDBPyConnection, ids: list[str], *, rollup: bool, through: DataThrough | None
) -> pl.DataFrame:
    """account_id, month, revenue: each of the 12 months to the data-through month per account
    (revenue null where the account reported nothing that month)."""
    schema = {"account_id": pl.String, "month": pl.Date, "revenue": pl.Float64}
    if through is None:
        return pl.DataFrame(schema=schema)
    query = (
        OWNERS_SQL
        + """,
    months AS (
        SELECT CAST(m AS DATE) AS month
        FROM range(?::DATE - INTERVAL 11 MONTH, ?::DATE + INTERVAL 1 DAY, INTERVAL 1 MONTH) t(m)
    ),
    wanted AS (SELECT unnest(?) AS account_id),
    monthly AS (
        SELECT o.owner_id AS account_id, CAST(date_trunc('month', f.period) AS DATE) AS month,
               sum(f.revenue) AS revenue
        FROM financials f JOIN owner o USING (account_id)
        WHERE f.period > ?::DATE - INTERVAL 12 MONTH AND f.period < ?::DATE + INTERVAL 1 MONTH
            AND list_contains(?, o.owner_id)
        GROUP BY ALL
    )
    SELECT w.account_id, m.month, y.revenue
    FROM wanted w CROSS JOIN months m LEFT JOIN monthly y ON y.account_id = w.account_id AND y.month = m.month
    ORDER BY w.account_id, m.month"""
    )
    last = through.month
    return con.sql(query, params=[rollup, last, last, ids, last, last, ids]).pl().cast(schema)
