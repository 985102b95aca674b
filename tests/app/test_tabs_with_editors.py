"""Of a page's tabs only the open one runs, except a tab where the user edits: it is always
drawn, so that what they typed and did not save survives a look at another tab."""

from __future__ import annotations

import pytest


def forms(at) -> set[str]:
    return {f.proto.form.form_id for f in at.get("form")}


@pytest.mark.parametrize(
    ("page", "tab", "editor", "form"),
    [
        ("pages/loyalty.py", {"loyalty_tab": "Program"}, "manager", "loyalty_add_action"),
        ("pages/sponsor_cadence.py", {"cadence_tab": "By account"}, "admin", "cadence_policy_form"),
        ("pages/attention.py", {"attention_tab": "What changed"}, "manager", "attention_form"),
    ],
)
def test_a_tab_with_an_editor_is_drawn_for_who_edits_in_it_while_another_is_open(
    app_as, page, tab, editor, form
):
    at = app_as(editor, page, **tab)
    assert not at.exception
    assert at.session_state[next(iter(tab))] == next(iter(tab.values()))  # another tab is open
    assert form in forms(at)


def test_for_a_reader_the_tab_runs_only_when_open(app_as):
    at = app_as("executive", "pages/sponsor_cadence.py", cadence_tab="By account")
    assert not at.exception and "cadence_policy_form" not in forms(at)
    at.session_state["cadence_tab"] = "Policy"
    at.run()
    assert "cadence_policy_form" in forms(at)  # shown to the executive, its Save turned off
