"""Two strategic accounts of two account managers, for the account plan tests.

A1 (Ann AM): stakeholders S1 Cara CEO (executive) and S2 Dan CFO; opportunity O1 open,
O3 won; a 90-day review held on 1 May 2026 and one planned; survey response R1 (a
detractor, recommend 4) with its action X1, and action X3 from a review.
A2 (Bob AM): stakeholder S3, opportunity O2, action X2.
"""

from __future__ import annotations

from datetime import date, datetime

from sam_core.access.permissions import User

ANN = User("ann", "Ann AM", "account_manager")
BOB = User("bob", "Bob AM", "account_manager")
ADMIN = User("admin", "Ada Admin", "admin")
EXECUTIVE = User("exec", "Eric Executive", "executive")
COACH = User("coach", "Chloe Coach", "coach")
AS_OF = date(2026, 6, 15)


def at(month: int, day: int, hour: int = 9) -> datetime:
    """A moment of 2026 (UTC): the injected clock of every edit in these tests."""
    return datetime(2026, month, day, hour)


SHEETS = {
    "Accounts": [
        {
            "account_id": "A1",
            "account_name": "Alpha",
            "account_manager": "Ann AM",
            "executive_sponsor": "Sam Sponsor",
            "strategic": "yes",
        },
        {"account_id": "A2", "account_name": "Beta", "account_manager": "Bob AM", "strategic": "yes"},
    ],
    "Opportunities": [
        {"opportunity_id": "O1", "account_id": "A1", "name": "Platform", "stage": "proposal", "amount": 100},
        {"opportunity_id": "O2", "account_id": "A2", "name": "Services", "stage": "qualifying", "amount": 50},
        {"opportunity_id": "O3", "account_id": "A1", "name": "Renewal", "stage": "won", "amount": 80},
    ],
    "Stakeholders": [
        {
            "stakeholder_id": "S1",
            "account_id": "A1",
            "name": "Cara CEO",
            "title": "CEO",
            "level": "executive",
        },
        {"stakeholder_id": "S2", "account_id": "A1", "name": "Dan CFO", "title": "CFO", "level": "senior"},
        {"stakeholder_id": "S3", "account_id": "A2", "name": "Eve Buyer", "title": "Buyer", "level": "staff"},
    ],
    "Engagements": [
        {
            "engagement_id": "E1",
            "account_id": "A1",
            "date": date(2026, 5, 1),
            "type": "ninety_day_review",
            "status": "held",
        },
        {
            "engagement_id": "E2",
            "account_id": "A1",
            "date": date(2026, 8, 1),
            "type": "ninety_day_review",
            "status": "planned",
        },
        {
            "engagement_id": "E3",
            "account_id": "A2",
            "date": date(2026, 7, 1),
            "type": "qbr",
            "status": "planned",
        },
    ],
    "Surveys": [
        {"response_id": "R1", "account_id": "A1", "survey_date": date(2026, 1, 2), "recommend_score": 4}
    ],
    "Actions": [
        {
            "action_id": "X1",
            "account_id": "A1",
            "description": "Call Cara about the invoices",
            "owner": "Ann AM",
            "source": "R1",
            "created": date(2026, 1, 5),
            "due": date(2026, 7, 1),
            "status": "open",
        },
        {
            "action_id": "X2",
            "account_id": "A2",
            "description": "Send the proposal",
            "owner": "Bob AM",
            "created": date(2026, 1, 5),
            "status": "open",
        },
        {
            "action_id": "X3",
            "account_id": "A1",
            "description": "Prepare the QBR",
            "owner": "Sam Sponsor",
            "source": "internal review",
            "created": date(2026, 1, 5),
            "due": date(2026, 9, 1),
            "status": "in_progress",
        },
    ],
}
