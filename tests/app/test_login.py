"""The login, the logouts and the Administration page, as a user and an admin use them: logging
out everywhere ends the user's other browser sessions, an admin ends a session, sees who is
kept out and unlocks them, and reads the record of logins; the demo cookie key is refused
with a real users file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from sam_core.access import sessions
from sam_core.access.login_guard import CLIENT, USER
from sam_core.access.users import hash_password
from sam_core.outputs.formatting import plain
from ui import session

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def log_in(at: AppTest, username: str, password: str = "demo") -> AppTest:
    at.text_input(key=session.USERNAME_KEY).input(username)
    at.text_input(key=session.PASSWORD_KEY).input(password)
    next(b for b in at.button if b.label == "Login").click()
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


@pytest.fixture
def stopped_login_clock():
    """The login limits on a clock that does not move: the waits never pass by themselves."""
    guard = session.login_guard()
    guard.clock = lambda: 1_000.0
    return guard


def test_logging_in_with_the_form_records_a_session_for_this_browser(app_as):
    at = log_in(app_as(None), "coach")
    assert [t.value for t in at.title] == ["Portfolio"]
    login = at.session_state[session.LOGIN_STATE]
    assert (login.username, login.method, login.client) == ("coach", "password", "localhost")


def test_logging_out_everywhere_ends_the_users_other_browser_sessions(app_as):
    laptop, phone = log_in(app_as(None), "coach"), log_in(app_as(None), "coach")
    click(laptop, "End all my sessions")
    assert [t.label for t in laptop.text_input] == ["Username", "Password"]
    phone.run()  # the phone's next click
    assert [t.label for t in phone.text_input] == ["Username", "Password"]
    assert phone.info[0].value == "You were logged out: you ended all your sessions."


def test_logging_out_leaves_the_users_other_browsers_logged_in(app_as):
    laptop, phone = log_in(app_as(None), "coach"), log_in(app_as(None), "coach")
    click(laptop, "Log out")
    assert [t.label for t in laptop.text_input] == ["Username", "Password"]
    phone.run()
    assert [t.value for t in phone.title] == ["Portfolio"]


def test_an_admin_ends_a_session_and_that_browser_is_logged_out(app_as):
    executive = log_in(app_as(None), "executive")
    victim = executive.session_state[session.LOGIN_STATE].session_id
    admin = app_as("admin")
    admin.switch_page("pages/administration.py").run()
    admin.multiselect(key="administration_end").select(victim)
    click(admin, "End the chosen sessions")
    assert [s.value for s in admin.success] == ["Ended 1 session."]
    executive.run()
    assert [t.label for t in executive.text_input] == ["Username", "Password"]
    assert executive.info[0].value == "An admin ended your session. Log in again to continue."


def test_the_admin_sees_who_is_kept_out_and_unlocks_them(app_as, stopped_login_clock):
    for _ in range(3):
        assert log_in(app_as(None), "coach", "guess").error[0].value == "Wrong user name or password."
    assert log_in(app_as(None), "coach").error[0].value.startswith("Too many failed logins: wait 5 seconds")
    admin = app_as("admin")
    admin.switch_page("pages/administration.py").run()
    limits = admin.dataframe[0].value
    # three failures and one refused attempt, under the name and under this machine's address
    assert sorted(limits[["kind", "key", "failures", "wait", "refused"]].itertuples(index=False)) == [
        (CLIENT, "localhost", 3, 5, 1),
        (USER, "coach", 3, 5, 1),
    ]
    admin.multiselect(key="administration_unlock").select(f"{USER}\tcoach").select(f"{CLIENT}\tlocalhost")
    click(admin, "Unlock")
    assert [s.value for s in admin.success] == ["Unlocked 2: user name coach, client localhost."]
    assert [t.value for t in log_in(app_as(None), "coach").title] == ["Portfolio"]


def test_the_login_record_lists_logins_failures_and_unlocks(app_as, stopped_login_clock):
    log_in(app_as(None), "coach", "guess")
    log_in(app_as(None), "executive")
    admin = app_as("admin")
    admin.switch_page("pages/administration.py").run()
    admin.text_input(key="administration_user").input("coach").run()
    record = admin.dataframe[-1].value
    assert list(record[["event", "user_name", "client"]].itertuples(index=False))[:1] == [
        ("Failed login", "coach", "localhost")
    ]


def real_users_file(tmp_path):
    path = tmp_path / "users.yaml"
    path.write_text(
        f'users:\n  ceo:\n    name: Chief\n    role: admin\n    password: "{hash_password("s3cret!")}"\n'
    )
    path.chmod(0o600)
    return path


def test_the_app_refuses_the_demo_cookie_key_with_a_real_users_file(app_env, monkeypatch, tmp_path):
    monkeypatch.setenv("SAM_USERS_FILE", str(real_users_file(tmp_path)))  # SAM_MODE stays demo
    monkeypatch.delenv("SAM_COOKIE_KEY", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert at.error[0].value.startswith("The app cannot start: The users file")
    assert "demo cookie key" in at.error[0].value
    assert not at.text_input  # no login form


def test_with_its_own_key_a_real_users_file_logs_in_and_shows_no_demo_passwords(
    app_env, monkeypatch, tmp_path
):
    monkeypatch.setenv("SAM_USERS_FILE", str(real_users_file(tmp_path)))
    monkeypatch.setenv("SAM_COOKIE_KEY", "k" * 40)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not [i.value for i in at.info if "password **demo**" in i.value]
    assert [t.value for t in log_in(at, "ceo", "s3cret!").title] == ["Portfolio"]


def test_a_typed_user_name_shows_as_typed_on_the_admin_page_never_as_markdown(app_as, stopped_login_clock):
    log_in(app_as(None), "[help](http://evil.example)", "guess")
    admin = app_as("admin")
    admin.switch_page("pages/administration.py").run()
    admin.multiselect(key="administration_unlock").select(f"{USER}\t[help](http://evil.example)")
    click(admin, "Unlock")
    assert [s.value for s in admin.success] == [
        f"Unlocked 1: user name {plain('[help](http://evil.example)')}."
    ]


def test_an_expired_login_asks_for_the_password_again_and_says_why(app_as):
    # Logged in 13 hours ago with SAM_SESSION_HOURS at its default of 12.
    started = sessions.utc_now() - timedelta(hours=13)
    login = sessions.LoginSession(
        "old", "coach", "password", "localhost", started, started + timedelta(hours=12)
    )
    at = app_as(None, **{session.LOGIN_STATE: login})
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert at.info[0].value == "Your login lasts 12 hours and has expired. Log in again."
