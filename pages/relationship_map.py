"""Relationship map: the buying organisation against our team, and where the account is exposed."""

from datetime import date

import polars as pl
import streamlit as st

from sam_core.metrics.relationship_map import (
    account_gaps,
    account_map,
    penetration,
    planning_roles,
    reporting_loops,
    stakeholder_coverage,
    team_waves,
)
from sam_core.outputs import charts, formatting
from ui import data, downloads, session, widgets
from ui import relationship as views

widgets.header(
    "Relationship map",
    "Who is who at the customer, who on our side knows them and how well, and where the account is exposed.",
)
user = session.guard("relationship_map")
as_of = date.today()

accounts = data.relationship_accounts(as_of)
if accounts.is_empty():
    st.info(
        "No stakeholders are loaded yet. Load a Stakeholders, Team and Relationships sheet on the Data "
        "upload page."
    )
    st.stop()
names = dict(zip(accounts["account_id"], accounts["account_name"], strict=True))
with st.expander(
    f"All {formatting.count_of(len(names), 'account')} with a relationship map, most gaps first; click one"
):
    event = widgets.table(
        accounts.drop("account_id"),
        on_select="rerun",
        selection_mode="single-row",
        key="relationship_table",
        bars=("coverage",),
        pinned=("account_name",),
        labels={"gaps": "Gaps", "stale": "Stale"},
    )
    picked = accounts["account_id"][event.selection.rows[0]] if event.selection.rows else None
    if picked and st.session_state.get("relationship_picked") != picked:
        st.session_state["relationship_picked"] = st.session_state["relationship_account"] = picked
if st.session_state.get("relationship_account") not in names:
    wanted = st.session_state.get("sam_account")
    if wanted and wanted not in names:
        st.info(
            f"No stakeholders are recorded for account {widgets.plain(wanted)}: it has no relationship map "
            "yet. "
            "Load its Stakeholders, Team and Relationships sheets on the Data upload page."
        )
    st.session_state["relationship_account"] = wanted if wanted in names else next(iter(names))
account = st.selectbox(
    "Account", list(names), format_func=widgets.labelled(names), key="relationship_account"
)
st.session_state["sam_account"] = account

m = data.cached(account_map, account_id=account)
if m.stakeholders.is_empty():
    st.info(
        f"No stakeholders are recorded for {widgets.plain(m.account_name)}. Load its Stakeholders sheet to "
        "see the map."
    )
    st.stop()
if loops := reporting_loops(m.stakeholders):
    names_in_loop = widgets.plain(
        ", ".join(m.stakeholders.filter(pl.col("stakeholder_id").is_in(list(loops)))["name"].to_list())
    )
    st.warning(
        f"The reporting lines of {names_in_loop} form a loop (each reports, in the end, to themselves); "
        "those lines are left out of the map. Fix reports_to in the Stakeholders sheet."
    )

row = accounts.filter(pl.col("account_id") == account).row(0, named=True)
reach = penetration(m)
cols = st.columns(5)
cols[0].metric(
    "Relationship coverage",
    widgets.percent(row["coverage"]),
    help="Decision makers and influence-4+ stakeholders with a relationship of strength 3+.",
)
cols[1].metric("Single-threaded", "yes" if row["single_threaded"] else "no")
cols[2].metric(
    "Executive alignment",
    "yes" if row["executive_aligned"] else "no",
    help="The sponsor has a relationship with a customer executive.",
)
cols[3].metric("Departments reached", f"{reach['departments_reached']} of {reach['departments']}")
cols[4].metric("Levels reached", f"{reach['levels_reached']} of {reach['levels']}")

found = account_gaps(m, as_of=as_of)
# Only the open tab runs; it stays open when the account or the focus changes.
map_tab, gaps_tab, team_tab, grid_tab, people_tab = st.tabs(
    ["Map", "Gaps and risks", "Team and planning roles", "Power and attitude", "Stakeholders"],
    key="relationship_tab",
    on_change="rerun",
)
if map_tab.open:
    with map_tab:
        views.focused_map(m)  # reruns on its own when the focus or the size changes
if gaps_tab.open:
    with gaps_tab:
        if found.is_empty():
            st.success("No gaps found.")
        else:
            st.markdown(f"**{views.gaps_heading(found.height)}**")
            widgets.table(found, config={"reason": st.column_config.TextColumn("Reason", width="large")})
if team_tab.open:
    with team_tab:
        left, right = st.columns(2)
        left.markdown("**The stone and its waves**")
        widgets.table(team_waves(m).drop("wave"), where=left, labels={"label": "Wave", "names": "Who"})
        roles = planning_roles(m)
        right.markdown("**Planning roles**")
        widgets.table(roles.drop("empty"), where=right)
        if roles["empty"].any():
            right.warning(
                "Nobody plays: "
                + ", ".join(formatting.value_label(r) for r in roles.filter(pl.col("empty"))["role"])
                + "."
            )
if grid_tab.open:
    with grid_tab:
        data.chart(("power grid", account), lambda: charts.power_grid(m.stakeholders))
if people_tab.open:
    with people_tab:
        coverage = stakeholder_coverage(m)
        widgets.table(
            coverage.drop("stakeholder_id"), pinned=("name",), labels={"relationships": "Who knows them"}
        )
        st.download_button(
            "Download stakeholders with coverage (Excel)",
            downloads.report({"Stakeholders": coverage}),
            file_name=f"stakeholders-{account}.xlsx",
            icon=":material/download:",
            key="relationship_export",
            on_click="ignore",
        )
