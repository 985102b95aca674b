"""Portfolio: revenue concentration, health, loyalty and cadence of the top accounts."""
import streamlit as st

import app_support as ui

ui.header("Portfolio", "Revenue concentration, health, loyalty and cadence of the top accounts.")
user = ui.guard("portfolio")

st.info("This view is being built; the data behind it is loaded and checked.")
