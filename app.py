"""Entry point: settings check, first-start demo build, login, and role-based navigation."""

from __future__ import annotations

from datetime import date

import streamlit as st

import sam_core.outputs.charts  # noqa: F401 - the pages' charts, loaded before the freeze below
from sam_core.access.permissions import PAGES, ROLE_LABELS, can
from sam_core.demo import ensure_demo
from sam_core.errors import SamError
from sam_core.outputs.formatting import plain
from sam_core.store import is_empty
from ui import attention, data, downloads, run, session, sign_on  # noqa: F401 - downloads: loaded before the freeze

# What the server imported so far lives as long as it does: kept out of garbage collections.
run.freeze_import_heap()

st.set_page_config(page_title="Strategic accounts", page_icon=":material/hub:", layout="wide")

ICONS = {
    "portfolio": ":material/dashboard:",
    "attention": ":material/notifications_active:",
    "relationship_map": ":material/account_tree:",
    "sponsor_cadence": ":material/event_repeat:",
    "loyalty": ":material/favorite:",
    "self_assessment": ":material/checklist:",
    "account_plan": ":material/assignment:",
    "data_upload": ":material/upload_file:",
    "administration": ":material/admin_panel_settings:",
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


def not_permitted(title: str, role: str):
    def page() -> None:
        st.title(title)
        st.error(
            f"Not permitted: the {ROLE_LABELS[role]} role cannot open {title}. Choose a page from the menu."
        )

    page.__name__ = f"not_permitted_{title.lower().replace(' ', '_').replace('-', '_')}"
    return page


def menu(user) -> list:
    """The user's pages; the others stay under their URL as a page that says "Not permitted",
    and /login (a bookmark of the login page) opens the first page."""
    pages = [
        st.Page(f"pages/{key}.py", title=title, url_path=key, icon=ICONS[key])
        if can(user, f"view:{key}")
        else st.Page(not_permitted(title, user.role), title=title, url_path=key, visibility="hidden")
        for key, title in PAGES
    ]
    first, title = PAGES[0]
    return [
        *pages,
        # The app's root runs the first page itself (no rerun after a login); the first page
        # keeps its own URL, so /portfolio (a reload, a bookmark) opens it too.
        st.Page(f"pages/{first}.py", title=title, url_path="home", default=True, visibility="hidden"),
        st.Page(lambda: st.switch_page(pages[0]), title="Log in", url_path="login", visibility="hidden"),
    ]


def sidebar(user):
    """The user, logout, and a slot for the attention count (filled after the page ran)."""
    with st.sidebar:
        if settings.demo:
            st.markdown(":orange-badge[:material/science: Demo data]")
        st.markdown(f"**{plain(user.name)}**  \n{ROLE_LABELS[user.role]}")  # a name may come from a sheet
        sign_on.identity_notice(user)  # company sign-on: an account manager the Users table lacks
        st.button("Log out", key="sam_logout", on_click=session.log_out)
        st.button(
            "End all my sessions",
            key="sam_logout_everywhere",
            type="tertiary",
            on_click=session.log_out,
            kwargs={"everywhere": True},
        )
        attention_slot = st.empty()  # issue 20: "N need attention", after the page so its figures come first
        session.cookie_writer()  # last in the sidebar, so the elements above keep their places
    return attention_slot


user = session.current_user() or session.log_in_from_cookie()
attention_slot = None
if user is None:
    # Every page's URL shows the login form, with no menu; after login the same URL is the
    # page itself (Streamlit knows pages by their URL path), so a link lands where it pointed.
    navigation = st.navigation(session.login_pages(PAGES), position="hidden")
else:
    navigation = st.navigation(menu(user))
    attention_slot = sidebar(user)

try:
    navigation.run()
finally:
    if attention_slot is not None:
        attention.sidebar_count(attention_slot, user)
    run.collect_garbage()
