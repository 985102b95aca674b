"""The Self-assessment page: drafts kept across sessions, results, roles."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from sam_core.access.permissions import User
from sam_core.metrics.maturity import ALL_PRACTICES, PROVEN_8, WHOLE_PROGRAM, Assessment, save_assessment
from sam_core.outputs.formatting import plain
from sam_core.store import connect


def test_a_coachs_answers_are_restored_in_a_new_session(app_as):
    first = app_as("coach", "pages/self_assessment.py")
    first.radio(key="assess_principle_2").set_value("partly").run()
    first.radio(key="assess_practice_5").set_value(3).run()
    again = app_as("coach", "pages/self_assessment.py")  # a refresh or a dropped connection: a new session
    assert again.radio(key="assess_principle_2").value == "partly"
    assert again.radio(key="assess_practice_5").value == 3


def test_submit_is_disabled_until_every_answer_is_given(app_as):
    at = app_as("admin", "pages/self_assessment.py")
    assert at.button(key="assess_submit").disabled


def test_copying_a_submitted_assessment_completes_the_draft_and_it_can_be_submitted(app_as):
    at = app_as("admin", "pages/self_assessment.py")
    at.button(key="assess_copy").click().run()
    assert not at.button(key="assess_submit").disabled
    at.button(key="assess_submit").click().run()
    assert at.success[0].value.startswith("Assessment ") and at.success[0].value.endswith(" submitted.")


def test_executives_see_results_but_no_questionnaire(app_as):
    at = app_as("executive", "pages/self_assessment.py")
    assert [t.label for t in at.tabs] == ["Results", "History and comparison"]
    assert {m.label for m in at.metric} >= {"Overall maturity", "Level"}
    assert not at.radio


@pytest.fixture
def assessed(hand_worked_db, tmp_path, monkeypatch, app_as):
    """The hand-worked program with one assessment: Infrastructure all 4 (100%), Process all 2
    (50%), the six other areas all 1 (25%); principles 1-3 yes, 4 partly, 5-7 no."""
    path = tmp_path / "assessed.duckdb"
    shutil.copy(hand_worked_db, path)
    con = connect(path)
    practices = {
        key: 4 if key[0] == PROVEN_8[0][0] else 2 if key[0] == PROVEN_8[1][0] else 1 for key in ALL_PRACTICES
    }
    principles = {n: "yes" if n <= 3 else "partly" if n == 4 else "no" for n in range(1, 8)}
    save_assessment(
        con,
        Assessment(WHOLE_PROGRAM, date(2026, 6, 1), principles, practices),
        user=User("c", "Coach", "coach"),
    )
    con.close()
    monkeypatch.setenv("SAM_DB_PATH", str(path))
    return app_as


def test_results_match_the_hand_worked_scores(assessed):
    # overall = (100 + 50 + 6 x 25) / 8 = 37.5% -> Emerging (under 40%)
    at = assessed("executive", "pages/self_assessment.py")
    shown = {m.label: (m.value, m.delta) for m in at.metric}
    assert shown["Overall maturity"] == ("38%", "")
    assert shown["Level"] == ("Emerging", "")
    assert shown["Principles met"] == ("3 of 7", "1 partly")


def test_after_submit_every_selector_shows_the_new_assessment(own_copy, app_as):
    at = app_as("admin", "pages/self_assessment.py")
    earlier = at.selectbox(key="assess_copy_from").options  # the labels of those submitted before
    at.button(key="assess_copy").click().run()
    at.radio(key="assess_practice_0").set_value(0).run()  # differs from the copy: its own figures
    at.button(key="assess_submit").click().run()
    new_id = int(at.success[0].value.split()[1])
    assert at.session_state["assess_tab"] == "Results"  # the new assessment's results are shown
    result = at.selectbox(key="assess_result")
    assert result.value == new_id and result.value not in earlier
    assert f"{date.today().day} {date.today():%b %Y}" in result.format_func(result.value)
    at.session_state["assess_tab"] = "History and comparison"
    at.run()
    assert at.selectbox(key="assess_compare_b").value == new_id
    assert at.selectbox(key="assess_compare_a").value != new_id  # compared with the newest before it


def test_copy_into_a_draft_with_answers_asks_first(own_copy, app_as):
    at = app_as("coach", "pages/self_assessment.py")
    at.radio(key="assess_principle_1").set_value("no").run()
    at.button(key="assess_copy").click().run()
    assert at.warning[0].value.startswith("Your draft has 1 answer. Copying ")
    assert at.radio(key="assess_principle_1").value == "no"  # nothing replaced yet
    at.button(key="assess_copy_cancel").click().run()
    assert not at.warning and at.radio(key="assess_principle_1").value == "no"
    at.button(key="assess_copy").click().run()
    at.button(key="assess_copy_confirm").click().run()
    assert not at.warning
    assert sum(r.value is not None for r in at.radio) == 49  # the copy: every answer


def test_an_empty_draft_is_filled_at_once(own_copy, app_as):
    at = app_as("coach", "pages/self_assessment.py")
    at.button(key="assess_copy").click().run()
    assert not at.warning
    assert sum(r.value is not None for r in at.radio) == 49


def test_the_comparison_starts_on_one_business_unit_before_and_after(app_as):
    # the demo's newest two are Industrial Solutions and Healthcare: they were compared as if one had
    # become the other ('37 practices changed'); the newest is compared with its own unit's earlier one
    at = app_as("executive", "pages/self_assessment.py")
    at.session_state["assess_tab"] = "History and comparison"
    at.run()
    first, second = at.selectbox(key="assess_compare_a"), at.selectbox(key="assess_compare_b")
    assert first.value != second.value
    scope = [box.format_func(box.value).split(",")[0] for box in (first, second)]
    assert scope == ["Industrial Solutions", "Industrial Solutions"]


def test_the_gaps_to_work_on_first_are_whole_sentences(assessed):
    # a narrow table cut them ('External business reviews with collaborative action plannin…'); Emerging:
    # the four lowest practices (all scored 1), in questionnaire order: the three of the third area
    # (Methodology) and the first of the fourth
    at = assessed("executive", "pages/self_assessment.py")
    gaps = next(m.value for m in at.markdown if m.value.startswith("**Gaps to work on first**"))
    lowest = [(PROVEN_8[2][0], p) for p in PROVEN_8[2][1]] + [(PROVEN_8[3][0], PROVEN_8[3][1][0])]
    assert len(lowest) == 4
    assert gaps.splitlines()[2:] == [f"- {plain(p)} ({plain(area)}): 1 of 4" for area, p in lowest]
