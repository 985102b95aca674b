"""The plan's documents: the customer version holds only what is marked shared (checked on
the exported PDF's text and on the Excel file), the internal PDF holds every section, and
plan sheets go out to Excel and come back in bulk."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import polars as pl
import pypdf
import pytest
from plan_fixture import ADMIN, ANN, AS_OF, SHEETS, at
from workbooks import workbook_bytes

from sam_core.errors import ValidationFailed
from sam_core.ingest.uploads import load_files
from sam_core.metrics.health import account_overview
from sam_core.outputs.plan_document import customer_pdf, customer_xlsx, plan_pdf
from sam_core.outputs.workbook import export_bytes
from sam_core.plans import plan as plans
from sam_core.plans.facts import plan_facts
from sam_core.plans.workbook import load_plan_files, plan_sheets
from sam_core.store import connect

# One word per field that must never reach the customer: unshared items, and internal
# fields of shared ones (the evidence of a validated value proposition).
SECRETS = {
    "unshared objective": "Zebraobjective",
    "unshared value proposition": "Zebraproblem",
    "evidence of a shared value proposition": "Zebraevidence",
    "customer's business": "Zebragoals",
    "competitor": "Zebracompetitor",
    "whitespace note": "Zebranote",
    "sponsor commitment": "Zebracommitment",
    "contact plan": "Zebracontact",
    "unshared action": "Prepare the QBR",  # X3 of the fixture
}
SHARED = ("Sharedobjective", "Sharedproblem", "Call Cara about the invoices")


def _change(section, fields):
    return plans.Change(section, None, fields)


def _write(con):
    plans.save_items(
        con,
        user=ANN,
        account_id="A1",
        changes=[
            _change("business", {"goals": "Zebragoals"}),
            _change("objectives", {"objective": "Sharedobjective", "progress": 30, "shared": True}),
            _change("objectives", {"objective": "Zebraobjective", "shared": False}),
            _change(
                "value",
                {
                    "problem": "Sharedproblem",
                    "offer": "Analytics",
                    "value": 400_000,
                    "investment": 100_000,
                    "validated": True,
                    "evidence": "Zebraevidence",
                    "shared": True,
                },
            ),
            _change("value", {"problem": "Zebraproblem", "offer": "Services"}),
            _change("competitors", {"competitor": "Zebracompetitor", "threat": "high"}),
            _change(
                "whitespace",
                {
                    "offering": "Analytics",
                    "business_unit": "Finance",
                    "status": "target",
                    "note": "Zebranote",
                },
            ),
            _change("commitments", {"commitment": "Zebracommitment"}),
            _change("contacts", {"executive": "Zebracontact"}),
            plans.Change("shared_actions", "X1", {"shared": True}),
        ],
        now=at(6, 1),
    )
    return con


@pytest.fixture
def written(planned):
    return _write(planned)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def _xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(
        str(v)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    )


@pytest.fixture(scope="module")
def documents():
    """The three documents of the written plan, made once for the module."""
    written = connect(":memory:")
    load_files(written, [("program.xlsx", workbook_bytes(SHEETS))], user=ADMIN)
    _write(written)
    plan = plans.account_plan(written, "A1", today=AS_OF)
    facts = plan_facts(written, account_overview(written, as_of=AS_OF), "A1", as_of=AS_OF)
    reviews = plans.section_reviews(written, "A1", as_of=AS_OF)
    yield {
        "internal": _pdf_text(
            plan_pdf(plan, facts, reviews, as_of=AS_OF, currency="EUR", status="STALE: never reviewed")
        ),
        "customer pdf": _pdf_text(customer_pdf(plan, as_of=AS_OF, currency="EUR")),
        "customer xlsx": _xlsx_text(customer_xlsx(plan)),
    }
    written.close()


@pytest.mark.parametrize("kind", ["customer pdf", "customer xlsx"])
@pytest.mark.parametrize("field", list(SECRETS))
def test_the_customer_version_never_holds_an_unshared_field(documents, kind, field):
    assert SECRETS[field] in documents["internal"]  # it is in the plan: the check below can fail
    assert SECRETS[field] not in documents[kind]


@pytest.mark.parametrize("kind", ["customer pdf", "customer xlsx"])
def test_the_customer_version_holds_the_shared_objectives_value_and_actions(documents, kind):
    assert all(text in documents[kind] for text in SHARED)


def test_the_customer_pdf_shows_the_value_and_its_roi(documents):
    # ROI = (400,000 - 100,000) / 100,000 = 300%.
    text = documents["customer pdf"]
    assert "Our joint plan with Alpha" in text
    assert "EUR 400.0k" in text and "EUR 100.0k" in text and "300%" in text


def test_the_internal_pdf_holds_every_section_and_the_stale_flag(documents):
    text = documents["internal"]
    for heading in (
        "INTERNAL",
        "STALE: never reviewed",
        "From the data",
        "The customer's business",
        "Our objectives",
        "Economic value propositions",
        "Whitespace",
        "Competitive position",
        "Action plan",
        "Executive sponsor's plan",
    ):
        assert heading in text, heading


def test_a_pdf_of_a_plan_as_of_an_earlier_date_says_so(written):
    plan = plans.account_plan(written, "A1", at=date(2026, 5, 31), today=AS_OF)
    facts = plan_facts(written, account_overview(written, as_of=AS_OF), "A1", as_of=AS_OF)
    text = _pdf_text(
        plan_pdf(plan, facts, plans.section_reviews(written, "A1", as_of=AS_OF), as_of=AS_OF, currency="EUR")
    )
    assert "shown as of 31 May 2026" in text and "Zebraobjective" not in text


# -- plan sheets: export and bulk load -------------------------------------------------------------


def _book(sheets: dict[str, pl.DataFrame]) -> bytes:
    return export_bytes(sheets)


def test_exported_plan_sheets_load_back_unchanged(written):
    sheets = plan_sheets(written, ["A1"])
    loaded = load_plan_files(written, [("plans.xlsx", _book(sheets))], user=ANN, now=at(6, 2))
    assert loaded.counts.filter(pl.col("rows") > 0).select("sheet", "rows", "saved", "unchanged").rows() == [
        ("Plan business", 1, 0, 1),
        ("Plan objectives", 2, 0, 2),
        ("Plan value", 2, 0, 2),
        ("Plan whitespace", 1, 0, 1),
        ("Plan competitors", 1, 0, 1),
        ("Plan sponsor commitments", 1, 0, 1),
        ("Plan contacts", 1, 0, 1),
        ("Plan shared actions", 1, 0, 1),
    ]
    assert written.execute("SELECT max(version) FROM plan_items").fetchall() == [(1,)]


def test_a_changed_row_is_saved_and_recorded_as_from_the_workbook(written):
    sheets = plan_sheets(written, ["A1"])
    sheets["Plan objectives"] = sheets["Plan objectives"].with_columns(
        pl.when(pl.col("objective") == "Sharedobjective")
        .then(55)
        .otherwise(pl.col("progress"))
        .alias("progress")
    )
    load_plan_files(written, [("plans.xlsx", _book(sheets))], user=ANN, now=at(6, 2))
    shown = plans.items(written, "A1", "objectives").filter(pl.col("objective") == "Sharedobjective")
    assert shown.select("version", "progress", "changed_by").rows() == [(2, 55, "ann")]
    assert plans.changes(written, "A1").row(0, named=True)["via"] == "workbook: plans.xlsx"


def test_a_row_exported_before_an_app_edit_keeps_the_apps_version(written):
    sheets = plan_sheets(written, ["A1"])  # version 1 of every item
    item = (
        plans.items(written, "A1", "objectives")
        .filter(pl.col("objective") == "Sharedobjective")
        .row(0, named=True)
    )
    fields = {k: item[k] for k in plans.SECTIONS_BY_KEY["objectives"].field_names} | {"progress": 70}
    plans.save_items(
        written, user=ANN, account_id="A1", changes=[plans.Change("objectives", item["item_id"], fields, 1)]
    )
    sheets["Plan objectives"] = sheets["Plan objectives"].with_columns(pl.lit(5).alias("progress"))
    loaded = load_plan_files(written, [("plans.xlsx", _book(sheets))], user=ANN, now=at(6, 3))
    kept = loaded.report.filter(pl.col("severity") == "warning")
    assert kept["problem"].to_list() == [
        "Changed in the app since this export (version 2, the file has 1): the app's version is kept."
    ]
    assert plans.items(written, "A1", "objectives")["progress"].to_list() == [70, 5]


def test_new_rows_of_a_template_sheet_add_items(planned):
    book = workbook_bytes(
        {
            "Plan objectives": [
                {
                    "account_id": "A1",
                    "objective": "Win Finance",
                    "due": date(2026, 12, 31),
                    "status": "on track",
                }
            ],
            "Plan whitespace": [
                {
                    "account_id": "A1",
                    "offering": "Analytics",
                    "business_unit": "IT",
                    "status": "pipeline",
                    "opportunity_id": "O1",
                }
            ],
        }
    )
    load_plan_files(planned, [("template.xlsx", book)], user=ANN, now=at(6, 2))
    assert plans.items(planned, "A1", "objectives").select("objective", "due", "status").rows() == [
        ("Win Finance", date(2026, 12, 31), "on_track")
    ]
    assert plans.items(planned, "A1", "whitespace").select("item_id", "opportunity_id").rows() == [
        ("Analytics / IT", "O1")
    ]


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([{"account_id": "A2", "objective": "Grow"}], "Not permitted: account A2 belongs to Bob AM"),
        ([{"account_id": "A9", "objective": "Grow"}], "Account 'A9' is not in the database"),
        ([{"account_id": "A1", "objective": "Grow", "progress": 150}], "150 is out of range"),
        (
            [{"account_id": "A1", "item_id": "OBJ-404", "objective": "Grow"}],
            "There is no item OBJ-404 in the plan of A1",
        ),
    ],
)
def test_a_bad_plan_workbook_is_refused_whole_with_the_row_and_reason(planned, rows, problem):
    book = workbook_bytes(
        {"Plan objectives": rows, "Plan competitors": [{"account_id": "A1", "competitor": "Fine"}]}
    )
    with pytest.raises(ValidationFailed, match="nothing was loaded") as refused:
        load_plan_files(planned, [("plans.xlsx", book)], user=ANN)
    errors = refused.value.report.filter(pl.col("severity") == "error")
    assert errors.select("sheet", "row").rows() == [("Plan objectives", 2)]
    assert problem in errors["problem"][0]
    assert planned.execute("SELECT count(*) FROM plan_items").fetchall() == [(0,)]


def test_another_managers_plans_load_for_an_admin_not_for_ann(planned):
    book = workbook_bytes({"Plan objectives": [{"account_id": "A2", "objective": "Grow"}]})
    with pytest.raises(ValidationFailed):
        load_plan_files(planned, [("plans.xlsx", book)], user=ANN)
    load_plan_files(planned, [("plans.xlsx", book)], user=ADMIN)
    assert plans.items(planned, "A2", "objectives")["objective"].to_list() == ["Grow"]
