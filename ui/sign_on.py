"""Company sign-on on the Streamlit side (SAM_AUTH=oidc): the sign-in page, the page that tells
a signed-in person without a role to ask their admin, and the session a sign-in starts.

`st.login` sends the browser to the company's identity provider and back to `/`, where a new
browser session starts with the validated id_token's claims in `st.user` (from Streamlit's
identity cookie, kept 30 days). `sign_in_from_identity` then, before any page runs:

- finds the session that sign-in started (`sam_core.access.sessions.token_session`): open, this
  browser session takes it (a new tab, a reload); ended or expired, the sign-in page says why:
  an old identity cookie never brings a session back;
- or, for a sign-in of the last few minutes (`sam_core.access.oidc.SIGN_IN_SECONDS`) that has
  none, works out the user (`oidc.resolve`: Users table, groups) and starts one with
  `ui.session.begin_session(user, "oidc", client)`, as the password form does; with no role,
  the person sees `ask_your_admin_page` and nothing else (recorded once as a failed login).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import streamlit as st

from sam_core.access import audit, directory, oidc, sessions
from sam_core.access.permissions import ACCOUNT_MANAGER, User
from sam_core.access.sessions import utc_now
from sam_core.errors import ConflictError
from sam_core.outputs import formatting
from sam_core.outputs.formatting import plain
from ui import session
from ui.run import settings

REFUSED = "sam_sign_on_refused"  # (Identity, Access) of a signed-in person without a role
RECORDED = "sam_sign_on_recorded"  # sign-ins whose refusal is in the login record already
SIGN_IN_KEY = "sam_sign_in"


def clock() -> float:
    """Seconds since 1970 (tests replace it)."""
    return time.time()


def identity() -> oidc.Identity | None:
    """The identity Streamlit's cookie holds for this browser session, if signed in."""
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        return None
    return oidc.Identity.from_claims(claims, groups_claim=settings().sign_on.groups_claim)


def refused() -> tuple[oidc.Identity, oidc.Access] | None:
    """The signed-in identity the app gave no role in this run, and why."""
    return st.session_state.get(REFUSED)


def sign_in_from_identity() -> User | None:
    """This browser session's user from a sign-in (see the module's docstring), or None."""
    st.session_state.pop(REFUSED, None)
    found = identity()
    if found is None:
        return None
    con = session.cursor()
    roles = settings().sign_on.roles
    earlier = sessions.token_session(con, found.token_id)
    if earlier is not None:
        state = earlier.state(utc_now())
        if state == sessions.NO_ROLE:  # ended when they lost their role: still without one?
            access = oidc.resolve(found, directory.entry(con, found.email), roles)
            if access.user is None:
                _refuse(found, access)
                return None
        if state is not None:
            st.session_state[session.NOTICE] = session.ended_notice(state)
            return None
        st.session_state[session.LOGIN_STATE] = earlier.session
        return session.current_user()
    if not found.fresh(clock()):
        when = (
            f" on {formatting.date_time(datetime.fromtimestamp(found.issued_at, UTC))} UTC"
            if found.issued_at
            else ""
        )
        st.session_state[session.NOTICE] = (
            f"Your browser remembers a sign-in with {settings().sign_on.label}{when}, which has no session "
            "of the app now. Sign in again to continue."
        )
        return None
    access = oidc.resolve(found, directory.entry(con, found.email), roles)
    if access.user is None:
        _refuse(found, access)
        return None
    try:
        session.begin_session(
            access.user,
            sessions.OIDC,
            session.client(),
            token_id=found.token_id,
            identity=found.to_json(),
        )
    except ConflictError as exc:  # the session of this sign-in ended at this very moment
        st.session_state[session.NOTICE] = str(exc)
        return None
    return access.user


def _refuse(found: oidc.Identity, access: oidc.Access) -> None:
    """Keep the refusal for the ask-your-admin page; record it once per sign-in."""
    st.session_state[REFUSED] = (found, access)
    recorded = st.session_state.setdefault(RECORDED, set())
    if found.token_id not in recorded:
        recorded.add(found.token_id)
        audit.log(
            session.cursor(),
            audit.LOGIN_FAILED,
            at=utc_now(),
            user_name=found.email or None,
            method=sessions.OIDC,
            client=session.client(),
            detail=access.reason,
        )


def sign_in_form() -> None:
    """The sign-in box: one button to the company's identity provider."""
    label = settings().sign_on.label
    if notice := st.session_state.get(session.NOTICE):
        st.info(notice)
    left, _ = st.columns([2, 3])
    with left, st.container(border=True):
        st.subheader("Sign in")
        st.write(f"Sign in with your {label} account. The app keeps no password of yours.")
        if st.button(f"Sign in with {label}", type="primary", key=SIGN_IN_KEY, icon=":material/login:"):
            st.login(settings().sign_on.provider)
    left.caption(
        "Back on this page after signing in? The sign-in was not accepted (for example a token that had "
        "expired, or clocks that differ): try again, or ask your admin, whose server log says why."
    )


def ask_your_admin_page() -> None:
    """For a signed-in person the app gives no role: who they are, why, what to ask for, and a
    way out. Nothing else of the app."""
    found, access = refused()
    st.title("Ask your admin for access")
    st.write(
        f"You are signed in with {settings().sign_on.label}, but the app has no role for you, so it shows "
        "you nothing yet."
    )
    (st.error if access.no_access else st.warning)(plain(access.reason))  # (the provider's words in it)
    st.subheader("What to tell your admin")
    st.write("Your e-mail address and the groups your sign-in carries:")
    groups = ", ".join(found.groups) if found.groups else "(none)"
    st.code(f"e-mail: {found.email or '(none)'}\nname:   {found.name}\ngroups: {groups}", language=None)
    st.write(
        "An admin gives you a role on the Administration page (Users: your e-mail address, your name as "
        "the data writes it, and your role), or by mapping one of your groups to a role (setting "
        "SAM_OIDC_ROLES). Then sign in again."
    )
    with st.container(horizontal=True):
        st.button("Try again", key="sam_sign_on_retry", type="primary")
        if st.button("Sign out", key="sam_sign_on_out"):
            st.logout()


def identity_notice(user: User) -> None:
    """In the sidebar: an account manager signed on whose e-mail is not in the Users table owns
    no account until an admin adds them."""
    if settings().sign_on is None or user.role != ACCOUNT_MANAGER or user.manager_name or user.accounts:
        return
    st.caption(
        ":material/info: No account is yours yet: the app's Users table has no name (as the data writes it) "
        "or accounts for your e-mail address. Ask your admin to add them."
    )
