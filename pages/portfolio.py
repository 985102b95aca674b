"""Portfolio: how much depends on how few accounts, which are healthy, which are at risk and why."""

from datetime import date

import polars as pl
import streamlit as st

from sam_core.metrics.health import health_parts
from sam_core.outputs import charts
from sam_core.plans.plan import plan_status
from ui import data, downloads, presentation, run, session, widgets

widgets.header("Portfolio")
user = session.guard("portfolio")

as_of = date.today()
left, middle, right = st.columns([1, 2, 2], vertical_alignment="bottom")
n = left.number_input("Top N accounts", min_value=1, max_value=100, value=20, step=1, key="portfolio_n")
rollup = middle.toggle("Roll subsidiaries up into their parent", key="portfolio_rollup")
present = right.toggle(
    "Presentation mode", key="portfolio_present", help="Large type, no sidebar, one account per screen."
)

overview = data.overview(as_of, rollup)
if overview.is_empty():
    st.info(
        "No financials are loaded yet. An account manager or admin can load a workbook on the Data upload "
        "page."
    )
    st.stop()
top = overview.head(n)
if present:
    presentation.show(top, data.portfolio_headline(as_of, rollup, n))
    st.stop()

h = data.portfolio_headline(as_of, rollup, n)
c = h.concentration
cols = st.columns(5)
cols[0].metric(
    "Revenue, last 12 months",
    widgets.money(h.revenue.value),
    widgets.percent(h.growth.value, 1) + " growth",
    help="Trailing 12 months against the 12 before.",
)
cols[1].metric(
    "Profit margin",
    widgets.percent(h.margin.value, 1),
    None if h.margin.change is None else f"{h.margin.change * 100:+.1f} pts",
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
    help="Sponsor cadence compliance: share of the cadence rules of strategic accounts that are not overdue.",
)
cols[4].metric("Strategic accounts", h.strategic_accounts)
others = c.accounts - min(n, c.accounts)
st.markdown(
    f"**Top {n} = {c.top_share:.0%} of revenue; the other {others:,} account{'s' if others != 1 else ''} = "
    f"{c.rest_share:.0%}.**"
)
rules = ", ".join(
    f"{r['rule'].lower()} {r['compliance']:.0%}" for r in h.cadence_by_rule.iter_rows(named=True)
)
st.caption(
    f"Sponsor cadence, share of strategic accounts not overdue: {rules}; {h.accounts_overdue} accounts "
    "overdue on some rule."
)
if c.flags:
    st.warning(
        "**Concentration risk**\n" + "\n".join(f"- {flag}" for flag in c.flags), icon=":material/warning:"
    )

st.subheader("Revenue concentration")
chart, tiers = st.columns([5, 2])
data.chart(("pareto", as_of, rollup, n), lambda: charts.pareto_chart(overview, n), where=chart)
tier_table = (
    overview.group_by("tier")
    .agg(pl.len().alias("accounts"), (pl.col("share").sum() * 100).alias("share"))
    .sort("tier")
)
tiers.dataframe(
    tier_table,
    hide_index=True,
    column_config={"share": st.column_config.NumberColumn("share of revenue", format="%.0f%%")},
)
tiers.caption("A: the accounts making the first 80% of revenue; B: the next 15%; C: the rest.")

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
trend = data.trend(as_of, rollup, top["account_id"].to_list(), grain or "month")
data.chart(
    ("trend", as_of, rollup, n, grain, measure), lambda: charts.trend_chart(trend, measure or "revenue")
)

st.subheader(f"Top {n} accounts")
with st.expander("Filter"):
    f = st.columns(5)
    filters = {
        col: f[i].multiselect(
            label, sorted(top[col].drop_nulls().unique().to_list()), key=f"portfolio_filter_{col}"
        )
        for i, (col, label) in enumerate(
            [
                ("business_unit", "Business unit"),
                ("region", "Region"),
                ("tier", "Tier"),
                ("account_manager", "Account manager"),
                ("executive_sponsor", "Sponsor"),
            ]
        )
    }
table = top.filter([pl.col(col).is_in(chosen) for col, chosen in filters.items() if chosen] or [pl.lit(True)])
table = table.join(data.sparklines(as_of, rollup, table["account_id"].to_list()), on="account_id", how="left")
plans = data.cached(
    plan_status, as_of=as_of, review_days=run.settings().plan_review_days
)  # the stale-plan flag
table = table.join(plans.select("account_id", pl.col("reason").alias("plan")), on="account_id", how="left")
event = st.dataframe(
    widgets.account_table(table),
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="portfolio_table",
    height=min(35 * (table.height + 1) + 3, 740),
    column_order=widgets.ACCOUNT_TABLE_COLUMNS,
    column_config=widgets.account_table_config(),
)
left, right = st.columns(2)
left.download_button(
    "Download the table (Excel)",
    downloads.excel({f"Top {n} accounts": table}),
    file_name=f"top-{n}-accounts-{as_of}.xlsx",
    icon=":material/download:",
    key="portfolio_export",
    on_click="ignore",
)
right.download_button(
    "Meeting deck (PowerPoint)",
    downloads.deck_download(as_of, rollup, n),
    file_name=f"top-{n}-accounts-{as_of}.pptx",
    icon=":material/slideshow:",
    key="portfolio_deck",
    on_click="ignore",
)

st.subheader("Account: health explained and one-page brief")
names = dict(zip(table["account_id"], table["account_name"], strict=True))
chosen_rows = event.selection.rows if event else []
default = table["account_id"][chosen_rows[0]] if chosen_rows else st.session_state.get("sam_account")
account = (
    st.selectbox(
        "Account",
        list(names),
        format_func=names.__getitem__,
        key="portfolio_account",
        index=list(names).index(default) if default in names else 0,
    )
    if names
    else None
)
if account:
    st.session_state["sam_account"] = account
    row = table.filter(pl.col("account_id") == account).row(0, named=True)
    text, chart = st.columns([1, 2])
    text.metric("Health", "–" if row["health"] is None else f"{row['health']:.0f} / 100")
    text.markdown(widgets.health_badge(row["health_band"]))
    text.caption("Parts without data for this account are left out and the other weights rescaled.")
    pdf, xlsx = text.columns(2)
    stem = f"brief-{account}-{as_of}"
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
