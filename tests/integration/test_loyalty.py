"""Loyalty figures (SPEC.md section 4) and the closed loop on hand-worked responses."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sam_core.access.permissions import User
from sam_core.errors import PermissionDenied, ValidationFailed
from sam_core.ingest.uploads import load_files
from sam_core.metrics.actions import add_action
from sam_core.metrics.loyalty import (
    account_loyalty,
    closed_loop,
    comments,
    loop_figures,
    loyalty_by_account,
    question_scores,
    recurring_words,
    search_comments,
    wave_trend,
)

ADMIN = User("admin", "Admin", "admin")
MARIA = User("manager", "Maria Keller", "account_manager")
TODAY = date(2026, 6, 15)
SHEETS = {
    "Accounts": [
        {"account_id": "A", "account_name": "Alpha", "account_manager": "Maria Keller"},
        {"account_id": "B", "account_name": "Beta", "account_manager": "Jonas Weber"},
    ],
    "Stakeholders": [
        {"stakeholder_id": "S1", "account_id": "A", "name": "Cara", "decision_maker": "yes", "influence": 5},
        {"stakeholder_id": "S2", "account_id": "A", "name": "Dan", "influence": 4},
        {"stakeholder_id": "S3", "account_id": "A", "name": "Eve", "influence": 1},
    ],
    "Surveys": [
        # 2025 H2: one response for A (index 80)
        {
            "response_id": "P1",
            "account_id": "A",
            "survey_date": date(2025, 11, 1),
            "wave": "2025 H2",
            "recommend_score": 8,
        },
        # 2026 H1: R1 all three answers, R2 skipped continue, R3 only recommend,
        # plus a 0-10 and a 1-5 question column
        {
            "response_id": "R1",
            "account_id": "A",
            "survey_date": date(2026, 5, 2),
            "wave": "2026 H1",
            "stakeholder_id": "S1",
            "recommend_score": 9,
            "satisfaction": 5,
            "continue_score": 4,
            "Ease of business": 8,
            "Value for money": 4,
            "comment": "Great partnership, responsive team",
        },
        {
            "response_id": "R2",
            "account_id": "A",
            "survey_date": date(2026, 5, 3),
            "wave": "2026 H1",
            "respondent_name": "Fay",
            "recommend_score": 6,
            "satisfaction": 3,
            "Ease of business": 0,
            "Value for money": 2,
            "comment": "Invoices are hard to reconcile",
        },
        {
            "response_id": "R3",
            "account_id": "A",
            "survey_date": date(2026, 5, 4),
            "wave": "2026 H1",
            "recommend_score": 10,
        },
        {
            "response_id": "R4",
            "account_id": "B",
            "survey_date": date(2026, 5, 5),
            "wave": "2026 H1",
            "recommend_score": 2,
            "comment": "Invoices late again",
        },
    ],
    "Actions": [
        {
            "action_id": "X1",
            "account_id": "A",
            "description": "Fix invoicing",
            "owner": "Maria Keller",
            "source": "R2",
            "created": date(2026, 5, 10),
            "due": date(2026, 6, 1),
            "status": "done",
            "closed": date(2026, 5, 23),
        }
    ],
}


@pytest.fixture
def surveyed(db, make_workbook):
    load_files(db, [("s.xlsx", make_workbook(SHEETS))], user=ADMIN)
    return db


def test_loyalty_index_uses_only_the_answers_each_respondent_gave(surveyed):
    row = loyalty_by_account(surveyed, wave="2026 H1").filter(pl.col("account_id") == "A").row(0, named=True)
    # R1 (90 + 100 + 75) / 3, R2 (60 + 50) / 2, R3 100
    assert row["loyalty_index"] == pytest.approx((265 / 3 + 55 + 100) / 3)
    assert row["nps"] == pytest.approx(100 * (2 - 1) / 3)
    assert (row["respondents"], row["thin"]) == (3, False)


def test_program_trend_counts_bands_and_key_stakeholders(surveyed):
    trend = wave_trend(surveyed)
    assert trend["wave"].to_list() == ["2025 H2", "2026 H1"]
    latest = trend.row(1, named=True)
    assert latest["respondents"] == 4
    assert latest["nps"] == pytest.approx(100 * (2 - 2) / 4)
    assert (latest["promoters"], latest["passives"], latest["detractors"]) == (0.5, 0.0, 0.5)
    assert latest["key_stakeholders_answered"] == pytest.approx(
        1 / 2
    )  # S1 answered; S2 (influence 4) did not


def test_accounts_show_the_change_since_the_last_wave_and_flags(surveyed):
    rows = {r["account_id"]: r for r in account_loyalty(surveyed, wave="2026 H1").iter_rows(named=True)}
    assert rows["A"]["change"] == pytest.approx((265 / 3 + 55 + 100) / 3 - 80)
    assert rows["A"]["flags"] is None  # rose; 1 of 2 key stakeholders answered is half, not fewer
    assert rows["B"]["flags"] == "thin"


def test_question_means_keep_their_own_scales_and_counts(surveyed):
    scores = question_scores(surveyed, account_id="A", wave="2026 H1")
    assert scores.select("question", "scale_max", "mean", "respondents", "thin").rows() == [
        ("Likelihood to recommend", 10, pytest.approx(25 / 3), 3, False),
        ("Satisfaction", 5, 4.0, 2, True),
        ("Likelihood to continue buying", 5, 4.0, 1, True),
        ("Ease of business", 10, 4.0, 2, True),  # a 0 answer makes it a 0-10 question
        ("Value for money", 5, 3.0, 2, True),
    ]


def test_low_scores_without_an_action_leave_the_loop_open(surveyed):
    loop = closed_loop(surveyed, as_of=TODAY)
    assert loop.select("response_id", "action_id", "loop_open").rows() == [
        ("R4", None, True),
        ("R2", "X1", False),
    ]
    assert loop_figures(loop) == {
        "responses": 2,
        "with_action": 1,
        "share_with_action": 0.5,
        "median_days_to_close": 20.0,
    }


def test_recurring_words_compare_detractors_and_promoters(surveyed):
    words = recurring_words(comments(surveyed))
    assert words.filter(pl.col("band") == "detractor").row(0) == ("detractor", "invoices", 2)
    assert "partnership" in words.filter(pl.col("band") == "promoter")["word"].to_list()


def test_manager_adds_an_action_for_a_response_on_an_owned_account(surveyed):
    action_id = add_action(
        surveyed,
        user=MARIA,
        response_id="R3",
        description="Thank them",
        owner="Maria Keller",
        due=date(2026, 7, 1),
        today=TODAY,
    )
    row = surveyed.execute(
        "SELECT account_id, source, status, extras FROM actions WHERE action_id = ?", [action_id]
    ).fetchall()[0]
    assert row[:3] == ("A", "R3", "open") and '"added_by": "manager"' in row[3]


def test_manager_may_not_add_an_action_on_someone_elses_account(surveyed):
    with pytest.raises(PermissionDenied, match="does not own account B"):
        add_action(
            surveyed, user=MARIA, response_id="R4", description="Call", owner="Maria", due=None, today=TODAY
        )
    assert surveyed.execute("SELECT count(*) FROM actions").fetchall() == [(1,)]


@pytest.mark.parametrize("role", ["executive", "coach"])
def test_read_only_roles_cannot_add_actions(surveyed, role):
    with pytest.raises(PermissionDenied):
        add_action(
            surveyed,
            user=User("u", "U", role),
            response_id="R3",
            description="x",
            owner="y",
            due=None,
            today=TODAY,
        )


def test_an_action_needs_a_description_owner_and_a_future_due_date(surveyed):
    with pytest.raises(
        ValidationFailed, match=r"Describe the action\. Name its owner\. The due date cannot be in the past\."
    ):
        add_action(
            surveyed,
            user=ADMIN,
            response_id="R3",
            description=" ",
            owner="",
            due=date(2026, 1, 1),
            today=TODAY,
        )


@pytest.mark.parametrize(("score", "nps"), [(0, -100), (6, -100), (7, 0), (8, 0), (9, 100), (10, 100)])
def test_one_answer_counts_as_detractor_passive_or_promoter_at_the_band_edges(db, make_workbook, score, nps):
    sheets = {
        "Accounts": [{"account_id": "A", "account_name": "Alpha", "account_manager": "Maria Keller"}],
        "Surveys": [
            {"response_id": "R", "account_id": "A", "survey_date": date(2026, 5, 1), "recommend_score": score}
        ],
    }
    load_files(db, [("s.xlsx", make_workbook(sheets))], user=ADMIN)
    assert loyalty_by_account(db)["nps"].to_list() == [nps]


def test_key_stakeholders_who_answered_is_zero_when_no_response_names_a_stakeholder(db, make_workbook):
    # Two key stakeholders (S1 decision maker, S2 influence 4), one response without a stakeholder:
    # none of the two answered, 0 of 2 = 0% (it showed "–", as if there were no key stakeholders).
    sheets = {
        "Accounts": SHEETS["Accounts"][:1],
        "Stakeholders": SHEETS["Stakeholders"],
        "Surveys": [
            {"response_id": "R", "account_id": "A", "survey_date": date(2026, 5, 1), "recommend_score": 8}
        ],
    }
    load_files(db, [("s.xlsx", make_workbook(sheets))], user=ADMIN)
    assert wave_trend(db)["key_stakeholders_answered"].to_list() == [0.0]


def test_thin_accounts_come_after_the_others_in_the_lowest_first_ranking(surveyed):
    # 2026 H1: A has 3 respondents (index 81.1), B one (index 20 from recommend 2): B is lower,
    # but its index is one person's view, so A leads and B follows.
    ranked = account_loyalty(surveyed, wave="2026 H1")
    assert ranked.select("account_id", "thin").rows() == [("A", False), ("B", True)]


@pytest.mark.parametrize(
    ("text", "found"),
    [("invoices", ["R2", "R4"]), ("INVOICES", ["R2", "R4"]), ("great", ["R1"]), ("", ["R1", "R2", "R4"])],
)
def test_comment_search_ignores_case(surveyed, text, found):
    shown = search_comments(comments(surveyed), text)
    ids = surveyed.execute(
        "SELECT response_id FROM surveys WHERE list_contains(?, comment) ORDER BY 1",
        [shown["comment"].to_list()],
    ).fetchall()
    assert [i for (i,) in ids] == found


def test_the_closed_loop_names_each_responses_account_manager(surveyed):
    loop = closed_loop(surveyed, as_of=TODAY)
    assert loop.select("response_id", "account_manager").rows() == [
        ("R4", "Jonas Weber"),
        ("R2", "Maria Keller"),
    ]
