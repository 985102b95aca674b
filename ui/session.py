"""Logging in and out, on the Streamlit side.

- *Login methods* prove who someone is; the settings choose one (SAM_AUTH). The password form
  (`login_page`, its callback `_password_submitted`, and `sam_core.access.passwords`), or
  company sign-on through st.login (`ui.sign_on` and `sam_core.access.oidc`). Both end the same
  way: with `begin_session(user, method, client)`.
- *After any login* nothing cares which method it was: `begin_session` records the session
  (`sam_core.access.sessions`, audited), keeps it in this browser session and has the login
  cookie set; `current_user` reads it back on every run (and notices a session that was
  ended or expired); `log_in_from_cookie` restores it in a new tab or after a reload;
  `log_out` ends it (or every session of the user); `guard` stops a page the role may not see.
  A session of company sign-on works its user out again on every run (Users table, groups), so
  an admin's change applies at the user's next click.
- The login pages: before login the navigation holds a login page at /login and, under every
  page's own URL, the same login form, so a bookmark or a link opened while logged out shows
  the form and, after login, the page it pointed to.
"""

from __future__ import annotations

import os
from datetime import UTC, timedelta

import duckdb
import jwt
import streamlit as st

from sam_core.access import directory, oidc, passwords, sessions
from sam_core.access.clients import LOCAL, login_client
from sam_core.access.login_guard import LoginGuard
from sam_core.access.permissions import ACCOUNT_MANAGER, ROLE_LABELS, User, can
from sam_core.access.sessions import LoginSession, utc_now
from sam_core.access.users import UsersFile, check_deployment, check_sign_on, uses_demo_users
from sam_core.errors import SamError
from sam_core.settings import Settings
from ui import data, login_cookie
from ui.run import settings

LOGIN_STATE = "sam_login"  # this browser session's LoginSession
NOTICE = "sam_login_notice"  # why the last session ended, shown above the login form
LOGIN_ERROR = "sam_login_error"
COOKIE_TICKET = "sam_cookie_ticket"  # a cookie still to be set or deleted by the browser
COOKIE_CHECKED = "sam_cookie_checked"  # the login cookie this browser session already tried
USERNAME_KEY, PASSWORD_KEY = "sam_login_username", "sam_login_password"
STAND_IN = "stand-in"  # the method of `stand_in` logins (tests, benchmarks)

ENDED_NOTICES = {
    sessions.LOGGED_OUT: "You logged out in another tab of this browser session.",
    sessions.LOGGED_OUT_EVERYWHERE: "You were logged out: you ended all your sessions.",
    sessions.ENDED_BY_ADMIN: "An admin ended your session. Log in again to continue.",
    sessions.REMOVED_FROM_USERS: "An admin removed you from the app's Users table, which ended your session.",
    sessions.NO_ROLE: "Your session ended when the app no longer gave you a role. Log in again to continue.",
}


def ended_notice(reason: str) -> str:
    """Why a session ended, in words for its user (`expired`: its lifetime passed)."""
    if reason == "expired":
        text = f"Your login lasts {settings().session_hours:g} hours and has expired. Log in again."
    else:
        text = ENDED_NOTICES.get(reason, reason)
    return text.replace("Log in again", "Sign in again") if settings().sign_on is not None else text


@st.cache_resource
def login_guard() -> LoginGuard:
    """Login limits shared by every session of this server process."""
    return LoginGuard()


@st.cache_resource
def ended_sessions() -> dict[str, str]:
    """Sessions ended while this server runs (id -> reason), so that a browser session still
    open on one of them stops at its next run. (After a restart the database says it.)"""
    return {}


@st.cache_resource
def _users_by_settings() -> dict[Settings, UsersFile]:
    """The users file per settings, for the server's life: a dict looked up by the settings'
    own hash (st.cache_resource would hash the settings field by field on every call)."""
    return {}


def _users(current: Settings) -> UsersFile:
    if current.sign_on is not None:  # company sign-on: no users file
        check_sign_on(current)
        return UsersFile({})
    loaded = UsersFile.load(current.users_file)
    check_deployment(current, loaded)
    return loaded


def users() -> UsersFile:
    """The users file, checked against the deployment mode (raises ConfigurationError); empty
    with company sign-on, whose deployment it checks instead."""
    current, loaded = settings(), _users_by_settings()
    if current not in loaded:
        loaded[current] = _users(current)
    return loaded[current]


def account_managers() -> list[str]:
    """The account managers' names the login method knows: of the users file, or with company
    sign-on of the Users table."""
    if settings().sign_on is not None:
        return directory.account_managers(cursor())
    return [a.user.name for a in users().accounts.values() if a.user.role == ACCOUNT_MANAGER]


def cursor() -> duckdb.DuckDBPyConnection:
    # Callbacks run before app.py opens its run's cursor: they take a cursor of their own.
    return data.connection().cursor()


def client() -> str:
    """The address this browser session's login attempts are counted under
    (sam_core.access.clients: X-Forwarded-For only from SAM_TRUSTED_PROXIES)."""
    address, forwarded = st.context.ip_address, st.context.headers.get("X-Forwarded-For")
    return login_client(
        address if isinstance(address, str) else None,  # (AppTest has no connection)
        forwarded if isinstance(forwarded, str) else None,
        trusted_proxies=settings().trusted_proxies,
        server_trusts=os.environ.get("FORWARDED_ALLOW_IPS"),
    )


# After any login ------------------------------------------------------------------------


def begin_session(
    user: User, method: str, where: str, *, token_id: str | None = None, identity: str | None = None
) -> None:
    """`user` proved who they are by `method` from `where`: record the session, keep it in this
    browser session and have the browser store the login cookie. (Company sign-on passes the
    sign-in and the identity it gave; its browser keeps Streamlit's identity cookie instead,
    which names the sign-in and so the session.)"""
    login = sessions.start_session(
        cursor(),
        user,
        method=method,
        client=where,
        hours=settings().session_hours,
        token_id=token_id,
        identity=identity,
    )
    st.session_state[LOGIN_STATE] = login
    st.session_state.pop(NOTICE, None)
    if method == sessions.OIDC:
        return
    lifetime = int((login.expires_at - login.started_at).total_seconds())
    token = jwt.encode(
        {
            "sid": login.session_id,
            "sub": login.username,
            "exp": int(login.expires_at.replace(tzinfo=UTC).timestamp()),
        },
        settings().cookie_key,
        algorithm="HS256",
    )
    st.session_state[COOKIE_TICKET] = login_cookie.issue(token, lifetime)


def current_user() -> User | None:
    """The logged-in user as the server defines them (role and accounts from the users file, or
    for company sign-on from the Users table and the groups the sign-in gave, never from the
    browser); None once the session was ended or expired, or is of a login method no longer in
    use."""
    login: LoginSession | None = st.session_state.get(LOGIN_STATE)
    if login is None:
        return None
    reason = ended_sessions().get(login.session_id)
    if reason is None and login.expired(utc_now()):
        reason = "expired"
    if reason is None and login.method not in (settings().auth, STAND_IN):
        reason = "The app's login method has changed. Log in again."
    if reason is None and login.method == sessions.OIDC:
        access = oidc_access(login)
        if access.user is not None:
            return access.user
        sessions.refuse_user(cursor(), login.username, reason=sessions.NO_ROLE)
        reason = access.reason
    if reason is not None:
        st.session_state.pop(LOGIN_STATE, None)
        st.session_state[NOTICE] = ended_notice(reason)
        if login.method != sessions.OIDC:
            st.session_state[COOKIE_TICKET] = login_cookie.issue("", 0)  # the browser's cookie is dead too
        return None
    try:
        return users().user(login.username)
    except SamError:
        return None


def oidc_access(login: LoginSession) -> oidc.Access:
    """A company sign-on session's user now: the identity it was given, with the Users table
    and the group mapping as they are now."""
    identity = oidc.Identity.from_json(login.identity or "{}", login.token_id or "")
    roles = settings().sign_on.roles if settings().sign_on else ()
    return oidc.resolve(identity, directory.entry(cursor(), identity.email), roles)


def log_in_from_cookie() -> User | None:
    """Log in from the signed login cookie sent with the page request, before any widget
    runs, so that a typed URL opens its page on the first run of a new session. The cookie
    names a session that must still be open in the database. (With company sign-on, from
    Streamlit's identity cookie: `ui.sign_on.sign_in_from_identity`.)"""
    if settings().sign_on is not None:
        from ui import sign_on

        return sign_on.sign_in_from_identity()
    token = st.context.cookies.get(login_cookie.COOKIE)
    if not token or st.session_state.get(COOKIE_CHECKED) == token:
        return None
    st.session_state[COOKIE_CHECKED] = token  # tried once per browser session
    try:
        claims = jwt.decode(
            token, settings().cookie_key, algorithms=["HS256"], options={"require": ["exp", "sid", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    if claims["sid"] in ended_sessions():
        return None
    login = sessions.active_session(cursor(), str(claims["sid"]))
    if login is None or login.username != claims["sub"]:
        return None
    user = users().user(login.username)
    if user is not None:
        st.session_state[LOGIN_STATE] = login
    return user


def stand_in(username: str) -> LoginSession:
    """A login of `username` for AppTests and page benchmarks that start logged in
    (`at.session_state[LOGIN_STATE] = stand_in("executive")`); not recorded anywhere."""
    now = utc_now()
    return LoginSession(f"stand-in-{username}", username, STAND_IN, LOCAL, now, now + timedelta(days=1))


def this_session() -> LoginSession | None:
    return st.session_state.get(LOGIN_STATE)


def log_out(everywhere: bool = False) -> None:
    """The Log out buttons' callback: end this session (or every session of the user) in the
    database, forget what this browser session held, and delete the login cookie. A callback
    runs before the script, so a click is never lost to a rerun that interrupts its run. With
    company sign-on the browser is also signed out of Streamlit's identity cookie (and, when the
    provider offers it, of the provider)."""
    login = this_session()
    if login is not None:
        user = users().user(login.username) or User(login.username, login.username, "")
        ended = sessions.log_out(cursor(), user, login.session_id, everywhere=everywhere)
        reason = sessions.LOGGED_OUT_EVERYWHERE if everywhere else sessions.LOGGED_OUT
        ended_sessions().update(dict.fromkeys(ended, reason))
    st.session_state.clear()
    if settings().sign_on is not None:
        st.logout()
        return
    st.session_state[COOKIE_TICKET] = login_cookie.issue("", 0)


def end_sessions(admin: User, session_ids: list[str]) -> list[str]:
    """An admin ends sessions (Administration page); their browser sessions stop at once."""
    ended = sessions.end_sessions(cursor(), admin, session_ids)
    ended_sessions().update(dict.fromkeys(ended, sessions.ENDED_BY_ADMIN))
    return ended


def cookie_writer() -> None:
    """While a login cookie is still to be set or deleted, draw the script that has the
    browser fetch it (ui.login_cookie). Drawn on every run until the browser did, so a run
    cut short by a quick click does not lose it."""
    ticket = st.session_state.get(COOKIE_TICKET)
    if ticket is None:
        return
    if login_cookie.route_installed() and login_cookie.pending(ticket):
        login_cookie.send(ticket)
    else:
        del st.session_state[COOKIE_TICKET]


def guard(page_key: str) -> User:
    """Stop the page unless the logged-in user may view it: the login form for a visitor who
    is not logged in (app.py shows it before any page; a page reaches here without login only
    when run on its own), a clear message for a role that may not see it."""
    user = current_user()
    if not can(user, f"view:{page_key}"):
        if user is None:
            login_form()
        else:
            st.error(
                f"Not permitted: the {ROLE_LABELS[user.role]} role cannot open this page. "
                "Choose a page from the menu."
            )
        st.stop()
    return user


def fragment_guard(page_key: str) -> User:
    """The guard of a part of a page that reruns on its own (`st.fragment`: its reruns skip
    app.py): the login is checked again at each of them, and a session ended or a role changed
    meanwhile reruns the whole app, which says why."""
    user = current_user()
    if not can(user, f"view:{page_key}"):
        st.rerun(scope="app")
    return user


# The login pages and the password method ----------------------------------------------


def login_pages(pages: tuple[tuple[str, str], ...]) -> list:
    """Before login: the login page (at / and /login) and the login form under each page's own
    URL, hidden from the menu, so that /portfolio opens the form and then the Portfolio."""
    return [
        st.Page(login_page, title="Log in", icon=":material/login:", default=True),
        *(
            st.Page(login_page, title=title, url_path=key, visibility="hidden")
            for key, title in (("login", "Log in"), *pages)
        ),
    ]


def login_page() -> None:
    """The login page: the app's title and the login form (with company sign-on, for a person
    signed in whom the app gives no role: the page that says to ask their admin)."""
    if settings().sign_on is not None:
        from ui import sign_on

        if sign_on.refused() is not None:
            sign_on.ask_your_admin_page()
            return
    st.title("Strategic account management")
    st.caption(
        "Portfolio, relationships, sponsor cadence, loyalty and program maturity of your strategic accounts."
    )
    login_form()


def login_form() -> None:
    """The login form of the login method in use, with why the last session ended, if it did."""
    if settings().sign_on is not None:
        from ui import sign_on

        sign_on.sign_in_form()
        return
    if notice := st.session_state.get(NOTICE):
        st.info(notice)
    left, _ = st.columns([2, 3])
    with left, st.form("sam_login_form"):
        st.subheader("Login")
        st.text_input("Username", key=USERNAME_KEY, autocomplete="username")
        st.text_input("Password", type="password", key=PASSWORD_KEY, autocomplete="current-password")
        st.form_submit_button("Login", type="primary", on_click=_password_submitted)
    if error := st.session_state.pop(LOGIN_ERROR, None):
        left.error(error)
    if settings().demo and uses_demo_users(settings()):
        left.info(
            "Demo mode: log in as **executive**, **manager**, **coach** or **admin**, password **demo**."
        )
    cookie_writer()


def _password_submitted() -> None:
    """The login form's callback: runs before the script, so the run it causes is already the
    logged-in one (the page of the URL, drawn once), not the form again and then a rerun."""
    username = st.session_state.get(USERNAME_KEY) or ""
    password = st.session_state.get(PASSWORD_KEY) or ""
    try:
        where = client()
        user = passwords.log_in_with_password(
            cursor(), login_guard(), users(), username, password, client=where
        )
        begin_session(user, sessions.PASSWORD, where)
    except SamError as exc:
        st.session_state[LOGIN_ERROR] = str(exc)
        return
    st.session_state.pop(PASSWORD_KEY, None)
