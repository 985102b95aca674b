"""Three accounts of two account managers, each with a detractor who has waited a week for an
action, for the attention list, acknowledgement and digest tests.

| account | manager | sponsor | monthly revenue | detractor |
|---|---|---|---|---|
| A1 Alpha | Ann AM | Sam Sponsor | 100 | R1, recommend 3, 1 Jun 2026 |
| A2 Beta | Bob AM | Sam Sponsor | 50 | R2, recommend 4, 1 Jun 2026 |
| A3 Gamma | Bob AM | | 10 | R3, recommend 5, 1 Jun 2026 |

Revenue is flat over the 24 months to May 2026, so revenue ranks A1, A2, A3.
"""

from __future__ import annotations

from datetime import date

from sam_core.access.permissions import User

TODAY = date(2026, 6, 8)  # a Monday, a week after the survey
ANN = User("ann", "Ann AM", "account_manager")
BOB = User("bob", "Bob AM", "account_manager")
SAM = User("sam", "Sam Sponsor", "executive")
EXECUTIVE = User("exec", "Eric Executive", "executive")
ADMIN = User("admin", "Ada Admin", "admin")
MONTHS = [date(2024 + (5 + i) // 12, (5 + i) % 12 + 1, 1) for i in range(24)]  # Jun 2024 .. May 2026
ACCOUNTS = (("A1", "Alpha", "Ann AM", "Sam Sponsor", 100), ("A2", "Beta", "Bob AM", "Sam Sponsor", 50))
ACCOUNTS += (("A3", "Gamma", "Bob AM", None, 10),)

SHEETS = {
    "Accounts": [
        {"account_id": a, "account_name": n, "account_manager": m, "executive_sponsor": s, "strategic": "no"}
        for a, n, m, s, _ in ACCOUNTS
    ],
    "Financials": [
        {"account_id": a, "period": month, "revenue": revenue}
        for a, _, _, _, revenue in ACCOUNTS
        for month in MONTHS
    ],
    "Surveys": [
        {
            "response_id": f"R{i}",
            "account_id": a,
            "survey_date": date(2026, 6, 1),
            "respondent_name": f"Respondent {i}",
            "recommend_score": 2 + i,
        }
        for i, (a, *_) in enumerate(ACCOUNTS, start=1)
    ],
}
