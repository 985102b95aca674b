"""A real CRM export (tests/support/crm_export.py) loads from its mapping alone: columns filled,
ids generated, rows skipped or given a default, any column kept aside; the choices are
remembered per user (an admin may publish one for everyone), reused for a fixed file with a
column added, and never override an exact contract header."""

from __future__ import annotations

import json

import polars as pl
import pytest
from crm_export import ACCOUNTS, choose, crm_export, proposals

from sam_core.access.permissions import User
from sam_core.errors import PermissionDenied
from sam_core.ingest import contract as c
from sam_core.ingest.mapping import (
    ALIAS,
    EXACT,
    GUESS,
    IGNORE,
    KEEP,
    REMEMBERED,
    UNKNOWN,
    SheetMapping,
    _guess_column,
    apply,
    generated_id,
    mappings_from_yaml,
    mappings_yaml,
    propose,
    publish,
    remember,
    remembered_mappings,
)
from sam_core.ingest.reader import open_file
from sam_core.ingest.uploads import load_sheets, mapped, preview_changes
from sam_core.ingest.validation import validate

ADMIN = User("admin", "Alex Morgan", "admin")
MARIA = User("manager", "Maria Keller", "account_manager")
JONAS = User("jonas", "Jonas Weber", "account_manager")


def load(db, found, user=MARIA):
    return load_sheets(db, [mapped(s, m) for s, m in found], user=user, file_name="crm.xlsx", sha256="x")


def test_the_crm_export_is_proposed_with_its_gaps_filled_where_that_is_safe():
    found = {m.source_sheet: m for _, m in proposals(crm_export(1))}
    assert {n: m.sheet for n, m in found.items()} == {
        "accounts": "Accounts",
        "sales_pipeline": "Opportunities",
        "interactions": "Engagements",
    }
    assert found["sales_pipeline"].columns == {
        "opportunity_id": "opportunity_id",
        "sales_agent": "owner",
        "product": "name",
        "account": "account_id",
        "deal_stage": "stage",
        "engage_date": KEEP,
        "close_date": "close_date",
        "close_value": "amount",
    }
    assert (
        found["sales_pipeline"].how["deal_stage"] == ALIAS
        and found["sales_pipeline"].how["close_date"] == EXACT
    )
    assert (found["accounts"].fill, found["accounts"].copies) == (
        {"account_manager": "Maria Keller"},
        {"account_name": "account"},
    )
    assert found["interactions"].columns["timestamp"] == "date"
    assert found["interactions"].generate == {"engagement_id": ["account_id", "date", "type"]}
    assert found["interactions"].missing_required() == ["type", "status"]  # the user must say


def test_the_crm_export_loads_from_its_mapping_alone(db):
    found = choose(proposals(crm_export(1)))
    result = load(db, found)
    # 3 accounts, 6 deals less D-106 (no account, skipped), 4 interactions
    assert result.changes.select("sheet", "rows").rows() == [
        ("Accounts", 3),
        ("Opportunities", 5),
        ("Engagements", 4),
    ]
    assert db.execute(
        "SELECT account_id, account_name, account_manager FROM accounts ORDER BY 1"
    ).fetchall() == [(a, a, "Maria Keller") for a in sorted(ACCOUNTS)]
    deals = db.execute(
        "SELECT opportunity_id, stage, amount, name, extras FROM opportunities ORDER BY 1"
    ).fetchall()
    assert [d[:3] for d in deals] == [
        ("D-101", "won", 5000.0),
        ("D-102", "prospecting", 0.0),  # open, no value: the stated default
        ("D-103", "qualifying", 1500.0),  # Engaging, as mapped
        ("D-104", "won", 7000.0),
        ("D-105", "prospecting", 0.0),
    ]
    assert deals[0][3] is None and json.loads(deals[0][4])["product"] == "GTX Pro"  # kept aside, not the name
    talks = db.execute(
        "SELECT engagement_id, account_id, date, type, status FROM engagements ORDER BY date"
    ).fetchall()
    # The id is made from account_id, the timestamp as written, and type.
    assert talks[0][0] == generated_id(["Zephyr Analytics", "7/14/25 9:30", "other"])
    assert {t[3:] for t in talks} == {("other", "held")} and len({t[0] for t in talks}) == 4


def test_skipped_rows_are_counted_and_listed_in_the_report():
    found = choose(proposals(crm_export(1)))
    checked = validate([mapped(s, m) for s, m in found])
    assert checked.ok and checked.skipped == 1
    assert checked.report.filter(pl.col("problem").str.starts_with("Row skipped")).select(
        "severity", "sheet", "row", "column", "problem"
    ).rows() == [
        (
            "warning",
            "Opportunities",
            7,
            "account_id",
            "Row skipped: it has no account_id, and the mapping skips such rows.",
        )
    ]
    assert checked.summary().endswith("1 row skipped (listed).")


def test_next_months_export_maps_itself_and_updates_the_same_rows(db):
    first = choose(proposals(crm_export(1)))
    load(db, first)
    remember(db, [m for _, m in first], user=MARIA)
    second = proposals(crm_export(2), remembered_mappings(db, MARIA))
    assert all(m.missing_required() == [] for _, m in second)
    assert [m.to_dict() for _, m in second] == [m.to_dict() for _, m in first]  # no choice to make
    checked = validate([mapped(s, m) for s, m in second], con=db, user=MARIA)
    assert checked.ok
    # D-103 won, D-107 new; the four earlier interactions keep their generated ids, two are new.
    assert preview_changes(db, checked).select("sheet", "added", "changed", "removed").rows() == [
        ("Accounts", 0, 0, 0),
        ("Opportunities", 1, 1, 0),
        ("Engagements", 2, 0, 0),
    ]


def test_a_fixed_file_with_a_column_added_keeps_every_choice_that_still_applies(db):
    first = choose(proposals(crm_export(1, fixed=False)))
    remember(db, [m for _, m in first], user=MARIA)
    again = {m.source_sheet: m for _, m in proposals(crm_export(1), remembered_mappings(db, MARIA))}
    accounts = again["accounts"]
    assert accounts.columns["website"] == KEEP and accounts.how["website"] == UNKNOWN  # new: proposed afresh
    assert accounts.how["account"] == REMEMBERED
    assert (
        again["sales_pipeline"].skip == ["account_id"] and again["sales_pipeline"].columns["product"] == KEEP
    )
    assert again["interactions"].fill == {"type": "other", "status": "held"}


@pytest.mark.parametrize("kept", ["account", "region"])
def test_any_column_can_be_kept_aside(kept):
    rows = [
        ["account_id", "account_name", "account_manager", "account", "region"],
        ["A1", "Alpha", "Ann", "Alpha AG", "North"],
    ]
    [sheet] = open_file("a.xlsx", __import__("workbooks").workbook_bytes({"Accounts": rows}))
    mapping = propose(sheet)
    mapping.columns[kept] = KEEP
    checked = validate([apply(sheet.read(), mapping)])
    assert checked.ok, checked.errors
    stored = checked.sheets["Accounts"].rows
    assert stored["region"].to_list() == ([None] if kept == "region" else ["North"])
    assert kept in json.loads(stored["extras"][0]) or f"{kept} (kept aside)" in json.loads(
        stored["extras"][0]
    )


def test_an_exact_header_wins_over_a_remembered_choice(db, make_workbook):
    """A manager who swaps revenue and plan_revenue in her mapping changes neither her next
    template upload nor anyone else's."""
    sheets = {
        "Financials": [{"account_id": "A1", "period": "2025-07", "revenue": 5_000_000, "plan_revenue": 10}]
    }
    [sheet] = open_file("f.xlsx", make_workbook(sheets))
    swapped = propose(sheet)
    swapped.columns.update(revenue="plan_revenue", plan_revenue="revenue")
    remember(db, [swapped], user=MARIA)
    assert remembered_mappings(db, ADMIN) == []
    for user in (MARIA, ADMIN):
        again = propose(sheet, remembered_mappings(db, user))
        assert (again.columns["revenue"], again.how["revenue"]) == ("revenue", EXACT)
        assert validate([apply(sheet.read(), again)]).sheets["Financials"].rows["revenue"].to_list() == [5e6]


def test_a_published_mapping_is_offered_to_everyone_and_their_own_wins(db):
    found = choose(proposals(crm_export(1), me=ADMIN.name))
    with pytest.raises(PermissionDenied):
        publish(db, found[2][1], user=MARIA)
    publish(db, found[2][1], user=ADMIN)
    theirs = remembered_mappings(db, JONAS)
    assert [(m.source_sheet, m.fill) for m in theirs] == [
        ("interactions", {"type": "other", "status": "held"})
    ]
    assert theirs[0].origin.startswith("published by admin on ")
    own = found[2][1]
    own.fill["type"] = "qbr"
    remember(db, [own], user=JONAS)
    assert (
        propose(open_file("crm.xlsx", crm_export(1))[2], remembered_mappings(db, JONAS)).fill["type"] == "qbr"
    )


def test_generated_ids_number_repeats_in_file_order(make_workbook):
    rows = [{"account": "A1", "timestamp": "7/1/25", "subject": "x"}] * 2 + [
        {"account": "A2", "timestamp": "7/1/25"}
    ]
    [sheet] = open_file("i.xlsx", make_workbook({"interactions": rows}))
    mapping = propose(sheet)
    mapping.fill.update(type="other", status="held")
    ids = validate([apply(sheet.read(), mapping)]).sheets["Engagements"].rows["engagement_id"].to_list()
    first = generated_id(["A1", "7/1/25", "other"])
    assert ids == [first, f"{first}-2", generated_id(["A2", "7/1/25", "other"])]


@pytest.mark.parametrize(
    ("name", "headers", "expected"),
    [
        ("README", ["account_id", "account_name", "account_manager"], IGNORE),  # the template's own
        ("Notes", ["account_id", "date", "type", "status"], IGNORE),
        ("Export", ["account", "colour"], IGNORE),  # one alias is not enough
        ("Export", ["region", "industry"], IGNORE),  # two columns, none required
        ("Export", ["acct id", "company name", "owner"], "Accounts"),
    ],
)
def test_a_sheet_is_proposed_only_with_two_contract_columns_one_of_them_required(
    make_workbook, name, headers, expected
):
    [sheet] = open_file("x.xlsx", make_workbook({name: [headers, ["v"] * len(headers)]}))
    assert propose(sheet).sheet == expected


def test_a_spelling_exactly_at_the_cut_off_is_not_a_guess():
    sheet = c.Sheet("X", ("k",), (c.Column("stage", c.TEXT, aliases=("sales stage",)),), "")
    # "salesagent" against "salesstage": 16 of 20 characters match, a ratio of exactly 0.8
    assert _guess_column(sheet, "sales_agent") is None
    assert _guess_column(sheet, "sales stag").name == "stage"
    assert GUESS == "guess"


def test_a_mapping_file_round_trips_and_names_what_is_wrong():
    found = [m for _, m in choose(proposals(crm_export(1)))]
    text = mappings_yaml(found)
    assert [m.to_dict() for m in mappings_from_yaml(text)] == [m.to_dict() for m in found]
    with pytest.raises(
        Exception,
        match=r"^the mapping file is not a mapping file \(sheet entry 1: 'Deals' is not a contract sheet\)",
    ):
        mappings_from_yaml("sheets:\n  - source_sheet: x\n    sheet: Deals\n")


def test_an_old_shared_mapping_becomes_its_savers_own(tmp_path):
    """Mappings saved before they had owners (one table for everyone) stay their saver's."""
    import duckdb

    from sam_core.store import MIGRATIONS, connect

    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP)")
    for version, step in enumerate(MIGRATIONS[:5], start=1):
        step(old)
        old.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    saved = SheetMapping("", "deals", "Opportunities", 1, {"Deal": "opportunity_id"})
    text = json.dumps(
        {
            "file_name": "",
            "source_sheet": "deals",
            "sheet": "Opportunities",
            "header_row": 1,
            "columns": saved.columns,
            "how": {},
            "values": {},
        }
    )
    old.execute(
        "INSERT INTO source_mappings VALUES (?, 'deals', ?, 'manager', now())", [saved.signature, text]
    )
    old.close()
    con = connect(path)
    assert [m.columns for m in remembered_mappings(con, MARIA)] == [{"Deal": "opportunity_id"}]
    assert remembered_mappings(con, JONAS) == []
