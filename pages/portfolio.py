"""Portfolio: how much depends on how few accounts, which are healthy, which are at risk and why."""

from datetime import date

import polars as pl
import streamlit as st

from sam_core.metrics.portfolio import ranked
from sam_core.outputs import charts, formatting
from sam_core.plans.plan import plan_status
from ui import attention, data, downloads, presentation, run, session, widgets
from ui import portfolio as views

today = date.today()
with st.container(key="portfolio_controls"):  # hidden in presentation mode (ui/presentation.py)
    widgets.header("Portfolio")
    user = session.guard("portfolio")
    month_col, n_col, middle, right = st.columns([1, 1, 2, 2], vertical_alignment="bottom")
    month = month_col.selectbox(
        "As of", views.recent_months(today), format_func=formatting.month, key="portfolio_as_of"
    )
    n = n_col.number_input("Top N accounts", min_value=1, max_value=100, value=20, step=1, key="portfolio_n")
    rollup = middle.toggle("Roll subsidiaries up into their parent", key="portfolio_rollup")
    present = right.toggle(
        "Presentation mode",
        key="portfolio_present",
        help="For the projector: one slide filling the screen (portfolio, each top account, decisions "
        "and asks); arrow keys or Page Up / Down to step, Esc to leave.",
    )
as_of = views.as_of_date(month, today)

overview = data.overview(as_of, rollup)
if overview.is_empty():
    st.info(
        "No financials are loaded yet. An account manager or admin can load a workbook on the Data upload "
        "page."
    )
    st.stop()
top = ranked(overview).head(n)
h = data.portfolio_headline(as_of, rollup, n)
currency = run.settings().currency
if present:
    presentation.show(data.portfolio_meeting(as_of, rollup, n), currency)
    st.stop()

c = h.concentration
views.data_through_note(h, currency, as_of)
views.headline(h, n, earlier_month=month < today.replace(day=1))
others = c.accounts - min(n, c.accounts)
st.markdown(
    f"**Top {n} = {formatting.percent(c.top_share)} of revenue; the other "
    f"{formatting.count_of(others, 'account')} = {formatting.percent(c.rest_share)}.**"
)
rules = ", ".join(
    f"{r['rule']} {formatting.percent(r['compliance'])}" for r in h.cadence_by_rule.iter_rows(named=True)
)
st.caption(
    f"Sponsor cadence, share of strategic accounts not overdue: {rules}; "
    f"{formatting.count_of(h.accounts_overdue, 'account')} overdue on some rule."
)
if c.flags:
    st.warning(
        "**Concentration risk**\n" + "\n".join(f"- {flag}" for flag in c.flags), icon=":material/warning:"
    )

st.subheader("Revenue concentration")
chart, tiers = st.columns([5, 2])
data.chart(
    ("pareto", as_of, rollup, n), lambda: charts.pareto_chart(overview, n, currency=currency), where=chart
)
tier_table = (
    ranked(overview).group_by("tier").agg(pl.len().alias("accounts"), pl.col("share").sum()).sort("tier")
)
widgets.table(tier_table, labels={"share": "Share of revenue"}, where=tiers, width="content")
tiers.caption("A: the accounts making the first 80% of revenue; B: the next 15%; C: the rest.")

views.trends(as_of, rollup, n, top["account_id"].to_list(), currency)  # reruns on its own

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
event = widgets.table(
    attention.with_health_columns(widgets.account_table(table), as_of),  # the kept health (issue 20)
    config={**widgets.account_table_config(), **attention.health_column_config()},
    order=attention.health_column_order(widgets.ACCOUNT_TABLE_COLUMNS),
    labels={**widgets.ACCOUNT_TABLE_LABELS, **attention.HEALTH_LABELS},
    helps={**widgets.ACCOUNT_TABLE_HELP, **attention.HEALTH_HELP},
    on_select="rerun",
    selection_mode="single-row",
    key="portfolio_table",
    height=min(35 * (table.height + 1) + 3, 740),
)
left, right = st.columns(2)
through = f"{h.data_through.month:%Y-%m}"
left.download_button(
    "Download the table (Excel)",
    downloads.money_excel(f"Top {n} accounts", table, as_of, h.data_through.month),
    file_name=f"top-{n}-accounts-through-{through}.xlsx",
    icon=":material/download:",
    key="portfolio_export",
    on_click="ignore",
)
right.download_button(
    "Meeting deck (PowerPoint)",
    downloads.deck_download(as_of, rollup, n),
    file_name=f"top-{n}-accounts-through-{through}.pptx",
    icon=":material/slideshow:",
    key="portfolio_deck",
    on_click="ignore",
)

attention.renewals_section(as_of)  # issue 20: renewals in the next 180 days

names = dict(zip(table["account_id"], table["account_name"], strict=True))
views.follow_row_click(event, table["account_id"].to_list(), names)
views.chosen_account(table, as_of, rollup, through)  # reruns on its own when another account is chosen
