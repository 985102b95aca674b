"""The best-in-class maturity model of SPEC.md section 6, and stored self-assessments.

Area score = mean practice score / 4 as a percentage; overall maturity = mean of the
area scores, named Emerging (< 40%), Developing (40-65%), Established (65-85%) or
Best-in-class (>= 85%).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import duckdb

from .errors import ValidationFailed
from .permissions import User, ensure
from .storage import WRITE_LOCK, bump_data_version, transaction

PRINCIPLES = (
    "Best-in-class practices are embedded across all business units as regular practice of all account leaders.",
    "The practices are inspected and validated on a timely basis.",
    "Team leaders, supported by a process coach, drive and are accountable for the practices in their teams.",
    "Senior management is part of the process.",
    "A sales information system with methodology and metrics validates the practices at team and program level.",
    "We are adopting practices that will keep our competitive position two years from now.",
    "Career and reward motivators keep cross-functional teams and team leaders staying and excelling.",
)
PRINCIPLE_ANSWERS = ("no", "partly", "yes")
PRACTICE_LEVELS = ("not in place", "ad hoc", "defined", "practised", "institutionalised")  # scores 0-4

PROVEN_8: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Infrastructure", (
        "Account segmentation", "An in-place process coach", "Team leaders placed by a defined profile",
        "An advisory board in internal account reviews", "Cross-functional teams with a member from the account",
        "Defined team roles", "Executive sponsorship", "A reward system for all cross-functional members")),
    ("Process", (
        "Client engagement process (who, when, how)", "Loyalty assessment process",
        "Knowledge management (account, relationships, opportunities, financials)",
        "Weekly, monthly and quarterly team collaboration", "Internal business reviews",
        "External business reviews with collaborative action planning",
        "Economic value propositions created, delivered and validated")),
    ("Methodology", (
        "Assessment of account situation, opportunities, finances and relationships",
        "Economic value (ROI) calculations", "Strategy and tactical action plans")),
    ("Skills", (
        "Senior-level relationships", "Business and financial acumen",
        "Facilitating, leading and coaching the account team", "Negotiation")),
    ("Planning", (
        "Regular team planning workshops", "Internal business reviews",
        "External business reviews with the account's top executives",
        "Account site visits to our offices with senior leaders")),
    ("Tools", (
        "A metric-based, methodology-rich sales system", "A simple institutional account plan",
        "Voice-of-customer surveys and loyalty indexing", "Profiling and indexing of accounts, opportunities and relationships",
        "Economic value calculation and capture", "Strategy assessment and development")),
    ("Measurements and metrics", (
        "Revenue, profit and EBITDA comparisons", "Account situation index", "Relationship alignment and penetration",
        "Loyalty index", "Opportunity qualification and pipeline improvement", "High-value activity performance",
        "Economic value propositions")),
    ("Compensation", (
        "Expectations and accountabilities set and communicated",
        "Rewards linked to program, leader and member success", "Account loyalty part of rewards")),
)
WHOLE_PROGRAM = "Whole program"


@dataclass(frozen=True)
class Assessment:
    scope: str  # WHOLE_PROGRAM or a business unit
    assessed_on: date
    principles: dict[int, str]  # principle number (1-7) -> no / partly / yes
    practices: dict[tuple[str, str], int]  # (area, practice) -> 0..4
    notes: str = ""


def maturity_level(percent: float) -> str:
    """Emerging (< 40%), Developing (40-65%), Established (65-85%), Best-in-class (>= 85%)."""
    if percent >= 85:
        return "Best-in-class"
    if percent >= 65:
        return "Established"
    if percent >= 40:
        return "Developing"
    return "Emerging"


def _check(assessment: Assessment) -> list[str]:
    problems = []
    expected = {(area, p) for area, practices in PROVEN_8 for p in practices}
    missing = expected - set(assessment.practices)
    if missing:
        problems.append(f"{len(missing)} practice(s) have no score, e.g. {sorted(missing)[0][1]!r}.")
    for key, score in assessment.practices.items():
        if key not in expected:
            problems.append(f"{key[1]!r} is not a practice of {key[0]!r}.")
        elif score not in range(5):
            problems.append(f"{key[1]!r}: score {score} is not 0-4.")
    for number, answer in assessment.principles.items():
        if number not in range(1, 8) or answer not in PRINCIPLE_ANSWERS:
            problems.append(f"Principle {number}: {answer!r} is not one of {', '.join(PRINCIPLE_ANSWERS)}.")
    if not assessment.scope.strip():
        problems.append("The scope (whole program or a business unit) is required.")
    return problems


def save_assessment(con: duckdb.DuckDBPyConnection, assessment: Assessment, *, user: User) -> int:
    """Store a coach's self-assessment; returns its id. Raises ValidationFailed if incomplete."""
    ensure(user, "submit_assessment")
    problems = _check(assessment)
    if problems:
        raise ValidationFailed("The assessment is incomplete: " + " ".join(problems))
    with WRITE_LOCK, transaction(con):
        assessment_id = con.execute("SELECT nextval('assessment_seq')").fetchall()[0][0]
        con.execute(
            "INSERT INTO assessments VALUES (?, ?, ?, ?, ?, ?)",
            [assessment_id, assessment.scope.strip(), assessment.assessed_on, user.name,
             datetime.now(timezone.utc).replace(tzinfo=None), assessment.notes],
        )
        con.executemany(
            "INSERT INTO assessment_answers VALUES (?, 'principle', NULL, ?, ?, NULL)",
            [[assessment_id, PRINCIPLES[n - 1], answer] for n, answer in sorted(assessment.principles.items())],
        )
        con.executemany(
            "INSERT INTO assessment_answers VALUES (?, 'practice', ?, ?, NULL, ?)",
            [[assessment_id, area, practice, score] for (area, practice), score in assessment.practices.items()],
        )
        bump_data_version(con)
    return assessment_id
