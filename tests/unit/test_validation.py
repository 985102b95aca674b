"""One rule, one tiny workbook: the report names the sheet, the row as Excel shows it (header in
row 1, first data row 2), the column, the value and what is wrong."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sam_core.access.permissions import User
from sam_core.ingest.dates import DAY_FIRST, MONTH_FIRST
from sam_core.ingest.reader import read_file
from sam_core.ingest.validation import validate

ANN = {"account_id": "A1", "account_name": "Alpha", "account_manager": "Ann"}
BO = {"account_id": "A2", "account_name": "Beta", "account_manager": "Bo"}
# The smallest valid row of each sheet, for account A1.
MINIMAL = {
    "Financials": {"account_id": "A1", "period": "2025-07", "revenue": 10},
    "Opportunities": {"opportunity_id": "O1", "account_id": "A1", "amount": 5},
    "Stakeholders": {"stakeholder_id": "S1", "account_id": "A1", "name": "Sam"},
    "Team": {"account_id": "A1", "member": "Ann", "wave": "core"},
    "Relationships": {"account_id": "A1", "member": "Ann", "stakeholder_id": "S1", "strength": 3},
    "Engagements": {
        "engagement_id": "E1",
        "account_id": "A1",
        "date": "2025-07-01",
        "type": "qbr",
        "status": "held",
    },
    "Evidence": {"account_id": "A1", "date": "2025-07-01", "signal": "advice_sought"},
    "Surveys": {"response_id": "R1", "account_id": "A1", "survey_date": "2025-07-01"},
    "Actions": {
        "action_id": "X1",
        "account_id": "A1",
        "description": "Call",
        "owner": "Ann",
        "created": "2025-07-01",
        "status": "open",
    },
}
# What a sheet's rows refer to, so that only the rule under test is reported.
NEEDS = {"Relationships": ("Stakeholders", "Team")}


def checked(make_workbook, sheets, *, title_rows=None, **kwargs):
    return validate(read_file("t.xlsx", make_workbook(sheets, title_rows=title_rows)), **kwargs)


def report(make_workbook, sheets, **kwargs) -> list[tuple]:
    return checked(make_workbook, sheets, **kwargs).report.drop("file").rows()


def one(sheet: str, **values) -> dict[str, list]:
    """A workbook with Accounts (A1), what the sheet refers to, and one row of `sheet`."""
    sheets = {"Accounts": [ANN]} | {name: [MINIMAL[name]] for name in NEEDS.get(sheet, ())}
    return sheets | {sheet: [MINIMAL[sheet] | values]}


def test_a_clean_workbook_has_an_empty_report_and_typed_rows(make_workbook):
    result = checked(make_workbook, one("Financials", profit=2.5))
    assert result.ok and result.report.height == 0
    assert result.sheets["Financials"].rows.drop("__row").rows() == [
        ("A1", date(2025, 7, 1), 10.0, 2.5, None, None, None)
    ]


def test_text_in_a_numeric_column_is_reported_with_row_and_column(make_workbook):
    sheets = {
        "Accounts": [ANN],
        "Financials": [MINIMAL["Financials"], {"account_id": "A1", "period": "2025-08", "revenue": "n/a"}],
    }
    assert report(make_workbook, sheets) == [
        ("error", "Financials", 3, "revenue", "n/a", "'n/a' is not a number.")
    ]


@pytest.mark.parametrize("position", [0, 1500, 1599])
def test_text_anywhere_down_a_numeric_column_is_never_silently_nulled(make_workbook, position):
    rows = [{"opportunity_id": f"O{k}", "account_id": "A1", "amount": 1000 + k} for k in range(1600)]
    rows[position]["amount"] = "n/a"
    result = checked(make_workbook, {"Accounts": [ANN], "Opportunities": rows})
    assert result.report.drop("file").rows() == [
        ("error", "Opportunities", position + 2, "amount", "n/a", "'n/a' is not a number.")
    ]
    assert result.sheets["Opportunities"].rows["amount"].null_count() == 1


def test_a_number_that_is_not_whole_in_a_whole_number_column_is_an_error(make_workbook):
    assert report(make_workbook, one("Stakeholders", influence=2.5)) == [
        ("error", "Stakeholders", 2, "influence", "2.5", "'2.5' is not a whole number.")
    ]


@pytest.mark.parametrize(
    "text,note",
    [
        (
            "13/13/2025",
            (
                "info",
                "Evidence",
                None,
                "date",
                None,
                "Column 'date': text dates read as month/day/year: no single order fits every value; "
                "values that do not fit are reported.",
            ),
        ),
        (
            "31/04/2025",
            (
                "info",
                "Evidence",
                None,
                "date",
                None,
                "Column 'date': text dates read as day/month/year: because a value has a day above 12 in "
                "the first place.",
            ),
        ),
        ("2025-02-30", None),
        ("next week", None),
    ],
)
def test_a_date_that_cannot_be_read_is_an_error(make_workbook, text, note):
    error = (
        "error",
        "Evidence",
        2,
        "date",
        text,
        f"'{text}' is not a date: use an Excel date or text such as 2025-07-31.",
    )
    assert report(make_workbook, one("Evidence", date=text)) == ([note] if note else []) + [error]


@pytest.mark.parametrize(
    "order,shape,dates",
    [
        (MONTH_FIRST, "month/day/year", [date(2025, 7, 12), date(2025, 3, 4)]),
        (DAY_FIRST, "day/month/year", [date(2025, 12, 7), date(2025, 4, 3)]),
    ],
)
def test_ambiguous_local_dates_follow_the_date_order_setting_with_a_warning(
    make_workbook, order, shape, dates
):
    sheets = {
        "Accounts": [ANN],
        "Evidence": [
            MINIMAL["Evidence"] | {"date": "7/12/25"},
            MINIMAL["Evidence"] | {"date": "3/4/25", "signal": "scope_expanded"},
        ],
    }
    result = checked(make_workbook, sheets, date_order=order)
    assert result.report.drop("file").rows() == [
        (
            "warning",
            "Evidence",
            None,
            "date",
            None,
            f"Column 'date': text dates read as {shape}: the values fit both orders, so the date order "
            "setting decided; check them.",
        )
    ]
    assert result.sheets["Evidence"].rows["date"].to_list() == dates


def test_a_day_above_12_in_first_place_reads_the_whole_column_day_first_with_a_note(make_workbook):
    sheets = {
        "Accounts": [ANN],
        "Evidence": [
            MINIMAL["Evidence"] | {"date": "25/12/2025"},
            MINIMAL["Evidence"] | {"date": "3/4/2025", "signal": "scope_expanded"},
        ],
    }
    result = checked(make_workbook, sheets)
    assert result.report.drop("file").rows() == [
        (
            "info",
            "Evidence",
            None,
            "date",
            None,
            "Column 'date': text dates read as day/month/year: because a value has a day above 12 in the "
            "first place.",
        )
    ]
    assert result.sheets["Evidence"].rows["date"].to_list() == [date(2025, 12, 25), date(2025, 4, 3)]


def test_each_date_column_is_resolved_on_its_own(make_workbook):
    result = checked(make_workbook, one("Actions", created="25/12/2025", due="12/31/2025"))
    assert result.report.drop("file").rows() == [
        (
            "info",
            "Actions",
            None,
            "created",
            None,
            "Column 'created': text dates read as day/month/year: because a value has a day above 12 in "
            "the first place.",
        ),
        (
            "info",
            "Actions",
            None,
            "due",
            None,
            "Column 'due': text dates read as month/day/year: because a value has a day above 12 in the "
            "second place.",
        ),
    ]
    assert result.sheets["Actions"].rows.select("created", "due").rows() == [
        (date(2025, 12, 25), date(2025, 12, 31))
    ]


@pytest.mark.parametrize("text", ["NaN", "inf", "-Infinity"])
def test_not_a_number_spelled_as_a_number_is_reported(make_workbook, text):
    assert report(make_workbook, one("Financials", revenue=text)) == [
        ("error", "Financials", 2, "revenue", text, f"'{text}' is not a number.")
    ]


@pytest.mark.parametrize(
    "values,stored",
    [
        ([10, "1,234.5", "€ 7", "50%"], [10.0, 1234.5, 7.0, 0.5]),  # plain numbers beside written ones
        ([date(2025, 7, 31), "2025-07-31"], [date(2025, 7, 31)] * 2),  # an Excel date and ISO text
    ],
    ids=["numbers", "dates"],
)
def test_plain_and_written_values_in_one_column_are_all_read(make_workbook, values, stored):
    column = "amount" if isinstance(stored[0], float) else "close_date"
    rows = [MINIMAL["Opportunities"] | {"opportunity_id": f"O{i}", column: v} for i, v in enumerate(values)]
    result = checked(make_workbook, {"Accounts": [ANN], "Opportunities": rows})
    assert result.report.height == 0
    assert result.sheets["Opportunities"].rows[column].to_list() == stored


def test_iso_dates_beside_local_text_dates_resolve_the_local_order(make_workbook):
    rows = [
        MINIMAL["Evidence"] | {"date": d, "signal": s}
        for d, s in [
            (date(2025, 7, 31), "advice_sought"),
            ("2025-02-30", "scope_expanded"),
            ("13/7/2025", "call_returned"),
        ]
    ]
    result = checked(make_workbook, {"Accounts": [ANN], "Evidence": rows})
    assert result.report.drop("file").rows() == [
        (
            "info",
            "Evidence",
            None,
            "date",
            None,
            "Column 'date': text dates read as day/month/year: because a value has a day above 12 in the "
            "first place.",
        ),
        (
            "error",
            "Evidence",
            3,
            "date",
            "2025-02-30",
            "'2025-02-30' is not a date: use an Excel date or text such as 2025-07-31.",
        ),
    ]


def test_canonical_and_other_spellings_of_a_choice_in_one_column(make_workbook):
    rows = [
        MINIMAL["Opportunities"] | {"opportunity_id": f"O{i}", "stage": v}
        for i, v in enumerate(["won", "Closed Won", "lost"])
    ]
    assert checked(make_workbook, {"Accounts": [ANN], "Opportunities": rows}).sheets["Opportunities"].rows[
        "stage"
    ].to_list() == ["won", "won", "lost"]


@pytest.mark.parametrize(
    "text,first_day",
    [
        ("2025-Q3", date(2025, 7, 1)),
        ("Q1 2024", date(2024, 1, 1)),
        ("2025 q4", date(2025, 10, 1)),
        ("2025-07", date(2025, 7, 1)),
        ("07/2025", date(2025, 7, 1)),
        ("2025-07-19", date(2025, 7, 1)),
        (date(2025, 2, 14), date(2025, 2, 1)),
    ],
)
def test_a_period_is_stored_as_its_first_day(make_workbook, text, first_day):
    result = checked(make_workbook, one("Financials", period=text))
    assert result.report.height == 0
    assert result.sheets["Financials"].rows["period"].to_list() == [first_day]


def test_a_period_that_cannot_be_read_is_an_error(make_workbook):
    assert report(make_workbook, one("Financials", period="2025-Q5")) == [
        (
            "error",
            "Financials",
            2,
            "period",
            "2025-Q5",
            "'2025-Q5' is not a period: use a date, 2025-Q3 or 2025-07.",
        )
    ]


def test_a_value_not_in_the_allowed_list_is_an_error(make_workbook):
    assert report(make_workbook, one("Opportunities", stage="maybe")) == [
        (
            "error",
            "Opportunities",
            2,
            "stage",
            "maybe",
            "'maybe' is not one of: prospecting, qualifying, proposal, negotiation, won, lost.",
        )
    ]


@pytest.mark.parametrize(
    "sheet,column,text,stored",
    [
        ("Opportunities", "stage", "Closed Won", "won"),
        ("Opportunities", "stage", "QUALIFYING", "qualifying"),
        ("Stakeholders", "attitude", "champion", 2),
        ("Stakeholders", "attitude", "Detractor", -2),
        ("Stakeholders", "level", "VP", "senior"),
        ("Stakeholders", "buying_role", "Economic Buyer", "economic"),
        ("Engagements", "status", "Completed", "held"),
        ("Engagements", "type", "90-day review", "ninety_day_review"),
        ("Team", "wave", "Extended Team", "extended"),
        ("Team", "planning_roles", "Devil's advocate; business driver", "business_driver;devils_advocate"),
        ("Actions", "status", "In progress", "in_progress"),
    ],
)
def test_other_spellings_of_allowed_values_are_stored_as_the_allowed_value(
    make_workbook, sheet, column, text, stored
):
    result = checked(make_workbook, one(sheet, **{column: text}))
    assert result.report.height == 0
    assert result.sheets[sheet].rows[column].to_list() == [stored]


@pytest.mark.parametrize(
    "text,stored",
    [
        ("Yes", True),
        ("y", True),
        ("TRUE", True),
        ("x", True),
        (1, True),
        ("No", False),
        ("n", False),
        ("false", False),
        (0, False),
    ],
)
def test_yes_no_columns_read_common_spellings(make_workbook, text, stored):
    result = checked(make_workbook, one("Stakeholders", decision_maker=text))
    assert result.report.height == 0
    assert result.sheets["Stakeholders"].rows["decision_maker"].to_list() == [stored]


def test_a_yes_no_value_that_is_neither_is_an_error(make_workbook):
    assert report(make_workbook, one("Stakeholders", decision_maker="maybe")) == [
        ("error", "Stakeholders", 2, "decision_maker", "maybe", "'maybe' is not yes or no.")
    ]


@pytest.mark.parametrize(
    "sheet,column,value,span",
    [
        ("Stakeholders", "influence", 7, "between 1 and 5"),
        ("Stakeholders", "attitude", 3, "between -2 and 2"),
        ("Relationships", "strength", 0, "between 1 and 5"),
        ("Surveys", "recommend_score", 11, "between 0 and 10"),
        ("Opportunities", "amount", -5, "at least 0"),
    ],
)
def test_a_number_out_of_range_is_an_error(make_workbook, sheet, column, value, span):
    assert report(make_workbook, one(sheet, **{column: value})) == [
        ("error", sheet, 2, column, str(value), f"{value} is out of range: {column} must be {span}.")
    ]


def test_a_missing_required_column_is_an_error_on_the_header_row(make_workbook):
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


def test_a_missing_required_value_is_an_error_on_its_row(make_workbook):
    sheets = {"Accounts": [ANN, {"account_id": "A2", "account_name": None, "account_manager": "Ann"}]}
    assert report(make_workbook, sheets) == [
        ("error", "Accounts", 3, "account_name", None, "A value for account_name is required.")
    ]


def test_duplicate_headers_are_an_error(make_workbook):
    sheets = {
        "Accounts": [
            ["account_id", "account_name", "account_manager", "Account Manager"],
            ["A1", "Alpha", "Ann", "Bo"],
        ]
    }
    assert report(make_workbook, sheets) == [
        (
            "error",
            "Accounts",
            1,
            "Account Manager",
            "Account Manager",
            "Duplicate header 'Account Manager' (also 'account_manager'); rename or remove one.",
        )
    ]


def test_two_headers_that_mean_one_column_are_an_error(make_workbook):
    sheets = {
        "Accounts": [
            ["account_id", "Account Name", "Customer", "account_manager"],
            ["A1", "Alpha", "Alpha Ltd", "Ann"],
        ]
    }
    assert report(make_workbook, sheets) == [
        (
            "error",
            "Accounts",
            1,
            "Customer",
            "Customer",
            "Headers 'Account Name' and 'Customer' both mean account_name; keep one.",
        )
    ]


def test_a_sheet_without_a_header_row_is_an_error(make_workbook):
    assert report(make_workbook, {"Accounts": [["x", "y", "z"], ["1", "2", "3"]]}) == [
        (
            "error",
            "Accounts",
            1,
            None,
            None,
            "No header row found: none of the top rows names a column of Accounts "
            "(expected headers such as account_id, account_name, account_manager, executive_sponsor).",
        )
    ]


@pytest.mark.parametrize(
    "rows,expected",
    [
        ([], ("warning", "Team", None, None, None, "Sheet 'Team' is empty and was ignored.")),
        (
            [["account_id", "member", "wave"]],
            ("warning", "Team", 1, None, None, "Sheet 'Team' has headers but no rows and was ignored."),
        ),
    ],
)
def test_an_empty_sheet_is_a_warning_and_ignored(make_workbook, rows, expected):
    result = checked(make_workbook, {"Accounts": [ANN], "Team": rows})
    assert result.report.drop("file").rows() == [expected]
    assert result.ok and list(result.sheets) == ["Accounts"]


def test_an_unknown_sheet_is_a_warning_and_ignored(make_workbook):
    result = checked(make_workbook, {"Accounts": [ANN], "Pivot": [{"total": 1}]})
    assert result.report.drop("file").rows() == [
        (
            "warning",
            "Pivot",
            None,
            None,
            None,
            "Sheet 'Pivot' is not part of the contract and was ignored (known sheets: Accounts, "
            "Financials, Opportunities, "
            "Stakeholders, Team, Relationships, Engagements, Evidence, Surveys, Actions, Contracts, Rates).",
        )
    ]
    assert result.ok and list(result.sheets) == ["Accounts"]


def test_an_unknown_column_is_kept_in_extras_with_a_warning(make_workbook):
    result = checked(make_workbook, {"Accounts": [ANN | {"Segment code": "X7", "Old id": 42}, BO]})
    assert result.report.drop("file").rows() == [
        (
            "warning",
            "Accounts",
            1,
            "Segment code",
            None,
            "Column 'Segment code' is not part of the Accounts contract; its values are kept aside with "
            "each row, not used.",
        ),
        (
            "warning",
            "Accounts",
            1,
            "Old id",
            None,
            "Column 'Old id' is not part of the Accounts contract; its values are kept aside with each "
            "row, not used.",
        ),
    ]
    assert result.sheets["Accounts"].rows["extras"].to_list() == ['{"Segment code":"X7","Old id":"42"}', None]


@pytest.mark.parametrize(
    "sheet_name,header",
    [
        ("Accounts", "Account Owner"),
        ("Accounts", "ACCOUNT_MANAGER"),
        ("Accounts", "account-manager"),
        ("Accounts", "KAM"),
        ("account list", "account_manager"),
        ("ACCOUNTS", "Account Manager"),
        ("Customers", "Owner"),
        ("accounts.", "account manager "),
    ],
)
def test_sheets_and_headers_match_ignoring_case_spacing_punctuation_and_by_alias(
    make_workbook, sheet_name, header
):
    result = checked(
        make_workbook, {sheet_name: [{"Account ID": "A1", "Account Name": "Alpha", header: "Ann"}]}
    )
    assert result.report.height == 0
    assert result.sheets["Accounts"].rows.select("account_id", "account_name", "account_manager").rows() == [
        ("A1", "Alpha", "Ann")
    ]


@pytest.mark.parametrize("header", ["NPS", "Likelihood to recommend", "recommend score"])
def test_nps_headers_mean_recommend_score(make_workbook, header):
    result = checked(
        make_workbook, {"Accounts": [ANN], "Survey responses": [MINIMAL["Surveys"] | {header: 9}]}
    )
    assert result.report.height == 0
    assert result.sheets["Surveys"].rows["recommend_score"].to_list() == [9.0]


def test_title_rows_above_the_header_shift_the_reported_rows(make_workbook):
    sheets = {"Accounts": [ANN, BO | {"strategic": "perhaps"}]}
    assert report(make_workbook, sheets, title_rows={"Accounts": ["Accounts export", "1 July 2025"]}) == [
        ("error", "Accounts", 5, "strategic", "perhaps", "'perhaps' is not yes or no.")
    ]


def test_a_two_cell_title_above_a_narrow_table_is_not_taken_for_the_header(make_workbook):
    sheets = {
        "Accounts": [
            ["Accounts export", "1 July 2025"],
            ["account_id", "account_name", "account_manager"],
            ["A1", "Alpha", "Ann"],
        ]
    }
    result = checked(make_workbook, sheets)
    assert result.report.height == 0
    assert result.sheets["Accounts"].rows.select("account_id", "__row").rows() == [("A1", 3)]


@pytest.mark.parametrize(
    "sheet,rows,key,value",
    [
        (
            "Financials",
            [MINIMAL["Financials"], MINIMAL["Financials"] | {"period": "2025-07-15"}],
            "account_id + period",
            "A1 / 2025-07-01",
        ),
        (
            "Opportunities",
            [MINIMAL["Opportunities"], MINIMAL["Opportunities"] | {"amount": 9}],
            "opportunity_id",
            "O1",
        ),
        (
            "Team",
            [MINIMAL["Team"], MINIMAL["Team"] | {"wave": "extended"}],
            "account_id + member",
            "A1 / Ann",
        ),
    ],
)
def test_a_duplicate_key_is_an_error_naming_the_first_row(make_workbook, sheet, rows, key, value):
    assert report(make_workbook, {"Accounts": [ANN], sheet: rows}) == [
        ("error", sheet, 3, key, value, f"Duplicate {key}: {value} is also in row 2; each must appear once.")
    ]


@pytest.mark.parametrize(
    "sheets,expected",
    [
        (
            {"Accounts": [ANN], "Financials": [MINIMAL["Financials"] | {"account_id": "A9"}]},
            (
                "error",
                "Financials",
                2,
                "account_id",
                "A9",
                "Account 'A9' is not in the Accounts sheet or the database; add it to Accounts.",
            ),
        ),
        (
            {
                "Accounts": [ANN],
                "Stakeholders": [MINIMAL["Stakeholders"]],
                "Team": [MINIMAL["Team"]],
                "Relationships": [MINIMAL["Relationships"] | {"stakeholder_id": "S5"}],
            },
            (
                "error",
                "Relationships",
                2,
                "stakeholder_id",
                "S5",
                "Stakeholder 'S5' is not in Stakeholders (in this workbook or the database).",
            ),
        ),
        (
            {
                "Accounts": [ANN, BO],
                "Stakeholders": [MINIMAL["Stakeholders"] | {"account_id": "A2"}],
                "Team": [MINIMAL["Team"]],
                "Relationships": [MINIMAL["Relationships"]],
            },
            (
                "error",
                "Relationships",
                2,
                "stakeholder_id",
                "S1",
                "Stakeholder 'S1' belongs to account A2, not A1.",
            ),
        ),
        (
            {"Accounts": [ANN], "Stakeholders": [MINIMAL["Stakeholders"] | {"reports_to": "S7"}]},
            (
                "error",
                "Stakeholders",
                2,
                "reports_to",
                "S7",
                "reports_to 'S7' is not a known stakeholder_id.",
            ),
        ),
        (
            {"Accounts": [ANN | {"parent_account": "ZZ"}]},
            (
                "error",
                "Accounts",
                2,
                "parent_account",
                "ZZ",
                "Parent account 'ZZ' is not a known account_id.",
            ),
        ),
        (
            {"Accounts": [ANN | {"parent_account": "A1"}]},
            ("error", "Accounts", 2, "parent_account", "A1", "An account cannot be its own parent."),
        ),
    ],
    ids=["account", "stakeholder", "stakeholder-of-another-account", "reports-to", "parent", "own-parent"],
)
def test_a_reference_that_does_not_resolve_is_an_error(make_workbook, sheets, expected):
    assert report(make_workbook, sheets) == [expected]


def test_a_relationship_with_someone_not_in_the_team_is_a_warning(make_workbook):
    sheets = one("Relationships", member="Zoe")
    assert report(make_workbook, sheets) == [
        (
            "warning",
            "Relationships",
            2,
            "member",
            "Zoe",
            "'Zoe' is not in the Team of account A1; add them to Team.",
        )
    ]


def test_further_numeric_survey_columns_become_answers_on_their_scale(make_workbook):
    rows = [
        MINIMAL["Surveys"] | {"Ease of ordering": 4, "Would you buy again?": 9, "Free remark": "fine"},
        MINIMAL["Surveys"]
        | {"response_id": "R2", "Ease of ordering": 2, "Would you buy again?": None, "Free remark": None},
    ]
    result = checked(make_workbook, {"Accounts": [ANN], "Surveys": rows})
    assert result.report.drop("file").rows() == [
        (
            "warning",
            "Surveys",
            1,
            "Free remark",
            None,
            "Column 'Free remark' is not part of the Surveys contract; its values are kept aside with each "
            "row, not used.",
        )
    ]
    assert_frame_equal(
        result.survey_answers,
        pl.DataFrame(
            {
                "response_id": ["R1", "R2", "R1"],
                "account_id": ["A1", "A1", "A1"],
                "question": ["Ease of ordering", "Ease of ordering", "Would you buy again?"],
                "score": [4.0, 2.0, 9.0],
                "scale_max": pl.Series([5, 5, 10], dtype=pl.Int32),
            }
        ),
    )
    assert result.sheets["Surveys"].rows["extras"].to_list() == ['{"Free remark":"fine"}', None]


@pytest.mark.parametrize(
    "values,stored,notes",
    [
        (
            [60, 25],
            [0.6, 0.25],
            [
                (
                    "info",
                    "Opportunities",
                    None,
                    "probability",
                    None,
                    "Column 'probability': values above 1 found, so the column was read as per cent (0-100).",
                )
            ],
        ),
        ([0.6, 1], [0.6, 1.0], []),
        (["60%", "25%"], [0.6, 0.25], []),
    ],
)
def test_probability_is_read_as_a_fraction_or_per_cent(make_workbook, values, stored, notes):
    rows = [
        MINIMAL["Opportunities"] | {"opportunity_id": f"O{i}", "probability": v} for i, v in enumerate(values)
    ]
    result = checked(make_workbook, {"Accounts": [ANN], "Opportunities": rows})
    assert result.report.drop("file").rows() == notes
    assert result.sheets["Opportunities"].rows["probability"].to_list() == pytest.approx(stored)


@pytest.mark.parametrize("values,stored", [(["60%", 70], [0.6, 0.7]), (["60%", "0.7"], [0.6, 0.7])])
def test_a_per_cent_sign_is_read_once_whatever_the_other_values(make_workbook, values, stored):
    rows = [
        MINIMAL["Opportunities"] | {"opportunity_id": f"O{i}", "probability": v} for i, v in enumerate(values)
    ]
    result = checked(make_workbook, {"Accounts": [ANN], "Opportunities": rows})
    assert result.sheets["Opportunities"].rows["probability"].to_list() == pytest.approx(stored)


def test_a_probability_above_100_per_cent_is_out_of_range(make_workbook):
    errors = checked(make_workbook, one("Opportunities", probability="150%")).errors
    assert errors.select("sheet", "row", "column", "value").rows() == [
        ("Opportunities", 2, "probability", "150%")
    ]
    assert "out of range" in errors["problem"][0]


MARIA = User("maria", "Maria Manager", "account_manager")


def test_an_account_manager_may_not_upload_an_account_owned_by_someone_else(make_workbook):
    sheets = {
        "Accounts": [ANN | {"account_manager": "Maria Manager"}, BO],
        "Financials": [MINIMAL["Financials"] | {"account_id": "A2"}],
    }
    assert report(make_workbook, sheets, user=MARIA) == [
        (
            "error",
            "Accounts",
            3,
            "account_id",
            "A2",
            "Not permitted: account A2 belongs to Bo; Maria Manager may only upload rows for accounts they "
            "own.",
        ),
        (
            "error",
            "Financials",
            2,
            "account_id",
            "A2",
            "Not permitted: account A2 belongs to Bo; Maria Manager may only upload rows for accounts they "
            "own.",
        ),
    ]


@pytest.mark.parametrize(
    "user",
    [MARIA, User("root", "Ada Admin", "admin"), User("maria", "M", "account_manager", frozenset({"A2"}))],
    ids=["owner-by-name", "admin", "granted"],
)
def test_the_owner_an_admin_or_a_granted_user_may_upload_an_account(make_workbook, user):
    sheets = {"Accounts": [BO | {"account_manager": "maria manager"} if user is MARIA else BO]}
    assert report(make_workbook, sheets, user=user) == []
