"""Logging in and out: the users file, the password check, the signed login cookie, the
logged-in user and the page guard."""

from __future__ import annotations

import time

import jwt
import streamlit as st
import streamlit.components.v1 as components
import streamlit_authenticator as stauth

from sam_core.access.login_guard import LoginGuard
from sam_core.access.logouts import LogoutRegister
from sam_core.access.permissions import ROLE_LABELS, User, can
from sam_core.access.users import UsersFile, check_deployment
from sam_core.errors import SamError
from sam_core.settings import Settings
from ui.run import settings

LOGIN_COOKIE = "sam_login"


@st.cache_resource
def login_guard() -> LoginGuard:
    """Failed-login limits shared by every session of this server process."""
    return LoginGuard()


@st.cache_resource
def logouts() -> LogoutRegister:
    """When each user last logged out, shared by every session of this server process."""
    return LogoutRegister()


@st.cache_resource
def _users(current: Settings) -> UsersFile:
    loaded = UsersFile.load(current.users_file)
    check_deployment(current, loaded)
    return loaded


def users() -> UsersFile:
    """The users file, checked against the deployment mode (raises ConfigurationError)."""
    return _users(settings())


# A bcrypt hash of cost 12 that no password matches: an unknown user name costs the same
# check as a known one, so the answer's timing does not tell which names exist.
_NO_SUCH_USER = "$2b$12$oJ4B3YAjAhoqE76kopOYYutPiVfEQysIwdD7cqHN2TF2UbAUOTS4G"


def authenticate(username: str, password: str) -> User | None:
    """The user of the users file whose password this is (streamlit-authenticator's bcrypt
    check), or None. User names are matched lower case and trimmed."""
    account = users().accounts.get(username.strip().lower())
    matches = (
        stauth.Hasher.check_pw(password, account.password_hash if account else _NO_SUCH_USER)
        if password
        else False
    )
    return account.user if matches and account else None


def start_session(user: User) -> None:
    """This browser session is now the user's (after the login form, or from the login cookie)."""
    st.session_state.update(
        authentication_status=True, username=user.username, name=user.name, roles=[user.role], email=""
    )


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
    token = jwt.encode(
        {"username": user.username, "exp_date": time.time() + lifetime},
        settings().cookie_key,
        algorithm="HS256",
    )
    _set_cookie(f"{LOGIN_COOKIE}={token}; max-age={int(lifetime)}")


def forget_login() -> None:
    """Delete the login cookie from the browser (the server refuses it already: `logouts`)."""
    _set_cookie(f"{LOGIN_COOKIE}=; max-age=0")


def _set_cookie(cookie: str) -> None:
    components.html(
        '<script>document.cookie = "' + cookie + '; path=/; SameSite=Strict"'
        ' + (window.parent.location.protocol === "https:" ? "; Secure" : "");</script>',
        height=0,
    )


def guard(page_key: str) -> User:
    """Stop the page with a clear message unless the logged-in user may view it."""
    user = current_user()
    if not can(user, f"view:{page_key}"):
        if user is None:
            st.error("Not permitted: please log in first.")
        else:
            st.error(
                f"Not permitted: the {ROLE_LABELS[user.role]} role cannot open this page. "
                "Choose a page from the menu."
            )
        st.stop()
    return user
