"""Sponsor cadence: executive visits, reviews, QBRs and 90-day reviews against the cadence policy."""
import streamlit as st

import app_support as ui

ui.header("Sponsor cadence", "Executive visits, reviews, QBRs and 90-day reviews against the cadence policy.")
user = ui.guard("sponsor_cadence")

st.info("This view is being built; the data behind it is loaded and checked.")
