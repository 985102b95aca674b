"""The maturity model of SPEC.md section 6: scores, names, gaps, the Excel round trip."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sam_core.errors import ValidationFailed
from sam_core.ingest.reader import read_file
from sam_core.metrics.maturity import (
    ALL_PRACTICES,
    PROVEN_8,
    Assessment,
    assessment_frames,
    assessment_from_sheets,
    gaps_first,
    maturity_level,
    score,
)
from sam_core.outputs.workbook import export_bytes


def assessment(
    scores: dict[str, int] | None = None, default: int = 2, principles: str = "partly"
) -> Assessment:
    """Every practice at `default`, areas overridden by `scores`."""
    practices = {(area, p): (scores or {}).get(area, default) for area, p in ALL_PRACTICES}
    return Assessment("North", date(2026, 6, 1), dict.fromkeys(range(1, 8), principles), practices)


def test_area_score_is_the_mean_practice_score_over_four_and_overall_the_mean_of_areas():
    result = score(assessment({"Infrastructure": 4, "Process": 0}))
    assert (
        result.areas["Infrastructure"] == 100
        and result.areas["Process"] == 0
        and result.areas["Skills"] == 50
    )
    assert result.overall == pytest.approx((100 + 0 + 50 * 6) / 8)
    assert result.principles == {"no": 0, "partly": 7, "yes": 0}


def test_an_area_with_mixed_scores():
    practices = dict.fromkeys(ALL_PRACTICES, 2)
    practices[("Methodology", "Economic value (ROI) calculations")] = 4  # Methodology: (2 + 4 + 2) / 3 / 4
    result = score(Assessment("North", date(2026, 6, 1), dict.fromkeys(range(1, 8), "yes"), practices))
    assert result.areas["Methodology"] == pytest.approx(8 / 3 / 4 * 100)


@pytest.mark.parametrize(
    "percent,name",
    [
        (0, "Emerging"),
        (39.99, "Emerging"),
        (40, "Developing"),
        (64.99, "Developing"),
        (65, "Established"),
        (84.99, "Established"),
        (85, "Best-in-class"),
        (100, "Best-in-class"),
    ],
)
def test_maturity_names_at_the_thresholds(percent, name):
    assert maturity_level(percent) == name


def test_a_draft_with_a_missing_answer_is_not_scored():
    draft = assessment()
    draft.practices[("Skills", "Negotiation")] = None
    with pytest.raises(ValidationFailed, match=r"1 practice\(s\) have no score, e\.g\. 'Negotiation'"):
        score(draft)
    draft = assessment()
    draft.principles[3] = None
    with pytest.raises(ValidationFailed, match="principle 3"):
        score(draft)


def test_an_emerging_program_gets_at_most_four_gaps_lowest_first():
    a = assessment(default=1)
    a.practices[("Compensation", "Account loyalty part of rewards")] = 0
    assert score(a).level == "Emerging"
    gaps = gaps_first(a)
    assert len(gaps) == 4
    assert gaps[0] == ("Compensation", "Account loyalty part of rewards", 0)
    assert gaps[1] == ("Infrastructure", "Account segmentation", 1)  # then questionnaire order


def test_institutionalised_practices_are_never_gaps():
    a = assessment(default=4)
    a.practices[("Tools", "Economic value calculation and capture")] = 3
    assert gaps_first(a) == [("Tools", "Economic value calculation and capture", 3)]


def test_export_then_import_gives_the_same_assessment():
    a = assessment({"Skills": 3})
    a.evidence[("Skills", "Negotiation")] = "Trained in 2026"
    a.evidence[("Skills", "Business and financial acumen")] = "+2 hires; =good"
    again = assessment_from_sheets(read_file("a.xlsx", export_bytes(assessment_frames(a))))
    assert again == a


def test_importing_a_foreign_workbook_says_what_is_missing(make_workbook):
    with pytest.raises(
        ValidationFailed, match="not an assessment export: sheet\\(s\\) Principles, Practices missing"
    ):
        assessment_from_sheets(
            read_file("x.xlsx", make_workbook({"Assessment": [{"field": "scope", "value": "x"}]}))
        )


def exported(a: Assessment, change) -> bytes:
    """The export of `a` with `change(frames)` applied, as a user editing it in Excel would."""
    frames = assessment_frames(a)
    change(frames)
    return export_bytes(frames)


def edit(sheet: str, column: str, row: int, value):
    def change(frames):
        frames[sheet] = frames[sheet].with_columns(
            pl.when(pl.int_range(pl.len()) == row)
            .then(pl.lit(value))
            .otherwise(pl.col(column).cast(pl.String))
            .alias(column)
        )

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            edit("Principles", "number", 0, "9"),
            "Principles row 2: number '9' is not a whole number from 1 to 7.",
        ),
        (
            edit("Principles", "number", 1, "one"),
            "Principles row 3: number 'one' is not a whole number from 1 to 7.",
        ),
        (
            edit("Practices", "score", 0, "inf"),
            "Practices row 2: score 'inf' is not a whole number from 0 to 4.",
        ),
        (
            edit("Practices", "score", 2, "2.5"),
            "Practices row 4: score '2.5' is not a whole number from 0 to 4.",
        ),
        (edit("Practices", "score", 3, "7"), "Practices row 5: score '7' is not a whole number from 0 to 4."),
        (
            lambda frames: frames.update(Practices=frames["Practices"].rename({"score": "points"})),
            "Practices sheet: column(s) score missing from its first row.",
        ),
    ],
)
def test_importing_an_edited_export_reports_each_bad_cell_by_sheet_and_row(change, message):
    with pytest.raises(ValidationFailed) as refused:
        assessment_from_sheets(read_file("a.xlsx", exported(assessment(), change)))
    assert message in str(refused.value)


def test_the_model_has_eight_areas_and_all_practices_of_spec():
    assert [area for area, _ in PROVEN_8] == [
        "Infrastructure",
        "Process",
        "Methodology",
        "Skills",
        "Planning",
        "Tools",
        "Measurements and metrics",
        "Compensation",
    ]
    assert len(ALL_PRACTICES) == 8 + 7 + 3 + 4 + 4 + 6 + 7 + 3
