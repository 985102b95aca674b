"""The Streamlit glue, in one place: settings, the cached connection and a cursor per
script run, the logged-in user, the page guard, and shared formatting."""
from __future__ import annotations

import time
from datetime import date

import duckdb
import jwt
import streamlit as st

from sam_core.errors import SamError
from sam_core.permissions import ROLE_LABELS, User, can
from sam_core.settings import Settings, load_settings
from sam_core.storage import connect
from sam_core.users import UsersFile, check_deployment

CURSOR_KEY = "sam_cursor"
LOGIN_COOKIE = "sam_login"


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except FileNotFoundError:  # no secrets.toml: settings come from the environment
        return {}


@st.cache_resource
def settings() -> Settings:
    return load_settings(secrets=_secrets())


@st.cache_resource
def users() -> UsersFile:
    """The users file, checked against the deployment mode (raises ConfigurationError)."""
    loaded = UsersFile.load(settings().users_file)
    check_deployment(settings(), loaded)
    return loaded


@st.cache_resource
def connection() -> duckdb.DuckDBPyConnection:
    """One connection per server process; each script run works on its own cursor."""
    return connect(settings().db_path)


def new_run_cursor() -> duckdb.DuckDBPyConnection:
    """Called once at the top of each run of app.py: a fresh cursor for this run."""
    old = st.session_state.get(CURSOR_KEY)
    if old is not None:
        try:
            old.close()
        except duckdb.Error:
            pass
    st.session_state[CURSOR_KEY] = connection().cursor()
    return st.session_state[CURSOR_KEY]


def db() -> duckdb.DuckDBPyConnection:
    """This run's cursor."""
    cur = st.session_state.get(CURSOR_KEY)
    return cur if cur is not None else new_run_cursor()


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
    if user is None or float(claims.get("exp_date", 0)) <= time.time():
        return None
    st.session_state.update(authentication_status=True, username=user.username, name=user.name,
                            roles=[user.role], email="")
    return user


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


def money(value: float | None, currency: str | None = None) -> str:
    """12_345_678 -> '€12.3m' (EUR), 'USD 12.3m' for currencies without a symbol here."""
    if value is None:
        return "–"
    currency = currency or settings().currency
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency, currency + " ")
    sign = "-" if value < 0 else ""
    value = abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if value >= limit:
            return f"{sign}{symbol}{value / limit:,.1f}{suffix}"
    return f"{sign}{symbol}{value:,.0f}"


def long_date(d: date | None) -> str:
    return d.strftime("%-d %b %Y") if d else "–"
