"""What changed between two dates for a user's accounts, on a hand-made account (fixed dates).

A1 Alpha (Ann AM, strategic): revenue 100 a month from Jan 2024 (growth needs the 12 months before
the window), 150 from Feb 2026; QBRs held on 20
Jan and 15 Apr 2026 (so the default dates are 31 Jan and 30 Apr 2026); detractor R0 (10 Jan) whose
action X0 came on 1 Feb, detractor R1 (1 Apr) with none; action X1 created 10 Feb, X2 closed 5 Mar,
X3 created 1 May (after the window); Dan CFO removed by an upload on 1 Mar 2026.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sam_core.access.permissions import User
from sam_core.attention.changes import default_dates, what_changed
from sam_core.attention.scope import Scope
from sam_core.errors import ValidationFailed
from sam_core.ingest.uploads import load_files

ADMIN = User("admin", "Admin", "admin")
TODAY = date(2026, 6, 8)
MONTHS = [date(2024 + i // 12, i % 12 + 1, 1) for i in range(29)]  # Jan 2024 .. May 2026
ACCOUNT = {"account_id": "A1", "account_name": "Alpha", "account_manager": "Ann AM", "strategic": "yes"}
PEOPLE = [
    {"stakeholder_id": "S1", "account_id": "A1", "name": "Cara CEO", "level": "executive"},
    {"stakeholder_id": "S2", "account_id": "A1", "name": "Dan CFO", "title": "CFO", "decision_maker": "yes"},
]


def action(action_id, created, status="open", closed=None, source=None):
    return {
        "action_id": action_id,
        "account_id": "A1",
        "description": f"Do {action_id}",
        "owner": "Ann AM",
        "created": created,
        "due": date(2026, 12, 31),
        "status": status,
        "closed": closed,
        "source": source,
    }


SHEETS = {
    "Accounts": [ACCOUNT],
    "Financials": [
        {"account_id": "A1", "period": m, "revenue": 150 if m >= date(2026, 2, 1) else 100} for m in MONTHS
    ],
    "Stakeholders": PEOPLE,
    "Engagements": [
        {
            "engagement_id": f"Q{i}",
            "account_id": "A1",
            "date": d,
            "type": "qbr",
            "status": "held",
            "sponsor_attended": "yes",
        }
        for i, d in enumerate((date(2026, 1, 20), date(2026, 4, 15)))
    ],
    "Surveys": [
        {"response_id": "R0", "account_id": "A1", "survey_date": date(2026, 1, 10), "recommend_score": 2},
        {"response_id": "R1", "account_id": "A1", "survey_date": date(2026, 4, 1), "recommend_score": 3},
    ],
    "Actions": [
        action("X0", date(2026, 2, 1), source="R0"),
        action("X1", date(2026, 2, 10)),
        action("X2", date(2025, 12, 1), status="done", closed=date(2026, 3, 5)),
        action("X3", date(2026, 5, 1)),
    ],
}
ANNS = Scope(frozenset({"A1"}), False, "the 1 account Ann AM manages")


@pytest.fixture
def history(db, make_workbook):
    first = load_files(db, [("a.xlsx", make_workbook(SHEETS))], user=ADMIN).upload_id
    gone = load_files(db, [("b.xlsx", make_workbook({"Stakeholders": PEOPLE[:1]}))], user=ADMIN, replace=True)
    for upload, moment in ((first, datetime(2025, 1, 1, 9)), (gone.upload_id, datetime(2026, 3, 1, 9))):
        db.execute("UPDATE uploads SET uploaded_at = ? WHERE upload_id = ?", [moment, upload])
    return db


def test_the_default_dates_are_the_last_days_of_the_last_two_qbr_months(history):
    assert default_dates(history, today=TODAY, account_ids=["A1"]) == (date(2026, 1, 31), date(2026, 4, 30))


def test_with_fewer_than_two_qbr_months_the_default_is_the_last_90_days(history):
    assert default_dates(history, today=date(2026, 3, 1), account_ids=["A1"]) == (
        date(2025, 12, 1),
        date(2026, 3, 1),
    )


@pytest.fixture
def changes(history):
    return what_changed(history, scope=ANNS, since=date(2026, 1, 31), until=date(2026, 4, 30))


def test_the_figures_as_the_data_stood_at_each_date(changes):
    figures = {f: (then, now) for f, _, then, now in changes.figures.iter_rows()}
    # T12M to Jan 2026: 12 x 100; to Apr 2026: 9 x 100 + 3 x 150
    assert figures["Revenue, last 12 months"] == (1200.0, 1350.0)
    # 31 Jan: X2 open (closed on 5 Mar); 30 Apr: X0 and X1 open, X3 not yet created
    assert figures["Open actions"] == (1.0, 2.0)
    assert [a.account_id for a in changes.accounts] == ["A1"]


def test_new_and_closed_actions_in_the_window(changes):
    alpha = changes.accounts[0]
    assert alpha.new_actions["action_id"].to_list() == ["X0", "X1"]  # X3 came after the second date
    assert alpha.closed_actions.select("action_id", "closed").rows() == [("X2", date(2026, 3, 5))]


def test_new_and_resolved_risks(changes):
    alpha = changes.accounts[0]
    assert alpha.new_risks == ["Detractor without an action (R1)"]
    assert alpha.resolved_risks == ["Detractor without an action (R0)"]


def test_stakeholders_removed_in_the_window(changes):
    people = changes.accounts[0].people
    assert people.select("change", "name", "detail", "changed_at").rows() == [
        ("removed", "Dan CFO", "CFO, decision maker", datetime(2026, 3, 1, 9))
    ]


def test_a_removal_outside_the_window_is_not_a_change(history):
    later = what_changed(history, scope=ANNS, since=date(2026, 3, 2), until=date(2026, 4, 30))
    assert later.accounts[0].people.is_empty()


def test_the_first_date_must_come_before_the_second(history):
    with pytest.raises(ValidationFailed, match="Choose a first date before the second"):
        what_changed(history, scope=ANNS, since=date(2026, 4, 30), until=date(2026, 4, 30))
