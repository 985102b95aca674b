"""The command line: same code paths as the app, clear exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sam_core.__main__ import main
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


@pytest.mark.parametrize("command", ["init-demo", "template", "validate", "load", "hash-password"])
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
