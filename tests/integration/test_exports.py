"""The one-page brief (PDF, Excel), the meeting deck and table exports, on the hand-worked program."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import polars as pl
import pypdf
import pytest
from portfolio_fixture import AS_OF, SHEETS

from sam_core.access.permissions import User
from sam_core.ingest.uploads import load_files
from sam_core.metrics.health import account_overview
from sam_core.outputs.brief import account_brief
from sam_core.outputs.brief_pdf import brief_pdf
from sam_core.outputs.exports import brief_xlsx
from sam_core.outputs.workbook import export_bytes, report_bytes
from sam_core.plans.plan import REVIEW_SECTIONS, review

ADMIN = User("admin", "Admin", "admin")


@pytest.fixture
def program(db, make_workbook):
    load_files(db, [("program.xlsx", make_workbook(SHEETS))], user=ADMIN)
    return db, account_overview(db, as_of=AS_OF)


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return len(reader.pages), reader.pages[0].extract_text()


def test_brief_pdf_stays_on_one_page_when_the_lists_are_long(program):
    con, overview = program
    brief = account_brief(con, overview, "A1", as_of=AS_OF)
    long = brief.__class__(
        **{
            **brief.__dict__,
            "actions": brief.actions.sample(200, with_replacement=True, seed=1),
        }
    )
    assert pdf_text(brief_pdf(long, currency="EUR"))[0] == 1


def test_brief_xlsx_has_a_sheet_per_section(program):
    con, overview = program
    book = openpyxl.load_workbook(
        io.BytesIO(brief_xlsx(account_brief(con, overview, "A1", as_of=AS_OF), currency="EUR"))
    )
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["account plan"] == "STALE: no plan yet."
    assert book.sheetnames == [
        "About",
        "Summary",
        "Health",
        "Stakeholders",
        "Comments",
        "Open actions",
        "Opportunities",
        "Revenue trend",
    ]
    # headers for people (formatting.column_label), money naming its currency
    assert [c.value for c in book["Revenue trend"]["B"]] == ["Revenue (€)"] + [100.0] * 12
    assert book["Revenue trend"]["B2"].number_format == "#,##0"
    assert [[c.value for c in row] for row in book["About"].iter_rows()][:3] == [
        ["About", "Value"],
        ["data through", "Jun 2026"],
        ["money in", "EUR (€)"],
    ]


@pytest.mark.parametrize("dangerous", ["=1+2", "+SUM(A1:A2)", "-2+3", "@cmd", '=HYPERLINK("http://x")'])
def test_exported_text_that_looks_like_a_formula_stays_text(db, make_workbook, dangerous):
    sheets = {
        "Accounts": [{"account_id": "A1", "account_name": dangerous, "account_manager": "Ann"}],
        "Financials": [{"account_id": "A1", "period": "2026-06", "revenue": 10}],
    }
    load_files(db, [("x.xlsx", make_workbook(sheets))], user=ADMIN)
    book = openpyxl.load_workbook(io.BytesIO(export_bytes({"Top": account_overview(db, as_of=AS_OF)})))
    header = [c.value for c in book["Top"][1]]
    cell = book["Top"].cell(row=2, column=header.index("account_name") + 1)
    assert (cell.value, cell.data_type) == ("'" + dangerous, "s")


def test_numbers_stay_numbers_in_exports(program):
    _, overview = program
    book = openpyxl.load_workbook(io.BytesIO(export_bytes({"Top": overview})))
    header = [c.value for c in book["Top"][1]]
    cell = book["Top"].cell(row=2, column=header.index("revenue") + 1)
    assert (cell.value, cell.data_type) == (1200, "n")


def test_a_report_for_people_has_labels_and_the_formats_of_its_figures():
    frame = pl.DataFrame(
        {
            "account_name": ["Alpha", None],
            "revenue": [213_000_000.0, 1_500.0],
            "growth": [0.38432, -0.02],
            "single_threaded": [True, False],
            "last_contact": [date(2026, 5, 1), None],
            "respondents": [1413, 2],
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(report_bytes({"Top": frame}, currency="EUR")))
    sheet = book["Top"]
    assert [c.value for c in sheet[1]] == [
        "Account",
        "Revenue (€)",
        "Growth",
        "Single-threaded",
        "Last contact",
        "Respondents",
    ]
    assert [c.value for c in sheet[2]][1:4] == [213_000_000, 0.38432, "yes"]  # numbers stay numbers
    assert [c.number_format for c in sheet[2]][1:] == ["#,##0", "0.0%", "General", "d mmm yyyy", "#,##0"]
    assert sheet["A3"].value is None  # an empty cell, never "None"


def test_every_excel_export_neutralises_formula_text(db, make_workbook):
    """The validation report, the brief and the assessment export all go through one writer."""
    from sam_core.ingest.reader import read_file
    from sam_core.ingest.validation import validate
    from sam_core.metrics.maturity import ALL_PRACTICES, Assessment, assessment_frames

    sheets = {
        "Accounts": [
            {
                "account_id": "A1",
                "account_name": "=cmd|' /C calc'!A0",
                "account_manager": "@Ann",
                "strategic": "maybe",
            }
        ],
        "Financials": [{"account_id": "A1", "period": "2026-06", "revenue": 10}],
    }
    report = validate(read_file("x.xlsx", make_workbook(sheets))).report
    assessment = Assessment(
        "North",
        AS_OF,
        dict.fromkeys(range(1, 8), "yes"),
        dict.fromkeys(ALL_PRACTICES, 2),
        evidence={ALL_PRACTICES[0]: "+1 from the board"},
    )
    for content in (export_bytes({"Report": report}), export_bytes(assessment_frames(assessment))):
        book = openpyxl.load_workbook(io.BytesIO(content))
        texts = [
            c.value for ws in book for row in ws.iter_rows() for c in row if c.data_type == "s" and c.value
        ]
        assert all(not t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in texts)
        assert not [c for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]


@pytest.mark.parametrize(
    ("reviewed", "line"),
    [
        (None, "STALE: no plan yet."),
        # A1's last held 90-day review: 1 Feb 2026 (portfolio_fixture); as of 15 Jun 2026.
        (datetime(2026, 6, 10, 9), "Reviewed: every section since 10 Jun 2026."),
        (datetime(2026, 3, 1, 9), "STALE: last reviewed 1 Mar 2026, over 90 days ago."),
    ],
)
def test_the_brief_carries_the_stale_plan_flag(program, reviewed, line):
    con, overview = program
    if reviewed is not None:
        sections = [key for key, _ in REVIEW_SECTIONS]
        review(con, user=ADMIN, account_id="A1", sections=sections, now=reviewed)
    book = openpyxl.load_workbook(
        io.BytesIO(brief_xlsx(account_brief(con, overview, "A1", as_of=AS_OF), currency="EUR"))
    )
    assert dict(book["Summary"].iter_rows(min_row=2, values_only=True))["account plan"] == line
