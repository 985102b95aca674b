"""Data for the pages: the cached connection, a cursor per script run, and aggregates cached
per data version (computed once when several sessions ask at the same moment)."""

from __future__ import annotations

import atexit
import threading
from datetime import date

import duckdb
import polars as pl
import streamlit as st

from sam_core.metrics.cadence import cadence_status
from sam_core.metrics.headline import headline
from sam_core.metrics.health import account_overview
from sam_core.metrics.policy import cadence_policy
from sam_core.metrics.portfolio import (
    DEFAULT_RULES,
    DataThrough,
    RevenueRules,
    data_through,
    monthly_revenue,
    revenue_trend,
)
from sam_core.metrics.relationship_map import strategic_relationships
from sam_core.outputs.meeting import Meeting, meeting
from sam_core.plans.facts import plan_facts
from sam_core.store import connect, data_version
from ui.run import RUN_KEY, once_per_run, settings

CURSOR_KEY = "sam_cursor"


def _close(con: duckdb.DuckDBPyConnection) -> None:
    con.close()


@st.cache_resource(on_release=_close)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    con = connect(path)
    atexit.register(con.close)  # a stopped server leaves the file checkpointed and closed
    return con


def connection() -> duckdb.DuckDBPyConnection:
    """One connection per database file and server process; each run uses its own cursor."""
    return _connection(str(settings().db_path))


def new_run_cursor() -> duckdb.DuckDBPyConnection:
    """Called once at the top of each run of app.py: a fresh cursor for this run. The last
    run's cursor is not closed here: with fast reruns that run may still be finishing a
    query on its own thread; it is released when nothing refers to it any more."""
    st.session_state[CURSOR_KEY] = connection().cursor()
    return st.session_state[CURSOR_KEY]


def db() -> duckdb.DuckDBPyConnection:
    """This run's cursor."""
    cur = st.session_state.get(CURSOR_KEY)
    return cur if cur is not None else new_run_cursor()


# Sessions that ask for the same aggregate at the same moment (a meeting opening the
# dashboard together, or everyone right after an upload) compute it once: the others wait
# on the same lock and then read it from the cache. Striped locks keep this bounded.
# Reentrant, and a cached computation never waits on another `_once` (a chart's builder gets
# its data passed in): two keys on one stripe would otherwise deadlock the script thread.
_STRIPES = [threading.RLock() for _ in range(64)]


def _once(cached_function, *args):
    key = (cached_function.__name__, *tuple(a for a in args if not isinstance(a, duckdb.DuckDBPyConnection)))
    with _STRIPES[hash(key) % len(_STRIPES)]:
        return cached_function(*args)


def data_key() -> tuple[str, int]:
    """(database, data version): the cache key of every aggregate, read once per run (every
    page that writes reruns afterwards, so a run never outlives its own write)."""
    return once_per_run("data_key", lambda: (str(settings().db_path), data_version(db())))


def data_changed() -> None:
    """The data changed within this run (the first start built the demo): read the version anew."""
    st.session_state.get(RUN_KEY, {}).pop("data_key", None)


def rules() -> RevenueRules:
    """How money is windowed, from the settings (data-through share, won deals as revenue)."""
    return settings().revenue_rules


@st.cache_data(max_entries=32, show_spinner=False)
def through_at(key: tuple, as_of: date, _con, rules: RevenueRules = DEFAULT_RULES) -> DataThrough | None:
    """The data-through month, found once per data version, date and rules: every money
    figure of a page uses it."""
    return data_through(_con, as_of=as_of, share=rules.reported_share)


@st.cache_data(max_entries=32, show_spinner=False)
def overview_at(
    key: tuple, as_of: date, rollup: bool, _con, rules: RevenueRules = DEFAULT_RULES
) -> pl.DataFrame:
    through = through_at(key, as_of, _con, rules)
    return account_overview(_con, as_of=as_of, rollup=rollup, rules=rules, through=through)


def overview(as_of: date, rollup: bool):
    """The account overview (sam_core.metrics.health.account_overview) for this data version."""
    return _once(overview_at, data_key(), as_of, rollup, db(), rules())


@st.cache_data(max_entries=32, show_spinner=False)
def headline_at(key: tuple, as_of: date, rollup: bool, n: int, _con, rules: RevenueRules = DEFAULT_RULES):
    overview = overview_at(key, as_of, rollup, _con, rules)
    through = through_at(key, as_of, _con, rules)
    return headline(_con, overview, as_of=as_of, n=n, rules=rules, through=through)


def portfolio_headline(as_of: date, rollup: bool, n: int):
    return _once(headline_at, data_key(), as_of, rollup, n, db(), rules())


@st.cache_data(max_entries=16, show_spinner=False)
def meeting_at(
    key: tuple,
    as_of: date,
    rollup: bool,
    n: int,
    _con,
    rules: RevenueRules = DEFAULT_RULES,
    review_days: int = 90,
) -> Meeting:
    """The meeting of the top N (sam_core.outputs.meeting): the projector and the deck."""
    overview = overview_at(key, as_of, rollup, _con, rules)
    h = headline_at(key, as_of, rollup, n, _con, rules)
    through = through_at(key, as_of, _con, rules)
    return meeting(
        _con,
        overview,
        h,
        as_of=as_of,
        n=n,
        rollup=rollup,
        rules=rules,
        through=through,
        review_days=review_days,
    )


def portfolio_meeting(as_of: date, rollup: bool, n: int) -> Meeting:
    return _once(meeting_at, data_key(), as_of, rollup, n, db(), rules(), settings().plan_review_days)


@st.cache_data(max_entries=32, show_spinner=False)
def _trend(key: tuple, as_of: date, rollup: bool, top_ids: tuple[str, ...], grain: str, _con, rules):
    through = through_at(key, as_of, _con, rules)
    return revenue_trend(
        _con, as_of=as_of, top_ids=list(top_ids), rollup=rollup, grain=grain, rules=rules, through=through
    )


def trend(as_of: date, rollup: bool, top_ids: list[str], grain: str):
    return _once(_trend, data_key(), as_of, rollup, tuple(top_ids), grain, db(), rules())


@st.cache_data(max_entries=32, show_spinner=False)
def _sparklines(key: tuple, as_of: date, rollup: bool, ids: tuple[str, ...], _con, rules):
    through = through_at(key, as_of, _con, rules)
    return monthly_revenue(
        _con, as_of=as_of, account_ids=list(ids), rollup=rollup, rules=rules, through=through
    )


def sparklines(as_of: date, rollup: bool, ids: list[str]):
    return _once(_sparklines, data_key(), as_of, rollup, tuple(ids), db(), rules())


@st.cache_data(max_entries=16, show_spinner=False)
def _relationship_accounts(key: tuple, as_of: date, _con) -> pl.DataFrame:
    return strategic_relationships(_con, as_of=as_of)


def relationship_accounts(as_of: date) -> pl.DataFrame:
    """Accounts with a relationship map, most gaps first (relationship_map.strategic_relationships)."""
    return _once(_relationship_accounts, data_key(), as_of, db())


@st.cache_data(max_entries=32, show_spinner=False)
def _cadence(key: tuple, as_of: date, _con) -> pl.DataFrame:
    return cadence_status(_con, as_of=as_of, policy=cadence_policy(_con))


def cadence(as_of: date) -> pl.DataFrame:
    """Cadence status per strategic account and rule, under the stored policy."""
    return _once(_cadence, data_key(), as_of, db())


@st.cache_data(max_entries=32, show_spinner=False)
def _plan_facts(key: tuple, account_id: str, as_of: date, _con):
    return plan_facts(_con, overview_at(key, as_of, False, _con), account_id, as_of=as_of)


def account_plan_facts(account_id: str, as_of: date):
    """What an account plan shows from the data (sam_core.plans.facts.plan_facts)."""
    return _once(_plan_facts, data_key(), account_id, as_of, db())


@st.cache_data(max_entries=256, show_spinner=False)
def _chart_spec(key: tuple, chart_key: tuple, _build) -> dict:
    return _build().to_dict()


def chart(chart_key: tuple, build, *, where=st, width: str = "stretch") -> None:
    """Draw the Altair chart `build()` from its Vega-Lite spec, built and validated once per
    data version and `chart_key` (what the chart shows beyond the data: the date, N, the
    account...). Building Altair objects cost more than anything else in a page's run."""
    where.vega_lite_chart(_once(_chart_spec, data_key(), chart_key, build), width=width)


@st.cache_data(max_entries=128, show_spinner=False)
def _cached_query(key: tuple, name: str, arguments: tuple, _func, _con):
    return _func(_con, **dict(arguments))


def cached(func, **arguments):
    """`func(db, **arguments)` cached for this data version (any sam_core query that takes
    the connection first and hashable keyword arguments)."""
    return _once(
        _cached_query,
        data_key(),
        f"{func.__module__}.{func.__qualname__}",
        tuple(sorted(arguments.items())),
        func,
        db(),
    )
