"""What a stranger read wrong on the Relationship map, Self-assessment, Loyalty, Sponsor
cadence and Administration pages (issue 17), on the demo data: headings that count right,
figures that add up as shown, whole survey scores, labels that fit and say it for people."""

from __future__ import annotations

import json

import pytest

from ui import relationship


@pytest.mark.parametrize(("gaps", "heading"), [(1, "Gaps and risks (1)"), (3, "Gaps and risks (3)")])
def test_the_gaps_heading_is_right_for_one_gap_and_for_many(gaps, heading):
    assert relationship.gaps_heading(gaps) == heading


def test_the_gaps_tab_counts_its_gaps_in_its_heading(app_as):
    at = app_as("manager", "pages/relationship_map.py", relationship_tab="Gaps and risks")
    at.selectbox(key="relationship_account").set_value("ACC-0008").run()
    gaps = at.dataframe[1].value  # [0] is the table of all accounts
    assert f"**Gaps and risks ({len(gaps)})**" in [m.value for m in at.markdown]


def test_the_comparison_change_is_after_minus_before_as_shown(app_as):
    at = app_as("executive", "pages/self_assessment.py", assess_tab="History and comparison")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == ["area", "before", "after", "change"]
    for before, after, change in zip(table["before"], table["after"], table["change"], strict=True):
        assert before == round(before) and after == round(after)  # whole points, as the table writes them
        # '+38' for 34 -> 72 (never '+37.5'); equal scores: 'no change'
        assert change == ("no change" if after == before else f"{after - before:+.0f}")


def test_the_results_show_the_scope_as_text_not_as_a_cut_off_metric(app_as):
    at = app_as("executive", "pages/self_assessment.py", assess_tab="Results")
    assert "Scope" not in [m.label for m in at.metric]
    assert "Scope" in [c.value for c in at.caption]
    assert any(m.value.startswith("**") and "Industrial Solutions" in m.value for m in at.markdown)


def test_the_assessment_date_reads_day_month_year(app_as):
    at = app_as("coach", "pages/self_assessment.py", assess_tab="Questionnaire")
    assert at.date_input(key="assess_date").proto.format == "DD/MM/YYYY"


def test_the_loyalty_key_stakeholder_figure_has_a_short_label_and_the_full_wording_as_help(app_as):
    at = app_as("executive", "pages/loyalty.py")
    heard = next(m for m in at.metric if m.label == "Key stakeholders heard")
    assert "Key stakeholders who answered" in heard.proto.help


def score_formats(table) -> dict[str, str]:
    """The display format of each survey score column of a shown table."""
    columns = json.loads(table.proto.columns)
    return {c: columns[c].get("type_config", {}).get("format") for c in columns if c in SCORES}


SCORES = ("recommend_score", "satisfaction", "continue_score")


@pytest.mark.parametrize(
    ("tab", "index", "expected"),
    [
        ("Drill-down", 1, dict.fromkeys(SCORES, "%.0f")),  # [0] is the questions' means
        ("Comments", 0, {"recommend_score": "%.0f"}),
        ("Closed loop", 0, {"recommend_score": "%.0f"}),
    ],
)
def test_survey_scores_are_whole_numbers_in_every_loyalty_table(app_as, tab, index, expected):
    at = app_as("executive", "pages/loyalty.py", loyalty_tab=tab)
    assert not at.exception
    assert score_formats(at.dataframe[index]) == expected


def test_the_cadence_last_held_date_has_room_to_show_whole(app_as):
    at = app_as("executive", "pages/sponsor_cadence.py")
    details = json.loads(at.dataframe[1].proto.columns)  # [0] is worst first, [1] each rule
    assert details["last"]["width"] >= 100 and details["deadline"]["width"] >= 100


def test_the_users_form_names_the_accounts_sheets_column_in_words(app_as):
    admin = app_as("admin")
    admin.switch_page("pages/administration.py").run()
    labels = [t.label for t in admin.text_input]
    assert "Name (as the Accounts sheet's account manager column writes it)" in labels
    assert not any("Accounts.account_manager" in label for label in labels)


def test_the_deck_template_uploader_states_the_limit_the_text_says(app_as):
    admin = app_as("admin")
    admin.switch_page("pages/administration.py").run()
    uploader = next(u for u in admin.get("file_uploader") if u.proto.label == "Company template")
    assert uploader.proto.max_upload_size_mb == 30
    assert any("up to 30 MB" in c.value for c in admin.caption)
