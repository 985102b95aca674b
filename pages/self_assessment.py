"""Self-assessment: the program against the seven principles and the Proven 8, per business unit."""

from datetime import date

import streamlit as st

from sam_core.access.permissions import can
from sam_core.errors import SamError
from sam_core.ingest.reader import read_file
from sam_core.metrics.maturity import (
    ALL_PRACTICES,
    WHOLE_PROGRAM,
    area_scores,
    assessment_from_sheets,
    assessments,
    load_assessment,
    save_assessment,
)
from ui import assessment as views
from ui import data, session, widgets

widgets.header(
    "Self-assessment", "The program scored against best-in-class practice, per business unit, over time."
)
user = session.guard("self_assessment")
con = data.db()
may_edit = can(user, "submit_assessment")
done_list = assessments(con)
labels = views.labels(done_list)
names = (["Questionnaire"] if may_edit else []) + ["Results", "History and comparison"]
# Only the open tab runs; it stays open across reruns (Submit opens the new assessment's Results).
tabs = dict(zip(names, st.tabs(names, key=views.TAB, on_change="rerun"), strict=True))
if done := st.session_state.pop("assess_done", None):
    st.success(done)
if error := st.session_state.pop("assess_error", None):
    st.error(widgets.plain(error))

if may_edit and tabs["Questionnaire"].open:
    with tabs["Questionnaire"]:
        scopes = [
            WHOLE_PROGRAM,
            *sorted(data.overview(date.today(), False)["business_unit"].drop_nulls().unique().to_list()),
        ]
        draft = views.questionnaire(con, user, scopes, list(labels.items()))
        answered, total = views.answer_count(draft), len(ALL_PRACTICES) + 7
        st.progress(answered / total, text=f"{answered} of {total} answered; the draft is saved as you go.")
        st.button(
            "Submit the assessment",
            type="primary",
            disabled=not draft.complete,
            key="assess_submit",
            on_click=views.submit,
            args=(con, user, draft, done_list),
        )

if tabs["Results"].open:
    with tabs["Results"]:
        if done_list.is_empty():
            st.info("No assessment has been submitted yet.")
        else:
            views.choose_default(views.RESULT, list(labels), 0)
            views.shown_assessment(labels)  # reruns on its own when another assessment is chosen
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

if tabs["History and comparison"].open:
    with tabs["History and comparison"]:
        history = area_scores(con)
        if history.is_empty():
            st.info("No assessment has been submitted yet.")
        else:
            views.history(history)
            left, right = st.columns(2)
            views.compare_defaults(done_list)  # an assessment against the one before it of its own scope
            first = left.selectbox("Compare", list(labels), format_func=labels.get, key=views.COMPARE_A)
            second = right.selectbox("with", list(labels), format_func=labels.get, key=views.COMPARE_B)
            views.comparison(load_assessment(con, first), load_assessment(con, second))
