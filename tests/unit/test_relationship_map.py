"""Relationship gaps, coverage and penetration on hand-built accounts (no database)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sam_core.metrics.relationship_map import (
    AccountMap,
    account_gaps,
    penetration,
    planning_roles,
    relationship_dot,
    reporting_loops,
    team_waves,
)

AS_OF = date(2026, 6, 30)
PEOPLE = {
    "stakeholder_id": pl.String,
    "account_id": pl.String,
    "name": pl.String,
    "title": pl.String,
    "department": pl.String,
    "reports_to": pl.String,
    "level": pl.String,
    "buying_role": pl.String,
    "influence": pl.Int32,
    "attitude": pl.Int32,
    "decision_maker": pl.Boolean,
    "email": pl.String,
}
TEAM = {
    "account_id": pl.String,
    "member": pl.String,
    "title": pl.String,
    "wave": pl.String,
    "planning_roles": pl.String,
}
LINKS = {
    "account_id": pl.String,
    "member": pl.String,
    "stakeholder_id": pl.String,
    "strength": pl.Int32,
    "last_contact": pl.Date,
}


def person(
    sid, name, level="staff", reports_to="S1", influence=2, attitude=0, decision_maker=False, department="IT"
):
    return {
        "stakeholder_id": sid,
        "account_id": "A",
        "name": name,
        "title": None,
        "department": department,
        "reports_to": reports_to,
        "level": level,
        "buying_role": None,
        "influence": influence,
        "attitude": attitude,
        "decision_maker": decision_maker,
        "email": None,
    }


def link(member, sid, strength, last_contact=date(2026, 6, 1)):
    return {
        "account_id": "A",
        "member": member,
        "stakeholder_id": sid,
        "strength": strength,
        "last_contact": last_contact,
    }


CEO = person(
    "S1", "Cara", level="executive", reports_to=None, influence=5, decision_maker=True, department="Board"
)
TEAM_ROWS = [
    {
        "account_id": "A",
        "member": "Ann",
        "title": None,
        "wave": "core",
        "planning_roles": "chief_of_relationships;business_driver",
    },
    {"account_id": "A", "member": "Sam", "title": None, "wave": "sponsor", "planning_roles": None},
    {
        "account_id": "A",
        "member": "Tom",
        "title": None,
        "wave": "core_team",
        "planning_roles": "technical_expert",
    },
]


def make(people, links, sponsor="Sam") -> AccountMap:
    return AccountMap(
        "A",
        "Alpha",
        sponsor,
        pl.DataFrame(people, schema=PEOPLE),
        pl.DataFrame(TEAM_ROWS, schema=TEAM),
        pl.DataFrame(links, schema=LINKS),
    )


HEALTHY = make(
    [CEO, person("S2", "Dan", level="senior", influence=4), person("S3", "Eve")],
    [link("Sam", "S1", 4), link("Ann", "S2", 3), link("Tom", "S3", 3)],
)


def kinds(m: AccountMap) -> list[tuple[str, str]]:
    return account_gaps(m, as_of=AS_OF).select("gap", "who").rows()


def test_a_well_covered_account_has_no_gaps():
    assert kinds(HEALTHY) == []


def test_an_uncovered_decision_maker_and_high_influence_person_are_gaps():
    m = make(
        [CEO, person("S2", "Dan", level="senior", influence=4), person("S3", "Eve", decision_maker=True)],
        [link("Sam", "S1", 4), link("Ann", "S2", 2), link("Tom", "S3", 1), link("Ann", "S1", 3)],
    )
    found = account_gaps(m, as_of=AS_OF)
    assert found.filter(pl.col("gap") == "uncovered").select("who", "reason").rows() == [
        ("Dan", "influence 4 (no title) has no relationship of strength 3+."),
        ("Eve", "decision maker (no title) has no relationship of strength 3+."),
    ]


def test_a_low_influence_person_without_relationships_is_not_a_gap():
    m = make(
        [
            CEO,
            person("S2", "Dan", level="senior", influence=4),
            person("S3", "Eve"),
            person("S4", "Fay", influence=3),
        ],
        [link("Sam", "S1", 4), link("Ann", "S2", 3), link("Tom", "S3", 3)],
    )
    assert kinds(m) == []


@pytest.mark.parametrize(
    "links,why",
    [
        (
            [link("Ann", "S1", 4), link("Ann", "S2", 3), link("Sam", "S1", 2)],
            "Ann holds all 2 strong relationships.",
        ),
        (
            [link("Ann", "S1", 4), link("Sam", "S1", 3), link("Tom", "S2", 2)],
            "Only one stakeholder has a strong relationship with us.",
        ),
    ],
)
def test_single_threaded_when_one_member_or_one_stakeholder_holds_it_all(links, why):
    m = make([CEO, person("S2", "Dan", level="senior")], links)
    found = account_gaps(m, as_of=AS_OF).filter(pl.col("gap") == "single-threaded")
    assert found["reason"].to_list() == [why]


def test_no_executive_pairing_when_the_sponsor_knows_no_customer_executive():
    m = make(
        [CEO, person("S2", "Dan", level="senior", influence=4), person("S3", "Eve")],
        [link("Ann", "S1", 4), link("Sam", "S2", 3), link("Tom", "S3", 3)],
    )
    assert kinds(m) == [("no executive pairing", "Sam")]


def test_a_weak_sponsor_relationship_still_counts_as_pairing():
    m = make(
        [CEO, person("S2", "Dan", level="senior", influence=4), person("S3", "Eve")],
        [link("Sam", "S1", 1), link("Ann", "S1", 4), link("Ann", "S2", 3), link("Tom", "S3", 3)],
    )
    assert kinds(m) == []


@pytest.mark.parametrize(
    "influence,attitude,expected", [(4, -1, True), (5, -2, True), (3, -2, False), (4, 0, False)]
)
def test_detractor_gap_needs_high_influence_and_negative_attitude(influence, attitude, expected):
    m = make(
        [
            CEO,
            person("S2", "Dan", level="senior", influence=influence, attitude=attitude),
            person("S3", "Eve"),
        ],
        [link("Sam", "S1", 4), link("Ann", "S2", 3), link("Tom", "S3", 3)],
    )
    assert (("detractor", "Dan") in kinds(m)) is expected


@pytest.mark.parametrize("days,expected", [(90, False), (91, True)])
def test_a_relationship_untouched_for_more_than_90_days_is_stale(days, expected):
    from datetime import timedelta

    m = make(
        [CEO, person("S2", "Dan", level="senior", influence=4), person("S3", "Eve")],
        [link("Sam", "S1", 4), link("Ann", "S2", 3, AS_OF - timedelta(days=days)), link("Tom", "S3", 3)],
    )
    assert (("stale", "Ann – Dan") in kinds(m)) is expected


def test_a_stakeholder_below_executive_level_without_a_manager_is_a_gap():
    m = make(
        [CEO, person("S2", "Dan", level="senior", influence=4, reports_to=None), person("S3", "Eve")],
        [link("Sam", "S1", 4), link("Ann", "S2", 3), link("Tom", "S3", 3)],
    )
    assert kinds(m) == [("no manager", "Dan")]


def test_penetration_counts_departments_and_levels_reached_by_strong_relationships():
    m = make(
        [
            CEO,
            person("S2", "Dan", level="senior", department="Finance"),
            person("S3", "Eve", department="IT"),
            person("S4", "Fay", level="manager", department="Operations"),
        ],
        [link("Sam", "S1", 4), link("Ann", "S2", 3), link("Tom", "S3", 2), link("Tom", "S4", 1)],
    )
    assert penetration(m) == {"departments_reached": 2, "departments": 4, "levels_reached": 2, "levels": 4}


def test_reporting_loops_are_found():
    m = make(
        [
            CEO,
            person("S2", "Dan", reports_to="S3"),
            person("S3", "Eve", reports_to="S2"),
            person("S4", "Fay", reports_to="S2"),
        ],
        [],
    )
    assert reporting_loops(m.stakeholders) == {"S2", "S3"}
    assert '"S3" -> "S2"' not in relationship_dot(m) and '"S2" -> "S4"' in relationship_dot(m)


def test_waves_and_planning_roles():
    assert team_waves(HEALTHY).select("label", "members", "names").rows()[:3] == [
        ("Account manager", 1, "Ann"),
        ("Core team", 1, "Tom"),
        ("Extended team", 0, "–"),
    ]
    roles = planning_roles(HEALTHY)
    assert roles.filter(pl.col("empty"))["role"].to_list() == [
        "forward_thinker",
        "project_manager",
        "devils_advocate",
    ]
    assert roles.filter(pl.col("role") == "business_driver")["played_by"].to_list() == ["Ann"]


def nodes(dot: str) -> set[str]:
    """The ids of the nodes a DOT text declares."""
    return {line.split(" [")[0].strip('"') for line in dot.splitlines() if " [" in line and "->" not in line}


def test_focus_draws_only_the_person_their_relationships_and_the_managers_above():
    everyone = relationship_dot(HEALTHY)
    dot = relationship_dot(HEALTHY, focus="S1")
    assert '"S1" -> "member:Sam"' in dot and 'color="#1f5fa8"' in dot
    assert nodes(dot) == {"node", "edge", "S1", "member:Sam"}  # Dan, Eve, Ann and Tom left out
    assert nodes(everyone) >= {"S1", "S2", "S3", "member:Ann", "member:Sam", "member:Tom"}


def test_the_map_reads_left_to_right_in_a_readable_size():
    dot = relationship_dot(HEALTHY)
    assert "rankdir=LR" in dot and "fontsize=14" in dot


def dot_outside_strings(dot: str) -> tuple[str, list[str]]:
    """(the DOT text with every quoted string cut out, the strings unescaped) - read as
    Graphviz reads it: a backslash escapes the next character inside a string."""
    outside, strings, i = [], [], 0
    while i < len(dot):
        if dot[i] != '"':
            outside.append(dot[i])
            i += 1
            continue
        j, text = i + 1, []
        while dot[j] != '"':
            text.append(dot[j + 1] if dot[j] == "\\" else dot[j])
            j += 2 if dot[j] == "\\" else 1
        strings.append("".join(text))
        outside.append("S")
        i = j + 1
    return "".join(outside), strings


@pytest.mark.parametrize(
    ("sid", "name"),
    [
        ("S2\\", 'Click"] "x" [URL="https://evil.example" label="CLICK ME'),
        ("S2", 'Eve\\"; evil [URL="https://evil.example"]; "'),
        ('S2" -> "S1', "Eve"),
    ],
)
def test_workbook_text_cannot_write_dot_of_its_own(sid, name):
    m = make([CEO, person(sid, name)], [link("Ann", sid, 4)])
    outside, strings = dot_outside_strings(relationship_dot(m))
    assert sid in strings  # the stakeholder is one node, its id intact
    assert "URL" not in outside and "href" not in outside
    assert outside.count("->") == 2  # the reporting line and the one relationship
    # node and edge defaults, then one per node and edge
    assert outside.count("[") == 2 + 2 + len(TEAM_ROWS) + 2


def test_focus_on_a_member_draws_their_stakeholders_with_the_managers_above():
    assert nodes(relationship_dot(HEALTHY, focus="Ann")) == {"node", "edge", "member:Ann", "S2", "S1"}
