"""The questionnaire of the Self-assessment page, with its draft kept in the database."""

from __future__ import annotations

from datetime import date

import streamlit as st

from sam_core.access.permissions import User
from sam_core.metrics.maturity import (
    ALL_PRACTICES,
    PRACTICE_LEVELS,
    PRINCIPLE_ANSWERS,
    PRINCIPLES,
    PROVEN_8,
    WHOLE_PROGRAM,
    Assessment,
    load_assessment,
    load_draft,
    save_draft,
)

SCOPE, DAY, NOTES = "assess_scope", "assess_date", "assess_notes"


def principle_key(n: int) -> str:
    return f"assess_principle_{n}"


def practice_key(i: int) -> str:
    return f"assess_practice_{i}"


def evidence_key(i: int) -> str:
    return f"assess_evidence_{i}"


def fill(a: Assessment, *, assessed_on: date | None = None) -> None:
    """Put an assessment (a draft, or a copy of a submitted one) into the widgets."""
    st.session_state[SCOPE] = a.scope
    st.session_state[DAY] = assessed_on or a.assessed_on
    st.session_state[NOTES] = a.notes
    for n in range(1, 8):
        st.session_state[principle_key(n)] = a.principles.get(n)
    for i, key in enumerate(ALL_PRACTICES):
        st.session_state[practice_key(i)] = a.practices.get(key)
        st.session_state[evidence_key(i)] = a.evidence.get(key, "")


def current() -> Assessment:
    """The assessment as the widgets hold it now (possibly incomplete)."""
    return Assessment(
        st.session_state.get(SCOPE) or "",
        st.session_state.get(DAY),
        {n: st.session_state.get(principle_key(n)) for n in range(1, 8)},
        {key: st.session_state.get(practice_key(i)) for i, key in enumerate(ALL_PRACTICES)},
        st.session_state.get(NOTES) or "",
        {
            key: st.session_state.get(evidence_key(i))
            for i, key in enumerate(ALL_PRACTICES)
            if st.session_state.get(evidence_key(i))
        },
    )


def questionnaire(con, user: User, scopes: list[str], submitted: list[tuple[int, str]]) -> Assessment:
    """Draw the questionnaire; every change is saved as the user's draft. Returns it."""
    if not st.session_state.get("assess_loaded"):
        draft = load_draft(con, user=user)
        fill(draft or Assessment(WHOLE_PROGRAM, date.today(), {}, {}))
        st.session_state["assess_loaded"] = True
    if submitted:
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        source = left.selectbox(
            "Start from a submitted assessment",
            [i for i, _ in submitted],
            format_func=dict(submitted).get,
            key="assess_copy_from",
        )
        if right.button("Copy into the draft", key="assess_copy", icon=":material/content_copy:"):
            fill(load_assessment(con, source), assessed_on=date.today())
    left, right = st.columns(2)
    left.selectbox("Scope", scopes, key=SCOPE)
    right.date_input("Assessment date", key=DAY)
    st.markdown("**Seven guiding principles**")
    for n, text in enumerate(PRINCIPLES, start=1):
        st.radio(f"{n}. {text}", PRINCIPLE_ANSWERS, key=principle_key(n), horizontal=True, index=None)
    st.markdown("**The Proven 8** — 0 not in place, 1 ad hoc, 2 defined, 3 practised, 4 institutionalised")
    i = 0
    for area, practices in PROVEN_8:
        answered = sum(st.session_state.get(practice_key(i + j)) is not None for j in range(len(practices)))
        with st.expander(
            f"{area} ({answered} of {len(practices)} scored)", expanded=answered < len(practices)
        ):
            for practice in practices:
                st.radio(
                    practice,
                    list(range(5)),
                    key=practice_key(i),
                    horizontal=True,
                    index=None,
                    format_func=lambda v: f"{v} {PRACTICE_LEVELS[v]}",
                )
                st.text_input(
                    "Evidence",
                    key=evidence_key(i),
                    placeholder="What shows this level?",
                    label_visibility="collapsed",
                )
                i += 1
    st.text_area("Notes", key=NOTES)
    draft = current()
    if draft != st.session_state.get("assess_saved"):
        save_draft(con, draft, user=user)
        st.session_state["assess_saved"] = draft
    return draft
