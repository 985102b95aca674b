"""Loyalty: the voice of the customer from the program down to one comment, and the closed loop."""

from datetime import date

import polars as pl
import streamlit as st

from sam_core.access.permissions import can
from sam_core.errors import SamError
from sam_core.metrics.actions import add_action
from sam_core.metrics.loyalty import (
    account_loyalty,
    closed_loop,
    comments,
    loop_figures,
    question_scores,
    recurring_words_of_all,
    respondents,
    wave_trend,
    waves,
)
from sam_core.outputs import charts
from ui import data, downloads, session, widgets

widgets.header(
    "Loyalty",
    "Loyalty index and NPS by wave and account, down to question, respondent and comment; and the closed "
    "loop.",
)
user = session.guard("loyalty")
con, today = data.db(), date.today()
if done := st.session_state.pop("loyalty_added", None):
    st.success(done)

known = data.cached(waves)
if not known:
    st.info("No survey responses are loaded yet. Load a Surveys sheet on the Data upload page.")
    st.stop()
wave = st.selectbox("Survey wave", list(reversed(known)), key="loyalty_wave")
trend = data.cached(wave_trend)
now = trend.filter(pl.col("wave") == wave).row(0, named=True)
cols = st.columns(5)
cols[0].metric(
    "Loyalty index",
    f"{now['loyalty_index']:.0f}",
    help="0-100: mean over respondents of their scaled answers.",
)
cols[1].metric("NPS", f"{now['nps']:+.0f}", help="% promoters (9-10) minus % detractors (0-6).")
cols[2].metric("Respondents", now["respondents"])
cols[3].metric(
    "Key stakeholders who answered",
    widgets.percent(now["key_stakeholders_answered"]),
    help="Decision makers and influence 4+.",
)
cols[4].metric("Detractors", widgets.percent(now["detractors"]))

program, by_account, drill, notes, loop_tab = st.tabs(
    ["Program", "Accounts", "Drill-down", "Comments", "Closed loop"]
)
with program:
    left, right = st.columns([3, 2])
    data.chart(("loyalty trend",), lambda: charts.loyalty_trend_chart(trend), where=left)
    data.chart(("loyalty bands",), lambda: charts.band_chart(trend), where=right)
    share = {
        c: st.column_config.NumberColumn(c.replace("_", " "), format="percent")
        for c in ("promoters", "passives", "detractors", "key_stakeholders_answered")
    }
    st.dataframe(
        trend,
        hide_index=True,
        width="stretch",
        column_config={
            "loyalty_index": st.column_config.NumberColumn("loyalty index", format="%.1f"),
            "nps": st.column_config.NumberColumn("NPS", format="%+.0f"),
            **share,
        },
    )
with by_account:
    ranked = data.cached(account_loyalty, wave=wave)
    st.caption(
        "Lowest loyalty first. Flags: loyalty fell since the last wave, fewer than half the key "
        "stakeholders answered, "
        "thin (under 3 respondents)."
    )
    st.dataframe(ranked, hide_index=True, width="stretch", key="loyalty_accounts")
with drill:
    names = dict(zip(ranked["account_id"], ranked["account_name"], strict=True))
    wanted = st.session_state.get("sam_account")
    account = st.selectbox(
        "Account",
        list(names),
        format_func=widgets.labelled(names),
        key="loyalty_account",
        index=list(names).index(wanted) if wanted in names else 0,
    )
    questions = data.cached(question_scores, account_id=account, wave=wave)
    people = data.cached(respondents, account_id=account, wave=wave)
    st.markdown("**Questions** (thin: under 3 answers)")
    st.dataframe(questions, hide_index=True, width="stretch")
    st.markdown("**Respondents** (profile from the relationship map)")
    st.dataframe(people.drop("comment"), hide_index=True, width="stretch", key="loyalty_respondents")
    for row in people.filter(pl.col("comment").is_not_null()).iter_rows(named=True):
        with st.container(border=True):
            st.text(row["comment"])
            st.text(
                f"— {row['respondent']}, {row['title'] or ''} · recommend {row['recommend_score']} · "
                f"{row['survey_date']}"
            )
    st.download_button(
        "Download the drill-down (Excel)",
        downloads.excel({"Questions": questions, "Respondents": people}),
        f"loyalty-{account}-{wave}.xlsx",
        icon=":material/download:",
        key="loyalty_export",
        on_click="ignore",
    )
with notes:
    all_comments = data.cached(comments)
    f = st.columns([2, 1, 1, 1])
    text = f[0].text_input("Search", key="loyalty_search")
    bands = f[1].multiselect("Score band", ["promoter", "passive", "detractor"], key="loyalty_bands")
    in_waves = f[2].multiselect("Wave", known, key="loyalty_comment_waves")
    in_accounts = f[3].multiselect(
        "Account", sorted(all_comments["account_name"].drop_nulls().unique()), key="loyalty_comment_accounts"
    )
    shown = all_comments.filter(pl.col("comment").str.contains(text, literal=True) if text else pl.lit(True))
    for column, chosen in (("band", bands), ("wave", in_waves), ("account_name", in_accounts)):
        shown = shown.filter(pl.col(column).is_in(chosen)) if chosen else shown
    if shown.height > 1000:
        st.caption(f"The 1,000 most recent of {shown.height:,} comments; search or filter to narrow them.")
    st.dataframe(
        shown.head(1000),
        hide_index=True,
        width="stretch",
        column_config={"comment": st.column_config.TextColumn(width="large")},
    )
    words = data.cached(recurring_words_of_all)
    left, right = st.columns(2)
    left.markdown("**Recurring in detractor comments**")
    left.dataframe(words.filter(pl.col("band") == "detractor").drop("band"), hide_index=True)
    right.markdown("**Recurring in promoter comments**")
    right.dataframe(words.filter(pl.col("band") == "promoter").drop("band"), hide_index=True)
with loop_tab:
    loop = data.cached(closed_loop, as_of=today)
    figures = loop_figures(loop)
    c = st.columns(3)
    c[0].metric(
        "Low scores with an action",
        widgets.percent(figures["share_with_action"]),
        f"{figures['with_action']} of {figures['responses']}",
        delta_arrow="off",
        delta_color="off",
    )
    c[1].metric("Loop open", figures["responses"] - figures["with_action"])
    c[2].metric(
        "Median days, survey to action closed",
        "–" if figures["median_days_to_close"] is None else f"{figures['median_days_to_close']:.0f}",
    )
    if loop.height > 1000:
        st.caption(f"The first 1,000 of {loop.height:,} low-scoring responses (loop open first).")
    st.dataframe(loop.head(1000), hide_index=True, width="stretch", key="loyalty_loop")
    open_loops = loop.filter(pl.col("loop_open"))
    if can(user, "add_action") and not open_loops.is_empty():
        with st.form("loyalty_add_action", clear_on_submit=True):
            st.markdown("**Add an action for a response**")
            labels = {
                r["response_id"]: f"{r['response_id']} · {r['account_name']} · {r['respondent']} · score "
                f"{r['recommend_score']}"
                for r in open_loops.iter_rows(named=True)
            }
            response = st.selectbox(
                "Response", list(labels), format_func=labels.get, key="loyalty_action_response"
            )
            description = st.text_input("Action", key="loyalty_action_description")
            owner = st.text_input("Owner", value=user.name, key="loyalty_action_owner")
            due = st.date_input("Due", value=None, min_value=today, key="loyalty_action_due")
            if st.form_submit_button("Add the action"):
                try:
                    action_id = add_action(
                        con,
                        user=user,
                        response_id=response,
                        description=description,
                        owner=owner,
                        due=due,
                        today=today,
                    )
                    st.session_state["loyalty_added"] = f"Action {action_id} added for response {response}."
                    st.rerun()
                except SamError as exc:
                    st.error(widgets.plain(str(exc)))
