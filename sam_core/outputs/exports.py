"""The account brief as an Excel workbook, and the Helvetica helpers of the account plan's PDF
(Helvetica covers Windows-1252; the brief's PDF is in brief_pdf.py, the deck in deck.py).
Excel files hold text as text only.
"""

from __future__ import annotations

import polars as pl

from sam_core.outputs.brief import Brief
from sam_core.outputs.formatting import (
    MONEY_COLUMNS,
    long_date,
    money_header,
)
from sam_core.outputs.workbook import money_export_bytes

PAGE_WIDTH, MARGIN = 210, 12  # mm: fits A4 and Letter


def _latin1(text) -> str:
    """Helvetica covers Windows-1252 (Latin-1 and €); anything else becomes '?' rather than failing."""
    return (
        str(text if text is not None else "–")
        .replace("–", "-")
        .replace("’", "'")
        .encode("cp1252", "replace")
        .decode("cp1252")
    )


def _renews(brief: Brief) -> bool:
    return brief.renewals is not None and not brief.renewals.is_empty()


def plan_line(plan: dict | None) -> str:
    """The account plan's state in one line (plan: a row of plans.plan.plan_status)."""
    if plan is None:
        return "No plan: not a strategic account."
    if plan["stale"]:
        return f"STALE: {plan['reason']}."
    return f"Reviewed: every section since {long_date(plan['reviewed_on'])}."


def brief_xlsx(brief: Brief, *, currency: str) -> bytes:
    """The brief as a workbook: About (data through, currency), a summary sheet and one sheet
    per list, money headers naming the currency."""
    summary = pl.DataFrame(
        {
            "figure": [
                *(money_header(k, currency) if k in MONEY_COLUMNS else k for k in brief.account),
                "account plan",
            ],
            "value": [*(_cell(v) for v in brief.account.values()), plan_line(brief.plan)],
        }
    )
    return money_export_bytes(
        {
            "Summary": summary,
            "Health": brief.health_parts,
            "Stakeholders": brief.stakeholders,
            "Comments": brief.comments,
            "Open actions": brief.actions,
            "Opportunities": brief.opportunities,
            **({"Renewals": brief.renewals} if _renews(brief) else {}),  # issue 20: the next 180 days
            "Revenue trend": pl.DataFrame(
                {"month": list(range(-len(brief.revenue_trend) + 1, 1)), "revenue": brief.revenue_trend},
                schema={"month": pl.Int64, "revenue": pl.Float64},
            ),
        },
        currency=currency,
        through=brief.account["data_through"],
        as_of=brief.as_of,
    )


def _cell(value) -> str | None:
    if value is None or isinstance(value, list):
        return None
    return f"{value:.4g}" if isinstance(value, float) else str(value)
