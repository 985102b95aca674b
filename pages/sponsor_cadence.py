"""Sponsor cadence: are visits, reviews, QBRs and 90-day reviews happening as the policy demands."""

from dataclasses import asdict, fields
from datetime import date

import polars as pl
import streamlit as st

from sam_core.access.permissions import can
from sam_core.errors import SamError
from sam_core.metrics.cadence import RULES, CadencePolicy
from sam_core.metrics.policy import LABELS, cadence_policy, policy_history, save_cadence_policy
from sam_core.metrics.sponsors import (
    cadence_matrix,
    due_lists,
    review_schedule,
    rule_compliance,
    schedule_ics,
    sponsor_rollup,
)
from sam_core.outputs import charts
from ui import data, downloads, session, widgets

widgets.header(
    "Sponsor cadence",
    "Executive visits, internal reviews, QBRs and 90-day reviews of strategic accounts against the policy.",
)
user = session.guard("sponsor_cadence")
con = data.db()
if done := st.session_state.pop("cadence_saved", None):
    st.success(done)

as_of = st.date_input(
    "As of", value=date.today(), key="cadence_as_of", help="Review a past quarter by choosing its last day."
)
accounts = data.overview(as_of, False).filter(pl.col("strategic"))
status = data.cadence(as_of)
if status.is_empty():
    st.info("No strategic accounts are loaded yet (Accounts.strategic = yes).")
    st.stop()
f = st.columns(4)
filters = {
    col: f[i].multiselect(
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
        widgets.percent(row["compliance"]),
        f"{row['accounts_overdue']} overdue",
        delta_color="off",
        delta_arrow="off",
        help="Share of the strategic accounts shown that are not overdue on this rule.",
    )
cols[-1].metric(
    "Accounts overdue",
    status.filter(pl.col("status") == "overdue")["account_id"].n_unique(),
    delta_color="off",
)

tabs = st.tabs(["By account", "Matrix", "Sponsors", "90-day schedule", "Overdue and due soon", "Policy"])
with tabs[0]:
    wide = status.pivot(
        on="rule", index=["account_name", "executive_sponsor", "account_manager"], values="status"
    ).sort("account_name")
    rules = [r for r in RULES if r in wide.columns]
    st.dataframe(
        widgets.status_labels(wide, rules),
        hide_index=True,
        width="stretch",
        key="cadence_by_account",
        column_config={r: widgets.status_column(r, widgets.CADENCE_STATUSES) for r in rules},
    )
    st.dataframe(
        status.select("account_name", "rule", "status", "last", "deadline", "detail").sort(
            "account_name", "rule"
        ),
        hide_index=True,
        width="stretch",
        height=360,
        column_config={"detail": st.column_config.TextColumn(width="large")},
    )
with tabs[1]:
    st.caption(
        "R internal review, Q QBR, V executive or site visit, 9 90-day review; (planned); !missed "
        "(planned, never held). "
        "Colour: was an internal review held that month."
    )
    shown = names.sort("account_name").head(60)
    if names.height > 60:
        st.info(f"Showing 60 of {names.height} accounts; filter to see the others.")
    ids = shown["account_id"].to_list()
    data.chart(
        ("cadence matrix", as_of, tuple(ids)),
        lambda: charts.cadence_matrix_chart(
            cadence_matrix(con, as_of=as_of, account_ids=ids), as_of_month=as_of.replace(day=1)
        ),
    )
with tabs[2]:
    st.dataframe(
        sponsor_rollup(con, status, as_of=as_of),
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.ProgressColumn(c, format="percent", min_value=0, max_value=1)
            for c in ("compliance", *RULES, "qbr_attendance")
        },
    )
with tabs[3]:
    schedule = review_schedule(con, as_of=as_of, policy=cadence_policy(con)).join(
        names.select("account_id"), on="account_id"
    )
    st.markdown(
        f"**{schedule['account_id'].n_unique()} accounts** lack planned 90-day reviews for the next 12 "
        "months; "
        "suggested dates follow the policy's gap from the last held or planned review."
    )
    st.dataframe(schedule, hide_index=True, width="stretch")
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
        downloads.excel({"Suggested reviews": schedule}),
        f"90-day-reviews-{as_of}.xlsx",
        icon=":material/download:",
        key="cadence_schedule_xlsx",
        on_click="ignore",
    )
with tabs[4]:
    overdue, soon = due_lists(status)
    st.markdown(f"**Overdue now ({overdue.height})**")
    st.dataframe(
        overdue.select("account_name", "executive_sponsor", "rule", "deadline", "detail"),
        hide_index=True,
        width="stretch",
    )
    st.markdown(f"**Due in the next {cadence_policy(con).due_soon_days} days ({soon.height})**")
    st.dataframe(
        soon.select("account_name", "executive_sponsor", "rule", "deadline", "detail"),
        hide_index=True,
        width="stretch",
    )
with tabs[5]:
    policy = cadence_policy(con)
    editable = can(user, "change_policy")
    with st.form("cadence_policy_form"):
        values = {
            fl.name: st.number_input(
                LABELS[fl.name],
                value=getattr(policy, fl.name),
                step=1,
                disabled=not editable,
                key=f"cadence_policy_{fl.name}",
            )
            for fl in fields(CadencePolicy)
        }
        if st.form_submit_button("Save the policy", disabled=not editable):
            try:
                save_cadence_policy(con, CadencePolicy(**{k: int(v) for k, v in values.items()}), user=user)
                st.session_state["cadence_saved"] = "Policy saved; every page now uses it."
                st.rerun()
            except SamError as exc:
                st.error(widgets.plain(str(exc)))
    if not editable:
        st.caption("Only an admin can change the policy.")
    if asdict(policy) != asdict(CadencePolicy()):
        st.caption(
            "Defaults (SPEC): " + ", ".join(f"{LABELS[k]}: {v}" for k, v in asdict(CadencePolicy()).items())
        )
    st.dataframe(policy_history(con), hide_index=True, width="stretch")
