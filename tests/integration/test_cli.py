"""The command line: same code paths as the app, clear exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sam_core.__main__ import main
from sam_core.access.permissions import User
from sam_core.store import connect

ROOT = Path(__file__).resolve().parents[2]
CLEAN = {"Accounts": [{"account_id": "A1", "account_name": "Alpha", "account_manager": "Maria Keller"}]}


@pytest.fixture
def files(tmp_path, make_workbook):
    def write(name: str, sheets: dict) -> str:
        path = tmp_path / name
        path.write_bytes(make_workbook(sheets))
        return str(path)

    return write


@pytest.mark.parametrize(
    "command", ["init-demo", "template", "validate", "load", "load-users", "set-user", "hash-password"]
)
def test_every_command_has_help(command):
    done = subprocess.run(
        [sys.executable, "-m", "sam_core", command, "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0
    assert f"python -m sam_core {command}" in done.stdout


def test_validate_exits_0_on_a_clean_workbook(files, capsys):
    assert main(["validate", files("clean.xlsx", CLEAN)]) == 0
    assert "0 errors and 0 warnings" in capsys.readouterr().out


def test_validate_exits_1_and_prints_the_problem(files, capsys):
    bad = files("bad.xlsx", {"Financials": [{"account_id": "A1", "period": "2025-07", "revenue": "n/a"}]})
    assert main(["validate", bad]) == 1
    out = capsys.readouterr().out
    assert "'n/a' is not a number." in out and "Financials" in out


def test_template_writes_every_sheet_and_a_readme(tmp_path, capsys):
    import fastexcel

    out = tmp_path / "template.xlsx"
    assert main(["template", str(out)]) == 0
    assert fastexcel.read_excel(out.read_bytes()).sheet_names == [
        "README",
        "Accounts",
        "Financials",
        "Opportunities",
        "Stakeholders",
        "Team",
        "Relationships",
        "Engagements",
        "Evidence",
        "Surveys",
        "Actions",
        "Rates",
        "Plan business",
        "Plan objectives",
        "Plan value",
        "Plan whitespace",
        "Plan competitors",
        "Plan sponsor commitments",
        "Plan contacts",
        "Plan shared actions",
        "Users",  # the Users table of company sign-on, loaded by an admin on the Administration page
    ]


def test_load_as_a_manager_of_someone_elses_account_changes_nothing(files, tmp_path, capsys):
    db = tmp_path / "sam.duckdb"
    theirs = files(
        "theirs.xlsx",
        {"Accounts": [{"account_id": "B1", "account_name": "Beta", "account_manager": "Jonas Weber"}]},
    )
    assert main(["load", theirs, "--db", str(db), "--as", "manager"]) == 1
    assert "Not permitted: account B1 belongs to Jonas Weber" in capsys.readouterr().out
    con = connect(db)
    assert con.execute("SELECT count(*) FROM accounts").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM uploads").fetchall() == [(0,)]


def test_load_records_the_upload_under_the_users_name(files, tmp_path, capsys):
    db = tmp_path / "sam.duckdb"
    assert main(["load", files("mine.xlsx", CLEAN), "--db", str(db), "--as", "manager"]) == 0
    con = connect(db)
    assert con.execute("SELECT user_name, file_name FROM uploads").fetchall() == [("manager", "mine.xlsx")]


def test_load_as_an_unknown_user_is_refused(files, tmp_path, capsys):
    assert main(["load", files("x.xlsx", CLEAN), "--db", str(tmp_path / "s.duckdb"), "--as", "nobody"]) == 1
    assert "No user 'nobody'" in capsys.readouterr().err


def test_init_demo_refuses_to_overwrite_without_force(tmp_path, capsys):
    db = tmp_path / "sam.duckdb"
    db.write_bytes(b"")
    assert main(["init-demo", "--db", str(db)]) == 2
    assert "use --force" in capsys.readouterr().err


def test_plans_export_and_load_back_through_the_command_line(files, tmp_path, capsys):
    db = tmp_path / "sam.duckdb"
    program = files(
        "program.xlsx",
        {
            "Accounts": [
                {
                    "account_id": "A1",
                    "account_name": "Alpha",
                    "account_manager": "Maria Keller",
                    "strategic": "yes",
                }
            ]
        },
    )
    plans = files(
        "plans.xlsx", {"Plan objectives": [{"account_id": "A1", "objective": "Win the Finance rollout"}]}
    )
    assert main(["load", program, "--db", str(db)]) == 0
    assert main(["load-plans", plans, "--db", str(db), "--as", "manager"]) == 0
    out = tmp_path / "out.xlsx"
    assert main(["export-plans", str(out), "--db", str(db)]) == 0
    assert "Wrote the plans of 1 accounts" in capsys.readouterr().out
    import fastexcel

    sheet = fastexcel.read_excel(out.read_bytes()).load_sheet("Plan objectives").to_polars()
    assert sheet.select("account_id", "objective", "version").rows() == [("A1", "Win the Finance rollout", 1)]


def test_loading_a_plan_of_someone_elses_account_fails_and_says_why(files, tmp_path, capsys):
    db = tmp_path / "sam.duckdb"
    program = files(
        "program.xlsx",
        {"Accounts": [{"account_id": "B1", "account_name": "Beta", "account_manager": "Jonas Weber"}]},
    )
    plans = files("plans.xlsx", {"Plan objectives": [{"account_id": "B1", "objective": "Grow"}]})
    assert main(["load", program, "--db", str(db)]) == 0
    assert main(["load-plans", plans, "--db", str(db), "--as", "manager"]) == 1
    assert "belongs to Jonas Weber" in capsys.readouterr().out


def test_validate_exits_1_when_nothing_is_a_contract_sheet(files, capsys):
    assert main(["validate", files("pivot.xlsx", {"Pivot": [{"a": 1, "b": 2}]})]) == 1
    assert "Nothing to load: no sheet could be read as a contract sheet." in capsys.readouterr().out


def test_the_report_is_printed_in_full_one_line_per_problem(files, capsys):
    bad = files("bad.xlsx", {"Accounts": [{"account_id": "A1", "account_name": "Alpha"}]})
    assert main(["validate", bad]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("error"))
    assert line == (
        "error   bad.xlsx › Accounts, row 1, account_manager: Required column 'account_manager' is missing "
        "in the file: map a column to it, or fill it in the mapping."
    )
    assert len(line) > 120


def test_a_mapping_file_from_the_page_loads_next_months_export(tmp_path, capsys):
    from crm_export import choose, crm_export, proposals

    from sam_core.ingest.mapping import mappings_yaml

    mapping = tmp_path / "sam-mapping.yaml"
    mapping.write_text(mappings_yaml([m for _, m in choose(proposals(crm_export(1)))]))
    export = tmp_path / "crm-august.xlsx"
    export.write_bytes(crm_export(2))
    db = tmp_path / "sam.duckdb"
    assert main(["validate", str(export), "--mapping", str(mapping), "--as", "manager"]) == 0
    assert main(["load", str(export), "--db", str(db), "--as", "manager", "--mapping", str(mapping)]) == 0
    out = capsys.readouterr().out
    assert "crm-august.xlsx › sales_pipeline read as Opportunities (mapping file sam-mapping.yaml)" in out
    assert "    rows without account_id are skipped" in out
    con = connect(db)
    assert con.execute("SELECT count(*) FROM opportunities").fetchall() == [(6,)]  # 7 deals, D-106 skipped


def test_scripted_loads_use_the_users_remembered_mappings(tmp_path, capsys):
    from crm_export import choose, crm_export, proposals

    from sam_core.ingest.mapping import remember

    db = tmp_path / "sam.duckdb"
    con = connect(db)
    remember(
        con,
        [m for _, m in choose(proposals(crm_export(1)))],
        user=User("manager", "Maria Keller", "account_manager"),
    )
    con.close()
    export = tmp_path / "crm.xlsx"
    export.write_bytes(crm_export(2))
    assert main(["validate", str(export), "--db", str(db), "--as", "manager"]) == 0
    assert "read as Engagements (your mapping of " in capsys.readouterr().out
    assert (
        main(["validate", str(export), "--db", str(db)]) == 1
    )  # an admin has no such mapping: type is missing
