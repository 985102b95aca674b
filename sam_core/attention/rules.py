"""What needs attention (SPEC.md section 9): each rule turns the data into items, one per
account and cause, that say why and where to act.

- people_left: a decision maker, or the customer executive paired with our sponsor, was removed
  from the stakeholders (by an upload), is no longer marked a decision maker, or the account's
  customer executive was replaced, in the last 30 days;
- loop_open: a detractor (recommend 0-6) or a low score (satisfaction or continue 1-2) of the
  last 90 days has no action after 2 working days (setting; Monday to Friday);
- cadence_overdue: a sponsor cadence rule of a strategic account is overdue;
- health_drop: the account's health is down 10 points or more (setting) on the health kept 30
  days before;
- renewal_at_risk: a contract is within its notice period (metrics.contracts) and the account's
  health is below 60;
- stale_plan, stale_data: a top account (top N by revenue, setting) has a stale plan
  (plans.plan.plan_status) or stale data (metrics.activity.data_freshness);
- concentration: a concentration flag holds that did not in the data-through month before: an
  account over 10% of revenue, the top 3 over 25%, the top 10 over 40%.

Every item has a stable `key` (rule, account, what and when), so an acknowledgement holds
until the cause is new: a new person, response, deadline, month, contract term or flag.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import duckdb
import polars as pl

from sam_core.attention.history import changed_values, removed_rows
from sam_core.attention.policy import DEFAULT_ATTENTION, AttentionRules
from sam_core.metrics.cadence import OVERDUE, cadence_status
from sam_core.metrics.contracts import renewals_with_health
from sam_core.metrics.health import account_overview
from sam_core.metrics.health_history import health_trend, part_movements, record_health
from sam_core.metrics.loyalty import LOW_SCORE
from sam_core.metrics.policy import cadence_policy
from sam_core.metrics.portfolio import (
    CONCENTRATION_LIMITS,
    DEFAULT_RULES,
    RevenueRules,
    account_revenue,
    ranked,
)
from sam_core.outputs import wording
from sam_core.outputs.formatting import long_date, money, month
from sam_core.plans.plan import DEFAULT_REVIEW_DAYS, plan_status

RECENT_DAYS = 30  # people changes count this long
LOOP_DAYS = 90  # low scores this recent are followed up
RENEWAL_HEALTH = 60  # a renewal in its notice period is at risk below this health


# rule -> (title, the page where one acts on it)
RULES = {
    "people_left": ("Key person left", "relationship_map"),
    "loop_open": ("Low score without an action", "loyalty"),
    "cadence_overdue": ("Cadence rule overdue", "sponsor_cadence"),
    "health_drop": ("Health fell", "portfolio"),
    "renewal_at_risk": ("Renewal at risk", "account_plan"),
    "stale_plan": ("Stale plan on a top account", "account_plan"),
    "stale_data": ("Stale data on a top account", "data_upload"),
    "concentration": ("Concentration flag crossed", "portfolio"),
}
ITEM_SCHEMA = {
    "key": pl.String,
    "rule": pl.String,
    "account_id": pl.String,
    "title": pl.String,
    "why": pl.String,
    "since": pl.Date,
    "page": pl.String,
}
ACCOUNT_COLUMNS = ("account_name", "account_manager", "executive_sponsor", "rank")
ITEMS_SCHEMA = ITEM_SCHEMA | {
    "account_name": pl.String,
    "account_manager": pl.String,
    "executive_sponsor": pl.String,
    "rank": pl.Int64,
}


def _items(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([{**r, "page": RULES[r["rule"]][1]} for r in rows], schema=ITEM_SCHEMA, orient="row")


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def attention_items(
    con: duckdb.DuckDBPyConnection,
    *,
    today: date,
    rules: AttentionRules = DEFAULT_ATTENTION,
    revenue_rules: RevenueRules = DEFAULT_RULES,
    currency: str = "EUR",
    overview: pl.DataFrame | None = None,
    cadence: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every item of every rule on `today`, for all accounts (scope.user_items picks a user's):
    key, rule, account_id, title, why, since, page, and the account's name, manager, sponsor
    and revenue rank; ordered by rule, then rank. Records the health of today first (see
    health_history.record_health). `overview` and `cadence`: as of today, if the caller has them."""
    overview = overview if overview is not None else account_overview(con, as_of=today, rules=revenue_rules)
    cadence = cadence if cadence is not None else cadence_status(con, as_of=today, policy=cadence_policy(con))
    found = [
        people_left(con, today=today),
        open_loops(con, today=today, working_days=rules.action_working_days),
        cadence_overdue(cadence, today=today),
    ]
    if overview.is_empty():  # no financials yet: nothing is ranked, no health is kept
        accounts = con.sql(
            "SELECT account_id, account_name, account_manager, executive_sponsor, NULL::BIGINT AS rank "
            "FROM accounts"
        ).pl()
    else:
        record_health(con, today=today, rules=revenue_rules, current=overview)
        found += [
            health_drops(con, today=today, points=rules.health_drop_points),
            renewals_at_risk(con, overview, today=today, currency=currency),
            stale_top_accounts(
                con, overview, today=today, top=rules.top_accounts, review_days=rules.review_days
            ),
            concentration_crossed(con, overview, rules=revenue_rules),
        ]
        accounts = overview.select("account_id", *ACCOUNT_COLUMNS).cast({"rank": pl.Int64})
    order = {rule: i for i, rule in enumerate(RULES)}
    return (
        pl.concat(found)
        .join(accounts, on="account_id", how="left")
        .with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.Int32).alias("__order"))
        .sort(["__order", "rank", "account_id", "since"], nulls_last=True, maintain_order=True)
        .drop("__order")
        .select(list(ITEMS_SCHEMA))
    )


# -- the rules ---------------------------------------------------------------------------------


def people_left(con: duckdb.DuckDBPyConnection, *, today: date, days: int = RECENT_DAYS) -> pl.DataFrame:
    """Decision makers and customer executives who left (removed from the stakeholders by an
    upload, or no longer a decision maker), and customer executives replaced on the account, in
    the `days` before `today` (and since)."""
    since = _start(today - timedelta(days=days))
    removed = removed_rows(con, "Stakeholders", since=since)
    sponsored = _sponsor_counterparts(con)
    executives = {
        (a, (n or "").strip().casefold())
        for a, n in con.execute("SELECT account_id, customer_executive FROM accounts").fetchall()
    }
    out = []
    for r in removed.iter_rows(named=True):
        roles = []
        if r["decision_maker"]:
            roles.append("decision maker")
        if (r["account_id"], (r["name"] or "").strip().casefold()) in executives or (
            r["account_id"],
            r["stakeholder_id"],
        ) in sponsored:
            roles.append("the customer executive paired with our sponsor")
        if not roles:
            continue
        what = ", ".join(x for x in (r["title"], *roles) if x)
        out.append(
            {
                "key": f"people_left|{r['account_id']}|{r['stakeholder_id']}|{r['changed_at']:%Y-%m-%d}",
                "rule": "people_left",
                "account_id": r["account_id"],
                "title": f"{r['name']} left",
                "why": f"{r['name']} ({what}) was removed from the stakeholders by {r['via']} of "
                f"{r['changed_by']} on {long_date(r['changed_at'].date())}. Who covers the decision now?",
                "since": r["changed_at"].date(),
            }
        )
    people = con.execute("SELECT stakeholder_id, account_id, name FROM stakeholders").fetchall()
    names = {sid: name for sid, _, name in people}
    for r in changed_values(con, "Stakeholders", since=since, columns=("decision_maker",)).iter_rows(
        named=True
    ):
        if r["old"] != "true" or r["new"] == "true":
            continue
        name = names.get(r["key"], r["key"])
        out.append(
            {
                "key": f"people_left|{r['account_id']}|{r['key']}|{r['changed_at']:%Y-%m-%d}",
                "rule": "people_left",
                "account_id": r["account_id"],
                "title": f"{name} no longer a decision maker",
                "why": f"{name} is no longer marked a decision maker ({r['via']} of {r['changed_by']} on "
                f"{long_date(r['changed_at'].date())}). Who decides now?",
                "since": r["changed_at"].date(),
            }
        )
    stakeholders = {(a, (n or "").strip().casefold()) for _, a, n in people}
    for r in changed_values(con, "Accounts", since=since, columns=("customer_executive",)).iter_rows(
        named=True
    ):
        if not r["old"]:
            continue
        now = f"replaced by {r['new']}" if r["new"] else "removed, with nobody named in their place"
        staying = (r["account_id"], r["old"].strip().casefold()) in stakeholders
        out.append(
            {
                "key": f"people_left|{r['account_id']}|customer_executive|{r['old']}",
                "rule": "people_left",
                "account_id": r["account_id"],
                # still among the account's people: not gone, only no longer paired with our sponsor
                "title": f"{r['old']} no longer the customer executive" if staying else f"{r['old']} left",
                "why": f"{r['old']}, the customer executive paired with our sponsor, was {now} "
                f"({r['via']} of "
                f"{r['changed_by']} on {long_date(r['changed_at'].date())}). Pair the sponsor again.",
                "since": r["changed_at"].date(),
            }
        )
    return _items(out)


def _sponsor_counterparts(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(account, stakeholder) pairs where our executive sponsor has, or had, a relationship with
    an executive-level stakeholder."""
    rows = con.execute(
        """WITH r AS (SELECT account_id, member, stakeholder_id FROM relationships
                      UNION SELECT account_id, member, stakeholder_id FROM relationships__before),
                s AS (SELECT stakeholder_id, level FROM stakeholders
                      UNION SELECT stakeholder_id, level FROM stakeholders__before)
           SELECT DISTINCT r.account_id, r.stakeholder_id FROM r
           JOIN accounts a ON a.account_id = r.account_id
               AND lower(trim(r.member)) = lower(trim(a.executive_sponsor))
           JOIN s ON s.stakeholder_id = r.stakeholder_id AND s.level = 'executive'"""
    ).fetchall()
    return {(a, s) for a, s in rows}


def open_loops(
    con: duckdb.DuckDBPyConnection, *, today: date, working_days: int = 2, days: int = LOOP_DAYS
) -> pl.DataFrame:
    """Detractors and low scores of the last `days` without an action (created by `today`) once
    `working_days` working days (Monday to Friday) have passed since the response: the deadline
    is the response day (a weekend day counts from the Friday before) plus `working_days`."""
    found = con.sql(
        # sql-ok: table and column names from the contract and constants, values bound
        f"""SELECT r.response_id, r.account_id, r.survey_date, r.wave,
                   coalesce(r.respondent_name, s.name, 'a respondent') AS respondent,
                   r.recommend_score, r.satisfaction, r.continue_score
            FROM surveys r LEFT JOIN stakeholders s USING (stakeholder_id)
            WHERE ({LOW_SCORE}) AND r.survey_date > ?::DATE - INTERVAL (?) DAY AND r.survey_date <= ?
              AND NOT EXISTS (SELECT 1 FROM actions x WHERE x.source = r.response_id
                              AND x.account_id = r.account_id AND x.created <= ?)
            ORDER BY r.survey_date, r.response_id""",  # sql-ok: LOW_SCORE is a constant
        params=[today, days, today, today],
    ).pl()
    late = found.with_columns(
        pl.col("survey_date").dt.add_business_days(working_days, roll="backward").alias("deadline")
    ).filter(pl.col("deadline") < today)
    out = []
    for r in late.iter_rows(named=True):
        detractor = r["recommend_score"] is not None and r["recommend_score"] <= 6
        scores = ", ".join(
            f"{label} {value:g}"
            for label, value in (
                ("recommend", r["recommend_score"]),
                ("satisfaction", r["satisfaction"]),
                ("continue", r["continue_score"]),
            )
            if value is not None
        )
        out.append(
            {
                "key": f"loop_open|{r['account_id']}|{r['response_id']}",
                "rule": "loop_open",
                "account_id": r["account_id"],
                "title": f"{'Detractor' if detractor else 'Low score'} without an action",
                "why": f"{r['respondent']} answered on {long_date(r['survey_date'])} ({scores}); no action "
                f"{working_days} working days later (due by {long_date(r['deadline'])}). Response "
                f"{r['response_id']}.",
                "since": r["deadline"],
            }
        )
    return _items(out)


def cadence_overdue(cadence: pl.DataFrame, *, today: date) -> pl.DataFrame:
    """Each overdue cadence rule of a strategic account (a cadence_status frame as of `today`). A
    rule can be overdue before its deadline (internal reviews: none last month, the deadline is
    this month's end): the item then says to hold one by the deadline, and has no "since"."""
    late = cadence.filter(pl.col("status") == OVERDUE)

    def when(deadline: date | None) -> str:
        if deadline is None:
            return "; none held yet."
        return f"; {'hold one by' if deadline > today else 'deadline'} {long_date(deadline)}."

    return _items(
        [
            {
                "key": f"cadence_overdue|{r['account_id']}|{r['rule']}|{r['deadline']}",
                "rule": "cadence_overdue",
                "account_id": r["account_id"],
                "title": f"{r['rule']} overdue",
                "why": f"{r['rule']}: {r['detail']}{when(r['deadline'])}",
                "since": _past(r["deadline"], today) if r["deadline"] else None,
            }
            for r in late.iter_rows(named=True)
        ]
    )


def health_drops(con: duckdb.DuckDBPyConnection, *, today: date, points: float = 10) -> pl.DataFrame:
    """Accounts whose kept health fell by `points` or more against the health kept 30 days (or
    more) before, with the part that moved most."""
    trend = health_trend(con, as_of=today).filter(pl.col("change_30") <= -points)
    movements = part_movements(con, trend["account_id"].to_list(), as_of=today, days=30)
    out = []
    for r in trend.iter_rows(named=True):
        movement = movements.get(r["account_id"])
        moved = wording.moved_part(movement)  # whole points, as the health beside it
        out.append(
            {
                "key": f"health_drop|{r['account_id']}|{today:%Y-%m}",
                "rule": "health_drop",
                "account_id": r["account_id"],
                "title": f"Health down {-r['change_30']:.0f} points",
                "why": f"Health {r['health_30']:.0f} on {long_date(r['as_of_30'])}, {r['health']:.0f} now "
                f"({r['change_30']:+.0f} points; the rule: {points:g} or more in 30 days)"
                + (f"; the part that moved most: {moved}." if moved else "."),
                "since": None,  # the why says from when to when
            }
        )
    return _items(out)


def renewals_at_risk(
    con: duckdb.DuckDBPyConnection,
    overview: pl.DataFrame,
    *,
    today: date,
    currency: str = "EUR",
    health: float = RENEWAL_HEALTH,
) -> pl.DataFrame:
    """Contracts within their notice period whose account's health is below `health`."""
    found = renewals_with_health(con, overview, as_of=today, days=3650).filter(
        pl.col("in_notice") & (pl.col("health") < health)
    )

    def shown(value: float) -> str:  # 59.9 stays 59.9: "60 (below 60)" would contradict itself
        return f"{value:.0f}" if round(value) < health else f"{value:.1f}"

    return _items(
        [
            {
                "key": f"renewal_at_risk|{r['account_id']}|{r['contract_id']}|{r['renewal_date']}",
                "rule": "renewal_at_risk",
                "account_id": r["account_id"],
                "title": f"Renewal in {r['days_left']} days, health {shown(r['health'])}",
                "why": f"{r['name'] or r['contract_id']} ({money(r['annual_value'], currency)} a year) "
                f"renews on "
                f"{long_date(r['renewal_date'])}"
                + (" automatically unless notice is given" if r["auto_renew"] else "")
                + f"; its notice period began on {long_date(r['notice_by'])} and the account's health is "
                f"{shown(r['health'])} (below {health:g}).",
                "since": r["notice_by"],
            }
            for r in found.iter_rows(named=True)
        ]
    )


def _past(day: date, today: date) -> date | None:
    """`day` when it has come; None for a day ahead (an item is never "since" a day to come)."""
    return day if day <= today else None


def stale_top_accounts(
    con: duckdb.DuckDBPyConnection,
    overview: pl.DataFrame,
    *,
    today: date,
    top: int = 20,
    review_days: int = DEFAULT_REVIEW_DAYS,
) -> pl.DataFrame:
    """Stale plans and stale data of the top `top` accounts by revenue."""
    tops = ranked(overview).filter(pl.col("rank") <= top)
    plans = plan_status(con, as_of=today, review_days=review_days).filter(
        pl.col("stale") & pl.col("account_id").is_in(tops["account_id"].implode())
    )
    out = [
        {
            "key": f"stale_plan|{r['account_id']}|{r['reviewed_on'] or 'never'}",
            "rule": "stale_plan",
            "account_id": r["account_id"],
            "title": "Stale account plan",
            "why": f"The account plan is stale: {r['reason']}.",
            # stale since its review fell due; a plan stale for a later 90-day review says so in `why`
            "since": _past(r["reviewed_on"] + timedelta(days=review_days), today)
            if r["reviewed_on"]
            else None,
        }
        for r in plans.iter_rows(named=True)
    ]
    out += [
        {
            "key": f"stale_data|{r['account_id']}|"
            + ";".join(part.split(" ")[0] for part in r["stale"].split("; ")),
            "rule": "stale_data",
            "account_id": r["account_id"],
            "title": "Stale data",
            "why": f"The data is stale ({r['stale']}): the meeting would read old figures. Load fresh "
            "exports.",
            "since": None,  # the overview says how old, not from when
        }
        for r in tops.filter(pl.col("stale").is_not_null()).iter_rows(named=True)
    ]
    return _items(out)


def concentration_flags(revenue: pl.DataFrame) -> dict[str, tuple[str | None, float, float]]:
    """The concentration flags that hold: flag id -> (account_id or None, share, limit). An
    account over the single-account limit ('account:<id>'), the top 3 and top 10 ('top3', ...)."""
    money_ranked = ranked(revenue).sort("rank")
    shares = money_ranked["share"].fill_null(0.0)
    flags: dict[str, tuple[str | None, float, float]] = {}
    for k, limit in CONCENTRATION_LIMITS:
        if k == 1:
            for account_id, share in money_ranked.select("account_id", "share").iter_rows():
                if (share or 0) > limit:
                    flags[f"account:{account_id}"] = (account_id, share, limit)
        elif money_ranked.height >= k and float(shares.head(k).sum()) > limit:
            flags[f"top{k}"] = (None, float(shares.head(k).sum()), limit)
    return flags


def concentration_crossed(
    con: duckdb.DuckDBPyConnection, overview: pl.DataFrame, *, rules: RevenueRules = DEFAULT_RULES
) -> pl.DataFrame:
    """Concentration flags of the data-through month (the overview's) that did not hold in the
    data-through month before it (nothing without one)."""
    through = overview["data_through"].drop_nulls()
    if through.is_empty():
        return _items([])
    last = through[0]
    before = account_revenue(con, as_of=last - timedelta(days=1), rules=rules)
    if before.is_empty():
        return _items([])
    earlier_month = before["data_through"][0]
    then = concentration_flags(before)
    was = dict(ranked(before).select("account_id", "share").iter_rows())
    earlier_shares = ranked(before).sort("rank")["share"].fill_null(0.0)
    names = dict(overview.select("account_id", "account_name").iter_rows())
    out = []
    for flag, (account_id, share, limit) in concentration_flags(overview).items():
        if flag in then:
            continue
        if account_id is not None:
            name = names.get(account_id, account_id)
            title = f"{name} over {limit:.0%} of revenue"
            why = f"{name} holds {share:.1%} of revenue in the 12 months to {month(last)} "
            why += f"(risk above {limit:.0%})"
            why += (
                f"; {was[account_id]:.1%} to {month(earlier_month)}."
                if was.get(account_id) is not None
                else "."
            )
        else:
            k = int(flag.removeprefix("top"))
            title = f"Top {k} over {limit:.0%} of revenue"
            why = (
                f"The top {k} accounts hold {share:.1%} of revenue in the 12 months to {month(last)} "
                "(risk above "
                f"{limit:.0%}); {float(earlier_shares.head(k).sum()):.1%} to {month(earlier_month)}."
            )
        out.append(
            {
                "key": f"concentration|{flag}|{last:%Y-%m}",
                "rule": "concentration",
                "account_id": account_id,
                "title": title,
                "why": why,
                "since": last,
            }
        )
    return _items(out)
