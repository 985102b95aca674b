"""Self-assessment: the best-in-class checklist: seven principles and the Proven 8, per business unit."""
import streamlit as st

import app_support as ui

ui.header("Self-assessment", "The best-in-class checklist: seven principles and the Proven 8, per business unit.")
user = ui.guard("self_assessment")

st.info("This view is being built; the data behind it is loaded and checked.")
