"""Self-assessment: the program against the seven principles and the Proven 8, per business unit."""

from datetime import date

import polars as pl
import streamlit as st

from sam_core.access.permissions import can
from sam_core.errors import SamError
from sam_core.ingest.reader import read_file
from sam_core.metrics.maturity import (
    ALL_PRACTICES,
    PRACTICE_LEVELS,
    PROVEN_8,
    WHOLE_PROGRAM,
    area_scores,
    assessment_frames,
    assessment_from_sheets,
    assessments,
    evidence_beside_scores,
    gaps_first,
    load_assessment,
    save_assessment,
    score,
)
from sam_core.outputs import charts
from ui import assessment as views
from ui import data, downloads, session, widgets

widgets.header(
    "Self-assessment", "The program scored against best-in-class practice, per business unit, over time."
)
user = session.guard("self_assessment")
con = data.db()
if done := st.session_state.pop("assess_done", None):
    st.success(done)
may_edit = can(user, "submit_assessment")
scopes = [
    WHOLE_PROGRAM,
    *sorted(data.overview(date.today(), False)["business_unit"].drop_nulls().unique().to_list()),
]
done_list = assessments(con)
labels = {
    r["assessment_id"]: f"{r['scope']}, {r['assessed_on']} ({r['level']}, {r['overall']:.0f}%)"
    for r in done_list.iter_rows(named=True)
}
tabs = st.tabs((["Questionnaire"] if may_edit else []) + ["Results", "History and comparison"])

if may_edit:
    with tabs[0]:
        draft = views.questionnaire(con, user, scopes, list(labels.items()))
        answered = sum(v is not None for v in draft.practices.values()) + sum(
            v is not None for v in draft.principles.values()
        )
        st.progress(
            answered / (len(ALL_PRACTICES) + 7),
            text=f"{answered} of {len(ALL_PRACTICES) + 7} answered; the draft is saved as you go.",
        )
        if st.button(
            "Submit the assessment", type="primary", disabled=not draft.complete, key="assess_submit"
        ):
            try:
                new_id = save_assessment(con, draft, user=user)
                for key in [k for k in st.session_state if str(k).startswith("assess_")]:
                    del st.session_state[key]
                st.session_state["assess_done"] = f"Assessment {new_id} submitted."
                st.rerun()
            except SamError as exc:
                st.error(widgets.plain(str(exc)))

with tabs[-2]:
    if done_list.is_empty():
        st.info("No assessment has been submitted yet.")
    else:
        chosen = st.selectbox("Assessment", list(labels), format_func=labels.get, key="assess_result")
        a = load_assessment(con, chosen)
        result = score(a)
        cols = st.columns(4)
        cols[0].metric("Overall maturity", f"{result.overall:.0f}%")
        cols[1].metric("Level", result.level)
        cols[2].metric(
            "Principles met",
            f"{result.principles['yes']} of 7",
            f"{result.principles['partly']} partly",
            delta_color="off",
            delta_arrow="off",
        )
        cols[3].metric("Scope", widgets.plain(a.scope))
        left, right = st.columns([1, 1])
        radar = pl.DataFrame(
            {"series": a.scope, "area": list(result.areas), "score": list(result.areas.values())}
        )
        left.altair_chart(charts.radar_chart(radar), width="content")
        right.markdown("**Gaps to work on first**")
        right.dataframe(
            pl.DataFrame(gaps_first(a), schema=["area", "practice", "score"], orient="row"), hide_index=True
        )
        right.dataframe(
            pl.DataFrame({"area": list(result.areas), "score %": list(result.areas.values())}),
            hide_index=True,
        )
        st.markdown("**Evidence from the data** (a difference of 2 levels or more is flagged)")
        st.dataframe(
            evidence_beside_scores(con, a),
            hide_index=True,
            width="stretch",
            column_config={
                "share": st.column_config.ProgressColumn("share", format="percent", min_value=0, max_value=1)
            },
        )
        st.download_button(
            "Download the assessment (Excel)",
            downloads.excel(assessment_frames(a)),
            f"assessment-{chosen}.xlsx",
            icon=":material/download:",
            key="assess_export",
            on_click="ignore",
        )
    if may_edit:
        upload = st.file_uploader(
            "Import an assessment (the Excel format above)", type=["xlsx"], key="assess_import"
        )
        if upload is not None and st.button("Import it", key="assess_import_go"):
            try:
                new_id = save_assessment(
                    con, assessment_from_sheets(read_file(upload.name, upload.getvalue())), user=user
                )
                st.session_state["assess_done"] = f"Imported as assessment {new_id}."
                st.rerun()
            except SamError as exc:
                st.error(widgets.plain(str(exc)))

with tabs[-1]:
    history = area_scores(con)
    if history.is_empty():
        st.info("No assessment has been submitted yet.")
    else:
        overall = (
            history.group_by("assessment_id", "scope", "assessed_on")
            .agg(pl.col("score").mean().alias("overall"))
            .sort("assessed_on")
        )
        st.altair_chart(charts.maturity_history_chart(overall), width="stretch")
        latest = history.join(
            overall.group_by("scope").agg(pl.col("assessment_id").last()), on=["scope", "assessment_id"]
        )
        st.markdown("**Business units compared (latest assessment of each)**")
        st.altair_chart(
            charts.radar_chart(latest.select(pl.col("scope").alias("series"), "area", "score")),
            width="content",
        )
        left, right = st.columns(2)
        first = left.selectbox(
            "Compare",
            list(labels),
            format_func=labels.get,
            index=min(1, len(labels) - 1),
            key="assess_compare_a",
        )
        second = right.selectbox("with", list(labels), format_func=labels.get, key="assess_compare_b")
        a, b = load_assessment(con, first), load_assessment(con, second)
        changed = [
            {
                "area": k[0],
                "practice": k[1],
                "before": PRACTICE_LEVELS[a.practices[k]],
                "after": PRACTICE_LEVELS[b.practices[k]],
            }
            for k in ALL_PRACTICES
            if a.practices[k] != b.practices[k]
        ]
        sa, sb = score(a), score(b)
        st.dataframe(
            pl.DataFrame(
                {
                    "area": [x for x, _ in PROVEN_8],
                    "before %": [sa.areas[x] for x, _ in PROVEN_8],
                    "after %": [sb.areas[x] for x, _ in PROVEN_8],
                }
            ).with_columns((pl.col("after %") - pl.col("before %")).alias("change")),
            hide_index=True,
            width="stretch",
        )
        st.markdown(f"**{len(changed)} practices changed**")
        st.dataframe(
            pl.DataFrame(changed, schema=["area", "practice", "before", "after"]),
            hide_index=True,
            width="stretch",
        )
