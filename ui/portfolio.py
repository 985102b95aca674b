"""Parts of the Portfolio page: the as-of month, the data-through note, the headline figures."""

from __future__ import annotations

import calendar
from datetime import date

import polars as pl
import streamlit as st

from sam_core.metrics.headline import Headline
from sam_core.metrics.health import health_parts
from sam_core.outputs import charts, formatting, wording
from ui import attention, data, downloads, session, widgets
from ui.run import settings

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
    before = formatting.month(_months_before(d.month, 23))
    no_growth = (
        f" No growth figure: the 12 months before them (from {before}) are not all in the data."
        if h.growth.value is None and h.revenue.value
        else ""
    )
    st.caption(
        f"**Money in {currency} ({formatting.symbol(currency)}), {formatting.data_through(d.month)}** "
        f"(the last 12 months: {first} to {formatting.month(d.month)}): {why}{early}. "
        f"As of {formatting.long_date(as_of)}.{no_growth}"
    )
    counts = [
        f"{formatting.count(h.not_reported.height)} not reported for {formatting.month(d.month)}"
        if h.not_reported.height
        else "",
        f"{formatting.count(h.no_financials.height)} without financials" if h.no_financials.height else "",
        f"{formatting.count(h.won_as_revenue.height)} with revenue from won deals"
        if h.won_as_revenue.height
        else "",
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


def headline(h: Headline, n: int, *, earlier_month: bool = False) -> None:
    """Three rows of figures: money and concentration, loyalty and cadence, pipeline and wins
    (`earlier_month`: an as-of month before this one, whose pipeline cannot be rebuilt)."""
    c, p, f, metric = h.concentration, h.pipeline, formatting, widgets.metric
    cols = st.columns(5)
    growth = f.change(h.growth.value, unit="growth", scale=100)
    metric(
        cols[0],
        "Revenue, last 12 months",
        widgets.money(h.revenue.value),
        growth if growth in (None, f.NO_CHANGE) else f"{f.percent(h.growth.value, 1)} growth",
        help="Trailing 12 months to the data-through month against the 12 before (like for like where an "
        "account has not reported the last month).",
    )
    metric(
        cols[1],
        "Profit margin",
        f.percent(h.margin.value, 1),
        f.change(h.margin.change, unit="pts", scale=100),
        help=f"Profit / revenue over the {f.count_of(h.margin_accounts, 'account')} that report profit "
        f"({f.percent(h.margin_revenue_share)} of revenue).",
    )
    metric(
        cols[2],
        f"Share of the top {n}",
        f.percent(h.top_share.value),
        _with(f.change(h.top_share.change, unit="pts", scale=100), "vs a year ago"),
        inverse=True,
    )
    metric(
        cols[3],
        "Effective accounts",
        f.number(c.effective_accounts, 1),
        help="Effective number of accounts = 1 / HHI (Herfindahl-Hirschman index of account shares).",
    )
    metric(cols[4], f"At risk in the top {n}", f.count(h.at_risk), help="Status at risk, or health below 40.")
    cols = st.columns(5)
    metric(
        cols[0],
        "Loyalty index",
        f.number(h.loyalty_index.value),
        _with(_shown_change(h.loyalty_index), "vs previous wave"),
        help=f"0-100, latest survey wave, {f.count_of(h.respondents, 'respondent')}.",
    )
    metric(cols[1], "NPS", f.signed(h.nps.value), _with(_shown_change(h.nps), "vs previous wave"))
    metric(
        cols[2],
        "Feedback coverage",
        f.percent(h.feedback_coverage.value),
        f.change(h.feedback_coverage.change, unit="pts", scale=100, digits=0),
        help="Feedback revenue coverage: share of revenue from accounts that answered the latest survey wave "
        "(aim: about 80%).",
    )
    metric(
        cols[3],
        "Cadence compliance",
        f.percent(h.cadence_compliance.value),
        _with(f.change(h.cadence_compliance.change, unit="pts", scale=100, digits=0), "in 90 days"),
        help="Sponsor cadence compliance: share of the cadence rules of strategic accounts that are not "
        "overdue.",
    )
    metric(cols[4], "Strategic accounts", f.count(h.strategic_accounts))
    window = f"12 months to {f.month(h.data_through.month)}"
    cols = st.columns(5)
    metric(
        cols[0],
        "Open pipeline",
        widgets.money(p.open_pipeline),
        help=f"{f.count_of(p.open_deals, 'opportunity', 'opportunities')} not won or lost, as last loaded.",
    )
    metric(
        cols[1],
        "Weighted pipeline",
        widgets.money(p.weighted_pipeline),
        help="Amount x probability; where the probability is empty, the stage's default (prospecting 10%, "
        "qualifying 25%, proposal 50%, negotiation 75%).",
    )
    metric(
        cols[2],
        "Won",
        widgets.money(p.won_value),
        help=f"{f.count_of(p.won_deals, 'deal')} won in the {window}.",
    )
    metric(
        cols[3],
        "Win rate, deals",
        f.percent(p.win_rate_count),
        help=f"Won / closed (won or lost) deals in the {window}: {f.count(p.won_deals)} of "
        f"{f.count(p.closed_deals)}.",
    )
    metric(
        cols[4], "Win rate, value", f.percent(p.win_rate_value), help=f"Won / closed value in the {window}."
    )
    if earlier_month:  # the stranger saw the same pipeline for every as-of month and took it for a fault
        st.caption(
            ":material/info: The pipeline is the one last loaded, whatever the as-of month: opportunities "
            f"hold no creation date, so an earlier month's pipeline cannot be rebuilt. Won and win rates are "
            f"of the {window}."
        )


def _shown_change(figure) -> str | None:
    """The change of a whole-number figure as the two figures are written: 70 after 68 is '+2'."""
    return formatting.change_between(figure.previous, figure.value, digits=0)


def _with(delta: str | None, words: str) -> str | None:
    """'+1.2 pts vs a year ago'; 'no change' and nothing stay as they are."""
    return delta if delta in (None, formatting.NO_CHANGE) else f"{delta} {words}"


PICKED, ACCOUNT = "portfolio_picked", "portfolio_account"


def follow_row_click(event, ids: list[str], names: dict[str, str]) -> None:
    """The account chosen below the table follows a click on a row (the health, the brief
    and the links then show that account); without a new click it stays as chosen, or is the
    account chosen on another page (`sam_account`), or the first."""
    rows = event.selection.rows if event else []
    picked = ids[rows[0]] if rows and rows[0] < len(ids) else None
    if picked is not None and st.session_state.get(PICKED) != picked:
        st.session_state[PICKED] = st.session_state[ACCOUNT] = picked
    if st.session_state.get(ACCOUNT) not in names and names:
        wanted = st.session_state.get("sam_account")
        st.session_state[ACCOUNT] = wanted if wanted in names else next(iter(names))


@st.fragment
def trends(as_of: date, rollup: bool, n: int, account_ids: list[str], currency: str) -> None:
    """The top accounts' revenue, profit or EBITDA by month or quarter; a choice here reruns
    only this part of the page."""
    session.fragment_guard("portfolio")
    st.subheader("Trends")
    measure_col, grain_col = st.columns([2, 1])
    measure = measure_col.segmented_control(
        "Measure",
        ["revenue", "profit", "ebitda"],
        default="revenue",
        key="portfolio_measure",
        format_func={"revenue": "Revenue", "profit": "Profit", "ebitda": "EBITDA"}.__getitem__,
    )
    grain = grain_col.segmented_control("By", ["month", "quarter"], default="month", key="portfolio_grain")
    trend = data.trend(as_of, rollup, account_ids, grain or "month")
    data.chart(
        ("trend", as_of, rollup, n, grain, measure),
        lambda: charts.trend_chart(trend, measure or "revenue", currency=currency),
    )


@st.fragment
def chosen_account(table: pl.DataFrame, as_of: date, rollup: bool, through: str) -> None:
    """The account chosen below the table (a row click chooses it too: `follow_row_click`) and
    its detail; choosing another here reruns only this part of the page."""
    session.fragment_guard("portfolio")
    st.subheader("Account: health explained and one-page brief")
    names = dict(zip(table["account_id"], table["account_name"], strict=True))
    if not names:
        return
    account = st.selectbox("Account", list(names), format_func=names.__getitem__, key=ACCOUNT)
    st.session_state["sam_account"] = account
    account_detail(table.filter(pl.col("account_id") == account).row(0, named=True), as_of, rollup, through)


def account_detail(row: dict, as_of: date, rollup: bool, through: str) -> None:
    """One account of the table: health and how it is made up, its pipeline, the brief, links."""
    account = row["account_id"]
    text, chart = st.columns([1, 2])
    text.metric("Health", formatting.DASH if row["health"] is None else f"{row['health']:.0f} / 100")
    text.markdown(widgets.health_badge(row["health_band"]))
    text.caption("Parts without data for this account are left out and the other weights rescaled.")
    text.caption(
        f"Pipeline {widgets.money(row['open_pipeline'])} open ({widgets.money(row['weighted_pipeline'])} "
        f"weighted); {wording.won_line(row, settings().currency)}."
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
