"""Downloads, built when clicked (on their own cursor: they run beside the script)."""

from __future__ import annotations

from datetime import date

import polars as pl

from sam_core.demo import demo_workbook_bytes
from sam_core.outputs.brief import account_brief
from sam_core.outputs.brief_pdf import brief_pdf
from sam_core.outputs.deck import deck_pptx
from sam_core.outputs.exports import brief_xlsx
from sam_core.outputs.templates import current_template
from sam_core.outputs.workbook import export_bytes, money_export_bytes, report_bytes
from ui.data import connection, data_key, meeting_at, overview_at, through_at
from ui.run import settings


def brief_download(account_id: str, as_of: date, rollup: bool, kind: str):
    """A callable that builds the account's one-page brief as 'pdf' or 'xlsx'."""
    currency, key, rules = settings().currency, data_key(), settings().revenue_rules
    review_days = settings().plan_review_days

    def build() -> bytes:
        con = connection().cursor()
        try:
            overview, through = (
                overview_at(key, as_of, rollup, con, rules),
                through_at(key, as_of, con, rules),
            )
            brief = account_brief(
                con,
                overview,
                account_id,
                as_of=as_of,
                rollup=rollup,
                rules=rules,
                through=through,
                review_days=review_days,
            )
            return (
                brief_pdf(brief, currency=currency) if kind == "pdf" else brief_xlsx(brief, currency=currency)
            )
        finally:
            con.close()

    return build


def deck_download(as_of: date, rollup: bool, n: int):
    """A callable that builds the meeting deck (title, portfolio, one slide per top-N account, decisions
    and asks) on the company template an admin uploaded, or the built-in one."""
    currency, key, rules = settings().currency, data_key(), settings().revenue_rules
    review_days = settings().plan_review_days

    def build() -> bytes:
        con = connection().cursor()
        try:
            meeting = meeting_at(key, as_of, rollup, n, con, rules, review_days)
            template = current_template(con)
            return deck_pptx(meeting, currency=currency, template=template.content if template else None)
        finally:
            con.close()

    return build


def excel(sheets: dict[str, pl.DataFrame]):
    """A download's workbook built when the button is clicked, not on every run."""
    return lambda: export_bytes(sheets)


def report(sheets: dict[str, pl.DataFrame]):
    """A download of tables for people (labels, figures in their formats: outputs.workbook.
    report_bytes), built when the button is clicked."""
    currency = settings().currency
    return lambda: report_bytes(sheets, currency=currency)


def money_excel(title: str, frame: pl.DataFrame, as_of: date, through: date | None):
    """A download of money figures: an About sheet (data through, currency, as of), then the
    frame with the currency in its money headers; built when clicked."""
    currency = settings().currency
    return lambda: money_export_bytes({title: frame}, currency=currency, through=through, as_of=as_of)


def example_workbook() -> bytes:
    """The demo workbook, as a filled example of the template."""
    return demo_workbook_bytes(date.today())
