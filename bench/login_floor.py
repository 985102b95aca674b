"""The floor for bench/login.py and bench/pages_browser.py: a trivial Streamlit app with the
same login and navigation as the dashboard and nothing else. The same form (user name,
password, Login), the same bcrypt check at cost 12, the same pages in an `st.navigation` with a
login page before it; each page is its title, one select box and one figure that follows it.
What the dashboard takes beyond this app is its own cost.

    python -m streamlit run bench/login_floor.py
"""

from __future__ import annotations

import bcrypt
import streamlit as st

PAGES = (
    ("portfolio", "Portfolio"),
    ("relationship_map", "Relationship map"),
    ("sponsor_cadence", "Sponsor cadence"),
    ("loyalty", "Loyalty"),
    ("self_assessment", "Self-assessment"),
    ("account_plan", "Account plan"),
    ("data_upload", "Data upload"),
    ("administration", "Administration"),
)


@st.cache_resource
def password_hash() -> bytes:
    return bcrypt.hashpw(b"demo", bcrypt.gensalt(12))


def check() -> None:
    """The form's callback: the password is checked before the run that follows it."""
    if bcrypt.checkpw(st.session_state.get("floor_password", "").encode(), password_hash()):
        st.session_state["floor_user"] = st.session_state.get("floor_username", "")
    else:
        st.session_state["floor_error"] = "Wrong user name or password."


def login() -> None:
    st.title("Strategic account management")
    with st.form("floor_login"):
        st.text_input("Username", key="floor_username")
        st.text_input("Password", type="password", key="floor_password")
        st.form_submit_button("Login", on_click=check)
    if error := st.session_state.pop("floor_error", None):
        st.error(error)


FIGURES = {"Alpha": "€1.5bn", "Beta": "€0.9bn", "Gamma": "€0.4bn", "Delta": "€0.2bn"}


def page(title: str, i: int):
    def show() -> None:
        st.title(title)
        account = st.selectbox("Account", list(FIGURES), key=f"floor_{title}")
        st.metric("Revenue, last 12 months", FIGURES[account], f"+{i}.0% growth")  # each page its own

    show.__name__ = title.lower().replace(" ", "_").replace("-", "_")
    return show


def log_out() -> None:
    st.session_state.pop("floor_user", None)


st.set_page_config(page_title="Floor", layout="wide")
if user := st.session_state.get("floor_user"):
    navigation = st.navigation(
        [st.Page(page(title, i), title=title, url_path=key) for i, (key, title) in enumerate(PAGES)]
    )
    with st.sidebar:
        st.markdown(f"**{user}**")
        st.button("Log out", on_click=log_out)
else:
    navigation = st.navigation(
        [st.Page(login, title="Log in", url_path="login", default=True)]
        + [st.Page(login, title=title, url_path=key, visibility="hidden") for key, title in PAGES],
        position="hidden",
    )
navigation.run()
