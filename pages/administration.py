"""Administration (admins only): who is kept out by the login limits (and unlocking them), who
is logged in (and ending a session), the record of logins and logouts, and the Users table of
company sign-on."""

import streamlit as st

from ui import administration, session, users_table, widgets

widgets.header(
    "Administration",
    "Login limits, sessions, the record of logins, logouts and unlocks, and the Users table.",
)
user = session.guard("administration")
administration.show_message()

limits, logins, people, record = st.tabs(["Login limits", "Sessions", "Users", "Login record"])
with limits:
    administration.login_limits(user)
with logins:
    administration.login_sessions(user)
with people:
    users_table.users_tab(user)
with record:
    administration.login_record()
