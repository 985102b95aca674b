"""Loyalty: loyalty index and NPS by account and survey wave, down to the comment, and the closed loop."""
import streamlit as st

import app_support as ui

ui.header("Loyalty", "Loyalty index and NPS by account and survey wave, down to the comment, and the closed loop.")
user = ui.guard("loyalty")

st.info("This view is being built; the data behind it is loaded and checked.")
