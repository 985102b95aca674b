"""What changed between two dates (SPEC.md section 9), for a user's accounts: the figures and
each top account's figures, health parts, new and resolved risks, new and closed actions,
stakeholder changes and loyalty movement. The meeting pack's "since the last meeting".

Figures at each date are computed from the data as it stood then (the metrics' `as_of`: rows
dated on or before it, the data-through window of that day). A date means the end of that day.
Stakeholder changes are the uploads' and the app's own record (attention.history), left out for
an account that first arrived in the window (its rows are its first load, not changes).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import duckdb
import polars as pl

from sam_core.attention.history import added_rows, changed_values, removed_rows
from sam_core.attention.rules import (
    cadence_overdue,
    concentration_flags,
    open_loops,
    renewals_at_risk,
)
from sam_core.attention.scope import Scope
from sam_core.errors import ValidationFailed
from sam_core.metrics.cadence import cadence_status
from sam_core.metrics.headline import headline
from sam_core.metrics.health import WATCH, account_overview
from sam_core.metrics.policy import cadence_policy
from sam_core.metrics.portfolio import DEFAULT_RULES, RevenueRules, data_through, ranked

MONEY, PERCENT, NUMBER, SIGNED = "money", "percent", "number", "signed"
FIGURES_SCHEMA = {"figure": pl.String, "kind": pl.String, "then": pl.Float64, "now": pl.Float64}
PEOPLE_SCHEMA = {
    "change": pl.String,
    "name": pl.String,
    "detail": pl.String,
    "changed_at": pl.Datetime("us"),
    "changed_by": pl.String,
}


@dataclass(frozen=True)
class AccountChange:
    account_id: str
    account_name: str
    account_manager: str | None
    figures: pl.DataFrame  # figure, kind, then, now
    parts: pl.DataFrame  # part, then, now (health points)
    new_risks: list[str]
    resolved_risks: list[str]
    new_actions: pl.DataFrame  # action_id, description, owner, created, due, status
    closed_actions: pl.DataFrame  # action_id, description, owner, closed, status
    people: pl.DataFrame  # change, name, detail, changed_at, changed_by


@dataclass(frozen=True)
class Changes:
    since: date
    until: date
    scope: str
    figures: pl.DataFrame  # the accounts in scope together (and the portfolio's headline, if in scope)
    new_flags: list[str]  # concentration flags at `until` that did not hold at `since`
    accounts: list[AccountChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.figures.is_empty() and not self.accounts


def _end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min)


def qbr_months(
    con: duckdb.DuckDBPyConnection, *, today: date, account_ids: list[str] | None = None
) -> list[date]:
    """The months with a held QBR (of the accounts named, or any), latest first, up to today's."""
    rows = con.execute(
        """SELECT DISTINCT date_trunc('month', date)::DATE AS m FROM engagements
           WHERE type = 'qbr' AND status = 'held' AND date <= ?
             AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], account_id))
           ORDER BY m DESC""",
        [today, account_ids, account_ids],
    ).fetchall()
    return [r[0] for r in rows]


def default_dates(
    con: duckdb.DuckDBPyConnection, *, today: date, account_ids: list[str] | None = None
) -> tuple[date, date]:
    """The last days of the last two QBR months (the later one no later than today), or the 90
    days to today when fewer than two months had a QBR."""
    months = qbr_months(con, today=today, account_ids=account_ids)
    if len(months) < 2:
        return today - timedelta(days=90), today

    def last_day(m: date) -> date:
        return m.replace(day=calendar.monthrange(m.year, m.month)[1])

    return last_day(months[1]), min(last_day(months[0]), today)


def what_changed(
    con: duckdb.DuckDBPyConnection,
    *,
    scope: Scope,
    since: date,
    until: date,
    top_n: int = 20,
    rules: RevenueRules = DEFAULT_RULES,
    overviews: tuple[pl.DataFrame, pl.DataFrame] | None = None,
) -> Changes:
    """What changed from the end of `since` to the end of `until` for the accounts of `scope`:
    their figures together, the portfolio's headline when the scope covers it, new concentration
    flags, and per top account (the scope's `top_n` largest by revenue at `until`) its changes."""
    if since >= until:
        raise ValidationFailed(f"Choose a first date before the second ({since} is not before {until}).")
    then, now = overviews or (
        account_overview(con, as_of=since, rules=rules),
        account_overview(con, as_of=until, rules=rules),
    )
    if now.is_empty():
        return Changes(since, until, scope.description, pl.DataFrame(schema=FIGURES_SCHEMA), [])
    mine = now if scope.accounts is None else now.filter(pl.col("account_id").is_in(sorted(scope.accounts)))
    ids = mine["account_id"].to_list()
    figures = _scope_figures(then, now, ids)
    flags: list[str] = []
    if scope.portfolio:
        figures = pl.concat([_headline_figures(con, then, now, since, until, top_n, rules), figures])
        flags = _new_flags(then, now)
    tops = ranked(mine).head(top_n)["account_id"].to_list()
    if not tops:
        tops = mine.head(top_n)["account_id"].to_list()
    policy = cadence_policy(con)
    risks_then = _risks(con, then, cadence_status(con, as_of=since, policy=policy), since, tops)
    risks_now = _risks(con, now, cadence_status(con, as_of=until, policy=policy), until, tops)
    arrived = _first_arrival(con)
    accounts = [
        _account_change(
            con, then, now, a, since, until, risks_then.get(a, set()), risks_now.get(a, set()), arrived
        )
        for a in tops
    ]
    return Changes(since, until, scope.description, figures, flags, accounts)


def _rows(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=FIGURES_SCHEMA, orient="row")


def _sum(frame: pl.DataFrame, column: str) -> float | None:
    values = frame[column].drop_nulls()
    return float(values.sum()) if values.len() else None


def _mean(frame: pl.DataFrame, column: str) -> float | None:
    values = frame[column].drop_nulls()
    return float(values.mean()) if values.len() else None


def _growth(frame: pl.DataFrame) -> float | None:
    money = ranked(frame)
    before = _sum(money, "revenue_previous_like")
    revenue = _sum(money, "revenue")
    return revenue / before - 1 if revenue is not None and before else None


def _scope_figures(then: pl.DataFrame, now: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    """The accounts in scope together, then and now."""
    a = then.filter(pl.col("account_id").is_in(ids))
    b = now.filter(pl.col("account_id").is_in(ids))

    def at_risk(f: pl.DataFrame) -> float:
        return float(f.filter(pl.col("health") < WATCH).height)

    return _rows(
        [
            ("Revenue, last 12 months", MONEY, _sum(a, "revenue"), _sum(b, "revenue")),
            ("Growth", PERCENT, _growth(a), _growth(b)),
            ("Average health", NUMBER, _mean(a, "health"), _mean(b, "health")),
            ("Accounts with health below 40", NUMBER, at_risk(a), at_risk(b)),
            ("Loyalty index, mean of accounts", NUMBER, _mean(a, "loyalty_index"), _mean(b, "loyalty_index")),
            (
                "Cadence rules overdue",
                NUMBER,
                _sum(a, "rules_overdue") or 0.0,
                _sum(b, "rules_overdue") or 0.0,
            ),
            ("Open actions", NUMBER, _sum(a, "open_actions") or 0.0, _sum(b, "open_actions") or 0.0),
            ("Overdue actions", NUMBER, _sum(a, "overdue_actions") or 0.0, _sum(b, "overdue_actions") or 0.0),
            ("Open pipeline", MONEY, _sum(a, "open_pipeline"), _sum(b, "open_pipeline")),
        ]
    )


def _headline_figures(con, then, now, since, until, n, rules) -> pl.DataFrame:
    figures = []
    for frame, day in ((then, since), (now, until)):
        through = data_through(con, as_of=day, share=rules.reported_share)
        figures.append(
            headline(con, frame, as_of=day, n=n, rules=rules, through=through) if through else None
        )
    h0, h1 = figures

    def pick(h, f):
        return None if h is None else f(h)

    rows = [
        (f"Portfolio: share of the top {n}", PERCENT, lambda h: h.top_share.value),
        ("Portfolio: effective number of accounts", NUMBER, lambda h: h.concentration.effective_accounts),
        ("Portfolio: loyalty index (latest wave)", NUMBER, lambda h: h.loyalty_index.value),
        ("Portfolio: NPS (latest wave)", SIGNED, lambda h: h.nps.value),
        ("Portfolio: sponsor cadence compliance", PERCENT, lambda h: h.cadence_compliance.value),
    ]
    return _rows([(label, kind, pick(h0, f), pick(h1, f)) for label, kind, f in rows])


def _new_flags(then: pl.DataFrame, now: pl.DataFrame) -> list[str]:
    before = concentration_flags(then) if not then.is_empty() else {}
    names = dict(now.select("account_id", "account_name").iter_rows())
    out = []
    for flag, (account_id, share, limit) in concentration_flags(now).items():
        if flag in before:
            continue
        who = (
            names.get(account_id, account_id)
            if account_id
            else f"The top {flag.removeprefix('top')} accounts"
        )
        out.append(f"{who}: {share:.1%} of revenue (risk above {limit:.0%}).")
    return out


def _risks(
    con, overview: pl.DataFrame, cadence: pl.DataFrame, day: date, ids: list[str]
) -> dict[str, set[str]]:
    """Per account, its risks on `day`, in words that do not change with the date."""
    out: dict[str, set[str]] = {a: set() for a in ids}
    rows = overview.filter(pl.col("account_id").is_in(ids))
    for r in rows.iter_rows(named=True):
        if r["health"] is not None and r["health"] < WATCH:
            out[r["account_id"]].add(f"Health below {WATCH}")
        if r["stale"]:
            for part in r["stale"].split("; "):
                out[r["account_id"]].add(f"Stale {part.split(' ')[0]}")
        if r["financials"] == "not reported":
            out[r["account_id"]].add("Financials not reported")
    for r in cadence_overdue(cadence.filter(pl.col("account_id").is_in(ids)), today=day).iter_rows(
        named=True
    ):
        out[r["account_id"]].add(r["title"])
    for r in open_loops(con, today=day).filter(pl.col("account_id").is_in(ids)).iter_rows(named=True):
        out[r["account_id"]].add(f"{r['title']} ({r['key'].split('|')[-1]})")
    for r in (
        renewals_at_risk(con, overview, today=day)
        .filter(pl.col("account_id").is_in(ids))
        .iter_rows(named=True)
    ):
        out[r["account_id"]].add(f"Renewal of {r['key'].split('|')[2]} at risk")
    return out


def _first_arrival(con) -> dict[str, datetime]:
    """When each account's data first arrived (its first upload)."""
    return dict(
        con.execute(
            """SELECT s.account_id, min(u.uploaded_at) FROM upload_scope s JOIN uploads u USING (upload_id)
               WHERE s.sheet <> 'Rates' GROUP BY s.account_id"""
        ).fetchall()
    )


def _account_change(
    con, then, now, account_id, since, until, risks_then, risks_now, arrived
) -> AccountChange:
    row = now.filter(pl.col("account_id") == account_id).row(0, named=True)
    old = then.filter(pl.col("account_id") == account_id)
    before = old.row(0, named=True) if old.height else {}

    def pair(column):
        return before.get(column), row.get(column)

    figures = _rows(
        [
            ("Revenue, last 12 months", MONEY, *pair("revenue")),
            ("Growth", PERCENT, *pair("growth")),
            ("Health", NUMBER, *pair("health")),
            ("Loyalty index", NUMBER, *pair("loyalty_index")),
            ("NPS", SIGNED, *pair("nps")),
            ("Cadence rules overdue", NUMBER, *pair("rules_overdue")),
            ("Open pipeline", MONEY, *pair("open_pipeline")),
        ]
    )
    parts = pl.DataFrame(
        [
            {"part": c.removeprefix("points: "), "then": before.get(c), "now": row.get(c)}
            for c in now.columns
            if c.startswith("points: ")
        ],
        schema={"part": pl.String, "then": pl.Float64, "now": pl.Float64},
    )
    new_actions = con.sql(
        """SELECT action_id, description, owner, created, due, status FROM actions
           WHERE account_id = ? AND created > ? AND created <= ? ORDER BY created, action_id""",
        params=[account_id, since, until],
    ).pl()
    closed_actions = con.sql(
        """SELECT action_id, description, owner, closed, status FROM actions
           WHERE account_id = ? AND status IN ('done', 'dropped') AND closed > ? AND closed <= ?
           ORDER BY closed, action_id""",
        params=[account_id, since, until],
    ).pl()
    return AccountChange(
        account_id,
        row["account_name"],
        row["account_manager"],
        figures,
        parts,
        sorted(risks_now - risks_then),
        sorted(risks_then - risks_now),
        new_actions,
        closed_actions,
        _people(con, account_id, _end(since), _end(until), arrived.get(account_id)),
    )


def _people(con, account_id: str, start: datetime, end: datetime, arrived: datetime | None) -> pl.DataFrame:
    """Stakeholders added, removed and changed from `start` to `end` (and the account's customer
    executive replaced); nothing while the account's data first arrived in that window."""
    if arrived is not None and arrived > start:
        return pl.DataFrame(schema=PEOPLE_SCHEMA)
    out = []
    for change, rows in (("added", added_rows), ("removed", removed_rows)):
        for r in (
            rows(con, "Stakeholders", since=start, until=end)
            .filter(account_id=account_id)
            .iter_rows(named=True)
        ):
            detail = ", ".join(
                x for x in (r["title"], r["level"], "decision maker" if r["decision_maker"] else None) if x
            )
            out.append((change, r["name"], detail, r["changed_at"], r["changed_by"]))
    names = dict(
        con.execute(
            "SELECT stakeholder_id, name FROM stakeholders WHERE account_id = ?", [account_id]
        ).fetchall()
    )
    for r in (
        changed_values(con, "Stakeholders", since=start, until=end)
        .filter(account_id=account_id)
        .iter_rows(named=True)
    ):
        label = r["column"].replace("_", " ")
        out.append(
            (
                "changed",
                names.get(r["key"], r["key"]),
                f"{label}: {r['old'] or '-'} -> {r['new'] or '-'}",
                r["changed_at"],
                r["changed_by"],
            )
        )
    for r in (
        changed_values(con, "Accounts", since=start, until=end, columns=("customer_executive",))
        .filter(account_id=account_id)
        .iter_rows(named=True)
    ):
        out.append(
            (
                "customer executive",
                r["new"] or "-",
                f"was {r['old'] or '-'}",
                r["changed_at"],
                r["changed_by"],
            )
        )
    return pl.DataFrame(out, schema=PEOPLE_SCHEMA, orient="row").sort("changed_at", maintain_order=True)
