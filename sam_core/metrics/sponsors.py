"""Views of sponsor cadence (SPEC.md section 5): the accounts x months matrix, the sponsor
roll-up, the 90-day review schedule (with an .ics calendar), and per-rule program figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import duckdb
import icalendar
import polars as pl

from sam_core.metrics.cadence import DUE_SOON, OVERDUE, RULES, CadencePolicy

TYPE_CODES = {
    "internal_review": "R",
    "qbr": "Q",
    "executive_visit": "V",
    "site_visit": "V",
    "ninety_day_review": "9",
    "planning_workshop": "W",
    "other": "O",
}


def cadence_matrix(con: duckdb.DuckDBPyConnection, *, as_of: date, account_ids: list[str]) -> pl.DataFrame:
    """Per account and month, the 12 months to `as_of` and the 12 after: engagements held,
    planned and missed (planned in the past, never marked held) as type codes (R review,
    Q QBR, V visit, 9 90-day review), and the month's state for colour: `held` (an
    internal review was held), `missed` (a past month without one), `due` (this month, none
    yet), `planned` or `empty` (a future month with or without plans)."""
    first = date(as_of.year - (as_of.month <= 11), (as_of.month - 12) % 12 + 1, 1)
    frame = con.sql(
        """WITH months AS (
            SELECT unnest(generate_series(?::DATE, ?::DATE + INTERVAL 23 MONTH, INTERVAL 1 MONTH))::DATE
                AS month),
                grid AS (SELECT a.account_id, a.account_name, m.month FROM accounts a, months m
                    WHERE list_contains(?, a.account_id)),
                e AS (SELECT account_id, date_trunc('month', date)::DATE AS month, type, status,
                             CASE WHEN status = 'planned' AND date < ? THEN 'missed' ELSE status END AS state
                      FROM engagements WHERE list_contains(?, account_id) AND status <> 'cancelled')
           SELECT g.account_id, g.account_name, g.month,
                  list(e.type ORDER BY e.type) FILTER (WHERE e.state = 'held') AS held,
                  list(e.type ORDER BY e.type) FILTER (WHERE e.state = 'planned') AS planned,
                  list(e.type ORDER BY e.type) FILTER (WHERE e.state = 'missed') AS missed,
                  bool_or(e.type = 'internal_review' AND e.state = 'held') AS reviewed
           FROM grid g LEFT JOIN e ON e.account_id = g.account_id AND e.month = g.month
           GROUP BY ALL ORDER BY g.account_name, g.month""",
        params=[first, first, account_ids, as_of, account_ids],
    ).pl()
    this_month = as_of.replace(day=1)

    def codes(column: str) -> pl.Expr:
        return (
            pl.col(column)
            .list.eval(pl.element().replace_strict(TYPE_CODES, default="O"))
            .list.unique(maintain_order=True)
            .list.join(" ")
        )

    return frame.with_columns(
        pl.concat_str(
            [
                codes("held").fill_null(""),
                pl.when(pl.col("planned").list.len() > 0)
                .then(pl.format(" ({})", codes("planned")))
                .otherwise(pl.lit("")),
                pl.when(pl.col("missed").list.len() > 0)
                .then(pl.format(" !{}", codes("missed")))
                .otherwise(pl.lit("")),
            ]
        )
        .str.strip_chars()
        .alias("label"),
        pl.when(pl.col("reviewed").fill_null(False))
        .then(pl.lit("held"))
        .when(pl.col("month") < this_month)
        .then(pl.lit("missed"))
        .when(pl.col("month") == this_month)
        .then(pl.lit("due"))
        .when(pl.col("planned").list.len() > 0)
        .then(pl.lit("planned"))
        .otherwise(pl.lit("empty"))
        .alias("state"),
    ).select("account_id", "account_name", "month", "label", "state")


def sponsor_rollup(con: duckdb.DuckDBPyConnection, status: pl.DataFrame, *, as_of: date) -> pl.DataFrame:
    """Per executive sponsor: accounts, compliance per rule (share not overdue), executive
    visits with them in the last 12 months, QBR attendance (held QBRs they attended / held
    QBRs, last 12 months), overdue items; worst first."""
    sponsors = con.sql(
        "SELECT account_id, executive_sponsor AS sponsor FROM accounts WHERE strategic AND "
        "executive_sponsor IS NOT NULL"
    ).pl()
    activity = con.sql(
        """SELECT a.executive_sponsor AS sponsor,
                  count(*) FILTER (WHERE e.type IN ('executive_visit', 'site_visit')
                      AND coalesce(e.sponsor_attended, false)) AS visits_12m,
                  count(*) FILTER (WHERE e.type = 'qbr' AND coalesce(e.sponsor_attended, false))
                      / nullif(count(*) FILTER (WHERE e.type = 'qbr'), 0) AS qbr_attendance
           FROM engagements e JOIN accounts a USING (account_id)
           WHERE a.strategic AND e.status = 'held' AND e.date > ?::DATE - INTERVAL 12 MONTH AND e.date <= ?
           GROUP BY 1""",
        params=[as_of, as_of],
    ).pl()
    joined = status.join(sponsors, on="account_id")
    per_rule = joined.group_by("sponsor").agg(
        [(pl.col("status").filter(pl.col("rule") == rule) != OVERDUE).mean().alias(rule) for rule in RULES]
        + [
            pl.col("account_id").n_unique().alias("accounts"),
            (pl.col("status") == OVERDUE).sum().alias("overdue"),
            (pl.col("status") != OVERDUE).mean().alias("compliance"),
        ]
    )
    return (
        per_rule.join(activity, on="sponsor", how="left")
        .with_columns(pl.col("visits_12m").fill_null(0))
        .select("sponsor", "accounts", "compliance", *RULES, "visits_12m", "qbr_attendance", "overdue")
        .sort(["compliance", "overdue"], descending=[False, True])
    )


def rule_compliance(status: pl.DataFrame) -> pl.DataFrame:
    """Per rule: share of strategic accounts not overdue, and accounts overdue (Portfolio and
    Sponsor cadence pages show the same figures)."""
    order = {rule: i for i, rule in enumerate(RULES)}
    return (
        status.group_by("rule")
        .agg(
            (pl.col("status") != OVERDUE).mean().alias("compliance"),
            (pl.col("status") == OVERDUE).sum().alias("accounts_overdue"),
        )
        .sort(pl.col("rule").replace_strict(order, return_dtype=pl.Int8))
    )


def review_schedule(
    con: duckdb.DuckDBPyConnection, *, as_of: date, policy: CadencePolicy | None = None
) -> pl.DataFrame:
    """For strategic accounts with fewer than the policy's 90-day reviews planned in the next
    12 months: the missing dates, suggested every `review_gap_days` from the last held or
    planned one (never earlier than a week from `as_of`)."""
    policy = policy or CadencePolicy()
    facts = con.sql(
        """SELECT a.account_id, a.account_name, a.executive_sponsor,
                  max(e.date) FILTER (WHERE e.status = 'held' AND e.date <= ?) AS last_held,
                  max(e.date) FILTER (WHERE e.status = 'planned' AND e.date > ?
                      AND e.date <= ?::DATE + INTERVAL 12 MONTH) AS last_planned,
                  count(*) FILTER (WHERE e.status = 'planned' AND e.date > ?
                      AND e.date <= ?::DATE + INTERVAL 12 MONTH) AS planned
           FROM accounts a LEFT JOIN engagements e ON e.account_id = a.account_id
               AND e.type = 'ninety_day_review'
           WHERE a.strategic GROUP BY ALL ORDER BY a.account_name""",
        params=[as_of, as_of, as_of, as_of, as_of],
    ).pl()
    gap, earliest = timedelta(days=policy.review_gap_days), as_of + timedelta(days=7)
    rows = []
    for f in facts.filter(pl.col("planned") < policy.reviews_planned_ahead).iter_rows(named=True):
        anchor = f["last_planned"] or f["last_held"]
        nxt = max(anchor + gap, earliest) if anchor else earliest
        for _ in range(policy.reviews_planned_ahead - f["planned"]):
            rows.append(
                {
                    "account_id": f["account_id"],
                    "account_name": f["account_name"],
                    "sponsor": f["executive_sponsor"],
                    "planned_now": f["planned"],
                    "suggested": nxt,
                }
            )
            nxt += gap
    return pl.DataFrame(
        rows,
        schema={
            "account_id": pl.String,
            "account_name": pl.String,
            "sponsor": pl.String,
            "planned_now": pl.Int64,
            "suggested": pl.Date,
        },
    )


def schedule_ics(schedule: pl.DataFrame, *, now: datetime | None = None) -> bytes:
    """The suggested reviews as an iCalendar file (all-day events), for invitations. The
    icalendar library escapes every text value and folds long lines (RFC 5545), so text from a
    workbook can never start a property or an event of its own."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Strategic accounts//Sponsor cadence//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    stamp = now or datetime.now(UTC)
    for r in schedule.iter_rows(named=True):
        day = r["suggested"]
        event = icalendar.Event()
        event.add("uid", f"{r['account_id']}-{day:%Y%m%d}@sam")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", f"90-day account review: {r['account_name']}")
        event.add("description", f"Executive sponsor: {r['sponsor'] or 'none'}")
        calendar.add_component(event)
    return calendar.to_ical()


def due_lists(status: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(overdue now, due within the policy's due-soon window), most urgent first."""
    return (
        status.filter(pl.col("status") == OVERDUE).sort("deadline", nulls_last=False),
        status.filter(pl.col("status") == DUE_SOON).sort("deadline"),
    )
