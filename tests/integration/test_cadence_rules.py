"""Cadence rules (SPEC.md section 5) on hand-built engagement histories around their edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import polars as pl
import pytest

from sam_core.access.permissions import User
from sam_core.errors import PermissionDenied, ValidationFailed
from sam_core.ingest.uploads import load_files
from sam_core.metrics.cadence import CadencePolicy, cadence_status
from sam_core.metrics.policy import cadence_policy, policy_history, save_cadence_policy
from sam_core.metrics.sponsors import (
    accounts_worst_first,
    cadence_matrix,
    review_schedule,
    schedule_ics,
    working_day,
)

ADMIN = User("admin", "Admin", "admin")
ACCOUNT = {
    "account_id": "A",
    "account_name": "Alpha",
    "account_manager": "Ann",
    "executive_sponsor": "Sam",
    "strategic": "yes",
}


@pytest.fixture
def history(db, make_workbook):
    """`history([(date, type, status, sponsor_attended), ...])` loads them for account A."""

    def load(engagements):
        rows = [
            {
                "engagement_id": f"E{i}",
                "account_id": "A",
                "date": d,
                "type": t,
                "status": s,
                "sponsor_attended": "yes" if sp else "no",
            }
            for i, (d, t, s, sp) in enumerate(engagements)
        ]
        load_files(
            db,
            [("h.xlsx", make_workbook({"Accounts": [ACCOUNT], **({"Engagements": rows} if rows else {})}))],
            user=ADMIN,
        )
        return db

    return load


def rule(con, name: str, as_of: date, policy: CadencePolicy | None = None) -> str:
    status = cadence_status(con, as_of=as_of, policy=policy or CadencePolicy())
    return status.filter(status["rule"] == name).row(0, named=True)["status"]


AS_OF = date(2026, 6, 15)


def planned_ahead(start: date, n: int = 4):
    return [(start + timedelta(days=85 * k), "ninety_day_review", "planned", True) for k in range(1, n + 1)]


@pytest.mark.parametrize(
    "days_ago,expected", [(30, "compliant"), (60, "due soon"), (90, "due soon"), (91, "overdue")]
)
def test_ninety_day_review_gap(history, days_ago, expected):
    last = AS_OF - timedelta(days=days_ago)
    con = history([(last, "ninety_day_review", "held", True), *planned_ahead(AS_OF, 4)])
    assert rule(con, "90-day reviews", AS_OF) == expected


def test_fewer_than_four_reviews_planned_is_at_best_due_soon(history):
    con = history([(AS_OF - timedelta(days=10), "ninety_day_review", "held", True), *planned_ahead(AS_OF, 3)])
    assert rule(con, "90-day reviews", AS_OF) == "due soon"


def test_a_planned_review_in_the_past_never_marked_held_does_not_count(history):
    con = history(
        [
            (AS_OF - timedelta(days=100), "ninety_day_review", "held", True),
            (AS_OF - timedelta(days=10), "ninety_day_review", "planned", True),
            *planned_ahead(AS_OF, 4),
        ]
    )
    assert rule(con, "90-day reviews", AS_OF) == "overdue"
    matrix = cadence_matrix(con, as_of=AS_OF, account_ids=["A"])
    assert matrix.filter(matrix["month"] == date(2026, 6, 1))["label"].to_list() == ["!9"]


def test_visits_without_the_sponsor_do_not_count(history):
    con = history(
        [
            (date(2026, 1, 10), "executive_visit", "held", True),
            (date(2026, 3, 10), "site_visit", "held", False),
        ]
    )
    assert rule(con, "Executive visits", AS_OF) == "overdue"


@pytest.mark.parametrize(
    "older,expected",
    [(date(2025, 9, 1), "compliant"), (date(2025, 7, 10), "due soon"), (date(2025, 6, 15), "overdue")],
)
def test_two_visits_in_any_rolling_twelve_months(history, older, expected):
    con = history([(older, "executive_visit", "held", True), (date(2026, 3, 10), "site_visit", "held", True)])
    assert rule(con, "Executive visits", AS_OF) == expected


@pytest.mark.parametrize(
    "as_of,review,expected",
    [
        (date(2026, 7, 1), date(2026, 6, 30), "due soon"),  # last month's review: due by 31 July
        (date(2026, 7, 1), date(2026, 5, 31), "overdue"),  # June had none
        (date(2026, 7, 1), date(2026, 7, 1), "compliant"),  # this month's is held
    ],
)
def test_internal_review_each_calendar_month(history, as_of, review, expected):
    con = history([(review, "internal_review", "held", False)])
    assert rule(con, "Internal reviews", as_of) == expected


@pytest.mark.parametrize(
    "engagements,expected",
    [
        (
            [(date(2026, 3, 31), "qbr", "held", True)],
            "compliant",
        ),  # Q1 held, Q2 deadline 30 June is 90 days away
        ([(date(2025, 12, 31), "qbr", "held", True)], "overdue"),  # Q1 had none
        ([(date(2026, 3, 20), "qbr", "cancelled", True)], "overdue"),  # a cancelled QBR does not count
        ([(date(2026, 3, 20), "qbr", "held", False)], "overdue"),  # the sponsor must attend
    ],
)
def test_qbr_each_quarter_with_the_sponsor(history, engagements, expected):
    con = history(engagements)
    assert rule(con, "QBRs", date(2026, 4, 1)) == expected


def test_qbr_due_soon_near_the_quarter_end(history):
    con = history([(date(2026, 3, 31), "qbr", "held", True)])
    assert rule(con, "QBRs", date(2026, 6, 5)) == "due soon"


def test_leap_year_edges(history):
    leap = date(2028, 2, 29)
    con = history(
        [
            (date(2027, 12, 1), "ninety_day_review", "held", True),
            (date(2027, 3, 1), "executive_visit", "held", True),
            (date(2028, 2, 1), "executive_visit", "held", True),
            *planned_ahead(leap, 4),
        ]
    )
    assert rule(con, "90-day reviews", leap) == "due soon"  # exactly 90 days: due today
    assert rule(con, "90-day reviews", leap + timedelta(days=1)) == "overdue"
    assert rule(con, "Executive visits", leap) == "due soon"  # 1 March 2027 leaves the window on 1 March 2028


def test_an_explanation_names_the_last_engagement(history):
    con = history([(date(2026, 4, 12), "qbr", "held", False)])
    status = cadence_status(con, as_of=date(2026, 8, 1))
    detail = status.filter(status["rule"] == "QBRs")["detail"].item()
    assert detail == "last QBR 12 Apr 2026, sponsor absent; Q3 2026 has none with the sponsor"


def test_schedule_suggests_reviews_every_gap_and_the_calendar_holds_them(history):
    con = history(
        [
            (date(2026, 5, 1), "ninety_day_review", "held", True),
            (date(2026, 7, 30), "ninety_day_review", "planned", True),
        ]
    )
    schedule = review_schedule(con, as_of=AS_OF)
    assert schedule["suggested"].to_list() == [date(2026, 10, 28), date(2027, 1, 26), date(2027, 4, 26)]
    ics = schedule_ics(schedule).decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    events = list(ics.split("BEGIN:VEVENT\r\n")[1:])
    assert [
        line.split(":")[1] for block in events for line in block.split("\r\n") if line.startswith("DTSTART")
    ] == ["20261028", "20270126", "20270426"]
    assert all("SUMMARY:90-day account review: Alpha" in block for block in events)


def test_admin_changes_the_policy_and_the_change_is_recorded(history):
    con = history(
        [(AS_OF - timedelta(days=100), "ninety_day_review", "held", True), *planned_ahead(AS_OF, 4)]
    )
    assert rule(con, "90-day reviews", AS_OF, cadence_policy(con)) == "overdue"
    save_cadence_policy(con, CadencePolicy(review_gap_days=120), user=ADMIN)
    assert cadence_policy(con) == CadencePolicy(review_gap_days=120)
    assert rule(con, "90-day reviews", AS_OF, cadence_policy(con)) == "due soon"
    assert policy_history(con).select("name", "value", "changed_by").rows() == [
        ("review_gap_days", 120.0, "admin")
    ]


@pytest.mark.parametrize("role", ["executive", "account_manager", "coach"])
def test_only_an_admin_may_change_the_policy(db, role):
    with pytest.raises(PermissionDenied, match="cannot change policy"):
        save_cadence_policy(db, CadencePolicy(review_gap_days=120), user=User("u", "U", role))


def test_an_impossible_policy_is_refused(db):
    with pytest.raises(ValidationFailed, match="between 7 and 366"):
        save_cadence_policy(db, CadencePolicy(review_gap_days=0), user=ADMIN)
    assert policy_history(db).height == 0


def test_workbook_text_cannot_add_events_or_properties_to_the_calendar():
    hostile = "A1\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Pay the invoice at evil.example"
    schedule = pl.DataFrame(
        {
            "account_id": [hostile],
            "account_name": ["Alpha; Beta, \\ Gamma\rDelta " + "x" * 200],
            "sponsor": ["Sam\nSponsor"],
            "suggested": [date(2026, 10, 28)],
        }
    )
    ics = schedule_ics(schedule, now=datetime(2026, 6, 15, 12, tzinfo=UTC))
    events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == 1
    # line breaks (CR LF or a bare CR) stay text: escaped as \n, read back as one line break
    assert str(events[0]["UID"]) == hostile.replace("\r\n", "\n") + "-20261028@sam"
    assert str(events[0]["SUMMARY"]) == "90-day account review: Alpha; Beta, \\ Gamma\nDelta " + "x" * 200
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))  # folded (RFC 5545)
    assert ics.split(b"\r\n").count(b"BEGIN:VEVENT") == 1  # the text stays inside its property


def test_suggested_reviews_stay_within_the_next_twelve_months(history):
    # Held 2026-06-01, one planned far out on 2027-05-03: the missing three follow the held one
    # every 90 days (2026-08-30 is a Sunday: the Friday before), not 90 days after 2027-05-03.
    con = history(
        [
            (date(2026, 6, 1), "ninety_day_review", "held", True),
            (date(2027, 5, 3), "ninety_day_review", "planned", True),
        ]
    )
    suggested = review_schedule(con, as_of=AS_OF)["suggested"].to_list()
    assert suggested == [date(2026, 8, 28), date(2026, 11, 26), date(2027, 2, 24)]


def test_a_year_too_short_for_the_gaps_splits_the_longest_stretch(history):
    # A 150-day gap fits two reviews after the first (2026-06-22, Mon) in the year to
    # 2027-06-15: 2026-11-19, 2027-04-18 (a Sunday: Friday 16th); the fourth splits the
    # longest stretch, 2026-06-22 .. 2026-11-19, at 2026-09-05 (a Saturday: Friday the 4th).
    con = history([])
    policy = CadencePolicy(review_gap_days=150)
    suggested = review_schedule(con, as_of=AS_OF, policy=policy)["suggested"].to_list()
    assert suggested == [date(2026, 6, 22), date(2026, 9, 4), date(2026, 11, 19), date(2027, 4, 16)]


@pytest.mark.parametrize(
    ("due", "earliest", "day"),
    [
        (date(2026, 8, 29), date(2026, 8, 1), date(2026, 8, 28)),  # Saturday -> Friday
        (date(2026, 8, 30), date(2026, 8, 1), date(2026, 8, 28)),  # Sunday -> Friday
        (date(2026, 8, 30), date(2026, 8, 29), date(2026, 8, 31)),  # that Friday is too soon: Monday
        (date(2026, 8, 31), date(2026, 8, 1), date(2026, 8, 31)),  # a Monday stays
    ],
)
def test_suggestions_fall_on_working_days(due, earliest, day):
    assert working_day(due, earliest) == day


def test_the_matrix_as_of_a_past_date_ignores_what_was_held_later(history):
    # A review held on 2026-06-10 and a QBR held on 2026-07-20; as of 2026-06-30 only the review
    # happened: July shows nothing held, and the QBR planned for August still shows as planned.
    con = history(
        [
            (date(2026, 6, 10), "internal_review", "held", False),
            (date(2026, 7, 20), "qbr", "held", True),
            (date(2026, 8, 5), "qbr", "planned", True),
        ]
    )
    matrix = cadence_matrix(con, as_of=date(2026, 6, 30), account_ids=["A"])
    cells = {m: (label, state) for m, label, state in matrix.select("month", "label", "state").iter_rows()}
    assert cells[date(2026, 6, 1)] == ("R", "held")
    assert cells[date(2026, 7, 1)] == ("", "empty")
    assert cells[date(2026, 8, 1)] == ("(Q)", "planned")
    today = cadence_matrix(con, as_of=date(2026, 8, 1), account_ids=["A"])
    assert today.filter(pl.col("month") == date(2026, 7, 1))["label"].to_list() == ["Q"]  # held by then


def test_accounts_are_listed_worst_first():
    # B is overdue on two rules, C on one and due soon on one, A on one: B, C, A.
    status = pl.DataFrame(
        {
            "account_id": ["A"] * 2 + ["B"] * 2 + ["C"] * 2,
            "rule": ["QBRs", "90-day reviews"] * 3,
            "status": ["overdue", "compliant", "overdue", "overdue", "overdue", "due soon"],
            "account_name": ["Alpha"] * 2 + ["Beta"] * 2 + ["Gamma"] * 2,
            "executive_sponsor": ["Sam"] * 6,
            "account_manager": ["Ann"] * 6,
        }
    )
    worst = accounts_worst_first(status)
    assert worst.select("account_id", "overdue", "due_soon").rows() == [("B", 2, 0), ("C", 1, 1), ("A", 1, 0)]
    assert worst.columns[:4] == ["account_id", "account_name", "QBRs", "90-day reviews"]
