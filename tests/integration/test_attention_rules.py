"""Each early-warning rule at its edges, on tiny hand-made programs and a fixed clock (TODAY, a
Monday). Uploads are stamped by the real clock; where a rule looks back in time the test sets the
upload's moment itself."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest

from sam_core.access.permissions import User
from sam_core.attention.rules import (
    cadence_overdue,
    concentration_crossed,
    health_drops,
    open_loops,
    people_left,
    renewals_at_risk,
    stale_top_accounts,
)
from sam_core.ingest.uploads import load_files
from sam_core.metrics.health import account_overview
from sam_core.plans import edits

ADMIN = User("admin", "Admin", "admin")
TODAY = date(2026, 6, 15)  # a Monday
ACCOUNT = {
    "account_id": "A1",
    "account_name": "Alpha",
    "account_manager": "Ann AM",
    "executive_sponsor": "Sam Sponsor",
    "customer_executive": "Cara CEO",
    "strategic": "yes",
}
PEOPLE = [
    {"stakeholder_id": "S1", "account_id": "A1", "name": "Cara CEO", "level": "executive"},
    {"stakeholder_id": "S2", "account_id": "A1", "name": "Dan CFO", "title": "CFO", "decision_maker": "yes"},
    {
        "stakeholder_id": "S3",
        "account_id": "A1",
        "name": "Eve Buyer",
        "level": "staff",
        "decision_maker": "no",
    },
    {"stakeholder_id": "S4", "account_id": "A1", "name": "Fay COO", "level": "executive"},
]


def load(con, make_workbook, sheets: dict, *, replace: bool = False) -> int:
    return load_files(con, [("x.xlsx", make_workbook(sheets))], user=ADMIN, replace=replace).upload_id


def stamp(con, upload_id: int, moment: datetime) -> None:
    con.execute("UPDATE uploads SET uploaded_at = ? WHERE upload_id = ?", [moment, upload_id])


# -- a decision maker or the sponsor's counterpart left ----------------------------------------


@pytest.fixture
def people(db, make_workbook):
    team = [{"account_id": "A1", "member": "Sam Sponsor", "wave": "sponsor"}]
    sponsor_pair = [{"account_id": "A1", "member": "Sam Sponsor", "stakeholder_id": "S4", "strength": 4}]
    load(
        db,
        make_workbook,
        {"Accounts": [ACCOUNT], "Stakeholders": PEOPLE, "Team": team, "Relationships": sponsor_pair},
    )
    return db


def without(con, make_workbook, *gone: str) -> int:
    """A complete-history upload of A1's stakeholders without `gone` (and the relationships)."""
    kept = [p for p in PEOPLE if p["stakeholder_id"] not in gone]
    ties = (
        []
        if "S4" in gone
        else [{"account_id": "A1", "member": "Sam Sponsor", "stakeholder_id": "S4", "strength": 4}]
    )
    sheets = {"Stakeholders": kept} | ({"Relationships": ties} if ties else {})
    return load(con, make_workbook, sheets, replace=True)


@pytest.mark.parametrize(
    "gone,title",
    [
        ("S2", "Dan CFO left"),  # a decision maker
        ("S1", "Cara CEO left"),  # named as the account's customer executive
        ("S4", "Fay COO left"),  # the executive our sponsor has a relationship with
    ],
)
def test_removing_a_key_person_is_an_item(people, make_workbook, gone, title):
    upload = without(people, make_workbook, gone)
    found = people_left(people, today=TODAY)
    assert found.select("key", "account_id", "title").rows() == [
        (f"people_left|A1|{gone}|{datetime.now():%Y-%m-%d}", "A1", title)
    ]
    assert f"by upload {upload} of admin" in found["why"][0]


def test_removing_someone_who_neither_decides_nor_meets_the_sponsor_is_no_item(people, make_workbook):
    without(people, make_workbook, "S3")
    assert people_left(people, today=TODAY).is_empty()


@pytest.mark.parametrize("days_ago,listed", [(29, True), (30, True), (31, False)])
def test_a_removal_counts_for_30_days(people, make_workbook, days_ago, listed):
    upload = without(people, make_workbook, "S2")
    stamp(
        people,
        upload,
        datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()) + timedelta(hours=12),
    )
    assert people_left(people, today=TODAY).height == (1 if listed else 0)


def test_a_decision_maker_unmarked_in_the_app_is_an_item(people):
    edits.edit_stakeholder(
        people,
        user=ADMIN,
        stakeholder_id="S2",
        expected={"decision_maker": True},
        changes={"decision_maker": False},
        now=datetime(2026, 6, 10, 9),
    )
    found = people_left(people, today=TODAY)
    assert found.select("key", "title").rows() == [
        ("people_left|A1|S2|2026-06-10", "Dan CFO no longer a decision maker")
    ]
    assert found["why"][0] == (
        "Dan CFO is no longer marked a decision maker (app of admin on 10 Jun 2026). Who decides now?"
    )


@pytest.mark.parametrize(
    "before,after,listed",
    [("Cara CEO", "Zoe Zhang", True), ("Cara CEO", None, True), (None, "Zoe Zhang", False)],
)
def test_the_customer_executive_replaced_or_cleared_is_an_item(db, make_workbook, before, after, listed):
    load(db, make_workbook, {"Accounts": [ACCOUNT | {"customer_executive": before}]})
    load(db, make_workbook, {"Accounts": [ACCOUNT | {"customer_executive": after}]})
    found = people_left(db, today=TODAY)
    assert found["title"].to_list() == ([f"{before} left"] if listed else [])


def test_a_customer_executive_who_stays_among_the_people_did_not_leave(db, make_workbook):
    # the demo read 'Ben Vogel left' while Ben Vogel was still the account's chief executive
    load(db, make_workbook, {"Accounts": [ACCOUNT], "Stakeholders": PEOPLE})
    load(db, make_workbook, {"Accounts": [ACCOUNT | {"customer_executive": "Fay COO"}]})
    found = people_left(db, today=TODAY)
    assert found["title"].to_list() == ["Cara CEO no longer the customer executive"]
    assert found["why"][0].startswith(
        "Cara CEO, the customer executive paired with our sponsor, was replaced by Fay COO"
    )


# -- a detractor or a low score without an action after 2 working days ---------------------------


def survey(day: date, recommend=None, satisfaction=None, continue_score=None, rid="R1") -> dict:
    return {
        "response_id": rid,
        "account_id": "A1",
        "survey_date": day,
        "respondent_name": "Rita Roth",
        "recommend_score": recommend,
        "satisfaction": satisfaction,
        "continue_score": continue_score,
    }


@pytest.mark.parametrize(
    "answered,today,listed",
    [
        (date(2026, 6, 8), date(2026, 6, 10), False),  # Monday; Wednesday is the 2nd working day
        (date(2026, 6, 8), date(2026, 6, 11), True),  # Thursday: 2 working days have passed
        (date(2026, 6, 12), date(2026, 6, 16), False),  # Friday; Tuesday is the 2nd working day
        (date(2026, 6, 12), date(2026, 6, 17), True),
        (date(2026, 6, 13), date(2026, 6, 16), False),  # Saturday counts from Friday: due Tuesday
        (date(2026, 6, 13), date(2026, 6, 17), True),
        (date(2026, 3, 16), date(2026, 6, 15), False),  # 91 days ago: the Loyalty page's closed loop
    ],
)
def test_a_detractor_waits_two_working_days_for_an_action(db, make_workbook, answered, today, listed):
    load(db, make_workbook, {"Accounts": [ACCOUNT], "Surveys": [survey(answered, recommend=6)]})
    found = open_loops(db, today=today)
    assert found["key"].to_list() == (["loop_open|A1|R1"] if listed else [])


def test_the_setting_moves_the_deadline(db, make_workbook):
    load(db, make_workbook, {"Accounts": [ACCOUNT], "Surveys": [survey(date(2026, 6, 8), recommend=3)]})
    assert open_loops(db, today=date(2026, 6, 11), working_days=3).is_empty()
    assert open_loops(db, today=date(2026, 6, 12), working_days=3).height == 1


@pytest.mark.parametrize(
    "scores,title",
    [
        ({"recommend": 7, "satisfaction": 2}, "Low score without an action"),
        ({"recommend": 7, "continue_score": 2}, "Low score without an action"),
        ({"recommend": 6}, "Detractor without an action"),
        ({"recommend": 7, "satisfaction": 3, "continue_score": 3}, None),
    ],
)
def test_detractors_and_low_scores_are_items(db, make_workbook, scores, title):
    load(db, make_workbook, {"Accounts": [ACCOUNT], "Surveys": [survey(date(2026, 6, 1), **scores)]})
    assert open_loops(db, today=TODAY)["title"].to_list() == ([title] if title else [])


@pytest.mark.parametrize("created,listed", [(date(2026, 6, 2), False), (date(2026, 6, 16), True)])
def test_an_action_for_the_response_closes_it_once_created(db, make_workbook, created, listed):
    action = {
        "action_id": "X1",
        "account_id": "A1",
        "description": "Call Rita",
        "owner": "Ann AM",
        "source": "R1",
        "created": created,
        "status": "open",
    }
    sheets = {"Accounts": [ACCOUNT], "Surveys": [survey(date(2026, 6, 1), recommend=2)], "Actions": [action]}
    load(db, make_workbook, sheets)
    assert open_loops(db, today=TODAY).height == (1 if listed else 0)


def test_a_loop_item_says_who_answered_what_and_when_it_was_due(db, make_workbook):
    load(db, make_workbook, {"Accounts": [ACCOUNT], "Surveys": [survey(date(2026, 6, 8), 4, 2)]})
    assert open_loops(db, today=TODAY).select("why", "since").rows() == [
        (
            "Rita Roth answered on 8 Jun 2026 (recommend 4, satisfaction 2); no action 2 working days later "
            "(due by 10 Jun 2026). Response R1.",
            date(2026, 6, 10),
        )
    ]


# -- a cadence rule overdue --------------------------------------------------------------------


def test_each_overdue_cadence_rule_is_an_item_and_the_others_are_not():
    status = pl.DataFrame(
        {
            "account_id": ["A1", "A1", "A1", "A2", "A3"],
            "rule": ["QBRs", "Internal reviews", "90-day reviews", "QBRs", "Internal reviews"],
            "status": ["overdue", "due soon", "compliant", "overdue", "overdue"],
            "last": [date(2026, 1, 10), date(2026, 6, 1), date(2026, 5, 1), None, date(2026, 4, 2)],
            "deadline": [date(2026, 3, 31), date(2026, 6, 30), date(2026, 7, 30), None, date(2026, 6, 30)],
            "detail": [
                "last QBR 2026-01-10",
                "held in June",
                "last held 2026-05-01",
                "last QBR never",
                "none in June or the month before",
            ],
        }
    )
    assert cadence_overdue(status, today=TODAY).select("key", "title", "why", "since").rows() == [
        (
            "cadence_overdue|A1|QBRs|2026-03-31",
            "QBRs overdue",
            "QBRs: last QBR 2026-01-10; deadline 31 Mar 2026.",
            date(2026, 3, 31),
        ),
        ("cadence_overdue|A2|QBRs|None", "QBRs overdue", "QBRs: last QBR never; none held yet.", None),
        # overdue before its deadline (no review in May): hold one by the month end; no "since" ahead
        (
            "cadence_overdue|A3|Internal reviews|2026-06-30",
            "Internal reviews overdue",
            "Internal reviews: none in June or the month before; hold one by 30 Jun 2026.",
            None,
        ),
    ]


# -- health down 10 points in 30 days ------------------------------------------------------------


def kept(con, rows: list[tuple[date, float]]) -> None:
    for day, health in rows:
        con.execute(
            "INSERT INTO health_history VALUES ('A1', ?, ?, NULL, [], 'recorded', 1, now())", [day, health]
        )


@pytest.mark.parametrize(
    "before,now,points,listed",
    [(70.0, 60.0, 10, True), (70.0, 60.1, 10, False), (70.0, 64.0, 6, True), (60.0, 70.0, 10, False)],
)
def test_health_down_by_the_setting_in_30_days_is_an_item(db, before, now, points, listed):
    kept(db, [(TODAY - timedelta(days=30), before), (TODAY, now)])
    found = health_drops(db, today=TODAY, points=points)
    assert found["key"].to_list() == (["health_drop|A1|2026-06"] if listed else [])


def test_without_a_kept_health_30_days_before_the_earlier_one_counts(db):
    kept(db, [(TODAY - timedelta(days=45), 80.0), (TODAY - timedelta(days=20), 75.0), (TODAY, 65.0)])
    found = health_drops(db, today=TODAY)
    assert found["why"].to_list() == [
        "Health 80 on 1 May 2026, 65 now (-15 points; the rule: 10 or more in 30 days)."
    ]


# -- a renewal within its notice period with health below 60 -------------------------------------


@pytest.mark.parametrize(
    "health,renews_in,listed",
    [
        (59.9, 90, True),  # notice period (90 days) begins today
        (60.0, 90, False),
        (59.9, 91, False),  # notice begins tomorrow
        (None, 30, False),  # no health: not below 60
        (30.0, -1, False),  # renewed yesterday
    ],
)
def test_a_renewal_in_its_notice_period_with_health_below_60_is_an_item(
    db, make_workbook, health, renews_in, listed
):
    renews = TODAY + timedelta(days=renews_in)
    deal = {
        "contract_id": "C1",
        "account_id": "A1",
        "name": "Platform",
        "annual_value": 1200000,
        "start": date(2024, 1, 1),
        "end": renews,
    }
    load(db, make_workbook, {"Accounts": [ACCOUNT], "Contracts": [deal]})
    overview = pl.DataFrame(
        {
            "account_id": ["A1"],
            "account_name": ["Alpha"],
            "account_manager": ["Ann AM"],
            "executive_sponsor": [None],
            "health": [health],
            "health_band": [None],
            "loyalty_index": [None],
            "nps": [None],
            "respondents": [0],
        },
        schema_overrides={
            "health": pl.Float64,
            "health_band": pl.String,
            "loyalty_index": pl.Float64,
            "nps": pl.Float64,
        },
    )
    found = renewals_at_risk(db, overview, today=TODAY)
    assert found["key"].to_list() == ([f"renewal_at_risk|A1|C1|{renews}"] if listed else [])
    if listed:
        assert found["why"][0] == (
            "Platform (€1.2m a year) renews on 13 Sep 2026; its notice period began on 15 Jun 2026 and the "
            "account's health is 59.9 (below 60)."
        )


# -- a stale plan or stale data on a top account -------------------------------------------------


def test_stale_plans_and_data_count_on_top_accounts_only(db, make_workbook):
    other = ACCOUNT | {"account_id": "A2", "account_name": "Beta"}
    load(db, make_workbook, {"Accounts": [ACCOUNT, other]})
    overview = pl.DataFrame(
        {
            "account_id": ["A1", "A2"],
            "rank": [1, 2],
            "stale": ["engagements 120 days old", "survey 14 months old"],
        }
    )
    found = stale_top_accounts(db, overview, today=TODAY, top=1)
    assert found.select("key", "why").rows() == [
        ("stale_plan|A1|never", "The account plan is stale: no plan yet."),
        (
            "stale_data|A1|engagements",
            "The data is stale (engagements 120 days old): the meeting would read old figures. Load fresh "
            "exports.",
        ),
    ]


# -- a concentration flag newly crossed ------------------------------------------------------------

MONTHS = [date(2024 + (5 + i) // 12, (5 + i) % 12 + 1, 1) for i in range(26)]  # Jun 2024 .. Jul 2026


def program(last_month_of_a1: float, a1_before: float = 99.0) -> dict:
    """Ten accounts of 90 a month and A1 at `a1_before` a month, then `last_month_of_a1` in June 2026.
    To May 2026: A1 = 12 x 99 = 1188 of 1188 + 10 x 1080: 9.91%. To June: 11 x 99 + June."""
    accounts = [ACCOUNT] + [ACCOUNT | {"account_id": f"B{i}", "account_name": f"Beta {i}"} for i in range(10)]
    rows = []
    for a in accounts:
        for m in MONTHS[:-1]:  # to June 2026
            revenue = (
                (last_month_of_a1 if m == date(2026, 6, 1) else a1_before) if a["account_id"] == "A1" else 90
            )
            rows.append({"account_id": a["account_id"], "period": m, "revenue": revenue})
    return {"Accounts": accounts, "Financials": rows}


@pytest.mark.parametrize(
    "june,listed",
    [
        (125.0, True),  # 1214 of 12014: 10.1%
        (111.0, False),  # 1200 of 12000: exactly 10%, not over it
    ],
)
def test_an_account_crossing_10_percent_of_revenue_is_an_item(db, make_workbook, june, listed):
    load(db, make_workbook, program(june))
    overview = account_overview(db, as_of=TODAY)
    found = concentration_crossed(db, overview)
    assert found["key"].to_list() == (["concentration|account:A1|2026-06"] if listed else [])
    if listed:
        assert found["why"][0] == (
            "Alpha holds 10.1% of revenue in the 12 months to Jun 2026 (risk above 10%); 9.9% to May 2026."
        )


def test_a_flag_that_held_the_month_before_is_not_new(db, make_workbook):
    load(db, make_workbook, program(200.0, a1_before=150.0))  # A1 over 10% in both windows
    assert concentration_crossed(db, account_overview(db, as_of=TODAY)).is_empty()
