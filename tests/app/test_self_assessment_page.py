"""The Self-assessment page: drafts kept across sessions, results, roles."""

from __future__ import annotations


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
