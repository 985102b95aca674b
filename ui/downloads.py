"""Downloads, built when clicked (on their own cursor: they run beside the script)."""

from __future__ import annotations

from datetime import date

import polars as pl

from sam_core.demo import demo_workbook_bytes
from sam_core.outputs.brief import account_brief
from sam_core.outputs.exports import brief_pdf, brief_xlsx, deck_pptx
from sam_core.outputs.workbook import export_bytes
from ui.data import connection, data_key, headline_at, overview_at
from ui.run import settings


def brief_download(account_id: str, as_of: date, rollup: bool, kind: str):
    """A callable that builds the account's one-page brief as 'pdf' or 'xlsx'."""
    currency, key, review_days = settings().currency, data_key(), settings().plan_review_days

    def build() -> bytes:
        con = connection().cursor()
        try:
            brief = account_brief(
                con, overview_at(key, as_of, rollup, con), account_id, as_of=as_of, review_days=review_days
            )
            return brief_pdf(brief, currency=currency) if kind == "pdf" else brief_xlsx(brief)
        finally:
            con.close()

    return build


def deck_download(as_of: date, rollup: bool, n: int):
    """A callable that builds the meeting deck: summary slide, then one slide per top-N account."""
    currency, key, review_days = settings().currency, data_key(), settings().plan_review_days

    def build() -> bytes:
        con = connection().cursor()
        try:
            overview = overview_at(key, as_of, rollup, con)
            briefs = [
                account_brief(con, overview, a, as_of=as_of, review_days=review_days)
                for a in overview["account_id"].head(n)
            ]
            return deck_pptx(headline_at(key, as_of, rollup, n, con), overview, briefs, currency=currency)
        finally:
            con.close()

    return build


def excel(sheets: dict[str, pl.DataFrame]):
    """A download's workbook built when the button is clicked, not on every run."""
    return lambda: export_bytes(sheets)


def example_workbook() -> bytes:
    """The demo workbook, as a filled example of the template."""
    return demo_workbook_bytes(date.today())
