"""The questionnaire of the Self-assessment page, with its draft kept in the database."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from sam_core.access.permissions import User
from sam_core.errors import SamError
from sam_core.metrics.maturity import (
    ALL_PRACTICES,
    PRACTICE_LEVELS,
    PRINCIPLE_ANSWERS,
    PRINCIPLES,
    PROVEN_8,
    WHOLE_PROGRAM,
    Assessment,
    assessment_frames,
    data_evidence,
    evidence_beside_scores,
    gaps_first,
    load_assessment,
    load_draft,
    save_assessment,
    save_draft,
    score,
)
from sam_core.outputs import charts, formatting
from ui import data, downloads, session, widgets

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


COPY_FROM, CONFIRM = "assess_copy_from", "assess_confirm_copy"
RESULT, COMPARE_A, COMPARE_B, TAB = "assess_result", "assess_compare_a", "assess_compare_b", "assess_tab"
QUESTIONNAIRE_KEYS = ("assess_loaded", "assess_saved", SCOPE, DAY, NOTES, COPY_FROM, CONFIRM)


def answer_count(a: Assessment) -> int:
    """How many principles and practices the assessment answers."""
    return sum(v is not None for v in a.practices.values()) + sum(
        v is not None for v in a.principles.values()
    )


def _copy(con, source: int) -> None:
    """Replace the draft with a copy of a submitted assessment, dated today (a callback)."""
    fill(load_assessment(con, source), assessed_on=date.today())
    st.session_state.pop(CONFIRM, None)


def _copy_clicked(con, source: int) -> None:
    """Copy at once into an empty draft; a draft with answers asks first."""
    if answer_count(current()):
        st.session_state[CONFIRM] = source
    else:
        _copy(con, source)


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
            key=COPY_FROM,
        )
        right.button(
            "Copy into the draft",
            key="assess_copy",
            icon=":material/content_copy:",
            on_click=_copy_clicked,
            args=(con, source),
        )
        if (pending := st.session_state.get(CONFIRM)) is not None:
            with st.container(border=True):
                st.warning(
                    f"Your draft has {formatting.count_of(answer_count(current()), 'answer')}. Copying "
                    f"{widgets.plain(dict(submitted).get(pending, pending))} replaces them all.",
                    icon=":material/warning:",
                )
                yes, no = st.columns(2)
                yes.button(
                    "Replace my draft",
                    key="assess_copy_confirm",
                    type="primary",
                    on_click=_copy,
                    args=(con, pending),
                )
                no.button(
                    "Keep my draft",
                    key="assess_copy_cancel",
                    on_click=st.session_state.pop,
                    args=(CONFIRM, None),
                )
    left, right = st.columns(2)
    left.selectbox("Scope", scopes, key=SCOPE)
    right.date_input("Assessment date", key=DAY, format=widgets.DATE_INPUT)
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


def earlier_of_scope(done: pl.DataFrame, scope: str, newer_than: int | None = None) -> int | None:
    """The newest submitted assessment of `scope` (`done`: newest first) other than `newer_than`
    and those before it in the list: what an assessment is compared with, never another
    business unit's."""
    ids = done.filter(pl.col("scope") == scope)["assessment_id"].to_list()
    if newer_than in ids:
        ids = ids[ids.index(newer_than) + 1 :]
    return ids[0] if ids else None


def compare_defaults(done: pl.DataFrame) -> None:
    """The comparison starts on the newest assessment and the one before it of the same scope
    (the newest itself when its scope has no earlier one), unless the user chose."""
    ids = done["assessment_id"].to_list()
    choose_default(COMPARE_B, ids, 0)
    if ids and st.session_state.get(COMPARE_A) not in ids:
        newest = st.session_state[COMPARE_B]
        scope = done.filter(pl.col("assessment_id") == newest)["scope"].item()
        st.session_state[COMPARE_A] = earlier_of_scope(done, scope, newest) or newest


def submit(con, user: User, draft: Assessment, done: pl.DataFrame) -> None:
    """The Submit button's callback: save the assessment, start an empty questionnaire from the
    (now deleted) draft, and show the new assessment's results: every selector of a submitted
    assessment is set to it (compared with the newest of its own scope before it, in `done`), so
    no label is left from the one chosen before."""
    try:
        new_id = save_assessment(con, draft, user=user)
    except SamError as exc:
        st.session_state["assess_error"] = str(exc)
        return
    state = st.session_state
    for key in [
        k for k in state if str(k).startswith(("assess_principle_", "assess_practice_", "assess_evidence_"))
    ]:
        del state[key]
    for key in QUESTIONNAIRE_KEYS:
        state.pop(key, None)
    state[RESULT] = state[COMPARE_B] = new_id
    before = done.filter(pl.col("assessed_on") <= draft.assessed_on)
    state[COMPARE_A] = earlier_of_scope(before, draft.scope) or new_id  # the newest of its scope before it
    state[TAB] = "Results"
    state["assess_done"] = f"Assessment {new_id} submitted."


def labels(done: pl.DataFrame) -> dict[int, str]:
    """Each submitted assessment's label: 'Whole program, 1 Jun 2026 (Developing, 55%)'."""
    return {
        r["assessment_id"]: f"{r['scope']}, {formatting.long_date(r['assessed_on'])} ({r['level']}, "
        f"{formatting.number(r['overall'])}%)"
        for r in done.iter_rows(named=True)
    }


def choose_default(key: str, ids: list[int], position: int) -> None:
    """A selector of submitted assessments starts on the one at `position` (newest first)
    unless it already holds one of them."""
    if ids and st.session_state.get(key) not in ids:
        st.session_state[key] = ids[min(position, len(ids) - 1)]


AREAS = [area for area, _ in PROVEN_8]


@st.fragment
def shown_assessment(labels: dict[int, str]) -> None:
    """The assessment chosen on the Results tab, its results and its download; choosing another
    reruns only this part of the page."""
    session.fragment_guard("self_assessment")
    chosen = st.selectbox("Assessment", list(labels), format_func=labels.get, key=RESULT)
    a = load_assessment(data.db(), chosen)
    results(a, data.cached(data_evidence, as_of=a.assessed_on, scope=a.scope))
    st.download_button(
        "Download the assessment (Excel)",
        downloads.excel(assessment_frames(a)),
        f"assessment-{chosen}.xlsx",
        icon=":material/download:",
        key="assess_export",
        on_click="ignore",
    )


def results(a: Assessment, evidence: pl.DataFrame) -> None:
    """Scores, level, principles, the radar, gaps first, and the data's evidence beside the
    coach's scores (the data as of the assessment's date)."""
    result = score(a)
    cols = st.columns(4)
    cols[0].metric("Overall maturity", f"{formatting.number(result.overall)}%")
    cols[1].metric("Level", result.level)
    cols[2].metric(
        "Principles met",
        f"{result.principles['yes']} of 7",
        f"{result.principles['partly']} partly",
        delta_color="off",
        delta_arrow="off",
    )
    # a business unit's name is too long for a metric's large figure: written as text, it wraps
    cols[3].caption("Scope")
    cols[3].markdown(f"**{widgets.plain(a.scope)}**")
    left, right = st.columns([1, 1])
    radar = pl.DataFrame(
        {"series": a.scope, "area": list(result.areas), "score": list(result.areas.values())}
    )
    left.altair_chart(charts.radar_chart(radar, axes=AREAS), width="content")
    # a list, not a narrow table: a practice's name is a sentence and wraps whole
    right.markdown(
        "**Gaps to work on first**\n\n"
        + "\n".join(
            f"- {widgets.plain(practice)} ({widgets.plain(area)}): {score} of 4"
            for area, practice, score in gaps_first(a)
        )
    )
    widgets.table(
        pl.DataFrame({"area": list(result.areas), "score": list(result.areas.values())}),
        where=right,
        labels={"score": "Score %"},
    )
    st.markdown(
        f"**Evidence from the data** as of {formatting.long_date(a.assessed_on)} (a difference of 2 levels "
        "or more is flagged)"
    )
    widgets.table(
        evidence_beside_scores(evidence, a),
        bars=("share",),
        labels={"suggests": "Suggests (0-4)", "coach": "Coach (0-4)", "check": "Check"},
        # a measure's text narrower, so that its figures stay in view
        config={"measure": st.column_config.TextColumn("Measure", width="medium")},
    )


def history(scores: pl.DataFrame) -> None:
    """Overall maturity over time per scope, and the latest assessment of each scope on one radar."""
    overall = (
        scores.group_by("assessment_id", "scope", "assessed_on")
        .agg(pl.col("score").mean().alias("overall"))
        .sort("assessed_on")
    )
    st.altair_chart(charts.maturity_history_chart(overall), width="stretch")
    latest = scores.join(
        overall.group_by("scope").agg(pl.col("assessment_id").last()), on=["scope", "assessment_id"]
    )
    st.markdown("**Business units compared (latest assessment of each)**")
    st.altair_chart(
        charts.radar_chart(latest.select(pl.col("scope").alias("series"), "area", "score"), axes=AREAS),
        width="content",
    )


def area_changes(a: Assessment, b: Assessment) -> pl.DataFrame:
    """Each area's score before and after in whole points (as the table shows them) and the
    change between the two as shown, so that after - before = change on the screen: 34 -> 72
    is '+38', never '+37.5'."""
    sa, sb = score(a), score(b)
    frame = pl.DataFrame(
        {"area": AREAS, "before": [sa.areas[x] for x in AREAS], "after": [sb.areas[x] for x in AREAS]}
    ).with_columns(pl.col("before", "after").round(formatting.SCORE_DIGITS["after"]))
    return frame.with_columns(
        pl.Series(
            "change",
            [formatting.change(d, digits=0) for d in (frame["after"] - frame["before"]).to_list()],
            dtype=pl.String,
        )
    )


def comparison(a: Assessment, b: Assessment) -> None:
    """Area scores before and after, and every practice whose score changed."""
    widgets.table(
        area_changes(a, b),
        labels={"before": "Before %", "after": "After %", "change": "Change (pts)"},
        config={"change": st.column_config.TextColumn("Change (pts)")},
    )
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
    st.markdown(f"**{formatting.count_of(len(changed), 'practice')} changed**")
    widgets.table(pl.DataFrame(changed, schema=["area", "practice", "before", "after"]))
