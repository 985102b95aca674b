"""Account health kept over time (SPEC.md section 9: "health is kept per account per month").

Table `health_history`, one row per account and date, with the health, its band and each
part's score and points (see health.account_overview):

- **recorded**: after each load (and on the first look after one), the health as of that day,
  rewritten by every later load of the same day;
- **computed**: a past date, from the data as it stood then: the rows dated on or before that
  day (financials in the data-through window of that day, survey responses, engagements,
  evidence and actions created by then, see the metrics' `as_of`). Relationship coverage has no
  dates, so it is today's map. Computed for the month ends of the last 12 months and for the
  days 30 and 90 before each recording, once: a row is never rewritten afterwards, so the
  history keeps what the data said then.

Daily rows older than 100 days are pruned; month ends stay. A month's health is its latest row
(the month's end, or for the current month the last recording). The change over 30 (90) days
at a date = the health then minus the health of the latest row at least 30 (90) days before.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

import duckdb
import polars as pl

from sam_core.metrics.health import DEFAULT_WEIGHTS, account_overview
from sam_core.metrics.portfolio import DEFAULT_RULES, RevenueRules
from sam_core.store import WRITE_LOCK, data_version, transaction

HISTORY_MONTHS = 12
CHANGE_DAYS = (30, 90)
KEEP_DAYS = 100
RECORDED, COMPUTED = "recorded", "computed"
_MARKER = "health_recorded"  # meta key: "<data version>:<day>" of the last recording


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def past_month_ends(today: date, months: int = HISTORY_MONTHS) -> list[date]:
    """The last days of the `months` months before today's month, oldest first."""
    out, d = [], today.replace(day=1)
    for _ in range(months):
        d = d - timedelta(days=1)
        out.append(d)
        d = d.replace(day=1)
    return out[::-1]


def history_rows(
    overview: pl.DataFrame, as_of: date, weights: dict[str, float] | None = None
) -> pl.DataFrame:
    """An account overview as rows of `health_history` (without the bookkeeping columns)."""
    weights = weights or DEFAULT_WEIGHTS
    if overview.is_empty():
        return pl.DataFrame(schema=_ROW_SCHEMA)
    parts = pl.concat_list(
        [
            pl.struct(
                pl.lit(p).alias("part"),
                pl.col(f"score: {p}").cast(pl.Float64).alias("score"),
                pl.col(f"points: {p}").cast(pl.Float64).alias("points"),
            )
            for p in weights
        ]
    )
    return overview.select(
        "account_id",
        pl.lit(as_of, dtype=pl.Date).alias("as_of"),
        pl.col("health").cast(pl.Float64),
        pl.col("health_band").alias("band"),
        parts.alias("parts"),
    )


_PART = pl.Struct({"part": pl.String, "score": pl.Float64, "points": pl.Float64})
_ROW_SCHEMA = {
    "account_id": pl.String,
    "as_of": pl.Date,
    "health": pl.Float64,
    "band": pl.String,
    "parts": pl.List(_PART),
}


def recorded_for(con: duckdb.DuckDBPyConnection) -> str | None:
    """'<data version>:<day>' of the last recording, or None."""
    found = con.execute("SELECT value FROM meta WHERE key = ?", [_MARKER]).fetchall()
    return found[0][0] if found else None


def record_health(
    con: duckdb.DuckDBPyConnection,
    *,
    today: date,
    rules: RevenueRules = DEFAULT_RULES,
    current: pl.DataFrame | None = None,
    now: datetime | None = None,
) -> int:
    """Record today's health of every account (rewriting today's rows), and compute the past
    dates the history lacks (the last 12 month ends, the days 30 and 90 before today) from the
    data as it stood then. Does nothing when this data version was recorded today already.
    `current`: the account overview as of today, if the caller has it. Returns rows written."""
    version = data_version(con)
    marker = f"{version}:{today.isoformat()}"
    if recorded_for(con) == marker:
        return 0
    candidates = sorted({*past_month_ends(today), *(today - timedelta(days=n) for n in CHANGE_DAYS)})
    # The dates some account has no row for (all of them at first; a new account's past later).
    wanted = [
        r[0]
        for r in con.execute(
            """SELECT d FROM unnest(?::DATE[]) t(d)
               WHERE EXISTS (SELECT 1 FROM accounts a WHERE NOT EXISTS (
                   SELECT 1 FROM health_history h WHERE h.account_id = a.account_id AND h.as_of = t.d))
               ORDER BY d""",
            [candidates],
        ).fetchall()
    ]
    frames = [
        history_rows(
            current if current is not None else account_overview(con, as_of=today, rules=rules), today
        ).with_columns(pl.lit(RECORDED).alias("source"))
    ]
    frames += [
        history_rows(account_overview(con, as_of=d, rules=rules), d).with_columns(
            pl.lit(COMPUTED).alias("source")
        )
        for d in wanted
    ]
    rows = pl.concat(frames).with_columns(
        pl.lit(version, dtype=pl.Int64).alias("data_version"),
        pl.lit(now or datetime.now(UTC).replace(tzinfo=None), dtype=pl.Datetime("us")).alias("recorded_at"),
    )
    with WRITE_LOCK:
        if recorded_for(con) == marker:
            return 0
        with transaction(con):
            con.execute("DELETE FROM health_history WHERE as_of = ?", [today])
            con.register("health_rows", rows)
            try:
                con.execute(
                    """INSERT INTO health_history BY NAME
                       SELECT * FROM health_rows ANTI JOIN health_history USING (account_id, as_of)"""
                )
            finally:
                con.unregister("health_rows")
            con.execute(
                "DELETE FROM health_history WHERE as_of < ? AND as_of <> last_day(as_of)",
                [today - timedelta(days=KEEP_DAYS)],
            )
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [_MARKER, marker],
            )
    return rows.height


def health_trend(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: date,
    account_ids: list[str] | None = None,
    months: int = HISTORY_MONTHS,
) -> pl.DataFrame:
    """Per account with history on or before `as_of`: health_trend (the health of each of the
    `months` months to as_of's month that has a row, oldest first: for the sparkline), health
    (the latest row), health_30 and health_90 (the latest rows at least 30 and 90 days before
    it) and change_30, change_90 (points)."""
    first = as_of.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return con.sql(
        """WITH h AS (
               SELECT account_id, as_of, health FROM health_history
               WHERE as_of <= ? AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], account_id))
           ),
           monthly AS (
               SELECT account_id, date_trunc('month', as_of) AS month, arg_max(health, as_of) AS health
               FROM h WHERE as_of >= ? GROUP BY ALL
           ),
           trend AS (
               SELECT account_id,
                      list(health ORDER BY month) FILTER (WHERE health IS NOT NULL) AS health_trend
               FROM monthly GROUP BY account_id
           ),
           latest AS (SELECT account_id, max(as_of) AS at FROM h GROUP BY account_id),
           points AS (
               SELECT l.account_id,
                      max(h.health) FILTER (WHERE h.as_of = l.at) AS health,
                      arg_max(h.health, h.as_of) FILTER (WHERE h.as_of <= l.at - INTERVAL 30 DAY)
                          AS health_30,
                      arg_max(h.health, h.as_of) FILTER (WHERE h.as_of <= l.at - INTERVAL 90 DAY)
                          AS health_90,
                      max(h.as_of) FILTER (WHERE h.as_of <= l.at - INTERVAL 30 DAY) AS as_of_30,
                      max(h.as_of) FILTER (WHERE h.as_of <= l.at - INTERVAL 90 DAY) AS as_of_90
               FROM latest l JOIN h USING (account_id) GROUP BY l.account_id
           )
           SELECT p.account_id, t.health_trend, p.health, p.health_30, p.health_90,
                  p.health - p.health_30 AS change_30, p.health - p.health_90 AS change_90,
                  p.as_of_30, p.as_of_90
           FROM points p LEFT JOIN trend t USING (account_id)
           ORDER BY p.account_id""",
        params=[as_of, account_ids, account_ids, first],
    ).pl()


def account_history(con: duckdb.DuckDBPyConnection, account_id: str, *, as_of: date) -> pl.DataFrame:
    """One account's kept health on or before `as_of`, one row per month (its latest) plus the
    rows of the last 100 days: as_of, health, band, source, and per part its points (long:
    part, score, points), oldest first."""
    return con.sql(
        """SELECT as_of, health, band, source, p.part, p.score, p.points
           FROM (SELECT *, unnest(parts) AS p FROM health_history
                 WHERE account_id = ? AND as_of <= ?
                   AND (as_of = last_day(as_of) OR as_of >= ?::DATE - INTERVAL (?) DAY))
           ORDER BY as_of""",
        params=[account_id, as_of, as_of, KEEP_DAYS],
    ).pl()


def part_movement(
    con: duckdb.DuckDBPyConnection, account_id: str, *, as_of: date, days: int = 30
) -> pl.DataFrame:
    """How each part's points moved between the latest kept health on or before `as_of` and the
    latest at least `days` before it: part, then, now, change (points, the largest move first),
    since (the earlier date), at (the later). Empty without two such rows."""
    return part_movements(con, [account_id], as_of=as_of, days=days).get(account_id, _no_movement())


def _no_movement() -> pl.DataFrame:
    schema = {"part": pl.String, "then": pl.Float64, "now": pl.Float64, "change": pl.Float64}
    return pl.DataFrame(schema=schema | {"since": pl.Date, "at": pl.Date})


def part_movements(
    con: duckdb.DuckDBPyConnection, account_ids: list[str], *, as_of: date, days: int = 30
) -> dict[str, pl.DataFrame]:
    """`part_movement` of each of `account_ids` that has two such rows, in one query."""
    rows = con.execute(
        """WITH h AS (SELECT account_id, as_of, parts FROM health_history
                      WHERE account_id IN (SELECT unnest(?::VARCHAR[])) AND as_of <= ?),
                l AS (SELECT account_id, max(as_of) AS at FROM h GROUP BY account_id),
                e AS (SELECT l.account_id, l.at, max(h.as_of) AS since FROM l JOIN h USING (account_id)
                      WHERE h.as_of <= l.at - INTERVAL (?) DAY GROUP BY l.account_id, l.at)
           SELECT e.account_id, e.since, b.parts, e.at, a.parts
           FROM e JOIN h b ON b.account_id = e.account_id AND b.as_of = e.since
                  JOIN h a ON a.account_id = e.account_id AND a.as_of = e.at
           WHERE e.since < e.at""",
        [list(account_ids), as_of, days],
    ).fetchall()
    found = {}
    for account_id, since, before, at, after in rows:
        then = {p["part"]: p["points"] or 0.0 for p in before}
        out = [
            {
                "part": p["part"],
                "then": then.get(p["part"], 0.0),
                "now": p["points"] or 0.0,
                "change": (p["points"] or 0.0) - then.get(p["part"], 0.0),
                "since": since,
                "at": at,
            }
            for p in after
        ]
        found[account_id] = pl.DataFrame(out, schema=_no_movement().schema).sort(
            pl.col("change").abs(), descending=True, maintain_order=True
        )
    return found
