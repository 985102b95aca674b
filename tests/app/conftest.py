"""AppTest fixtures: a demo database built once per test session, and logged-in apps."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from portfolio_fixture import SHEETS
from streamlit.testing.v1 import AppTest
from workbooks import workbook_bytes

from sam_core.access.permissions import User
from sam_core.demo import load_demo
from sam_core.ingest.uploads import load_files
from sam_core.store import connect
from ui import session

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
DEMO_USERS = {
    "executive": "Helena Brandt",
    "manager": "Maria Keller",
    "coach": "Carla Jensen",
    "admin": "Alex Morgan",
}


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("app") / "demo.duckdb"
    con = connect(path)
    load_demo(con, date(2026, 11, 24))
    con.close()
    return path


@pytest.fixture(autouse=True)
def fresh_login_limits():
    """Each test starts with no failed logins on record (AppTest sessions share one client)."""
    session.login_guard.clear()
    session.ended_sessions.clear()


@pytest.fixture
def app_env(demo_db, monkeypatch):
    monkeypatch.setenv("SAM_DB_PATH", str(demo_db))
    monkeypatch.setenv("SAM_MODE", "demo")
    monkeypatch.chdir(ROOT)


@pytest.fixture
def app_as(app_env):
    """`app_as("executive", "pages/loyalty.py", key=value)`: an AppTest of app.py (or of one
    page file) with that demo user logged in and the session state given, run once."""

    def make(username: str | None, script: str = "app.py", **state) -> AppTest:
        at = AppTest.from_file(str(ROOT / script), default_timeout=60)
        if username is not None:
            at.session_state[session.LOGIN_STATE] = session.stand_in(username)
        for key, value in state.items():
            at.session_state[key] = value
        return at.run()

    return make


@pytest.fixture
def own_copy(app_env, demo_db, tmp_path, monkeypatch):
    """A copy of the demo database for a test that writes (set after app_env sets the shared one)."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("SAM_DB_PATH", str(path))
    return path


@pytest.fixture(scope="session")
def hand_worked_db(tmp_path_factory):
    """The small program of tests/support/portfolio_fixture.py, whose figures were worked out
    by hand (each page test says how)."""
    path = tmp_path_factory.mktemp("hand") / "program.duckdb"
    con = connect(path)
    load_files(con, [("program.xlsx", workbook_bytes(SHEETS))], user=User("admin", "Admin", "admin"))
    con.close()
    return path


@pytest.fixture
def hand_worked(hand_worked_db, monkeypatch, app_as):
    """`hand_worked("coach", "pages/loyalty.py")`: `app_as` on the hand-worked program."""
    monkeypatch.setenv("SAM_DB_PATH", str(hand_worked_db))
    return app_as
