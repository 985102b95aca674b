"""Loyalty: the voice of the customer from the program down to one comment, and the closed loop."""

from datetime import date

import polars as pl
import streamlit as st

from sam_core.access.permissions import can
from sam_core.metrics.loyalty import (
    account_loyalty,
    closed_loop,
    comments,
    question_scores,
    recurring_words_of_all,
    respondents,
    search_comments,
    wave_trend,
    waves,
)
from sam_core.outputs import charts, formatting
from ui import data, downloads, session, widgets
from ui import loyalty as views

widgets.header(
    "Loyalty",
    "Loyalty index and NPS by wave and account, down to question, respondent and comment; and the closed "
    "loop.",
)
user = session.guard("loyalty")
today = date.today()

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
    formatting.number(now["loyalty_index"]),
    help="0-100: mean over respondents of their scaled answers.",
)
cols[1].metric("NPS", formatting.signed(now["nps"]), help="% promoters (9-10) minus % detractors (0-6).")
cols[2].metric("Respondents", formatting.count(now["respondents"]))
cols[3].metric(
    "Key stakeholders heard",
    formatting.percent(now["key_stakeholders_answered"]),
    help="Key stakeholders who answered: decision makers and people of influence 4+.",
)
cols[4].metric("Detractors", formatting.percent(now["detractors"]))

# Only the open tab runs (the tabs keep their state, also after a form's submit).
program, by_account, drill, notes, loop_tab = st.tabs(
    ["Program", "Accounts", "Drill-down", "Comments", "Closed loop"], key="loyalty_tab", on_change="rerun"
)
if program.open:
    with program:
        left, right = st.columns([3, 2])
        data.chart(("loyalty trend",), lambda: charts.loyalty_trend_chart(trend), where=left)
        data.chart(("loyalty bands",), lambda: charts.band_chart(trend), where=right)
        widgets.table(trend, labels={"loyalty_index": "Loyalty index"})
ranked = data.cached(account_loyalty, wave=wave)
if by_account.open:
    with by_account:
        st.caption(
            "Lowest loyalty first; thin accounts (under 3 respondents) after the others. Flags: loyalty fell "
            "since the last wave, fewer than half the key stakeholders answered, thin."
        )
        widgets.table(
            ranked,
            key="loyalty_accounts",
            pinned=("account_name",),
            order=[
                "account_name",
                "loyalty_index",
                "change",
                "nps",
                "nps_change",
                "respondents",
                "flags",
                "key_answered",
                "key_stakeholders",
            ],
            labels={"change": "Change since the last wave", "key_answered": "Key who answered"},
        )
if drill.open:
    with drill:
        names = dict(zip(ranked["account_id"], ranked["account_name"], strict=True))
        account = widgets.account_choice("Account", names, key="loyalty_account")
        questions = data.cached(question_scores, account_id=account, wave=wave)
        people = data.cached(respondents, account_id=account, wave=wave)
        st.markdown("**Questions** (thin: under 3 answers)")
        widgets.table(questions)
        st.markdown("**Respondents** (profile from the relationship map)")
        widgets.table(people.drop("comment"), key="loyalty_respondents")
        views.comment_cards(people)
        st.download_button(
            "Download the drill-down (Excel)",
            downloads.report({"Questions": questions, "Respondents": people}),
            f"loyalty-{account}-{wave}.xlsx",
            icon=":material/download:",
            key="loyalty_export",
            on_click="ignore",
        )
if notes.open:
    with notes:
        all_comments = data.cached(comments)
        f = st.columns([2, 1, 1, 1])
        shown = search_comments(
            all_comments,
            f[0].text_input("Search", key="loyalty_search", help="Any part of a word, in any case."),
            bands=f[1].multiselect("Score band", ["promoter", "passive", "detractor"], key="loyalty_bands"),
            waves=f[2].multiselect("Wave", known, key="loyalty_comment_waves"),
            accounts=f[3].multiselect(
                "Account",
                sorted(all_comments["account_name"].drop_nulls().unique()),
                key="loyalty_comment_accounts",
            ),
        )
        if shown.height > 1000:
            st.caption(
                f"The 1,000 most recent of {formatting.count_of(shown.height, 'comment')}; search or "
                "filter to narrow them."
            )
        widgets.table(
            shown.head(1000),
            key="loyalty_comments",
            config={"comment": st.column_config.TextColumn("Comment", width="large")},
        )
        words = data.cached(recurring_words_of_all)
        left, right = st.columns(2)
        left.markdown("**Recurring in detractor comments**")
        widgets.table(words.filter(pl.col("band") == "detractor").drop("band"), where=left, width="content")
        right.markdown("**Recurring in promoter comments**")
        widgets.table(words.filter(pl.col("band") == "promoter").drop("band"), where=right, width="content")
if widgets.drawn(loop_tab, can(user, "add_action")):
    with loop_tab:
        views.closed_loop_tab(user, data.cached(closed_loop, as_of=today), today)
