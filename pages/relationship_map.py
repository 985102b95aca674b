"""Relationship map: the buying organisation against the selling team, and the gaps between them."""
import streamlit as st

import app_support as ui

ui.header("Relationship map", "The buying organisation against the selling team, and the gaps between them.")
user = ui.guard("relationship_map")

st.info("This view is being built; the data behind it is loaded and checked.")
