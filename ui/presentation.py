"""Presentation mode of the Portfolio page: large type, no sidebar, one account per screen."""

from __future__ import annotations

import polars as pl
import streamlit as st

from sam_core.metrics.headline import Headline
from sam_core.metrics.health import health_parts
from sam_core.outputs import charts, formatting
from ui import widgets

_STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"] {display: none;}
.block-container {padding-top: 1.5rem; max-width: 1600px;}
[data-testid="stMetricValue"] {font-size: 3rem;}
[data-testid="stMetricLabel"] p {font-size: 1.3rem;}
.stMarkdown p, .stMarkdown li {font-size: 1.35rem;}
h1 {font-size: 3rem !important;}
</style>
"""


def show(top: pl.DataFrame, headline: Headline, currency: str) -> None:
    """Slide 0 is the summary; slides 1..N are the top accounts in revenue order."""
    st.html(_STYLE)
    slides = top.height + 1
    index = st.session_state.setdefault("portfolio_slide", 0) % slides
    back, where, forward = st.columns([1, 4, 1])
    if back.button("Previous", key="portfolio_previous", icon=":material/arrow_back:", width="stretch"):
        index = st.session_state["portfolio_slide"] = (index - 1) % slides
    if forward.button("Next", key="portfolio_next", icon=":material/arrow_forward:", width="stretch"):
        index = st.session_state["portfolio_slide"] = (index + 1) % slides
    where.markdown(
        f"<p style='text-align:center'>Slide {index + 1} of {slides} · money in {currency}, "
        f"{formatting.data_through(headline.data_through.month)}</p>",
        unsafe_allow_html=True,
    )
    if index == 0:
        _summary(top, headline, currency)
    else:
        _account(top.row(index - 1, named=True))


def _summary(top: pl.DataFrame, h: Headline, currency: str) -> None:
    c = h.concentration
    st.title(f"Top {c.n} accounts: {c.top_share:.0%} of revenue")
    cols = st.columns(5)
    cols[0].metric(
        "Revenue, last 12 months", widgets.money(h.revenue.value), widgets.percent(h.growth.value, 1)
    )
    cols[1].metric(
        "Weighted pipeline",
        widgets.money(h.pipeline.weighted_pipeline),
        f"won {widgets.money(h.pipeline.won_value)}",
        delta_color="off",
    )
    cols[2].metric("Loyalty index", "–" if h.loyalty_index.value is None else f"{h.loyalty_index.value:.0f}")
    cols[3].metric("Cadence compliance", widgets.percent(h.cadence_compliance.value))
    cols[4].metric(f"At risk in the top {c.n}", h.at_risk)
    st.altair_chart(charts.pareto_chart(top, c.n, height=420, currency=currency), width="stretch")


def _account(row: dict) -> None:
    st.title(f"{row['rank']}. {widgets.plain(row['account_name'])}")
    cols = st.columns(4)
    cols[0].metric(
        "Revenue, last 12 months", widgets.money(row["revenue"]), widgets.percent(row["growth"], 1)
    )
    cols[1].metric("Health", "–" if row["health"] is None else f"{row['health']:.0f}")
    cols[1].markdown(widgets.health_badge(row["health_band"]))
    cols[2].metric(
        "Loyalty index",
        "–" if row["loyalty_index"] is None else f"{row['loyalty_index']:.0f}",
        None if row["respondents"] is None else f"{row['respondents']} respondents",
        delta_color="off",
    )
    cols[3].metric("Cadence", row["cadence"])
    left, right = st.columns([1, 1])
    notes = [
        f"Account manager: **{widgets.plain(row['account_manager'])}**; sponsor: "
        f"**{widgets.plain(row['executive_sponsor'] or '–')}**",
        f"Relationship coverage: **{widgets.percent(row['coverage'])}**"
        + (" — single-threaded" if row["single_threaded"] else ""),
        f"Open actions: **{row['open_actions']}**, overdue: **{row['overdue_actions']}**",
        f"Pipeline: **{widgets.money(row['open_pipeline'])}** open, "
        f"**{widgets.money(row['weighted_pipeline'])}** weighted; won **{widgets.money(row['won_value'])}** "
        "in 12 months",
    ]
    if row["financials"] != "reported":
        notes.append(f"Financials: **{row['financials']}** for {formatting.month(row['data_through'])}")
    if row["stale"]:
        notes.append(f"Stale data: {widgets.plain(row['stale'])}")
    left.markdown("\n".join(f"- {n}" for n in notes))
    right.altair_chart(charts.health_parts_chart(health_parts(row), height=260), width="stretch")
