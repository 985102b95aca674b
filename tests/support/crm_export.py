"""A CRM-shaped export, as a public CRM sample looks: accounts, sales_pipeline and interactions
sheets with the CRM's own headers, m/d/yy text dates, deals with no account, open deals with no
value, and no account-manager or interaction-id column. Month 2 is the next export of the same
CRM: the same headers as the fixed month 1, every earlier row again (one deal moved on) and new
rows. The unfixed month 1 has a value 'n/a' to fix in the file, and no website column.

Hand-worked content (month 1, fixed):
- accounts: 3 (Zephyr Analytics, Quill Logistics, Harbor Foods; Harbor is a subsidiary of Quill).
- sales_pipeline: 6 deals; D-106 has no account (skipped), D-102 and D-105 are open with no value
  (0 by default), D-103 is "Engaging" (mapped to qualifying). Loaded: 5 deals, won value 12,000
  (D-101 5,000 + D-104 7,000).
- interactions: 4, on 7/14/25 to 7/30/25, no id (generated), no type or status (one value each).
"""

from __future__ import annotations

from workbooks import workbook_bytes

from sam_core.ingest.mapping import KEEP, SheetMapping, propose
from sam_core.ingest.reader import PendingSheet, open_file

ACCOUNTS = ["Zephyr Analytics", "Quill Logistics", "Harbor Foods"]


def crm_sheets(month: int = 1, *, fixed: bool = True) -> dict[str, list]:
    accounts = [
        ["account", "sector", "year_established", "revenue", "employees", "office_location", "subsidiary_of"],
        ["Zephyr Analytics", "technology", "2001", "1200.5", "310", "United States", None],
        ["Quill Logistics", "retail", "1994", "4300", "2100", "Germany", None],
        ["Harbor Foods", "retail", "2010", "870", "95", "Germany", "Quill Logistics"],
    ]
    if fixed:
        # The fixed export gained a column: every choice made for the others must still apply.
        accounts = [
            [*row, value]
            for row, value in zip(accounts, ["website", "zephyr.example", "quill.example", None], strict=True)
        ]
    deals = [
        [
            "opportunity_id",
            "sales_agent",
            "product",
            "account",
            "deal_stage",
            "engage_date",
            "close_date",
            "close_value",
        ],
        ["D-101", "Anna Snelling", "GTX Pro", "Zephyr Analytics", "Won", "6/2/25", "7/14/25", "5000"],
        ["D-102", "Anna Snelling", "MG Special", "Zephyr Analytics", "Prospecting", "7/1/25", None, None],
        ["D-103", "Moses Frase", "GTX Basic", "Quill Logistics", "Engaging", "6/20/25", None, "1500"],
        [
            "D-104",
            "Moses Frase",
            "GTK 500",
            "Quill Logistics",
            "Won",
            "5/5/25",
            "7/28/25",
            "7000" if fixed else "n/a",
        ],
        ["D-105", "Darcel Schlecht", "MG Advanced", "Harbor Foods", "Prospecting", "7/21/25", None, None],
        ["D-106", "Darcel Schlecht", "GTX Plus", None, "Lost", "4/2/25", "7/3/25", "900"],
    ]
    interactions = [
        ["account", "sales_agent", "timestamp", "channel", "subject"],
        ["Zephyr Analytics", "Anna Snelling", "7/14/25 9:30", "meeting", "Quarterly review"],
        ["Zephyr Analytics", "Anna Snelling", "7/14/25 16:05", "call", "Pricing follow-up"],
        ["Quill Logistics", "Moses Frase", "7/22/25 11:00", "email", "Proposal sent"],
        ["Harbor Foods", "Darcel Schlecht", "7/30/25 14:15", "meeting", "Site visit"],
    ]
    if month == 2:
        deals[3] = [
            "D-103",
            "Moses Frase",
            "GTX Basic",
            "Quill Logistics",
            "Won",
            "6/20/25",
            "8/19/25",
            "1500",
        ]
        deals.append(
            ["D-107", "Anna Snelling", "GTX Pro", "Zephyr Analytics", "Engaging", "8/4/25", None, None]
        )
        interactions += [
            ["Quill Logistics", "Moses Frase", "8/12/25 10:00", "meeting", "Contract signed"],
            ["Harbor Foods", "Darcel Schlecht", "8/20/25 9:00", "call", "Onboarding"],
        ]
    return {"accounts": accounts, "sales_pipeline": deals, "interactions": interactions}


def crm_export(month: int = 1, *, fixed: bool = True) -> bytes:
    return workbook_bytes(crm_sheets(month, fixed=fixed))


def proposals(
    content: bytes, remembered=(), me: str = "Maria Keller"
) -> list[tuple[PendingSheet, SheetMapping]]:
    """Each sheet of the export with the mapping the Data upload page proposes."""
    return [(s, propose(s, list(remembered), me=me)) for s in open_file("crm.xlsx", content)]


def choose(found: list[tuple[PendingSheet, SheetMapping]]) -> list[tuple[PendingSheet, SheetMapping]]:
    """The six choices a user makes on the mapping screen for the first month (as the browser
    test does): skip deals with no account, 0 for open deals with no value, Engaging means
    qualifying, product kept aside, every interaction is an 'other' engagement and 'held'."""
    by_sheet = {m.sheet: m for _, m in found}
    deals, talks = by_sheet["Opportunities"], by_sheet["Engagements"]
    deals.skip.append("account_id")
    deals.defaults["amount"] = "0"
    deals.values["stage"] = {"Engaging": "qualifying"}
    deals.columns["product"] = KEEP
    talks.fill.update(type="other", status="held")
    return found
