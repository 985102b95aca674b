"""Sponsor cadence compliance (SPEC.md section 5).

Each rule per strategic account is `compliant`, `due soon` (its deadline falls within
`DUE_SOON_DAYS`), `overdue`, or `not applicable` (non-strategic accounts):

- executive visits: executive_visit or site_visit, held, sponsor attended: at least 2 in
  any rolling 12 months (deadline: the older of the last two leaves the window);
- internal reviews: internal_review held in each calendar month (deadline: month end);
- QBRs: qbr held in each calendar quarter with the sponsor attending (deadline: quarter end);
- 90-day reviews: ninety_day_review held no more than 90 days apart (deadline: last + 90
  days), and the next 4 planned within 12 months (fewer is at best `due soon`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import polars as pl

COMPLIANT, DUE_SOON, OVERDUE, NOT_APPLICABLE = "compliant", "due soon", "overdue", "not applicable"
STATUS_ORDER = {OVERDUE: 0, DUE_SOON: 1, COMPLIANT: 2, NOT_APPLICABLE: 3}
RULES = ("Executive visits", "Internal reviews", "QBRs", "90-day reviews")


@dataclass(frozen=True)
class CadencePolicy:
    executive_visits_per_year: int = 2
    review_gap_days: int = 90
    reviews_planned_ahead: int = 4
    due_soon_days: int = 30


def cadence_status(
    con: duckdb.DuckDBPyConnection, *, as_of: date, policy: CadencePolicy = CadencePolicy()
) -> pl.DataFrame:
    """One row per strategic account and rule: account_id, rule, status, last (date of
    the last qualifying engagement), deadline, detail."""
    query = """
    WITH e AS (SELECT * FROM engagements
        WHERE account_id IN (SELECT account_id FROM accounts WHERE strategic)),
    visits AS (
        SELECT account_id, count(*) AS n, max(date) AS last,
               list(date ORDER BY date DESC)[?] AS oldest_needed
        FROM e WHERE type IN ('executive_visit', 'site_visit') AND status = 'held'
            AND coalesce(sponsor_attended, false)
             AND date > ?::DATE - INTERVAL 12 MONTH AND date <= ?
        GROUP BY account_id
    ),
    reviews AS (
        SELECT account_id, max(date) AS last,
               bool_or(date_trunc('month', date) = date_trunc('month', ?::DATE)) AS this_period,
               bool_or(date_trunc('month', date) = date_trunc('month',
                   ?::DATE) - INTERVAL 1 MONTH) AS previous_period
        FROM e WHERE type = 'internal_review' AND status = 'held' AND date <= ? GROUP BY account_id
    ),
    qbrs AS (
        SELECT account_id, max(date) AS last,
               bool_or(date_trunc('quarter', date) = date_trunc('quarter', ?::DATE)) AS this_period,
               bool_or(date_trunc('quarter', date) = date_trunc('quarter',
                   ?::DATE) - INTERVAL 3 MONTH) AS previous_period
        FROM e WHERE type = 'qbr' AND status = 'held' AND coalesce(sponsor_attended, false) AND date <= ?
        GROUP BY account_id
    ),
    qbr_any AS (
        SELECT account_id, max(date) AS any_last,
            arg_max(coalesce(sponsor_attended, false), date) AS any_sponsor
        FROM e WHERE type = 'qbr' AND status = 'held' AND date <= ? GROUP BY account_id
    ),
    ninety AS (
        SELECT account_id,
               max(date) FILTER (WHERE status = 'held' AND date <= ?) AS last,
               count(*) FILTER (WHERE status = 'planned' AND date > ?
                   AND date <= ?::DATE + INTERVAL 12 MONTH) AS planned
        FROM e WHERE type = 'ninety_day_review' GROUP BY account_id
    )
    SELECT a.account_id,
           coalesce(v.n, 0) AS visits, v.last AS visit_last, v.oldest_needed,
           r.last AS review_last, coalesce(r.this_period, false) AS review_this,
               coalesce(r.previous_period, false) AS review_previous,
           q.last AS qbr_last, coalesce(q.this_period, false) AS qbr_this,
               coalesce(q.previous_period, false) AS qbr_previous,
           n.last AS ninety_last, coalesce(n.planned, 0) AS planned, qa.any_last AS qbr_any_last,
               qa.any_sponsor AS qbr_any_sponsor
    FROM accounts a
    LEFT JOIN visits v USING (account_id) LEFT JOIN reviews r USING (account_id)
    LEFT JOIN qbrs q USING (account_id) LEFT JOIN ninety n USING (account_id) LEFT
        JOIN qbr_any qa USING (account_id)
    WHERE a.strategic ORDER BY a.account_id"""
    p = policy
    facts = con.sql(
        query,
        params=[
            p.executive_visits_per_year,
            as_of,
            as_of,
            as_of,
            as_of,
            as_of,
            as_of,
            as_of,
            as_of,
            as_of,
            as_of,
            as_of,
            as_of,
        ],
    ).pl()
    soon = p.due_soon_days
    month_end = pl.lit(as_of).dt.month_end()
    quarter_end = _quarter_end(as_of)

    def status(ok: pl.Expr, deadline: pl.Expr) -> pl.Expr:
        days_left = (deadline - pl.lit(as_of)).dt.total_days()
        return (
            pl.when(~ok)
            .then(pl.lit(OVERDUE))
            .when(days_left <= soon)
            .then(pl.lit(DUE_SOON))
            .otherwise(pl.lit(COMPLIANT))
        )

    visit_deadline = pl.col("oldest_needed").dt.offset_by("12mo")
    review_deadline = (
        pl.when(pl.col("review_this")).then(month_end.dt.offset_by("1mo").dt.month_end()).otherwise(month_end)
    )
    qbr_deadline = (
        pl.when(pl.col("qbr_this"))
        .then(pl.lit(quarter_end).dt.offset_by("3mo").dt.month_end())
        .otherwise(pl.lit(quarter_end))
    )
    ninety_deadline = pl.col("ninety_last") + pl.duration(days=p.review_gap_days)
    planned_ok = pl.col("planned") >= p.reviews_planned_ahead
    ninety_status = status(
        pl.col("ninety_last").is_not_null() & (ninety_deadline >= pl.lit(as_of)), ninety_deadline
    )
    rules = [
        (
            "Executive visits",
            status(pl.col("visits") >= p.executive_visits_per_year, visit_deadline),
            pl.col("visit_last"),
            visit_deadline,
            pl.format(
                "{} with the sponsor in the last 12 months (policy: {}){}",
                pl.col("visits"),
                pl.lit(p.executive_visits_per_year),
                pl.when(pl.col("visit_last").is_null())
                .then(pl.lit(""))
                .otherwise(pl.format("; last {}", _day(pl.col("visit_last")))),
            ),
        ),
        (
            "Internal reviews",
            status(pl.col("review_this") | pl.col("review_previous"), review_deadline),
            pl.col("review_last"),
            review_deadline,
            pl.format(
                "last review {}; {}",
                _day(pl.col("review_last")).fill_null("never"),
                pl.when(pl.col("review_this"))
                .then(pl.lit(f"held in {as_of:%B}"))
                .when(pl.col("review_previous"))
                .then(pl.lit(f"none yet in {as_of:%B}"))
                .otherwise(pl.lit(f"none in {as_of:%B} or the month before")),
            ),
        ),
        (
            "QBRs",
            status(pl.col("qbr_this") | pl.col("qbr_previous"), qbr_deadline),
            pl.col("qbr_last"),
            qbr_deadline,
            pl.format(
                "last QBR {}{}; {}",
                _day(pl.col("qbr_any_last")).fill_null("never"),
                pl.when(pl.col("qbr_any_last").is_null())
                .then(pl.lit(""))
                .when(pl.col("qbr_any_sponsor"))
                .then(pl.lit(", sponsor attended"))
                .otherwise(pl.lit(", sponsor absent")),
                pl.when(pl.col("qbr_this"))
                .then(pl.lit(f"{_quarter_name(as_of)} has one with the sponsor"))
                .otherwise(pl.lit(f"{_quarter_name(as_of)} has none with the sponsor")),
            ),
        ),
        (
            "90-day reviews",
            pl.when((ninety_status == COMPLIANT) & ~planned_ok)
            .then(pl.lit(DUE_SOON))
            .otherwise(ninety_status),
            pl.col("ninety_last"),
            ninety_deadline,
            pl.format(
                "last held {}; {} of {} planned in the next 12 months",
                _day(pl.col("ninety_last")).fill_null("never"),
                pl.col("planned"),
                pl.lit(p.reviews_planned_ahead),
            ),
        ),
    ]
    return pl.concat(
        [
            facts.select(
                "account_id",
                pl.lit(rule).alias("rule"),
                st.alias("status"),
                last.cast(pl.Date).alias("last"),
                deadline.cast(pl.Date).alias("deadline"),
                detail.alias("detail"),
            )
            for rule, st, last, deadline, detail in rules
        ]
    ).sort("account_id", "rule")


def _day(column: pl.Expr) -> pl.Expr:
    """A date as people read it, as outputs.formatting.long_date writes it: '12 Apr 2026'."""
    return column.cast(pl.Date).dt.strftime("%-d %b %Y")


def _quarter_name(d: date) -> str:
    return f"Q{(d.month - 1) // 3 + 1} {d.year}"


def _quarter_end(d: date) -> date:
    next_quarter_month = (d.month - 1) // 3 * 3 + 4
    year, month = (d.year + 1, 1) if next_quarter_month > 12 else (d.year, next_quarter_month)
    return date(year, month, 1) - timedelta(days=1)


def account_cadence(status: pl.DataFrame) -> pl.DataFrame:
    """Per account: the worst rule status, and compliance = share of rules not overdue
    (due soon counts as met: its deadline has not passed)."""
    return (
        status.group_by("account_id")
        .agg(
            pl.col("status")
            .sort_by(pl.col("status").replace_strict(STATUS_ORDER, return_dtype=pl.Int8))
            .first()
            .alias("cadence"),
            (pl.col("status") != OVERDUE).mean().alias("cadence_compliance"),
            (pl.col("status") == OVERDUE).sum().alias("rules_overdue"),
        )
        .sort("account_id")
    )


def program_compliance(status: pl.DataFrame) -> float | None:
    """Share of (strategic account, rule) checks that are not overdue."""
    return None if status.height == 0 else float((status["status"] != OVERDUE).mean())
