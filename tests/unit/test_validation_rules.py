"""Each validation rule on a tiny hand-made workbook: the report names the sheet, the row as
Excel numbers it, the column, the value, and what is wrong."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import polars as pl
import pytest

from sam_core.errors import WorkbookError
from sam_core.ingest.reader import read_file
from sam_core.ingest.validation import validate

ACCOUNT = {"account_id": "A1", "account_name": "Alpha", "account_manager": "Ann"}


def report(make_workbook, sheets, **kwargs) -> list[tuple]:
    checked = validate(read_file("t.xlsx", make_workbook(sheets, **kwargs)))
    return (
        checked.report.filter(pl.col("severity") != "info")
        .select("severity", "sheet", "row", "column", "value", "problem")
        .rows()
    )


def test_a_clean_workbook_has_an_empty_report(make_workbook):
    assert report(make_workbook, {"Accounts": [ACCOUNT]}) == []


def test_text_in_a_numeric_column_is_reported_with_row_and_column(make_workbook):
    rows = [{"account_id": "A1", "period": f"2025-{m:02d}", "revenue": 10.0} for m in range(1, 13)]
    rows[4]["revenue"] = "n/a"
    assert report(make_workbook, {"Accounts": [ACCOUNT], "Financials": rows}) == [
        ("error", "Financials", 6, "revenue", "n/a", "'n/a' is not a number.")
    ]


def test_text_far_down_a_numeric_column_is_never_silently_nulled(make_workbook):
    rows = [
        {"account_id": "A1", "stakeholder_id": "S1", "member": f"M{k}", "strength": 3} for k in range(1600)
    ]
    rows[1500]["strength"] = "strong"
    sheets = {
        "Accounts": [ACCOUNT],
        "Stakeholders": [{"stakeholder_id": "S1", "account_id": "A1", "name": "S"}],
        "Team": [{"account_id": "A1", "member": f"M{k}", "wave": "extended"} for k in range(1600)],
        "Relationships": rows,
    }
    assert report(make_workbook, sheets) == [
        ("error", "Relationships", 1502, "strength", "strong", "'strong' is not a number.")
    ]


def test_an_impossible_date_is_an_error(make_workbook):
    sheets = {
        "Accounts": [ACCOUNT],
        "Evidence": [{"account_id": "A1", "date": "13/13/2025", "signal": "advice_sought"}],
    }
    assert report(make_workbook, sheets) == [
        (
            "error",
            "Evidence",
            2,
            "date",
            "13/13/2025",
            "'13/13/2025' is not a date: use an Excel date or text such as 2025-07-31.",
        )
    ]


def test_ambiguous_local_dates_are_read_in_one_order_and_reported(make_workbook):
    sheets = {
        "Accounts": [ACCOUNT],
        "Evidence": [
            {"account_id": "A1", "date": "7/12/25", "signal": "advice_sought"},
            {"account_id": "A1", "date": "3/4/25", "signal": "scope_expanded"},
        ],
    }
    checked = validate(read_file("t.xlsx", make_workbook(sheets)))
    assert checked.report.select("severity", "column").rows() == [("warning", "date")]
    assert "read as month/day/year" in checked.report["problem"][0]
    assert checked.sheets["Evidence"].rows["date"].to_list() == [date(2025, 7, 12), date(2025, 3, 4)]


def test_a_day_above_12_decides_the_order_for_the_whole_column(make_workbook):
    sheets = {
        "Accounts": [ACCOUNT],
        "Evidence": [
            {"account_id": "A1", "date": "25/12/2025", "signal": "advice_sought"},
            {"account_id": "A1", "date": "3/4/2025", "signal": "scope_expanded"},
        ],
    }
    checked = validate(read_file("t.xlsx", make_workbook(sheets)))
    assert checked.report.select("severity").rows() == [("info",)]
    assert checked.sheets["Evidence"].rows["date"].to_list() == [date(2025, 12, 25), date(2025, 4, 3)]


@pytest.mark.parametrize(
    "text,first_day",
    [
        ("2025-Q3", date(2025, 7, 1)),
        ("Q1 2024", date(2024, 1, 1)),
        ("2025-07", date(2025, 7, 1)),
        ("07/2025", date(2025, 7, 1)),
        ("2025-07-19", date(2025, 7, 1)),
    ],
)
def test_periods_are_stored_as_their_first_day(make_workbook, text, first_day):
    checked = validate(
        read_file(
            "t.xlsx",
            make_workbook(
                {"Accounts": [ACCOUNT], "Financials": [{"account_id": "A1", "period": text, "revenue": 1}]}
            ),
        )
    )
    assert checked.sheets["Financials"].rows["period"].to_list() == [first_day]


@pytest.mark.parametrize(
    "column,value,stored", [("stage", "Closed Won", "won"), ("stage", "QUALIFYING", "qualifying")]
)
def test_allowed_values_match_case_and_spelling(make_workbook, column, value, stored):
    sheets = {
        "Accounts": [ACCOUNT],
        "Opportunities": [{"opportunity_id": "O1", "account_id": "A1", column: value, "amount": 5}],
    }
    assert validate(read_file("t.xlsx", make_workbook(sheets))).sheets["Opportunities"].rows[
        column
    ].to_list() == [stored]


def test_a_value_outside_the_allowed_list_is_an_error(make_workbook):
    sheets = {
        "Accounts": [ACCOUNT],
        "Opportunities": [{"opportunity_id": "O1", "account_id": "A1", "stage": "maybe", "amount": 5}],
    }
    assert report(make_workbook, sheets) == [
        (
            "error",
            "Opportunities",
            2,
            "stage",
            "maybe",
            "'maybe' is not one of: prospecting, qualifying, proposal, negotiation, won, lost.",
        )
    ]


def test_attitude_words_and_yes_no(make_workbook):
    sheets = {
        "Accounts": [ACCOUNT],
        "Stakeholders": [
            {
                "stakeholder_id": "S1",
                "account_id": "A1",
                "name": "S",
                "attitude": "champion",
                "decision_maker": "Y",
            }
        ],
    }
    rows = validate(read_file("t.xlsx", make_workbook(sheets))).sheets["Stakeholders"].rows
    assert rows.select("attitude", "decision_maker").rows() == [(2, True)]


def test_out_of_range_and_not_whole_numbers(make_workbook):
    sheets = {
        "Accounts": [ACCOUNT],
        "Stakeholders": [
            {"stakeholder_id": "S1", "account_id": "A1", "name": "S", "influence": 7},
            {"stakeholder_id": "S2", "account_id": "A1", "name": "T", "influence": 2.5},
        ],
    }
    assert report(make_workbook, sheets) == [
        (
            "error",
            "Stakeholders",
            2,
            "influence",
            "7",
            "7 is out of range: influence must be between 1 and 5.",
        ),
        ("error", "Stakeholders", 3, "influence", "2.5", "'2.5' is not a whole number."),
    ]


def test_a_missing_required_column_and_a_missing_required_value(make_workbook):
    assert report(make_workbook, {"Accounts": [{"account_id": "A1", "account_name": "Alpha"}]}) == [
        (
            "error",
            "Accounts",
            1,
            "account_manager",
            None,
            "Required column 'account_manager' (or 'account owner', 'owner', 'key account manager') is "
            "missing.",
        )
    ]
    assert report(
        make_workbook,
        {"Accounts": [ACCOUNT, {"account_id": "A2", "account_name": None, "account_manager": "Ann"}]},
    ) == [("error", "Accounts", 3, "account_name", None, "A value for account_name is required.")]


def test_duplicate_headers_and_two_headers_for_one_column(make_workbook):
    assert report(
        make_workbook,
        {
            "Accounts": [
                ["account_id", "account_name", "account_manager", "Account Name"],
                ["A1", "x", "y", "z"],
            ]
        },
    ) == [
        (
            "error",
            "Accounts",
            1,
            "Account Name",
            "Account Name",
            "Duplicate header 'Account Name' (also 'account_name'); rename or remove one.",
        )
    ]
    assert report(
        make_workbook,
        {"Accounts": [["account_id", "account_name", "account_manager", "Customer"], ["A1", "x", "y", "z"]]},
    ) == [
        (
            "error",
            "Accounts",
            1,
            "Customer",
            "Customer",
            "Headers 'account_name' and 'Customer' both mean account_name; keep one.",
        )
    ]


def test_a_sheet_with_no_header_and_an_empty_sheet(make_workbook):
    assert report(make_workbook, {"Accounts": [["x", "y", "z"], ["1", "2", "3"]]}) == [
        (
            "error",
            "Accounts",
            1,
            None,
            None,
            "No header row found: none of the top rows names a column of Accounts (expected headers such "
            "as account_id, account_name, account_manager, executive_sponsor).",
        )
    ]
    assert report(make_workbook, {"Accounts": [ACCOUNT], "Team": []}) == [
        ("warning", "Team", None, None, None, "Sheet 'Team' is empty and was ignored.")
    ]


def test_an_unknown_sheet_is_reported_and_ignored(make_workbook):
    checked = validate(read_file("t.xlsx", make_workbook({"Accounts": [ACCOUNT], "Pivot": [{"a": 1}]})))
    assert checked.report.select("severity", "sheet").rows() == [("warning", "Pivot")]
    assert list(checked.sheets) == ["Accounts"]


def test_headers_and_sheets_match_by_alias_case_and_punctuation(make_workbook):
    checked = validate(
        read_file(
            "t.xlsx",
            make_workbook(
                {
                    "account list": [{"Account ID": "A1", "Customer Name": "Alpha", "ACCOUNT-OWNER": "Ann"}],
                    "Survey responses": [
                        {"Response ID": "R1", "Account": "A1", "Date": date(2025, 5, 1), "NPS": 9}
                    ],
                }
            ),
        )
    )
    assert checked.ok
    assert checked.sheets["Accounts"].rows.select("account_id", "account_name", "account_manager").rows() == [
        ("A1", "Alpha", "Ann")
    ]
    assert checked.sheets["Surveys"].rows["recommend_score"].to_list() == [9.0]


def test_header_below_title_rows_gives_excel_row_numbers(make_workbook):
    rows = [
        ACCOUNT,
        {"account_id": "A2", "account_name": "Beta", "account_manager": "Ann", "strategic": "perhaps"},
    ]
    assert report(make_workbook, {"Accounts": rows}, title_rows={"Accounts": ["Export of 1 July", ""]}) == [
        ("error", "Accounts", 5, "strategic", "perhaps", "'perhaps' is not yes or no.")
    ]


def test_duplicate_keys_name_the_first_row(make_workbook):
    rows = [
        {"account_id": "A1", "period": "2025-07", "revenue": 1},
        {"account_id": "A1", "period": "2025-07-15", "revenue": 2},
    ]
    assert report(make_workbook, {"Accounts": [ACCOUNT], "Financials": rows}) == [
        (
            "error",
            "Financials",
            3,
            "account_id + period",
            "A1 / 2025-07-01",
            "Duplicate account_id + period: A1 / 2025-07-01 is also in row 2; each must appear once.",
        )
    ]


def test_references_must_resolve(make_workbook):
    sheets = {
        "Accounts": [ACCOUNT, {**ACCOUNT, "account_id": "A2", "parent_account": "ZZ"}],
        "Financials": [{"account_id": "A9", "period": "2025-07", "revenue": 1}],
        "Stakeholders": [
            {"stakeholder_id": "S1", "account_id": "A1", "name": "S", "reports_to": "S7"},
            {"stakeholder_id": "S2", "account_id": "A2", "name": "T"},
        ],
        "Team": [{"account_id": "A1", "member": "Ann", "wave": "core"}],
        "Relationships": [
            {"account_id": "A1", "member": "Ann", "stakeholder_id": "S2", "strength": 3},
            {"account_id": "A1", "member": "Ann", "stakeholder_id": "S5", "strength": 3},
        ],
    }
    assert [(s, r, c, v) for sev, s, r, c, v, _ in report(make_workbook, sheets)] == [
        ("Accounts", 3, "parent_account", "ZZ"),
        ("Financials", 2, "account_id", "A9"),
        ("Stakeholders", 2, "reports_to", "S7"),
        ("Relationships", 2, "stakeholder_id", "S2"),
        ("Relationships", 3, "stakeholder_id", "S5"),
    ]


def test_unknown_columns_are_kept_aside_and_reported(make_workbook):
    checked = validate(read_file("t.xlsx", make_workbook({"Accounts": [{**ACCOUNT, "Segment code": "X7"}]})))
    assert checked.report.select("severity", "column").rows() == [("warning", "Segment code")]
    assert checked.sheets["Accounts"].rows["extras"].to_list() == ['{"Segment code":"X7"}']


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "the file is empty"),
        (b"just text, no workbook", "this is not a spreadsheet"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le"),
            "password-protected",
        ),
        (b"PK\x03\x04" + b"\x00" * 40, "damaged or truncated"),
    ],
)
def test_files_that_are_not_workbooks_are_refused_with_a_reason(content, message):
    with pytest.raises(WorkbookError, match=message):
        read_file("upload.xlsx", content)


def test_an_encrypted_ooxml_container_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("EncryptionInfo", b"\x00" * 10)
        z.writestr("EncryptedPackage", b"\x00" * 10)
    with pytest.raises(WorkbookError, match="password-protected"):
        read_file("secret.xlsx", buffer.getvalue())


def test_an_empty_workbook_loads_nothing(make_workbook):
    checked = validate(read_file("t.xlsx", make_workbook({"Accounts": []})))
    assert checked.sheets == {} and checked.report["problem"].to_list() == [
        "Sheet 'Accounts' is empty and was ignored."
    ]


def test_csv_with_bom_and_semicolons():
    content = "\ufeffaccount_id;account_name;account_manager\nA1;Alpha;Ann\n".encode("utf-8")
    checked = validate(read_file("Accounts.csv", content))
    assert checked.ok and checked.sheets["Accounts"].rows["account_name"].to_list() == ["Alpha"]


@pytest.mark.parametrize(
    ("typed", "shown"), [("A1\r\nBEGIN:VEVENT", "A1\\r\\nBEGIN:VEVENT"), ("A\x00B", "A\x00B")]
)
def test_an_identifier_with_a_line_break_or_control_character_is_refused(make_workbook, typed, shown):
    assert report(make_workbook, {"Accounts": [{**ACCOUNT, "account_id": typed}]}) == [
        (
            "error",
            "Accounts",
            2,
            "account_id",
            shown,
            "account_id holds a line break or another control character; an identifier must be one "
            "line of text.",
        )
    ]


def test_ids_that_differ_only_in_case_are_reported_as_likely_duplicates(make_workbook):
    rows = [ACCOUNT, {**ACCOUNT, "account_id": "acc-0001"}, {**ACCOUNT, "account_id": "ACC-0001"}]
    assert report(make_workbook, {"Accounts": rows}) == [
        (
            "warning",
            "Accounts",
            4,
            "account_id",
            "ACC-0001",
            "Likely duplicate: account_id 'ACC-0001' (row 4) and 'acc-0001' (row 3) differ only in upper and "
            "lower case; use one spelling, or they are stored as two.",
        )
    ]


def test_spaces_and_a_trailing_line_break_around_an_identifier_are_trimmed(make_workbook):
    assert report(make_workbook, {"Accounts": [{**ACCOUNT, "account_id": " A1\n"}]}) == []


def test_an_account_spelt_like_a_stored_one_in_another_case_is_reported(db, make_workbook):
    from sam_core.access.permissions import User
    from sam_core.ingest.uploads import load_files

    load_files(
        db,
        [("a.xlsx", make_workbook({"Accounts": [{**ACCOUNT, "account_id": "ACC-0001"}]}))],
        user=User("a", "A", "admin"),
    )
    checked = validate(
        read_file("b.xlsx", make_workbook({"Accounts": [{**ACCOUNT, "account_id": "acc-0001"}]})), con=db
    )
    assert checked.report.select("severity", "row", "problem").rows() == [
        (
            "warning",
            2,
            "Likely duplicate: account_id 'acc-0001' differs from the stored account 'ACC-0001' only in "
            "upper and lower case; use its spelling, or a second account is created.",
        )
    ]
