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
    "command",
    ["init-demo", "template", "validate", "load", "load-users", "set-user", "hash-password", "digest"],
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
        "Contracts",
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


def test_digest_writes_the_users_html_and_pdf_to_the_folder(tmp_path, files, capsys):
    db = tmp_path / "sam.duckdb"
    detractor = {"response_id": "R1", "account_id": "A1", "survey_date": "2026-06-01", "recommend_score": 2}
    assert main(["load", files("a.xlsx", {**CLEAN, "Surveys": [detractor]}), "--db", str(db)]) == 0
    out = tmp_path / "outbox"
    args = ["digest", "--user", "manager", "--db", str(db), "--out", str(out), "--today", "2026-06-10"]
    assert main([*args, "--url", "https://sam.example"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "digest-manager-2026-06-08.html",
        "digest-manager-2026-06-08.pdf",
    ]
    assert "manager: 1 item needs attention; wrote" in capsys.readouterr().out
    html = (out / "digest-manager-2026-06-08.html").read_text(encoding="utf-8")
    assert "Detractor without an action" in html and 'href="https://sam.example/loyalty"' in html


def test_digest_of_an_unknown_user_exits_1_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "outbox"
    assert main(["digest", "--user", "nobody", "--db", str(tmp_path / "s.duckdb"), "--out", str(out)]) == 1
    assert "No user 'nobody'" in capsys.readouterr().err
    assert not out.exists()


def test_a_load_keeps_each_accounts_health_of_the_day(tmp_path, files):
    db = tmp_path / "sam.duckdb"
    beta = {"account_id": "A2", "account_name": "Beta", "account_manager": "Jonas Weber"}
    revenue = [{"account_id": a, "period": "2026-01-01", "revenue": 100} for a in ("A1", "A2")]
    assert (
        main(
            [
                "load",
                files("a.xlsx", {"Accounts": [*CLEAN["Accounts"], beta], "Financials": revenue}),
                "--db",
                str(db),
            ]
        )
        == 0
    )
    con = connect(db)
    # one row of the load's day per account (recorded), beside the month ends computed for the past
    kept = con.execute(
        "SELECT account_id, count(*) FROM health_history WHERE source = 'recorded' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    con.close()
    assert kept == [("A1", 1), ("A2", 1)]


SIGN_ON_SECRETS = """
[auth]
redirect_uri = "https://sam.example.com/oauth2callback"
cookie_secret = "a-long-random-string"
client_id = "sam"
client_secret = "secret"
server_metadata_url = "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration"
"""


@pytest.fixture
def signed_on(tmp_path, files, monkeypatch):
    """Company sign-on set up as the app reads it (secrets.toml of the folder the command runs in):
    Maria Keller in the Users table as an account manager (A1 is hers, with a detractor), Carla
    Jensen not in it but signed in once with the coaches' group."""
    from sam_core.access import directory, sessions
    from sam_core.access.oidc import Identity

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SAM_OIDC_ROLES", "sam-coaches=coach")
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(SIGN_ON_SECRETS, encoding="utf-8")
    db = tmp_path / "sam.duckdb"
    detractor = {"response_id": "R1", "account_id": "A1", "survey_date": "2026-06-01", "recommend_score": 2}
    assert main(["load", files("a.xlsx", {**CLEAN, "Surveys": [detractor]}), "--db", str(db)]) == 0
    con = connect(db)
    admin = User("admin-cli", "Command line (admin)", "admin")
    directory.save_entry(con, admin, "Maria.Keller@example.com", name="Maria Keller", role="account_manager")
    carla = Identity("carla.jensen@example.com", "Carla Jensen", ("sam-coaches",), "t-1")
    carla_user = User(carla.email, carla.name, "coach")
    sessions.start_session(
        con,
        carla_user,
        method=sessions.OIDC,
        client="10.0.0.7",
        hours=12,
        token_id="t-1",
        identity=carla.to_json(),
    )
    con.close()
    return db


def test_with_company_sign_on_the_digests_go_to_the_users_table_and_whoever_signed_in(signed_on, capsys):
    out = signed_on.parent / "outbox"
    assert main(["digest", "--all", "--db", str(signed_on), "--out", str(out), "--today", "2026-06-10"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "digest-carla.jensen@example.com-2026-06-08.html",
        "digest-carla.jensen@example.com-2026-06-08.pdf",
        "digest-maria.keller@example.com-2026-06-08.html",
        "digest-maria.keller@example.com-2026-06-08.pdf",
    ]
    printed = capsys.readouterr().out
    # Maria manages A1 (the Users table's name): its detractor waits 7 working days for an action
    assert "maria.keller@example.com: 1 item needs attention" in printed
    assert "Detractor without an action" in (
        out / "digest-maria.keller@example.com-2026-06-08.html"
    ).read_text(encoding="utf-8")


def test_with_company_sign_on_an_address_without_a_role_gets_no_digest(signed_on, capsys):
    out = signed_on.parent / "outbox"
    args = ["digest", "--user", "nobody@example.com", "--db", str(signed_on), "--out", str(out)]
    assert main(args) == 1
    assert "No one with the e-mail 'nobody@example.com' has a role" in capsys.readouterr().err
    assert not out.exists()
