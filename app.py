"""Entry point: settings check, first-start demo build, login, and role-based navigation."""

from __future__ import annotations

from datetime import date

import streamlit as st

import sam_core.outputs.charts  # noqa: F401 - the pages' charts, loaded before the freeze below
from sam_core.access.login_guard import refusal
from sam_core.access.permissions import PAGES, ROLE_LABELS, can
from sam_core.demo import ensure_demo
from sam_core.errors import SamError
from sam_core.store import is_empty
from ui import data, downloads, run, session  # noqa: F401 - downloads: loaded before the freeze

# What the server imported so far lives as long as it does: kept out of garbage collections.
run.freeze_import_heap()

st.set_page_config(page_title="Strategic accounts", page_icon=":material/hub:", layout="wide")

ICONS = {
    "portfolio": ":material/dashboard:",
    "relationship_map": ":material/account_tree:",
    "sponsor_cadence": ":material/event_repeat:",
    "loyalty": ":material/favorite:",
    "self_assessment": ":material/checklist:",
    "account_plan": ":material/assignment:",
    "data_upload": ":material/upload_file:",
}

run.start_run()
try:
    settings, users = run.settings(), session.users()
except (SamError, ValueError) as exc:
    st.error(f"The app cannot start: {exc}")
    st.stop()

cursor = data.new_run_cursor()
first_start = st.empty()  # always here, so what follows keeps its place between runs
if settings.demo and data.data_key()[1] == 0 and is_empty(cursor):  # nothing was ever loaded
    with first_start.status("First start: building the demo data…", expanded=True) as status:
        bar = st.progress(0.0)
        ensure_demo(cursor, date.today(), progress=lambda step, fraction: bar.progress(fraction, text=step))
        status.update(label="Demo data ready", state="complete", expanded=False)
    data.data_changed()


def log_out() -> None:
    """The Log out button's callback: forget everything this session held on the server, and
    have every login cookie issued so far refused; keep only the fact of logging out and that
    the browser's cookie is still to be deleted. A callback runs before the script, so a click
    is never lost to a rerun that interrupts its run."""
    if username := st.session_state.get("username"):
        session.logouts().logged_out(username)  # the login cookie stops working on the server too
    st.session_state.clear()
    st.session_state["logout"] = True
    st.session_state["sam_forget_cookie"] = True


user = session.current_user() or session.log_in_from_cookie()
if user is None:
    st.title("Strategic account management")
    st.caption(
        "Portfolio, relationships, sponsor cadence, loyalty and program maturity of your strategic accounts."
    )
    if st.session_state.pop("sam_forget_cookie", False):
        session.forget_login()  # a reload, a new tab, must not find the cookie either
    with st.form("sam_login_form"):
        st.subheader("Login")
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Login")
    if submitted:
        client, guard = st.context.ip_address or "unknown", session.login_guard()
        wait = guard.wait_seconds(username, client)
        if wait > 0:
            st.error(refusal(wait))
        elif (found := session.authenticate(username, password)) is not None:
            guard.succeeded(username, client)
            session.start_session(found)
            st.session_state["logout"] = False
            st.session_state["sam_cookie_runs"] = 3
            st.rerun()
        else:
            guard.failed(username, client)
            st.error("Wrong user name or password.")
    if settings.demo and session.current_user() is None:
        st.info("Demo mode: log in as **executive**, **manager**, **coach** or **admin**, password **demo**.")
    st.stop()


def not_permitted(title: str):
    def page() -> None:
        st.title(title)
        st.error(
            f"Not permitted: the {ROLE_LABELS[user.role]} role cannot open {title}. Choose a page from the "
            "menu."
        )

    page.__name__ = f"not_permitted_{title.lower().replace(' ', '_').replace('-', '_')}"
    return page


pages = [
    st.Page(f"pages/{key}.py", title=title, url_path=key, icon=ICONS[key])
    if can(user, f"view:{key}")
    else st.Page(not_permitted(title), title=title, url_path=key, visibility="hidden")
    for key, title in PAGES
]
navigation = st.navigation(pages)

with st.sidebar:
    if settings.demo:
        st.markdown(":orange-badge[:material/science: Demo data]")
    st.markdown(f"**{user.name}**  \n{ROLE_LABELS[user.role]}")
    st.button("Log out", key="sam_logout", on_click=log_out)
    if st.session_state.get("sam_cookie_runs", 0) > 0:
        # The first runs after the login store the login cookie, so that a reload or a new
        # tab stays logged in; more than one, as a quick click can cut a run short. (Last in
        # the sidebar, so the elements above keep their places from run to run.)
        st.session_state["sam_cookie_runs"] -= 1
        session.remember_login(user)

try:
    navigation.run()
finally:
    run.collect_garbage()
