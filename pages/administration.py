"""Administration (admins only): who is kept out by the login limits (and unlocking them), who
is logged in (and ending a session), and the record of logins and logouts."""

import streamlit as st

from ui import administration, session, widgets

widgets.header("Administration", "Login limits, sessions and the record of logins, logouts and unlocks.")
user = session.guard("administration")
administration.show_message()

limits, logins, record = st.tabs(["Login limits", "Sessions", "Login record"])
with limits:
    administration.login_limits(user)
with logins:
    administration.login_sessions(user)
with record:
    administration.login_record()
