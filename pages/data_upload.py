"""Data upload: download the template, upload a workbook, review the validation report, commit or roll back."""
import streamlit as st

import app_support as ui

ui.header("Data upload", "Download the template, upload a workbook, review the validation report, commit or roll back.")
user = ui.guard("data_upload")

st.info("This view is being built; the data behind it is loaded and checked.")
