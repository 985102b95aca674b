"""Sponsor cadence: are visits, reviews, QBRs and 90-day reviews happening as the policy demands."""

from datetime import date

import polars as pl
import streamlit as st

from sam_core.access.permissions import can
from sam_core.metrics.cadence import RULES, STATUS_ORDER
from sam_core.metrics.policy import cadence_policy
from sam_core.metrics.sponsors import (
    accounts_worst_first,
    cadence_matrix,
    due_lists,
    review_schedule,
    rule_compliance,
    schedule_ics,
    sponsor_rollup,
)
from sam_core.outputs import charts, formatting
from ui import cadence as views
from ui import data, downloads, session, widgets

widgets.header(
    "Sponsor cadence",
    "Executive visits, internal reviews, QBRs and 90-day reviews of strategic accounts against the policy.",
)
user = session.guard("sponsor_cadence")
con = data.db()

f = st.columns(5)
as_of = f[0].date_input(
    "As of",
    value=date.today(),
    key="cadence_as_of",
    format=widgets.DATE_INPUT,
    help="Review a past quarter by choosing its last day: what happened after it is not counted.",
)
accounts = data.overview(as_of, False).filter(pl.col("strategic"))
status = data.cadence(as_of)
if status.is_empty():
    st.info("No strategic accounts are loaded yet (Accounts.strategic = yes).")
    st.stop()
filters = {
    col: f[i + 1].multiselect(
        label, sorted(accounts[col].drop_nulls().unique().to_list()), key=f"cadence_filter_{col}"
    )
    for i, (col, label) in enumerate(
        [
            ("executive_sponsor", "Sponsor"),
            ("account_manager", "Account manager"),
            ("business_unit", "Business unit"),
            ("tier", "Tier"),
        ]
    )
}
chosen = accounts.filter(
    [pl.col(col).is_in(values) for col, values in filters.items() if values] or [pl.lit(True)]
)
names = chosen.select("account_id", "account_name", "executive_sponsor", "account_manager")
status = status.join(names, on="account_id")

per_rule = rule_compliance(status)
cols = st.columns(len(RULES) + 1)
for col, row in zip(cols, per_rule.iter_rows(named=True), strict=False):  # the last column is the total
    col.metric(
        row["rule"],
        formatting.percent(row["compliance"]),
        f"{formatting.count(row['accounts_overdue'])} overdue",
        delta_color="off",
        delta_arrow="off",
        help="Share of the strategic accounts shown that are not overdue on this rule.",
    )
cols[-1].metric(
    "Accounts overdue",
    formatting.count(status.filter(pl.col("status") == "overdue")["account_id"].n_unique()),
)
statuses = {r: widgets.status_column(r, widgets.CADENCE_STATUSES) for r in RULES}
policy = cadence_policy(con)

# Only the open tab runs; it stays open across the page's reruns.
tabs = st.tabs(
    ["By account", "Matrix", "Sponsors", "90-day schedule", "Overdue and due soon", "Policy"],
    key="cadence_tab",
    on_change="rerun",
)
if tabs[0].open:
    with tabs[0]:
        st.caption("Worst first: the most rules overdue, then the most due soon.")
        worst = accounts_worst_first(status)
        widgets.table(
            widgets.status_labels(worst, [r for r in RULES if r in worst.columns]).drop("account_id"),
            key="cadence_by_account",
            config=statuses,
            labels={"overdue": "Rules overdue", "due_soon": "Rules due soon"},
            pinned=("account_name",),
        )
        details = status.sort(
            pl.col("status").replace_strict(STATUS_ORDER, return_dtype=pl.Int8), "deadline", "account_name"
        )
        widgets.table(
            details.select("account_name", "rule", "status", "last", "deadline", "detail"),
            height=360,
            labels={"last": "Last"},
            config={
                # wide enough for '23 Jul 2026' whole at 1366 px
                "last": st.column_config.DateColumn("Last", format=widgets.DATE_FORMAT, width=100),
                "deadline": st.column_config.DateColumn("Deadline", format=widgets.DATE_FORMAT, width=100),
                "detail": st.column_config.TextColumn("Why", width="large"),
            },
        )
if tabs[1].open:
    with tabs[1]:
        st.caption(
            "R internal review, Q QBR, V executive or site visit, 9 90-day review; (planned); !missed "
            "(planned, never held). Colour: was an internal review held that month. As of a past date, "
            "what was held after it is not shown."
        )
        shown = names.sort("account_name").head(60)
        if names.height > 60:
            st.info(
                f"Showing 60 of {formatting.count_of(names.height, 'account')}; filter to see the others."
            )
        ids = shown["account_id"].to_list()
        data.chart(
            ("cadence matrix", as_of, tuple(ids)),
            lambda: charts.cadence_matrix_chart(
                cadence_matrix(con, as_of=as_of, account_ids=ids), as_of_month=as_of.replace(day=1)
            ),
        )
if tabs[2].open:
    with tabs[2]:
        widgets.table(
            sponsor_rollup(con, status, as_of=as_of),
            labels={"overdue": "Rules overdue"},
            bars=("compliance", *RULES, "qbr_attendance"),
            pinned=("sponsor",),
        )
if tabs[3].open:
    with tabs[3]:
        schedule = review_schedule(con, as_of=as_of, policy=policy).join(
            names.select("account_id"), on="account_id"
        )
        st.markdown(
            f"**{formatting.count_of(schedule['account_id'].n_unique(), 'account')}** lack planned 90-day "
            "reviews for the next 12 months; suggested dates follow the policy's gap from the last held or "
            "planned review, within the 12 months and on working days."
        )
        widgets.table(schedule)
        left, right = st.columns(2)
        left.download_button(
            "Calendar (.ics)",
            schedule_ics(schedule),
            f"90-day-reviews-{as_of}.ics",
            mime="text/calendar",
            icon=":material/calendar_month:",
            key="cadence_ics",
        )
        right.download_button(
            "Excel",
            downloads.report({"Suggested reviews": schedule}),
            f"90-day-reviews-{as_of}.xlsx",
            icon=":material/download:",
            key="cadence_schedule_xlsx",
            on_click="ignore",
        )
if tabs[4].open:
    with tabs[4]:
        overdue, soon = due_lists(status)
        st.markdown(f"**Overdue now ({formatting.count(overdue.height)})**")
        widgets.table(overdue.select("account_name", "executive_sponsor", "rule", "deadline", "detail"))
        st.markdown(f"**Due in the next {policy.due_soon_days} days ({formatting.count(soon.height)})**")
        widgets.table(soon.select("account_name", "executive_sponsor", "rule", "deadline", "detail"))
if widgets.drawn(tabs[5], can(user, "change_policy")):
    with tabs[5]:
        views.policy_tab(con, user, policy)
