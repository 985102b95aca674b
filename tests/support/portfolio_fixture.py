"""A four-account program whose figures were worked out by hand (see test_portfolio_metrics).

Monthly revenue, constant within each 12-month block (2024-07..2025-06 previous,
2025-07..2026-06 current):

| account | previous | current | T12M | note |
|---|---|---|---|---|
| A1 | 80 | 100 | 1200 | strategic, sponsor Sam Sponsor, wallet 2000, profit 30/month |
| A2 | 50 | 50 | 600 | |
| A3 | 50 | 25 | 300 | |
| A4 | 5 | 5 | 60 | subsidiary of A1 |

Opportunities of A1 (window Jul 2025 .. Jun 2026): O1 proposal 100 without a probability
(stage default 50%: weighted 50), O2 negotiation 200 at 60% (weighted 120), O3 won 300 in
Mar 2026, O4 lost 100 in Sep 2025: open 300, weighted 170, won 300, win rate 1 of 2 deals
and 300 of 400 in value.
"""

from __future__ import annotations

from datetime import date

AS_OF = date(2026, 6, 15)
MONTHS = [date(2024 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(24)]  # 2024-07 .. 2026-06


def _financials():
    rows = []
    for account, previous, current in (("A1", 80, 100), ("A2", 50, 50), ("A3", 50, 25), ("A4", 5, 5)):
        for i, month in enumerate(MONTHS):
            revenue = previous if i < 12 else current
            rows.append(
                {
                    "account_id": account,
                    "period": month,
                    "revenue": revenue,
                    "profit": 30 if account == "A1" and i >= 12 else None,
                }
            )
    return rows


SHEETS = {
    "Accounts": [
        {
            "account_id": "A1",
            "account_name": "Alpha",
            "account_manager": "Ann AM",
            "executive_sponsor": "Sam Sponsor",
            "strategic": "yes",
            "wallet_estimate": 2000,
            "business_unit": "North",
        },
        {
            "account_id": "A2",
            "account_name": "Beta",
            "account_manager": "Bob AM",
            "strategic": "no",
            "business_unit": "South",
        },
        {
            "account_id": "A3",
            "account_name": "Gamma",
            "account_manager": "Bob AM",
            "strategic": "no",
            "business_unit": "South",
        },
        {
            "account_id": "A4",
            "account_name": "Alpha Nordic",
            "account_manager": "Ann AM",
            "parent_account": "A1",
            "strategic": "no",
            "business_unit": "North",
        },
    ],
    "Financials": _financials(),
    "Opportunities": [
        {"opportunity_id": "O1", "account_id": "A1", "name": "Renewal", "stage": "proposal", "amount": 100},
        {
            "opportunity_id": "O2",
            "account_id": "A1",
            "name": "Expansion",
            "stage": "negotiation",
            "amount": 200,
            "probability": 60,
        },
        {
            "opportunity_id": "O3",
            "account_id": "A1",
            "name": "New site",
            "stage": "won",
            "amount": 300,
            "close_date": date(2026, 3, 10),
        },
        {
            "opportunity_id": "O4",
            "account_id": "A1",
            "name": "Platform",
            "stage": "lost",
            "amount": 100,
            "close_date": date(2025, 9, 1),
        },
    ],
    "Stakeholders": [
        {
            "stakeholder_id": "S1",
            "account_id": "A1",
            "name": "Cara CEO",
            "level": "executive",
            "decision_maker": "yes",
            "influence": 5,
        },
        {
            "stakeholder_id": "S2",
            "account_id": "A1",
            "name": "Dan CFO",
            "level": "senior",
            "decision_maker": "no",
            "influence": 4,
        },
        {
            "stakeholder_id": "S3",
            "account_id": "A1",
            "name": "Eve Buyer",
            "level": "staff",
            "decision_maker": "no",
            "influence": 2,
        },
    ],
    "Team": [
        {"account_id": "A1", "member": "Ann AM", "wave": "core"},
        {"account_id": "A1", "member": "Sam Sponsor", "wave": "sponsor"},
    ],
    "Relationships": [
        {
            "account_id": "A1",
            "member": "Sam Sponsor",
            "stakeholder_id": "S1",
            "strength": 4,
            "last_contact": date(2026, 6, 1),
        },
        {
            "account_id": "A1",
            "member": "Ann AM",
            "stakeholder_id": "S2",
            "strength": 2,
            "last_contact": date(2026, 6, 1),
        },
        {
            "account_id": "A1",
            "member": "Ann AM",
            "stakeholder_id": "S3",
            "strength": 5,
            "last_contact": date(2026, 6, 1),
        },
    ],
    "Engagements": [
        {
            "engagement_id": "E1",
            "account_id": "A1",
            "date": date(2025, 9, 1),
            "type": "executive_visit",
            "status": "held",
            "sponsor_attended": "yes",
        },
        {
            "engagement_id": "E2",
            "account_id": "A1",
            "date": date(2026, 3, 1),
            "type": "site_visit",
            "status": "held",
            "sponsor_attended": "yes",
        },
        {
            "engagement_id": "E3",
            "account_id": "A1",
            "date": date(2026, 5, 10),
            "type": "internal_review",
            "status": "held",
        },
        {
            "engagement_id": "E4",
            "account_id": "A1",
            "date": date(2026, 1, 20),
            "type": "qbr",
            "status": "held",
            "sponsor_attended": "yes",
        },
        {
            "engagement_id": "E5",
            "account_id": "A1",
            "date": date(2026, 2, 1),
            "type": "ninety_day_review",
            "status": "held",
        },
        {
            "engagement_id": "E6",
            "account_id": "A1",
            "date": date(2026, 4, 15),
            "type": "qbr",
            "status": "held",
            "sponsor_attended": "no",
        },
    ],
    "Evidence": [
        {"account_id": "A1", "date": date(2026, 6, 1), "signal": "meeting_accepted"},
        {"account_id": "A1", "date": date(2026, 5, 1), "signal": "advice_sought"},
        {"account_id": "A1", "date": date(2026, 4, 1), "signal": "scope_reduced"},
        {"account_id": "A1", "date": date(2026, 1, 1), "signal": "call_returned"},
    ],
    "Surveys": [
        {
            "response_id": "R1",
            "account_id": "A1",
            "survey_date": date(2026, 5, 2),
            "wave": "2026 H1",
            "recommend_score": 9,
            "satisfaction": 5,
            "continue_score": 4,
        },
        {
            "response_id": "R2",
            "account_id": "A1",
            "survey_date": date(2026, 5, 3),
            "wave": "2026 H1",
            "recommend_score": 6,
            "satisfaction": 3,
            "comment": "Delivery slipped twice this spring.",
        },
        {
            "response_id": "R3",
            "account_id": "A1",
            "survey_date": date(2026, 5, 4),
            "wave": "2026 H1",
            "recommend_score": 10,
        },
        {
            "response_id": "R4",
            "account_id": "A2",
            "survey_date": date(2026, 5, 5),
            "wave": "2026 H1",
            "recommend_score": 7,
        },
    ],
    "Actions": [
        {
            "action_id": "X1",
            "account_id": "A1",
            "description": "Call back",
            "owner": "Ann AM",
            "created": date(2026, 5, 1),
            "due": date(2026, 6, 1),
            "status": "open",
        },
        {
            "action_id": "X2",
            "account_id": "A1",
            "description": "Proposal",
            "owner": "Ann AM",
            "created": date(2026, 5, 1),
            "due": date(2026, 7, 1),
            "status": "in_progress",
        },
        {
            "action_id": "X3",
            "account_id": "A1",
            "description": "Fix invoice",
            "owner": "Ann AM",
            "created": date(2026, 4, 1),
            "due": date(2026, 5, 1),
            "status": "done",
            "closed": date(2026, 4, 20),
        },
    ],
}
