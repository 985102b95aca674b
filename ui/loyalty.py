"""Parts of the Loyalty page: the drill-down's comments and the closed loop, where an account
manager adds an action for a low score of her accounts and marks actions done."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from sam_core.access.permissions import User, can
from sam_core.errors import SamError
from sam_core.metrics.actions import add_action
from sam_core.metrics.loyalty import loop_figures
from sam_core.outputs import formatting
from sam_core.plans.edits import set_action_status
from ui import data, widgets

RESPONSE, DESCRIPTION, OWNER, DUE = (
    "loyalty_action_response",
    "loyalty_action_description",
    "loyalty_action_owner",
    "loyalty_action_due",
)
DONE_ACTION = "loyalty_done_action"
MESSAGE, ERROR = "loyalty_loop_message", "loyalty_loop_error"
OPEN_STATUSES = ("open", "in_progress")


def comment_cards(people: pl.DataFrame) -> None:
    """Each comment of the drill-down with who said it, their score and when."""
    for row in people.filter(pl.col("comment").is_not_null()).iter_rows(named=True):
        with st.container(border=True):
            st.text(row["comment"])
            who = ", ".join(x for x in (row["respondent"], row["title"]) if x) or "anonymous"
            st.text(
                f"— {who} · recommend {formatting.number(row['recommend_score'])} · "
                f"{formatting.long_date(row['survey_date'])}"
            )


def owned(user: User, loop: pl.DataFrame) -> pl.DataFrame:
    """The rows of the closed loop on accounts the user may add actions to (her own; an
    admin's: all)."""
    mine = [
        can(user, "add_action", account_id=a, account_manager=m)
        for a, m in zip(loop["account_id"], loop["account_manager"], strict=True)
    ]
    return loop.filter(pl.Series(mine, dtype=pl.Boolean))


def closed_loop_tab(user: User, loop: pl.DataFrame, today: date) -> None:
    """Figures, every low score with its action, and for managers and admins the forms."""
    figures = loop_figures(loop)
    c = st.columns(3)
    widgets.metric(
        c[0],
        "Low scores with an action",
        formatting.percent(figures["share_with_action"]),
        f"{formatting.count(figures['with_action'])} of {formatting.count(figures['responses'])}",
        delta_arrow="off",
        delta_color="off",
    )
    c[1].metric("Loop open", formatting.count(figures["responses"] - figures["with_action"]))
    c[2].metric("Median days, survey to action closed", formatting.number(figures["median_days_to_close"]))
    if loop.height > 1000:
        st.caption(
            f"The first 1,000 of {formatting.count(loop.height)} low-scoring responses (loop open first)."
        )
    widgets.table(
        loop.drop("account_id", "account_manager").head(1000),
        key="loyalty_loop",
        labels={"action_id": "Action", "description": "What", "wave": "Wave"},
        config={"comment": st.column_config.TextColumn("Comment", width="large")},
    )
    if not can(user, "add_action"):
        return
    if message := st.session_state.pop(MESSAGE, None):
        st.success(message)
    if error := st.session_state.pop(ERROR, None):
        st.error(widgets.plain(error))
    mine = owned(user, loop)
    left, right = st.columns(2)
    with left:
        add_action_form(user, mine.filter(pl.col("loop_open")), today)
    with right:
        mark_done_form(user, mine.filter(pl.col("status").is_in(OPEN_STATUSES)), today)


def add_action_form(user: User, open_loops: pl.DataFrame, today: date) -> None:
    """An action for a low score of one of the user's accounts; a refused one keeps what was typed."""
    st.markdown("**Add an action for a response**")
    if open_loops.is_empty():
        st.caption("Every low score of your accounts has an action.")
        return
    labels = {
        r["response_id"]: f"{r['account_name']} · {r['respondent'] or 'anonymous'} · recommend "
        f"{formatting.number(r['recommend_score'])} · {formatting.long_date(r['survey_date'])} "
        f"({r['response_id']})"
        for r in open_loops.iter_rows(named=True)
    }
    if st.session_state.get(RESPONSE) not in labels:
        st.session_state.pop(RESPONSE, None)
    st.session_state.setdefault(OWNER, user.name)
    with st.form("loyalty_add_action", clear_on_submit=False, border=True):
        st.selectbox("Response", list(labels), format_func=labels.get, key=RESPONSE)
        st.text_input("Action", key=DESCRIPTION)
        st.text_input("Owner", key=OWNER)
        st.date_input("Due", value=None, min_value=today, key=DUE, format=widgets.DATE_INPUT)
        st.form_submit_button("Add the action", on_click=_add_submitted, args=(user, today))


def _add_submitted(user: User, today: date) -> None:
    """The form's callback, before the run it causes: on success the description and due date
    are cleared; refused, everything typed stays and the reason is shown."""
    state = st.session_state
    response = state.get(RESPONSE)
    try:
        action_id = add_action(
            data.db(),
            user=user,
            response_id=response,
            description=state.get(DESCRIPTION) or "",
            owner=state.get(OWNER) or "",
            due=state.get(DUE),
            today=today,
        )
    except SamError as exc:
        state[ERROR] = str(exc)
        return
    data.data_changed()
    state[MESSAGE] = f"Action {action_id} added for response {response}."
    state[DESCRIPTION], state[DUE] = "", None


def mark_done_form(user: User, actions: pl.DataFrame, today: date) -> None:
    """Mark an open action of the user's accounts done (the account plan's action list, the
    same audited write as the Account plan page)."""
    st.markdown("**Mark an action done**")
    if actions.is_empty():
        st.caption("No open action on your accounts' low scores.")
        return
    labels = {
        r["action_id"]: f"{r['description']} · {r['account_name']} · {r['owner']} · due "
        f"{formatting.long_date(r['due'])} ({r['action_id']})"
        for r in actions.unique("action_id", keep="first", maintain_order=True).iter_rows(named=True)
    }
    statuses = dict(zip(actions["action_id"], actions["status"], strict=False))
    with st.container(border=True):
        chosen = st.selectbox("Action", list(labels), format_func=labels.get, key=DONE_ACTION)
        st.button(
            "Mark done",
            key="loyalty_mark_done",
            icon=":material/task_alt:",
            on_click=_done_clicked,
            args=(user, chosen, statuses.get(chosen), today),
        )


def _done_clicked(user: User, action_id: str, status: str, today: date) -> None:
    try:
        set_action_status(
            data.db(), user=user, action_id=action_id, status="done", expected_status=status, today=today
        )
    except SamError as exc:
        st.session_state[ERROR] = str(exc)
        return
    data.data_changed()
    st.session_state[MESSAGE] = f"Action {action_id} marked done on {formatting.long_date(today)}."
