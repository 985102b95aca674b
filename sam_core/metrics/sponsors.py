"""Views of sponsor cadence (SPEC.md section 5): the accounts x months matrix, the sponsor
roll-up, the 90-day review schedule (with an .ics calendar), and per-rule program figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

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
    yet), `planned` or `empty` (a future month with or without plans). Engagements held after
    `as_of` are left out: as of a past date they had not happened yet."""
    first = date(as_of.year - (as_of.month <= 11), (as_of.month - 12) % 12 + 1, 1)
    frame = con.sql(
        """WITH months AS (
            SELECT unnest(generate_series(?::DATE, ?::DATE + INTERVAL 23 MONTH, INTERVAL 1 MONTH))::DATE
                AS month),
                grid AS (SELECT a.account_id, a.account_name, m.month FROM accounts a, months m
                    WHERE list_contains(?, a.account_id)),
                e AS (SELECT account_id, date_trunc('month', date)::DATE AS month, type, status,
                             CASE WHEN status = 'planned' AND date < ? THEN 'missed' ELSE status END AS state
                      FROM engagements WHERE list_contains(?, account_id) AND status <> 'cancelled'
                          -- as of a past date, what was held later was not known yet
                          AND NOT (status = 'held' AND date > ?))
           SELECT g.account_id, g.account_name, g.month,
                  list(e.type ORDER BY e.type) FILTER (WHERE e.state = 'held') AS held,
                  list(e.type ORDER BY e.type) FILTER (WHERE e.state = 'planned') AS planned,
                  list(e.type ORDER BY e.type) FILTER (WHERE e.state = 'missed') AS missed,
                  bool_or(e.type = 'internal_review' AND e.state = 'held') AS reviewed
           FROM grid g LEFT JOIN e ON e.account_id = g.account_id AND e.month = g.month
           GROUP BY ALL ORDER BY g.account_name, g.month""",
        params=[first, first, account_ids, as_of, account_ids, as_of],
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


def accounts_worst_first(status: pl.DataFrame) -> pl.DataFrame:
    """One row per account (status with account_name, executive_sponsor and account_manager
    joined) with each rule's status as a column; the accounts with the most rules overdue
    first, then the most due soon, then by name."""
    wide = status.pivot(
        on="rule",
        index=["account_id", "account_name", "executive_sponsor", "account_manager"],
        values="status",
    )
    rules = [r for r in RULES if r in wide.columns]
    return (
        wide.with_columns(
            pl.sum_horizontal([(pl.col(r) == OVERDUE).cast(pl.Int32) for r in rules]).alias("overdue"),
            pl.sum_horizontal([(pl.col(r) == DUE_SOON).cast(pl.Int32) for r in rules]).alias("due_soon"),
        )
        .sort(["overdue", "due_soon", "account_name"], descending=[True, True, False])
        .select(
            "account_id",
            "account_name",
            *rules,
            "overdue",
            "due_soon",
            "executive_sponsor",
            "account_manager",
        )
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
    12 months: the missing dates. Each follows the last held or planned review by at most
    `review_gap_days`, never earlier than a week from `as_of` and never past 12 months from
    it, on a working day (a Saturday or Sunday moves to the Friday before, or to the Monday
    after when that Friday is too soon). Reviews held or planned after `as_of` are not known
    as of then: a past date's schedule ignores what was recorded later."""
    policy = policy or CadencePolicy()
    end = _years_later(as_of, 1)
    facts = con.sql(
        """SELECT a.account_id, a.account_name, a.executive_sponsor,
                  max(e.date) FILTER (WHERE e.status = 'held' AND e.date <= ?) AS last_held,
                  list(e.date ORDER BY e.date) FILTER (WHERE e.status = 'planned' AND e.date > ?
                      AND e.date <= ?) AS planned_dates
           FROM accounts a LEFT JOIN engagements e ON e.account_id = a.account_id
               AND e.type = 'ninety_day_review'
           WHERE a.strategic GROUP BY ALL ORDER BY a.account_name""",
        params=[as_of, as_of, end],
    ).pl()
    rows = []
    for f in facts.iter_rows(named=True):
        planned = f["planned_dates"] or []
        if len(planned) >= policy.reviews_planned_ahead:
            continue
        for day in suggested_reviews(
            as_of,
            last_held=f["last_held"],
            planned=planned,
            needed=policy.reviews_planned_ahead - len(planned),
            gap_days=policy.review_gap_days,
        ):
            rows.append(
                {
                    "account_id": f["account_id"],
                    "account_name": f["account_name"],
                    "sponsor": f["executive_sponsor"],
                    "planned_now": len(planned),
                    "suggested": day,
                }
            )
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


def suggested_reviews(
    as_of: date, *, last_held: date | None, planned: list[date], needed: int, gap_days: int
) -> list[date]:
    """`needed` review dates within the 12 months after `as_of` (from a week after it), each at
    most `gap_days` after the review before it (held, planned or suggested), on working days;
    when the gaps do not fit the year, the longest stretches without a review are split."""
    earliest, end, gap = as_of + timedelta(days=7), _years_later(as_of, 1), timedelta(days=gap_days)
    ahead, suggested = sorted(planned), []
    anchor = last_held
    while len(suggested) < needed:
        due = max(anchor + gap, earliest) if anchor else earliest
        reached = [d for d in ahead if (anchor is None or d > anchor) and d <= due]
        if reached:  # a review is already planned by then
            anchor = reached[-1]
            continue
        day = working_day(due, earliest)
        if day > end:
            break
        suggested.append(day)
        anchor = day
    while len(suggested) < needed:  # the year is too short for the gaps: split the longest stretch
        points = sorted({earliest, *ahead, *suggested, end})
        start, stop = max(pairwise(points), key=lambda p: p[1] - p[0])
        day = working_day(start + (stop - start) / 2, earliest)
        if day in points:
            break
        suggested.append(day)
    return sorted(suggested)


def working_day(day: date, earliest: date) -> date:
    """A Saturday or Sunday becomes the Friday before (a review comes no later than due), or
    the Monday after when that Friday is before `earliest`."""
    if day.weekday() < 5:
        return day
    friday = day - timedelta(days=day.weekday() - 4)
    return friday if friday >= earliest else day + timedelta(days=7 - day.weekday())


def _years_later(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


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
