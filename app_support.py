"""The Streamlit glue, in one place: settings, the cached connection and a cursor per
script run, the logged-in user, the page guard, and shared formatting."""
from __future__ import annotations

import gc
import threading
import time
from datetime import date

import duckdb
import jwt
import polars as pl
import streamlit as st
import streamlit.components.v1 as components
import streamlit_authenticator as stauth

import sam_core.charts  # noqa: F401 - the pages' charts (Altair), imported before gc.freeze() below
from sam_core import formatting
from sam_core.brief import account_brief
from sam_core.cadence import cadence_status
from sam_core.demo import demo_workbook_bytes
from sam_core.errors import SamError
from sam_core.exports import brief_pdf, brief_xlsx, deck_pptx
from sam_core.headline import headline
from sam_core.health import account_overview
from sam_core.login_guard import LoginGuard
from sam_core.logouts import LogoutRegister
from sam_core.policy import cadence_policy
from sam_core.portfolio import monthly_revenue, revenue_trend
from sam_core.relationship_map import strategic_relationships
from sam_core.permissions import ROLE_LABELS, User, can
from sam_core.settings import Settings, load_settings
from sam_core.storage import connect, data_version
from sam_core.users import UsersFile, check_deployment
from sam_core.workbook import export_bytes

# Everything imported so far (Streamlit, polars, Altair's schema classes...) lives as long as
# the server: leave it out of every garbage collection from now on, so that a collection
# only walks what the sessions create (a full one after each script run is then cheap).
gc.freeze()
# Streamlit's own full collection after every run (runner.postScriptGC, off in config.toml)
# holds the GIL and stalls every session; this one runs at most every GC_SECONDS.
GC_SECONDS = 10.0
_last_collection = [time.monotonic()]
_collecting = threading.Lock()

CURSOR_KEY = "sam_cursor"
RUN_KEY = "sam_run"  # what one script run computes once: settings, the data version
LOGIN_COOKIE = "sam_login"


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except FileNotFoundError:  # no secrets.toml: settings come from the environment
        return {}


@st.cache_resource
def login_guard() -> LoginGuard:
    """Failed-login limits shared by every session of this server process."""
    return LoginGuard()


@st.cache_resource
def logouts() -> LogoutRegister:
    """When each user last logged out, shared by every session of this server process."""
    return LogoutRegister()


def settings() -> Settings:
    """Read once per run, so the resources below follow a change of setting."""
    return _once_per_run("settings", lambda: load_settings(secrets=_secrets()))


def collect_garbage() -> None:
    """After a run: a full garbage collection if none ran in the last GC_SECONDS. A page's
    frames sit in reference cycles (its functions refer to its globals) that only a full
    collection frees."""
    now = time.monotonic()
    if now - _last_collection[0] >= GC_SECONDS and _collecting.acquire(blocking=False):
        try:
            _last_collection[0] = now
            gc.collect()
        finally:
            _collecting.release()


def start_run() -> None:
    """Called first in each run of app.py: a fresh memo for what a run computes once."""
    st.session_state[RUN_KEY] = {}


def _once_per_run(name: str, compute):
    """`compute()` once per script run: app.py gives each run a fresh memo (a page run on
    its own, as in a test of its guard, computes every time)."""
    memo = st.session_state.get(RUN_KEY)
    if memo is None:
        return compute()
    if name not in memo:
        memo[name] = compute()
    return memo[name]


@st.cache_resource
def _users(current: Settings) -> UsersFile:
    loaded = UsersFile.load(current.users_file)
    check_deployment(current, loaded)
    return loaded


def users() -> UsersFile:
    """The users file, checked against the deployment mode (raises ConfigurationError)."""
    return _users(settings())


@st.cache_resource
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return connect(path)


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


# A bcrypt hash of cost 12 that no password matches: an unknown user name costs the same
# check as a known one, so the answer's timing does not tell which names exist.
_NO_SUCH_USER = "$2b$12$oJ4B3YAjAhoqE76kopOYYutPiVfEQysIwdD7cqHN2TF2UbAUOTS4G"


def authenticate(username: str, password: str) -> User | None:
    """The user of the users file whose password this is (streamlit-authenticator's bcrypt
    check), or None. User names are matched lower case and trimmed."""
    account = users().accounts.get(username.strip().lower())
    matches = stauth.Hasher.check_pw(password, account.password_hash if account else _NO_SUCH_USER) if password else False
    return account.user if matches and account else None


def start_session(user: User) -> None:
    """This browser session is now the user's (after the login form, or from the login cookie)."""
    st.session_state.update(authentication_status=True, username=user.username, name=user.name, roles=[user.role], email="")


def current_user() -> User | None:
    """The logged-in user as the users file defines them (role and accounts come from the
    file on the server, never from the browser)."""
    if st.session_state.get("authentication_status") is not True:
        return None
    username = st.session_state.get("username")
    try:
        return users().user(username) if username else None
    except SamError:
        return None


def log_in_from_cookie() -> User | None:
    """Log in from the signed login cookie sent with the page request, before any widget
    runs, so that a typed URL opens its page on the first run of a new session."""
    if st.session_state.get("logout"):
        return None
    token = st.context.cookies.get(LOGIN_COOKIE)
    if not token:
        return None
    try:
        claims = jwt.decode(token, settings().cookie_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    user = users().user(str(claims.get("username", "")))
    expires, lifetime = float(claims.get("exp_date", 0)), settings().session_hours * 3600
    if user is None or not time.time() < expires <= time.time() + lifetime + 60:
        return None
    if not logouts().cookie_still_valid(user.username, issued_at=expires - lifetime):
        return None
    start_session(user)
    return user


def remember_login(user: User) -> None:
    """Store the signed login cookie (read back by `log_in_from_cookie`) with a small script.
    Unlike a cookie component it reports nothing back, so it never reruns the app: a rerun
    arriving just after a click in the menu would take the user back to the page they left."""
    lifetime = settings().session_hours * 3600
    token = jwt.encode({"username": user.username, "exp_date": time.time() + lifetime}, settings().cookie_key, algorithm="HS256")
    _set_cookie(f"{LOGIN_COOKIE}={token}; max-age={int(lifetime)}")


def forget_login() -> None:
    """Delete the login cookie from the browser (the server refuses it already: `logouts`)."""
    _set_cookie(f"{LOGIN_COOKIE}=; max-age=0")


def _set_cookie(cookie: str) -> None:
    components.html('<script>document.cookie = "' + cookie + '; path=/; SameSite=Strict"'
                    ' + (window.parent.location.protocol === "https:" ? "; Secure" : "");</script>', height=0)


def guard(page_key: str) -> User:
    """Stop the page with a clear message unless the logged-in user may view it."""
    user = current_user()
    if not can(user, f"view:{page_key}"):
        if user is None:
            st.error("Not permitted: please log in first.")
        else:
            st.error(f"Not permitted: the {ROLE_LABELS[user.role]} role cannot open this page. "
                     "Choose a page from the menu.")
        st.stop()
    return user


def header(title: str, caption: str | None = None) -> None:
    """Page title, with the demo badge when running on demo data."""
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.title(title)
    if settings().demo:
        right.markdown(":orange-badge[Demo data]")
    if caption:
        st.caption(caption)


def labelled(names: dict[str, str]):
    """A selectbox's format_func: 'Name (id)'. Streamlit keeps a widget's format_func with the
    session; a lambda written in a page would keep the page's every frame alive with it."""
    return lambda key: f"{names[key]} ({key})"


def money(value: float | None) -> str:
    """Money in the configured currency, e.g. '€12.3m'."""
    return formatting.money(value, settings().currency)


percent = formatting.percent
plain = formatting.plain
long_date = formatting.long_date


# -- cached aggregates: keyed on the data version, so a load shows at once ------------

# Sessions that ask for the same aggregate at the same moment (a meeting opening the
# dashboard together, or everyone right after an upload) compute it once: the others wait
# on the same lock and then read it from the cache. Striped locks keep this bounded.
# Reentrant, and a cached computation never waits on another `_once` (a chart's builder gets
# its data passed in): two keys on one stripe would otherwise deadlock the script thread.
_STRIPES = [threading.RLock() for _ in range(64)]


def _once(cached_function, *args):
    key = (cached_function.__name__,) + tuple(a for a in args if not isinstance(a, duckdb.DuckDBPyConnection))
    with _STRIPES[hash(key) % len(_STRIPES)]:
        return cached_function(*args)


def data_key() -> tuple[str, int]:
    """(database, data version): the cache key of every aggregate, read once per run (every
    page that writes reruns afterwards, so a run never outlives its own write)."""
    return _once_per_run("data_key", lambda: (str(settings().db_path), data_version(db())))


def data_changed() -> None:
    """The data changed within this run (the first start built the demo): read the version anew."""
    st.session_state.get(RUN_KEY, {}).pop("data_key", None)


@st.cache_data(max_entries=32, show_spinner=False)
def _overview(key: tuple, as_of: date, rollup: bool, _con) -> pl.DataFrame:
    return account_overview(_con, as_of=as_of, rollup=rollup)


def overview(as_of: date, rollup: bool):
    """The account overview (sam_core.health.account_overview) for this data version."""
    return _once(_overview, data_key(), as_of, rollup, db())


@st.cache_data(max_entries=32, show_spinner=False)
def _headline(key: tuple, as_of: date, rollup: bool, n: int, _con):
    return headline(_con, _overview(key, as_of, rollup, _con), as_of=as_of, n=n)


def portfolio_headline(as_of: date, rollup: bool, n: int):
    return _once(_headline, data_key(), as_of, rollup, n, db())


@st.cache_data(max_entries=32, show_spinner=False)
def _trend(key: tuple, as_of: date, rollup: bool, top_ids: tuple[str, ...], grain: str, _con):
    return revenue_trend(_con, as_of=as_of, top_ids=list(top_ids), rollup=rollup, grain=grain)


def trend(as_of: date, rollup: bool, top_ids: list[str], grain: str):
    return _once(_trend, data_key(), as_of, rollup, tuple(top_ids), grain, db())


@st.cache_data(max_entries=32, show_spinner=False)
def _sparklines(key: tuple, as_of: date, rollup: bool, ids: tuple[str, ...], _con):
    return monthly_revenue(_con, as_of=as_of, account_ids=list(ids), rollup=rollup)


def sparklines(as_of: date, rollup: bool, ids: list[str]):
    return _once(_sparklines, data_key(), as_of, rollup, tuple(ids), db())


# -- the account table, shared by the Portfolio page and its exports ------------------

ACCOUNT_TABLE_COLUMNS = [
    "rank", "account_name", "tier", "revenue", "growth", "margin", "share_of_wallet", "revenue_trend", "health",
    "health_band", "loyalty_index", "nps", "respondents", "cadence", "coverage", "single_threaded", "momentum",
    "open_actions", "overdue_actions", "stale", "account_manager", "executive_sponsor",
]
# Status labels as coloured pills: sent as data, far cheaper per run than a pandas Styler,
# which turns every cell of the table into a display string.
HEALTH_BANDS = ("healthy", "watch", "at risk")
CADENCE_STATUSES = ("compliant", "due soon", "overdue", "not applicable")
_STATUS_COLOURS = {"healthy": "#2e7d32", "watch": "#b26a00", "at risk": "#c62828",
                   "compliant": "#2e7d32", "due soon": "#b26a00", "overdue": "#c62828", "not applicable": "#757575"}


def status_labels(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Status columns as one-item lists, for `status_column`."""
    return frame.with_columns(pl.when(pl.col(c).is_null()).then(None).otherwise(pl.concat_list(c)).alias(c) for c in columns)


def status_column(label: str, statuses: tuple[str, ...], help: str | None = None):
    """A column of statuses shown as coloured labels (the column's values from `status_labels`)."""
    return st.column_config.MultiselectColumn(label, options=statuses, color=[_STATUS_COLOURS[s] for s in statuses], help=help)


def health_badge(band: str | None) -> str:
    colour = {"healthy": "green", "watch": "orange", "at risk": "red"}.get(band or "", "gray")
    return f":{colour}-badge[{band or 'no data'}]"


def account_table_config() -> dict:
    cc = st.column_config
    return {
        "rank": cc.NumberColumn("#", width="small"),
        "account_name": cc.TextColumn("Account", width="medium"),
        "tier": cc.TextColumn("Tier", width="small"),
        "revenue": cc.NumberColumn(f"Revenue T12M ({settings().currency})", format="compact"),
        "growth": cc.NumberColumn("Growth", format="percent"),
        "margin": cc.NumberColumn("Margin", format="percent"),
        "share_of_wallet": cc.NumberColumn("Wallet share", format="percent"),
        "revenue_trend": cc.LineChartColumn("Revenue, 12 months", width="small"),
        "health": cc.ProgressColumn("Health", format="%.0f", min_value=0, max_value=100, width="small"),
        "health_band": status_column("Health band", HEALTH_BANDS),
        "loyalty_index": cc.NumberColumn("Loyalty", format="%.0f"),
        "nps": cc.NumberColumn("NPS", format="%+.0f"),
        "respondents": cc.NumberColumn("Resp.", help="Respondents in the latest wave; under 3 is thin."),
        "cadence": status_column("Cadence", CADENCE_STATUSES),
        "coverage": cc.NumberColumn("Coverage", format="percent", help="Key stakeholders with a relationship of strength 3+."),
        "single_threaded": cc.CheckboxColumn("Single-threaded"),
        "momentum": cc.NumberColumn("Momentum", format="%+d", help="Positive minus negative evidence, last 90 days."),
        "open_actions": cc.NumberColumn("Open actions"),
        "overdue_actions": cc.NumberColumn("Overdue"),
        "stale": cc.TextColumn("Stale data"),
        "account_manager": cc.TextColumn("Account manager"),
        "executive_sponsor": cc.TextColumn("Sponsor"),
    }


def account_table(table: pl.DataFrame) -> pl.DataFrame:
    """The account table as the Portfolio shows it (health band and cadence as labels)."""
    return status_labels(table.select(ACCOUNT_TABLE_COLUMNS + ["account_id"]), ["health_band", "cadence"])


# -- downloads, built when clicked on their own cursor (they run beside the script) ----

def brief_download(account_id: str, as_of: date, rollup: bool, kind: str):
    """A callable that builds the account's one-page brief as 'pdf' or 'xlsx'."""
    currency, key = settings().currency, data_key()

    def build() -> bytes:
        con = connection().cursor()
        try:
            brief = account_brief(con, _overview(key, as_of, rollup, con), account_id, as_of=as_of)
            return brief_pdf(brief, currency=currency) if kind == "pdf" else brief_xlsx(brief)
        finally:
            con.close()

    return build


def deck_download(as_of: date, rollup: bool, n: int):
    """A callable that builds the meeting deck: summary slide, then one slide per top-N account."""
    currency, key = settings().currency, data_key()

    def build() -> bytes:
        con = connection().cursor()
        try:
            overview = _overview(key, as_of, rollup, con)
            briefs = [account_brief(con, overview, a, as_of=as_of) for a in overview["account_id"].head(n)]
            return deck_pptx(_headline(key, as_of, rollup, n, con), overview, briefs, currency=currency)
        finally:
            con.close()

    return build


def excel(sheets: dict[str, pl.DataFrame]):
    """A download's workbook built when the button is clicked, not on every run."""
    return lambda: export_bytes(sheets)


def read_once(digest: str, read):
    """The raw sheets of the current upload, read once per set of files (by their hash)."""
    cached = st.session_state.get("upload_raw")
    if cached is None or cached[0] != digest:
        st.session_state["upload_raw"] = (digest, read())
    return st.session_state["upload_raw"][1]


def example_workbook() -> bytes:
    """The demo workbook, as a filled example of the template."""
    return demo_workbook_bytes(date.today())


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
    return _once(_cached_query, data_key(), f"{func.__module__}.{func.__qualname__}", tuple(sorted(arguments.items())), func, db())
