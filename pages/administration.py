"""Administration (admins only): who is kept out by the login limits (and unlocking them), who
is logged in (and ending a session), the record of logins and logouts, the Users table of company
sign-on and the company template of the meeting deck."""

import streamlit as st

from ui import administration, session, users_table, widgets

widgets.header(
    "Administration",
    "Login limits, sessions, the Users table, the record of logins, logouts and unlocks, and the deck's "
    "company template.",
)
user = session.guard("administration")
administration.show_message()

limits, logins, people, record, deck = st.tabs(
    ["Login limits", "Sessions", "Users", "Login record", "Deck template"]
)
with limits:
    administration.login_limits(user)
with logins:
    administration.login_sessions(user)
with people:
    users_table.users_tab(user)
with record:
    administration.login_record()
with deck:
    administration.deck_template(user)
