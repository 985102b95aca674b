"""The page of bench/elements_browser.py: a title, one select box, one figure, then elements
that change with the choice: ten of one kind (SAM_BENCH_KIND: none, figure, text, markdown (a
table), table, dataframe, chart), or so many of each kind as SAM_BENCH_KIND says ("figure=5,chart=2": a page's
mix of elements, drawn by bare Streamlit with nothing to compute).

    SAM_BENCH_KIND=dataframe python -m streamlit run bench/elements_app.py
"""

from __future__ import annotations

import os

import altair as alt
import polars as pl
import streamlit as st

KIND = os.environ.get("SAM_BENCH_KIND", "none")
COUNTS = (
    {kind: int(n) for kind, n in (part.split("=") for part in KIND.split(","))} if "=" in KIND else {KIND: 10}
)
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
for i in range(COUNTS.get("figure", 0)):
    st.metric(f"Figure {i}", f"{i} {account}")
for i in range(COUNTS.get("text", 0)):  # a line of text: a caption, a heading, a note
    st.markdown(f"**{account}**: line {i} of the page's text")
for _ in range(COUNTS.get("markdown", 0)):
    st.markdown(
        "| item | owner | due | status |\n|---|---|---|---|\n"
        + "\n".join(f"| {' | '.join(row)} |" for row in items.iter_rows())
    )
for _ in range(COUNTS.get("table", 0)):
    st.table(items)
for _ in range(COUNTS.get("dataframe", 0)):
    st.dataframe(items, hide_index=True)
for _ in range(COUNTS.get("chart", 0)):
    st.altair_chart(alt.Chart(months).mark_line().encode(x="month", y="revenue"))
