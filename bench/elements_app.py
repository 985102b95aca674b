"""The page of bench/elements_browser.py: a title, one select box, one figure, then ten elements
of one kind (SAM_BENCH_KIND: none, figure, markdown, table, dataframe, chart) that change with
the choice.

    SAM_BENCH_KIND=dataframe python -m streamlit run bench/elements_app.py
"""

from __future__ import annotations

import os

import altair as alt
import polars as pl
import streamlit as st

KIND = os.environ.get("SAM_BENCH_KIND", "none")
FIGURES = {"Alpha": "€1.5bn", "Beta": "€0.9bn", "Gamma": "€0.4bn", "Delta": "€0.2bn"}

st.set_page_config(page_title="Elements", layout="wide")
st.title("Elements")
account = st.selectbox("Account", list(FIGURES), key="account")
st.metric("Revenue, last 12 months", FIGURES[account])
items = pl.DataFrame(
    {
        "item": [f"{account} item {i}" for i in range(6)],
        "owner": ["Maria Keller"] * 6,
        "due": ["12 Mar 2027"] * 6,
        "status": ["open"] * 6,
    }
)
months = pl.DataFrame({"month": list(range(12)), "revenue": [len(account) * m for m in range(12)]})
for i in range(10):
    if KIND == "figure":
        st.metric(f"Figure {i}", f"{i} {account}")
    elif KIND == "markdown":
        st.markdown(
            "| item | owner | due | status |\n|---|---|---|---|\n"
            + "\n".join(f"| {' | '.join(row)} |" for row in items.iter_rows())
        )
    elif KIND == "table":
        st.table(items)
    elif KIND == "dataframe":
        st.dataframe(items, hide_index=True)
    elif KIND == "chart":
        st.altair_chart(alt.Chart(months).mark_line().encode(x="month", y="revenue"))
