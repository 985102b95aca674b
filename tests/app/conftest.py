"""AppTest fixtures: a demo database built once per test session, and logged-in apps."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from sam_core.demo import load_demo
from sam_core.store import connect

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
    from ui import session

    session.login_guard.clear()


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
            at.session_state["authentication_status"] = True
            at.session_state["username"] = username
            at.session_state["name"] = DEMO_USERS[username]
        for key, value in state.items():
            at.session_state[key] = value
        return at.run()

    return make
