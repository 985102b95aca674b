"""Account plan: the living single reference document of one strategic account, kept in the
app, reviewed section by section, never stale."""

from datetime import date

import polars as pl
import streamlit as st

from sam_core.access.permissions import can
from sam_core.plans import plan as plans
from ui import data, run, session, widgets
from ui import plan as views
from ui import plan_tabs as tabs

widgets.header(
    "Account plan",
    "The single reference document of each strategic account: kept here, reviewed section by section, with "
    "every change kept.",
)
user = session.guard("account_plan")
settings, today = run.settings(), date.today()

accounts = data.cached(plans.plan_accounts)
if accounts.is_empty():
    st.info("No strategic account is loaded yet. Load an Accounts sheet on the Data upload page.")
    st.stop()
names = dict(zip(accounts["account_id"], accounts["account_name"], strict=True))
if st.session_state.get("plan_account") not in names:
    own = [a for a, m in accounts.select("account_id", "account_manager").iter_rows() if user.owns(a, m)]
    wanted = st.session_state.get("sam_account")
    st.session_state["plan_account"] = wanted if wanted in names else (own or list(names))[0]
account_id = st.selectbox("Account", list(names), format_func=widgets.labelled(names), key="plan_account")
st.session_state["sam_account"] = account_id

plan = data.cached(plans.account_plan, account_id=account_id, at=None, today=today)
account = plan.account
editable = can(user, "edit_plan", account_id=account_id, account_manager=account["account_manager"])
reviews = data.cached(
    plans.section_reviews, account_id=account_id, as_of=today, review_days=settings.plan_review_days
)
status = data.cached(plans.plan_status, as_of=today, review_days=settings.plan_review_days).filter(
    pl.col("account_id") == account_id
)
reason = status["reason"][0] if status.height else None
who = (
    f"Account manager {widgets.plain(account['account_manager'])} · executive sponsor "
    f"{widgets.plain(account['executive_sponsor'] or 'none')}"
)
if reason:
    st.warning(f"**Stale plan**: {widgets.plain(reason)}. {who}.", icon=":material/schedule:")
else:
    st.success(
        f"Reviewed: every section since {widgets.long_date(status['reviewed_on'][0])}. {who}.",
        icon=":material/task_alt:",
    )
if not editable:
    st.caption("Read only: the account's manager and admins edit the plan.")
views.messages()

# Only the open tab runs, and a tab where the user edits (widgets.drawn): what they typed and did
# not save yet survives a look at another tab. The open tab stays open when the account changes.
plan_tab, data_tab, people_tab, history_tab, outputs_tab = st.tabs(
    ["Plan", "From the data", "People and meetings", "History", "Outputs"], key="plan_tab", on_change="rerun"
)
edits_people = any(
    can(user, action, account_id=account_id, account_manager=account["account_manager"])
    for action in ("edit_stakeholder", "record_engagement")
)
if widgets.drawn(plan_tab, editable):
    with plan_tab:
        opportunities = data.cached(plans.open_opportunities, account_id=account_id)
        views.plan_sections(
            user,
            plan,
            reviews,
            editable=editable,
            today=today,
            offerings=settings.offerings,
            opportunities=dict(opportunities.iter_rows()),
            stakeholders=dict(data.cached(plans.executives, account_id=account_id).iter_rows()),
        )
if data_tab.open:
    with data_tab:
        tabs.from_the_data(data.account_plan_facts(account_id, today), account_id)
if widgets.drawn(people_tab, edits_people):
    with people_tab:
        tabs.people_and_meetings(user, account, today=today)
if history_tab.open:
    with history_tab:
        tabs.history(account_id, today=today, offerings=settings.offerings)
if widgets.drawn(outputs_tab, can(user, "load_plans")):
    with outputs_tab:
        tabs.outputs(
            user, account, today=today, currency=settings.currency, review_days=settings.plan_review_days
        )
