"""The best-in-class maturity model of SPEC.md section 6, and stored self-assessments.

Area score = mean practice score / 4 as a percentage; overall maturity = mean of the
area scores, named Emerging (< 40%), Developing (40-65%), Established (65-85%) or
Best-in-class (>= 85%).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import polars as pl

from sam_core.access.permissions import User, ensure
from sam_core.errors import NotFound, ValidationFailed
from sam_core.ingest.contract import PLANNING_ROLES
from sam_core.metrics.cadence import OVERDUE, cadence_status
from sam_core.metrics.loyalty import feedback_revenue_coverage, loyalty_by_account, waves
from sam_core.metrics.policy import cadence_policy
from sam_core.metrics.portfolio import account_revenue
from sam_core.metrics.sponsors import review_schedule
from sam_core.outputs.workbook import FORMULA_STARTS
from sam_core.store import WRITE_LOCK, bump_data_version, transaction

PRINCIPLES = (
    "Best-in-class practices are embedded across all business units as regular practice of all account "
    "leaders.",
    "The practices are inspected and validated on a timely basis.",
    "Team leaders, supported by a process coach, drive and are accountable for the practices in their teams.",
    "Senior management is part of the process.",
    "A sales information system with methodology and metrics validates the practices at team and program "
    "level.",
    "We are adopting practices that will keep our competitive position two years from now.",
    "Career and reward motivators keep cross-functional teams and team leaders staying and excelling.",
)
PRINCIPLE_ANSWERS = ("no", "partly", "yes")
PRACTICE_LEVELS = ("not in place", "ad hoc", "defined", "practised", "institutionalised")  # scores 0-4

PROVEN_8: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Infrastructure",
        (
            "Account segmentation",
            "An in-place process coach",
            "Team leaders placed by a defined profile",
            "An advisory board in internal account reviews",
            "Cross-functional teams with a member from the account",
            "Defined team roles",
            "Executive sponsorship",
            "A reward system for all cross-functional members",
        ),
    ),
    (
        "Process",
        (
            "Client engagement process (who, when, how)",
            "Loyalty assessment process",
            "Knowledge management (account, relationships, opportunities, financials)",
            "Weekly, monthly and quarterly team collaboration",
            "Internal business reviews",
            "External business reviews with collaborative action planning",
            "Economic value propositions created, delivered and validated",
        ),
    ),
    (
        "Methodology",
        (
            "Assessment of account situation, opportunities, finances and relationships",
            "Economic value (ROI) calculations",
            "Strategy and tactical action plans",
        ),
    ),
    (
        "Skills",
        (
            "Senior-level relationships",
            "Business and financial acumen",
            "Facilitating, leading and coaching the account team",
            "Negotiation",
        ),
    ),
    (
        "Planning",
        (
            "Regular team planning workshops",
            "Internal business reviews",
            "External business reviews with the account's top executives",
            "Account site visits to our offices with senior leaders",
        ),
    ),
    (
        "Tools",
        (
            "A metric-based, methodology-rich sales system",
            "A simple institutional account plan",
            "Voice-of-customer surveys and loyalty indexing",
            "Profiling and indexing of accounts, opportunities and relationships",
            "Economic value calculation and capture",
            "Strategy assessment and development",
        ),
    ),
    (
        "Measurements and metrics",
        (
            "Revenue, profit and EBITDA comparisons",
            "Account situation index",
            "Relationship alignment and penetration",
            "Loyalty index",
            "Opportunity qualification and pipeline improvement",
            "High-value activity performance",
            "Economic value propositions",
        ),
    ),
    (
        "Compensation",
        (
            "Expectations and accountabilities set and communicated",
            "Rewards linked to program, leader and member success",
            "Account loyalty part of rewards",
        ),
    ),
)
WHOLE_PROGRAM = "Whole program"
PLANNING_ROLES_REQUIRED = PLANNING_ROLES


@dataclass(frozen=True)
class Assessment:
    scope: str  # WHOLE_PROGRAM or a business unit
    assessed_on: date
    principles: dict[int, str]  # principle number (1-7) -> no / partly / yes
    practices: dict[tuple[str, str], int]  # (area, practice) -> 0..4
    notes: str = ""
    evidence: dict[tuple[str, str], str] = field(
        default_factory=dict
    )  # (area, practice) -> the coach's evidence note

    @property
    def complete(self) -> bool:
        return not _check(self)


ALL_PRACTICES = tuple((area, p) for area, practices in PROVEN_8 for p in practices)


def maturity_level(percent: float) -> str:
    """Emerging (< 40%), Developing (40-65%), Established (65-85%), Best-in-class (>= 85%)."""
    if percent >= 85:
        return "Best-in-class"
    if percent >= 65:
        return "Established"
    if percent >= 40:
        return "Developing"
    return "Emerging"


@dataclass(frozen=True)
class Score:
    areas: dict[str, float]  # area -> mean practice score / 4, as a percentage
    overall: float  # mean of the area scores
    level: str
    principles: dict[str, int]  # no / partly / yes -> how many


def score(assessment: Assessment) -> Score:
    """Area score = mean practice score / 4 x 100; overall = mean of the areas. A draft
    that is not complete is not scored (ValidationFailed says what is missing)."""
    problems = _check(assessment)
    if problems:
        raise ValidationFailed("The assessment is incomplete: " + " ".join(problems))
    areas = {
        area: sum(assessment.practices[(area, p)] for p in practices) / len(practices) / 4 * 100
        for area, practices in PROVEN_8
    }
    overall = sum(areas.values()) / len(areas)
    counts = {
        answer: sum(1 for a in assessment.principles.values() if a == answer) for answer in PRINCIPLE_ANSWERS
    }
    return Score(areas, overall, maturity_level(overall), counts)


def gaps_first(assessment: Assessment, *, limit: int | None = None) -> list[tuple[str, str, int]]:
    """The practices to work on first: the lowest-scoring ones below 'institutionalised',
    lowest first (ties in questionnaire order); at most four for an Emerging program, six otherwise."""
    level = score(assessment).level
    limit = limit or (4 if level == "Emerging" else 6)
    ranked = sorted(
        ((assessment.practices[k], i, k) for i, k in enumerate(ALL_PRACTICES) if assessment.practices[k] < 4)
    )
    return [(area, practice, s) for s, _, (area, practice) in ranked[:limit]]


def _check(assessment: Assessment) -> list[str]:
    problems = []
    missing = [k for k in ALL_PRACTICES if assessment.practices.get(k) is None]
    if missing:
        problems.append(f"{len(missing)} practice(s) have no score, e.g. {missing[0][1]!r}.")
    for key, value in assessment.practices.items():
        if key not in ALL_PRACTICES:
            problems.append(f"{key[1]!r} is not a practice of {key[0]!r}.")
        elif value is not None and value not in range(5):
            problems.append(f"{key[1]!r}: score {value} is not 0-4.")
    unanswered = [n for n in range(1, 8) if assessment.principles.get(n) is None]
    if unanswered:
        problems.append(f"{len(unanswered)} principle(s) have no answer, e.g. principle {unanswered[0]}.")
    for number, answer in assessment.principles.items():
        if number not in range(1, 8) or (answer is not None and answer not in PRINCIPLE_ANSWERS):
            problems.append(f"Principle {number}: {answer!r} is not one of {', '.join(PRINCIPLE_ANSWERS)}.")
    if not (assessment.scope or "").strip():
        problems.append("The scope (whole program or a business unit) is required.")
    return problems


def save_assessment(con: duckdb.DuckDBPyConnection, assessment: Assessment, *, user: User) -> int:
    """Store a complete self-assessment as submitted by `user`; returns its id, and
    discards the user's draft. Raises ValidationFailed if incomplete."""
    ensure(user, "submit_assessment")
    problems = _check(assessment)
    if problems:
        raise ValidationFailed("The assessment is incomplete: " + " ".join(problems))
    with WRITE_LOCK, transaction(con):
        assessment_id = con.execute("SELECT nextval('assessment_seq')").fetchall()[0][0]
        con.execute(
            "INSERT INTO assessments VALUES (?, ?, ?, ?, ?, ?)",
            [
                assessment_id,
                assessment.scope.strip(),
                assessment.assessed_on,
                user.name,
                datetime.now(UTC).replace(tzinfo=None),
                assessment.notes,
            ],
        )
        con.executemany(
            "INSERT INTO assessment_answers (assessment_id, part, area, item, answer, score) VALUES (?, "
            "'principle', NULL, ?, ?, NULL)",
            [
                [assessment_id, PRINCIPLES[n - 1], answer]
                for n, answer in sorted(assessment.principles.items())
            ],
        )
        con.executemany(
            "INSERT INTO assessment_answers (assessment_id, part, area, item, answer, score, note) VALUES "
            "(?, 'practice', ?, ?, NULL, ?, ?)",
            [
                [assessment_id, area, practice, value, assessment.evidence.get((area, practice)) or None]
                for (area, practice), value in assessment.practices.items()
            ],
        )
        con.execute("DELETE FROM assessment_drafts WHERE user_name = ?", [user.username])
        bump_data_version(con)
    return assessment_id


def load_assessment(con: duckdb.DuckDBPyConnection, assessment_id: int) -> Assessment:
    head = con.execute(
        "SELECT scope, assessed_on, notes FROM assessments WHERE assessment_id = ?", [assessment_id]
    ).fetchall()
    if not head:
        raise NotFound(f"There is no assessment {assessment_id}.")
    rows = con.execute(
        "SELECT part, area, item, answer, score, note FROM assessment_answers WHERE assessment_id = ?",
        [assessment_id],
    ).fetchall()
    principles = {
        PRINCIPLES.index(item) + 1: answer for part, _, item, answer, _, _ in rows if part == "principle"
    }
    practices = {(area, item): value for part, area, item, _, value, _ in rows if part == "practice"}
    evidence = {(area, item): note for part, area, item, _, _, note in rows if part == "practice" and note}
    scope, assessed_on, notes = head[0]
    return Assessment(scope, assessed_on, principles, practices, notes or "", evidence)


def assessments(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Submitted assessments, newest first, with their overall score and level."""
    frame = con.sql(
        """SELECT a.assessment_id, a.scope, a.assessed_on, a.coach,
                  avg(area_score) AS overall
           FROM assessments a JOIN (
               SELECT assessment_id, area, avg(score) / 4 * 100 AS area_score FROM assessment_answers
               WHERE part = 'practice' GROUP BY ALL) s USING (assessment_id)
           GROUP BY ALL ORDER BY a.assessed_on DESC, a.assessment_id DESC"""
    ).pl()
    return frame.with_columns(
        pl.col("overall").map_elements(maturity_level, return_dtype=pl.String).alias("level")
    )


def area_scores(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every submitted assessment's area scores (percent), for history and comparison."""
    return con.sql(
        """SELECT a.assessment_id, a.scope, a.assessed_on, s.area, avg(s.score) / 4 * 100 AS score
           FROM assessments a JOIN assessment_answers s USING (assessment_id)
           WHERE s.part = 'practice' GROUP BY ALL ORDER BY a.assessed_on, s.area"""
    ).pl()


# -- drafts: saved as the coach goes -------------------------------------------------


def _to_json(a: Assessment) -> str:
    return json.dumps(
        {
            "scope": a.scope,
            "assessed_on": a.assessed_on.isoformat() if a.assessed_on else None,
            "principles": {str(k): v for k, v in a.principles.items()},
            "practices": [[area, p, v] for (area, p), v in a.practices.items()],
            "evidence": [[area, p, n] for (area, p), n in a.evidence.items()],
            "notes": a.notes,
        }
    )


def _from_json(text: str) -> Assessment:
    d = json.loads(text)
    return Assessment(
        d["scope"],
        date.fromisoformat(d["assessed_on"]) if d["assessed_on"] else None,
        {int(k): v for k, v in d["principles"].items()},
        {(a, p): v for a, p, v in d["practices"]},
        d.get("notes", ""),
        {(a, p): n for a, p, n in d.get("evidence", [])},
    )


def save_draft(con: duckdb.DuckDBPyConnection, draft: Assessment, *, user: User) -> None:
    """Keep the user's draft (one per user), so a refresh or a dropped connection loses nothing."""
    ensure(user, "submit_assessment")
    with WRITE_LOCK, transaction(con):
        con.execute("DELETE FROM assessment_drafts WHERE user_name = ?", [user.username])
        con.execute(
            "INSERT INTO assessment_drafts VALUES (?, ?, ?)",
            [user.username, _to_json(draft), datetime.now(UTC).replace(tzinfo=None)],
        )


def load_draft(con: duckdb.DuckDBPyConnection, *, user: User) -> Assessment | None:
    rows = con.execute("SELECT draft FROM assessment_drafts WHERE user_name = ?", [user.username]).fetchall()
    return _from_json(rows[0][0]) if rows else None


# -- evidence from the data, beside the coach's score --------------------------------


def data_evidence(con: duckdb.DuckDBPyConnection, *, as_of: date, scope: str) -> pl.DataFrame:
    """Where the data can show a practice: area, practice, what is measured, the share
    (0-1) and the level it suggests (share x 4, rounded), over the scope's strategic accounts
    (survey coverage: over the revenue of all the scope's accounts), from the data as it stood
    on `as_of`: engagements, revenue and survey responses dated after it are left out (the
    accounts, sponsors and team roles are as they are now: they carry no date)."""
    accounts = con.sql(
        "SELECT account_id, executive_sponsor FROM accounts WHERE strategic AND (? OR business_unit = ?)",
        params=[scope == WHOLE_PROGRAM, scope],
    ).pl()
    ids = accounts["account_id"]
    if ids.is_empty():
        return pl.DataFrame(
            schema={
                "area": pl.String,
                "practice": pl.String,
                "measure": pl.String,
                "share": pl.Float64,
                "suggests": pl.Int64,
            }
        )
    status = cadence_status(con, as_of=as_of, policy=cadence_policy(con)).filter(
        pl.col("account_id").is_in(ids.implode())
    )

    def met(rule: str) -> float:
        rows = status.filter(pl.col("rule") == rule)
        return float((rows["status"] != OVERDUE).mean()) if rows.height else 0.0

    roles = con.sql(
        "SELECT account_id, list(DISTINCT r) AS roles FROM team, "
        "unnest(string_split(coalesce(planning_roles, ''), ';')) t(r) "
        "WHERE r <> '' GROUP BY 1"
    ).pl()
    complete = roles.filter(pl.col("roles").list.len() >= len(PLANNING_ROLES_REQUIRED))["account_id"]
    unscheduled = review_schedule(con, as_of=as_of, policy=cadence_policy(con))["account_id"].unique()
    known = waves(con, as_of=as_of)  # the data as it stood on the assessment's date
    in_scope = con.sql(
        "SELECT account_id FROM accounts WHERE ? OR business_unit = ?", params=[scope == WHOLE_PROGRAM, scope]
    ).pl()
    revenue = account_revenue(con, as_of=as_of).filter(
        pl.col("account_id").is_in(in_scope["account_id"].implode())
    )
    coverage = (
        (
            feedback_revenue_coverage(
                revenue, loyalty_by_account(con, wave=known[-1], as_of=as_of)["account_id"]
            )
            or 0.0
        )
        if known and revenue.height
        else 0.0
    )
    rows = [
        (
            "Process",
            "Internal business reviews",
            "strategic accounts with a monthly internal review (not overdue)",
            met("Internal reviews"),
        ),
        (
            "Planning",
            "Internal business reviews",
            "strategic accounts with a monthly internal review (not overdue)",
            met("Internal reviews"),
        ),
        (
            "Process",
            "External business reviews with collaborative action planning",
            "strategic accounts with a QBR each quarter",
            met("QBRs"),
        ),
        (
            "Planning",
            "External business reviews with the account's top executives",
            "strategic accounts with a QBR each quarter, sponsor present",
            met("QBRs"),
        ),
        (
            "Process",
            "Loyalty assessment process",
            "revenue from accounts that answered the latest survey",
            coverage,
        ),
        (
            "Tools",
            "Voice-of-customer surveys and loyalty indexing",
            "revenue from accounts that answered the latest survey",
            coverage,
        ),
        (
            "Infrastructure",
            "Executive sponsorship",
            "strategic accounts with an executive sponsor",
            float(accounts["executive_sponsor"].is_not_null().mean()),
        ),
        (
            "Infrastructure",
            "Defined team roles",
            "strategic accounts with every planning role filled",
            float(ids.is_in(complete.implode()).mean()),
        ),
        (
            "Planning",
            "Regular team planning workshops",
            "strategic accounts with the next 90-day reviews scheduled",
            float((~ids.is_in(unscheduled.implode())).mean()),
        ),
    ]
    return pl.DataFrame(
        rows,
        schema={"area": pl.String, "practice": pl.String, "measure": pl.String, "share": pl.Float64},
        orient="row",
    ).with_columns((pl.col("share") * 4).round(0).cast(pl.Int64).alias("suggests"))


def evidence_beside_scores(evidence: pl.DataFrame | duckdb.DuckDBPyConnection, a: Assessment) -> pl.DataFrame:
    """`data_evidence` for the assessment's scope and date (or that frame, already computed)
    with the coach's score of each practice (`coach`, 0-4) and `check`: the two differ by 2
    levels or more."""
    if isinstance(evidence, duckdb.DuckDBPyConnection):
        evidence = data_evidence(evidence, as_of=a.assessed_on, scope=a.scope)
    coach = pl.DataFrame(
        [(area, practice, score) for (area, practice), score in a.practices.items()],
        schema={"area": pl.String, "practice": pl.String, "coach": pl.Int64},
        orient="row",
    )
    return evidence.join(coach, on=["area", "practice"], how="left").with_columns(
        ((pl.col("coach") - pl.col("suggests")).abs() >= 2).alias("check")
    )


# -- Excel round trip -----------------------------------------------------------------


def assessment_frames(a: Assessment) -> dict[str, pl.DataFrame]:
    """The assessment as three sheets: Assessment, Principles, Practices (the import format)."""
    return {
        "Assessment": pl.DataFrame(
            {
                "field": ["scope", "assessed_on", "notes"],
                "value": [a.scope, a.assessed_on.isoformat(), a.notes],
            }
        ),
        "Principles": pl.DataFrame(
            {
                "number": list(range(1, 8)),
                "principle": list(PRINCIPLES),
                "answer": [a.principles.get(n) for n in range(1, 8)],
            },
            schema_overrides={"answer": pl.String},
        ),
        "Practices": pl.DataFrame(
            {
                "area": [k[0] for k in ALL_PRACTICES],
                "practice": [k[1] for k in ALL_PRACTICES],
                "score": [a.practices.get(k) for k in ALL_PRACTICES],
                "level": [
                    PRACTICE_LEVELS[a.practices[k]] if a.practices.get(k) is not None else None
                    for k in ALL_PRACTICES
                ],
                "evidence": [a.evidence.get(k) for k in ALL_PRACTICES],
            },
            schema_overrides={"score": pl.Int64, "level": pl.String, "evidence": pl.String},
        ),
    }


_EXPORT_COLUMNS = {
    "Assessment": ("field", "value"),
    "Principles": ("number", "answer"),
    "Practices": ("area", "practice", "score"),
}


def assessment_from_sheets(raw_sheets) -> Assessment:
    """Read an assessment back from its export (reader.RawSheet list). Every problem - a
    missing sheet or header, a principle number or score that is not a whole number in range
    - is reported with its sheet and row in one ValidationFailed."""
    by_name = {s.name: s.cells for s in raw_sheets}
    missing = [n for n in _EXPORT_COLUMNS if n not in by_name]
    if missing:
        raise ValidationFailed(f"This is not an assessment export: sheet(s) {', '.join(missing)} missing.")
    tables, problems = {}, []
    for name, needed in _EXPORT_COLUMNS.items():
        cells = by_name[name]
        header = [str(h).strip() if h is not None else "" for h in cells.row(0)] if cells.height else []
        lacking = [c for c in needed if c not in header]
        if lacking:
            problems.append(f"{name} sheet: column(s) {', '.join(lacking)} missing from its first row.")
            continue
        tables[name] = [dict(zip(header, row, strict=True)) for row in cells.slice(1).iter_rows()]
    if problems:
        raise ValidationFailed("This is not an assessment export as the app writes it: " + " ".join(problems))

    head = {r["field"]: r["value"] for r in tables["Assessment"]}
    try:
        assessed_on = date.fromisoformat(str(head.get("assessed_on", ""))[:10])
    except ValueError:
        problems.append(
            f"Assessment sheet: assessed_on {head.get('assessed_on')!r} is not a date (YYYY-MM-DD)."
        )
        assessed_on = None
    principles = {}
    for i, r in enumerate(tables["Principles"], start=2):
        if r["number"] in (None, ""):
            continue
        number = _whole(r["number"], 1, 7, f"Principles row {i}: number", problems)
        if number is not None:
            principles[number] = r["answer"] or None
    practices, evidence = {}, {}
    for i, r in enumerate(tables["Practices"], start=2):
        key = (r["area"], r["practice"])
        if key not in ALL_PRACTICES:
            problems.append(f"Practices row {i}: {key[1]!r} is not a practice of {key[0]!r}.")
            continue
        if r["score"] not in (None, ""):
            practices[key] = _whole(r["score"], 0, 4, f"Practices row {i}: score", problems)
        if r.get("evidence"):
            evidence[key] = _unneutralise(r["evidence"])
    if problems:
        raise ValidationFailed(" ".join(problems))
    return Assessment(
        head.get("scope") or "",
        assessed_on,
        principles,
        practices,
        _unneutralise(head.get("notes") or ""),
        evidence,
    )


def _whole(text, low: int, high: int, where: str, problems: list[str]) -> int | None:
    """`text` as a whole number from `low` to `high`, or None with a problem noted."""
    try:
        number = float(text)
    except (TypeError, ValueError):
        number = None
    if number is None or not number.is_integer() or not low <= number <= high:
        problems.append(f"{where} {text!r} is not a whole number from {low} to {high}.")
        return None
    return int(number)


def _unneutralise(text: str) -> str:
    """Undo the apostrophe exports put before formula-like text (workbook.neutralise)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
