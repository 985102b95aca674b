"""Parts of the Portfolio page: the as-of month, the data-through note, the headline figures."""

from __future__ import annotations

import calendar
from datetime import date

import polars as pl
import streamlit as st

from sam_core.metrics.headline import Headline
from sam_core.metrics.health import health_parts
from sam_core.outputs import charts, formatting
from ui import attention, data, downloads, widgets

MONTHS_BACK = 24


def recent_months(today: date) -> list[date]:
    """The first days of the last 24 months, this month first."""
    first = today.replace(day=1)
    return [
        date(first.year + (first.month - 1 - i) // 12, (first.month - 1 - i) % 12 + 1, 1) for i in range(24)
    ]


def as_of_date(month: date, today: date) -> date:
    """The date a chosen month stands for: today in this month, else the month's last day."""
    if (month.year, month.month) == (today.year, today.month):
        return today
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def names(frame: pl.DataFrame, limit: int = 8) -> str:
    """'Alpha (A1), Beta (A2) and 3 more', as plain text."""
    shown = [f"{widgets.plain(n)} ({widgets.plain(a)})" for a, n in frame.head(limit).iter_rows()]
    more = frame.height - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def data_through_note(h: Headline, currency: str, as_of: date) -> None:
    """What the money figures cover: the data-through month and why, who has not reported it,
    who has no financials, and revenue from won deals."""
    d = h.data_through
    why = (
        f"accounts holding {_share(d.reported_share)} of the previous 12 months' revenue have reported it"
        if d.reported_share is not None
        else "the first month of data"
    )
    early = (
        f"; {formatting.month(d.latest_month)} so far from a few accounts, not counted yet"
        if d.latest_month > d.month
        else ""
    )
    first = formatting.month(_months_before(d.month, 11))
    st.caption(
        f"**Money in {currency} ({formatting.symbol(currency)}), {formatting.data_through(d.month)}** "
        f"(the last 12 months: {first} to {formatting.month(d.month)}): {why}{early}. "
        f"As of {formatting.long_date(as_of)}."
    )
    counts = [
        f"{h.not_reported.height} not reported for {formatting.month(d.month)}"
        if h.not_reported.height
        else "",
        f"{h.no_financials.height} without financials" if h.no_financials.height else "",
        f"{h.won_as_revenue.height} with revenue from won deals" if h.won_as_revenue.height else "",
    ]
    if not any(counts):
        return
    with st.expander("Accounts: " + ", ".join(c for c in counts if c)):
        if h.not_reported.height:
            st.markdown(
                f"**Not reported for {formatting.month(d.month)}**: {names(h.not_reported, 50)}. Their "
                "growth compares the same months, not counting the missing one as a fall."
            )
        if h.no_financials.height:
            st.markdown(
                f"**No financials** in the 12 months: {names(h.no_financials, 50)}. Left out of revenue, "
                "concentration, tiers, growth and margin."
            )
        if h.won_as_revenue.height:
            st.markdown(
                f"**Revenue from won deals** (setting SAM_WON_AS_REVENUE): {names(h.won_as_revenue, 50)}."
            )


def _share(share: float) -> str:
    """95%, but 99.6% rather than a rounded 100% while some revenue has not reported."""
    return f"{share:.1%}" if 0.995 <= share < 1 else f"{share:.0%}"


def _months_before(month: date, k: int) -> date:
    i = month.year * 12 + month.month - 1 - k
    return date(i // 12, i % 12 + 1, 1)


def headline(h: Headline, n: int) -> None:
    """Three rows of figures: money and concentration, loyalty and cadence, pipeline and wins."""
    c, p = h.concentration, h.pipeline
    cols = st.columns(5)
    cols[0].metric(
        "Revenue, last 12 months",
        widgets.money(h.revenue.value),
        widgets.percent(h.growth.value, 1) + " growth",
        help="Trailing 12 months to the data-through month against the 12 before (like for like where an "
        "account has not reported the last month).",
    )
    cols[1].metric(
        "Profit margin",
        widgets.percent(h.margin.value, 1),
        None if h.margin.change is None else f"{h.margin.change * 100:+.1f} pts",
        help=f"Profit / revenue over the {h.margin_accounts} accounts that report profit "
        f"({widgets.percent(h.margin_revenue_share)} of revenue).",
    )
    cols[2].metric(
        f"Share of the top {n}",
        widgets.percent(h.top_share.value, 0),
        None if h.top_share.change is None else f"{h.top_share.change * 100:+.1f} pts vs a year ago",
        delta_color="inverse",
    )
    cols[3].metric(
        "Effective accounts",
        f"{c.effective_accounts:.1f}",
        help="Effective number of accounts = 1 / HHI (Herfindahl-Hirschman index of account shares).",
    )
    cols[4].metric(f"At risk in the top {n}", h.at_risk, help="Status at risk, or health below 40.")
    cols = st.columns(5)
    cols[0].metric(
        "Loyalty index",
        "–" if h.loyalty_index.value is None else f"{h.loyalty_index.value:.0f}",
        None if h.loyalty_index.change is None else f"{h.loyalty_index.change:+.1f} vs previous wave",
        help=f"0-100, latest survey wave, {h.respondents} respondents.",
    )
    cols[1].metric(
        "NPS",
        "–" if h.nps.value is None else f"{h.nps.value:+.0f}",
        None if h.nps.change is None else f"{h.nps.change:+.0f} vs previous wave",
    )
    cols[2].metric(
        "Feedback coverage",
        widgets.percent(h.feedback_coverage.value),
        None if h.feedback_coverage.change is None else f"{h.feedback_coverage.change * 100:+.0f} pts",
        help="Feedback revenue coverage: share of revenue from accounts that answered the latest survey wave "
        "(aim: about 80%).",
    )
    cols[3].metric(
        "Cadence compliance",
        widgets.percent(h.cadence_compliance.value),
        None
        if h.cadence_compliance.change is None
        else f"{h.cadence_compliance.change * 100:+.0f} pts in 90 days",
        help="Sponsor cadence compliance: share of the cadence rules of strategic accounts that are not "
        "overdue.",
    )
    cols[4].metric("Strategic accounts", h.strategic_accounts)
    window = f"12 months to {formatting.month(h.data_through.month)}"
    cols = st.columns(5)
    cols[0].metric(
        "Open pipeline",
        widgets.money(p.open_pipeline),
        help=f"{p.open_deals:,} opportunities not won or lost, as last loaded.",
    )
    cols[1].metric(
        "Weighted pipeline",
        widgets.money(p.weighted_pipeline),
        help="Amount x probability; where the probability is empty, the stage's default (prospecting 10%, "
        "qualifying 25%, proposal 50%, negotiation 75%).",
    )
    cols[2].metric("Won", widgets.money(p.won_value), help=f"{p.won_deals:,} deals won in the {window}.")
    cols[3].metric(
        "Win rate, deals",
        widgets.percent(p.win_rate_count),
        help=f"Won / closed (won or lost) deals in the {window}: {p.won_deals:,} of {p.closed_deals:,}.",
    )
    cols[4].metric(
        "Win rate, value", widgets.percent(p.win_rate_value), help=f"Won / closed value in the {window}."
    )


def account_detail(row: dict, as_of: date, rollup: bool, through: str) -> None:
    """One account of the table: health and how it is made up, its pipeline, the brief, links."""
    account = row["account_id"]
    text, chart = st.columns([1, 2])
    text.metric("Health", "–" if row["health"] is None else f"{row['health']:.0f} / 100")
    text.markdown(widgets.health_badge(row["health_band"]))
    text.caption("Parts without data for this account are left out and the other weights rescaled.")
    text.caption(
        f"Pipeline {widgets.money(row['open_pipeline'])} open ({widgets.money(row['weighted_pipeline'])} "
        f"weighted); won {widgets.money(row['won_value'])} in the 12 months to "
        f"{formatting.month(row['data_through'])}, win rate {widgets.percent(row['win_rate_count'])} of "
        f"deals, {widgets.percent(row['win_rate_value'])} of value."
    )
    pdf, xlsx = text.columns(2)
    stem = f"brief-{account}-through-{through}"
    pdf.download_button(
        "Brief (PDF)",
        downloads.brief_download(account, as_of, rollup, "pdf"),
        file_name=f"{stem}.pdf",
        icon=":material/picture_as_pdf:",
        key="portfolio_brief_pdf",
        on_click="ignore",
    )
    xlsx.download_button(
        "Brief (Excel)",
        downloads.brief_download(account, as_of, rollup, "xlsx"),
        file_name=f"{stem}.xlsx",
        icon=":material/table:",
        key="portfolio_brief_xlsx",
        on_click="ignore",
    )
    for page, label in (
        ("pages/relationship_map.py", "Relationship map"),
        ("pages/sponsor_cadence.py", "Sponsor cadence"),
        ("pages/loyalty.py", "Loyalty"),
    ):
        text.page_link(
            page, label=f"{label} of {widgets.plain(row['account_name'])}", icon=":material/arrow_forward:"
        )
    data.chart(
        ("health", as_of, rollup, account), lambda: charts.health_parts_chart(health_parts(row)), where=chart
    )
    with chart:
        attention.health_trend_view(account, as_of)  # issue 20: the trend and the part that moved
