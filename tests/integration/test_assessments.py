"""Stored self-assessments: drafts, submission, roles, and evidence from the data."""

from __future__ import annotations

from datetime import date

import pytest
from portfolio_fixture import AS_OF, SHEETS

from sam_core.access.permissions import User
from sam_core.errors import PermissionDenied, ValidationFailed
from sam_core.ingest.uploads import load_files
from sam_core.metrics.maturity import (
    ALL_PRACTICES,
    WHOLE_PROGRAM,
    Assessment,
    assessments,
    data_evidence,
    evidence_beside_scores,
    load_assessment,
    load_draft,
    save_assessment,
    save_draft,
)

COACH = User("coach", "Carla Jensen", "coach")
COMPLETE = Assessment(
    "North",
    date(2026, 6, 1),
    dict.fromkeys(range(1, 8), "yes"),
    dict.fromkeys(ALL_PRACTICES, 3),
    evidence={ALL_PRACTICES[0]: "Segmented in 2025"},
)


def test_a_draft_survives_and_a_submission_discards_it(db):
    draft = Assessment("North", date(2026, 6, 1), {1: "yes"}, {ALL_PRACTICES[0]: 2})
    save_draft(db, draft, user=COACH)
    assert load_draft(db, user=COACH) == draft
    assessment_id = save_assessment(db, COMPLETE, user=COACH)
    assert load_draft(db, user=COACH) is None
    assert load_assessment(db, assessment_id) == COMPLETE
    assert assessments(db).select("scope", "coach", "overall", "level").rows() == [
        ("North", "Carla Jensen", 75.0, "Established")
    ]


def test_an_incomplete_assessment_cannot_be_submitted(db):
    with pytest.raises(ValidationFailed, match="incomplete"):
        save_assessment(db, Assessment("North", date(2026, 6, 1), {}, {}), user=COACH)
    assert assessments(db).height == 0


@pytest.mark.parametrize("role", ["executive", "account_manager"])
def test_only_coaches_and_admins_assess(db, role):
    with pytest.raises(PermissionDenied):
        save_assessment(db, COMPLETE, user=User("u", "U", role))
    with pytest.raises(PermissionDenied):
        save_draft(db, COMPLETE, user=User("u", "U", role))


def test_evidence_from_the_data_for_the_program(db, make_workbook):
    load_files(db, [("p.xlsx", make_workbook(SHEETS))], user=User("admin", "Admin", "admin"))
    rows = {
        (r["area"], r["practice"]): (r["share"], r["suggests"])
        for r in data_evidence(db, as_of=AS_OF, scope=WHOLE_PROGRAM).iter_rows(named=True)
    }
    # one strategic account, A1: sponsor yes; internal review due soon (not overdue); QBR due soon;
    # 2 of 6 planning roles;
    # no 90-day review planned; it answered the latest wave, as did A2: (1200 + 600) / 2160 of revenue.
    assert rows[("Infrastructure", "Executive sponsorship")] == (1.0, 4)
    assert rows[("Process", "Internal business reviews")] == (1.0, 4)
    assert rows[("Process", "External business reviews with collaborative action planning")] == (1.0, 4)
    assert rows[("Infrastructure", "Defined team roles")] == (0.0, 0)
    assert rows[("Planning", "Regular team planning workshops")] == (0.0, 0)
    assert rows[("Process", "Loyalty assessment process")][0] == pytest.approx(1800 / 2160)


def test_the_coachs_score_stands_beside_the_evidence_and_big_differences_are_flagged(db, make_workbook):
    load_files(db, [("p.xlsx", make_workbook(SHEETS))], user=User("admin", "Admin", "admin"))
    scored = Assessment(WHOLE_PROGRAM, AS_OF, {}, dict.fromkeys(ALL_PRACTICES, 3))
    rows = {
        (r["area"], r["practice"]): (r["suggests"], r["coach"], r["check"])
        for r in evidence_beside_scores(db, scored).iter_rows(named=True)
    }
    assert rows[("Infrastructure", "Executive sponsorship")] == (4, 3, False)
    assert rows[("Infrastructure", "Defined team roles")] == (0, 3, True)


def test_a_business_unit_without_strategic_accounts_has_no_evidence(db, make_workbook):
    load_files(db, [("p.xlsx", make_workbook(SHEETS))], user=User("admin", "Admin", "admin"))
    assert data_evidence(db, as_of=AS_OF, scope="South").height == 0


def test_evidence_for_a_past_assessment_uses_the_data_as_of_its_date(db, make_workbook):
    # A wave answered later, in 2026 H2, by A3 only (300 of 2160). An assessment dated 15 Jun 2026
    # was made when 2026 H1 was the latest wave, answered by A1 and A2: (1200 + 600) / 2160; with
    # today's data it showed 300 / 2160 and flagged the coach's score as a mismatch.
    later = {"response_id": "L1", "account_id": "A3", "survey_date": date(2026, 10, 5), "wave": "2026 H2"}
    sheets = {**SHEETS, "Surveys": [*SHEETS["Surveys"], {**later, "recommend_score": 8}]}
    load_files(db, [("p.xlsx", make_workbook(sheets))], user=User("admin", "Admin", "admin"))

    def coverage(as_of: date) -> float:
        rows = data_evidence(db, as_of=as_of, scope=WHOLE_PROGRAM)
        return rows.filter(practice="Loyalty assessment process")["share"].item()

    assert coverage(AS_OF) == pytest.approx(1800 / 2160)
    assert coverage(date(2026, 11, 1)) == pytest.approx(300 / 2160)
    scored = Assessment(WHOLE_PROGRAM, AS_OF, {}, dict.fromkeys(ALL_PRACTICES, 3))
    beside = evidence_beside_scores(db, scored).filter(practice="Loyalty assessment process")
    assert beside.select("suggests", "coach", "check").row(0) == (3, 3, False)
