"""What a portfolio meeting shows, gathered once for the projector, the deck and the briefs:
the headline, the top accounts' briefs, the decisions and asks drawn from overdue items, and
the scales every account slide shares (so that bars compare across slides)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from sam_core.metrics.cadence import OVERDUE
from sam_core.metrics.headline import Headline
from sam_core.metrics.portfolio import DEFAULT_RULES, DataThrough, RevenueRules, ranked, revenue_trend
from sam_core.outputs.brief import Brief, account_briefs
from sam_core.outputs.formatting import long_date
from sam_core.plans.plan import DEFAULT_REVIEW_DAYS

# What each overdue cadence rule asks for, and of whom.
RULE_ASKS = {
    "Executive visits": ("executive_sponsor", "visit {account} (executive visit)"),
    "Internal reviews": ("account_manager", "hold the internal review of {account}"),
    "QBRs": ("executive_sponsor", "attend a QBR with {account}"),
    "90-day reviews": ("account_manager", "hold and plan the 90-day reviews of {account}"),
}


@dataclass(frozen=True)
class Scales:
    """Axis maxima shared by every account slide: the health parts' points and monthly revenue."""

    health_points: float
    monthly_revenue: float


@dataclass(frozen=True)
class Meeting:
    as_of: date
    through: date | None  # the data-through month of every money figure
    n: int
    headline: Headline
    top: pl.DataFrame  # the ranked overview, every account with financials (the concentration chart)
    briefs: list[Brief]  # the top N, largest first
    asks: pl.DataFrame  # account_name, owner, ask, since (date), kind: the closing slide
    scales: Scales
    trend: pl.DataFrame  # period, group (Top accounts / Other accounts), revenue...: 24 months


def nice_ceiling(value: float, steps: tuple[float, ...] = (1, 2, 2.5, 5, 10)) -> float:
    """The smallest 'round' number at or above value (1, 2, 2.5, 5 x a power of ten): an axis end."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(s * power for s in steps if s * power >= value - 1e-9)


def scales(briefs: list[Brief]) -> Scales:
    """The same axis for every account slide: the largest part's points and the largest month."""
    points = max((float(p) for b in briefs for p in b.health_parts["points"].to_list() if p), default=0.0)
    months = max((float(v) for b in briefs for v in b.revenue_trend if v), default=0.0)
    return Scales(health_points=nice_ceiling(points), monthly_revenue=nice_ceiling(months))


def asks(briefs: list[Brief]) -> pl.DataFrame:
    """Decisions and asks from the overdue items of these accounts: each overdue cadence rule
    (of the sponsor or the account manager), then per account its overdue open actions (the
    oldest named); oldest first within each."""
    rows = []
    for b in briefs:
        a = b.account
        name = a["account_name"]
        for rule in b.cadence.filter(pl.col("status") == OVERDUE).iter_rows(named=True):
            who, what = RULE_ASKS.get(rule["rule"], ("account_manager", "meet {account}"))
            owner = a[who] or a["account_manager"]
            rows.append(
                {
                    "account_name": name,
                    "owner": owner,
                    "ask": what.format(account=name),
                    "since": rule["deadline"],
                    "kind": rule["rule"],
                }
            )
        late = b.actions.filter(pl.col("overdue")).sort("due", nulls_last=True)
        if late.height:
            first = late.row(0, named=True)
            more = (
                f" and {late.height - 1} more overdue action{'s' if late.height > 2 else ''}"
                if late.height > 1
                else ""
            )
            rows.append(
                {
                    "account_name": name,
                    "owner": ", ".join(dict.fromkeys(o or "no owner" for o in late["owner"].to_list())),
                    "ask": f"{name}: {first['description']}{more}",
                    "since": first["due"],
                    "kind": "action",
                }
            )
    schema = {
        "account_name": pl.String,
        "owner": pl.String,
        "ask": pl.String,
        "since": pl.Date,
        "kind": pl.String,
    }
    frame = pl.DataFrame(rows, schema=schema)
    # the sponsors' and managers' cadence first (the meeting can decide those), then actions; oldest first
    return frame.sort(pl.col("kind") == "action", "since", "account_name", nulls_last=True)


def ask_line(row: dict) -> str:
    """'Sam Sponsor: attend a QBR with Alpha (overdue since 30 Jun 2026)'."""
    since = f" (overdue since {long_date(row['since'])})" if row["since"] else ""
    return f"{row['owner'] or 'Unassigned'}: {row['ask']}{since}"


def meeting(
    con: duckdb.DuckDBPyConnection,
    overview: pl.DataFrame,
    headline: Headline,
    *,
    as_of: date,
    n: int,
    rollup: bool = False,
    rules: RevenueRules = DEFAULT_RULES,
    through: DataThrough | None = None,
    review_days: int = DEFAULT_REVIEW_DAYS,
) -> Meeting:
    """The meeting of the top `n` accounts of the overview (made with the same `as_of`, `rollup`,
    `rules` and data-through month as `headline`)."""
    top = ranked(overview)
    through = through or headline.data_through
    ids = top["account_id"].head(n).to_list()
    briefs = account_briefs(
        con,
        overview,
        ids,
        as_of=as_of,
        rollup=rollup,
        rules=rules,
        through=through,
        review_days=review_days,
    )
    return Meeting(
        as_of=as_of,
        through=headline.data_through.month if headline.data_through else None,
        n=n,
        headline=headline,
        top=top,
        briefs=briefs,
        asks=asks(briefs),
        scales=scales(briefs),
        trend=revenue_trend(con, as_of=as_of, top_ids=ids, rollup=rollup, rules=rules, through=through),
    )
