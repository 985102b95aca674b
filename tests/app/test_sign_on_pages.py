"""Company sign-on as the app's pages use it (AppTest: `at.user` holds the claims Streamlit would
have put in st.user after a sign-in): the sign-in page replaces the password form; a fresh
sign-in starts a session with the role of the user's groups or the Users table; a person with no
role sees only the page that says to ask their admin; an old identity cookie, an expired or an
ended session is never brought back; an admin's change of the Users table applies at the next
click; logging out signs out of Streamlit's identity cookie too."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from sam_core.access import audit, directory, sessions
from sam_core.access.oidc import Identity
from sam_core.access.permissions import User
from sam_core.outputs.formatting import plain
from sam_core.store import connect
from ui import session, sign_on

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
NOW = 1_800_000_000  # the clock of these tests (seconds since 1970): 2027-01-15 08:00 UTC
CLI = User("admin-cli", "Command line", "admin")
ROLES = "sam-admins=admin; sam-executives=executive; sam-managers=manager; sam-coaches=coach"
SECRETS = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret-0123456789abcdef",
        "okta": {
            "client_id": "sam",
            "client_secret": "secret",
            "server_metadata_url": "https://acme.okta.com/oauth2/default/.well-known/openid-configuration",
        },
    }
}
PEOPLE = {
    "alex": ("alex.morgan@example.com", "Alex Morgan", ["staff", "sam-executives", "sam-admins"]),
    "maria": ("maria.keller@example.com", "Maria K.", ["sam-managers"]),
    "nina": ("nina.new@example.com", "Maria Keller", ["sam-managers"]),  # not in the Users table
    "noah": ("noah.body@example.com", "Noah Body", ["staff"]),
}


def claims(who: str, *, issued: int = NOW - 5, nonce: str = "n-1") -> dict:
    email, name, groups = PEOPLE[who]
    return {
        "is_logged_in": True,
        "iss": "https://acme.okta.com",
        "sub": who,
        "email": email,
        "name": name,
        "groups": groups,
        "iat": issued,
        "exp": issued + 3600,
        "nonce": nonce,
    }


@pytest.fixture
def con(demo_db, tmp_path):
    """A copy of the demo data whose Users table knows Maria Keller by her e-mail address."""
    db = tmp_path / "sam.duckdb"
    shutil.copy(demo_db, db)
    con = connect(db)
    directory.save_entry(con, CLI, "maria.keller@example.com", name="Maria Keller")
    yield con
    con.close()


@pytest.fixture
def signed_on(con, app_env, monkeypatch, tmp_path):
    """`signed_on("maria")`: the app with company sign-on (SAM_OIDC_ROLES, [auth.okta]) on `con`'s
    database, after a sign-in of that person (None: nobody signed in), run once. The clock
    stands at NOW."""
    monkeypatch.setenv("SAM_DB_PATH", str(tmp_path / "sam.duckdb"))
    monkeypatch.setenv("SAM_OIDC_ROLES", ROLES)
    monkeypatch.setattr(sign_on, "clock", lambda: NOW)

    def make(who: str | None, script: str = "app.py", **claim_changes) -> AppTest:
        at = AppTest.from_file(str(ROOT / script), default_timeout=60)
        at.secrets = SECRETS
        at.user = {**claims(who), **claim_changes} if who else {}
        return at.run()

    return make


def title(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def sidebar_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_the_sign_in_page_offers_the_company_account_instead_of_a_password(signed_on):
    at = signed_on(None)
    assert [b.label for b in at.button] == ["Sign in with Okta"]
    assert not at.text_input  # no user name, no password
    assert title(at) == ["Strategic account management"]


def test_a_fresh_sign_in_starts_a_session_with_the_role_of_the_first_mapped_group(signed_on, con):
    at = signed_on("alex")  # in staff, sam-executives and sam-admins: admins come first in the mapping
    assert title(at) == ["Portfolio"]
    assert "Alex Morgan" in sidebar_text(at) and "Admin" in sidebar_text(at)
    login = at.session_state[session.LOGIN_STATE]
    assert (login.username, login.method) == ("alex.morgan@example.com", "oidc")
    assert Identity.from_json(login.identity, "").groups == ("staff", "sam-executives", "sam-admins")
    record = audit.recent_events(con, user_name="alex.morgan@example.com")
    assert record.select("event", "method").rows() == [("login", "oidc")]


def test_a_second_tab_of_the_same_sign_in_shares_its_session(signed_on, con):
    first, second = signed_on("maria"), signed_on("maria")
    assert title(second) == ["Portfolio"]
    ids = {t.session_state[session.LOGIN_STATE].session_id for t in (first, second)}
    assert len(ids) == 1
    logins = audit.recent_events(con, user_name="maria.keller@example.com")
    assert logins.filter(event="login").height == 1


def marias_account(con) -> str:
    return con.execute(
        "SELECT min(account_id) FROM accounts WHERE account_manager = 'Maria Keller'"
    ).fetchall()[0][0]


def account_plan_of(at: AppTest, account_id: str) -> AppTest:
    at.switch_page("pages/account_plan.py").run()
    at.selectbox(key="plan_account").set_value(account_id)
    return at.run()


def test_the_users_table_names_the_account_manager_whose_accounts_are_hers(signed_on, con):
    at = signed_on("maria")  # the provider calls her "Maria K."; the data "Maria Keller"
    assert "Maria Keller" in sidebar_text(at) and "Account manager" in sidebar_text(at)
    account_plan_of(at, marias_account(con))
    assert "Read only" not in " ".join(c.value for c in at.caption)  # hers: she edits its plan


def test_an_account_manager_the_users_table_lacks_owns_no_account(signed_on, con):
    at = signed_on("nina")  # her provider's name happens to be the data's "Maria Keller"
    assert "Account manager" in sidebar_text(at)
    assert any("No account is yours yet" in c.value for c in at.sidebar.caption)
    account_plan_of(at, marias_account(con))
    assert "Read only: the account's manager and admins edit the plan." in [c.value for c in at.caption]


def test_a_person_with_no_role_sees_only_the_ask_your_admin_page_recorded_once(signed_on, con):
    at = signed_on("noah")
    assert title(at) == ["Ask your admin for access"]
    assert at.warning[0].value == plain(
        "No role for noah.body@example.com: the app's Users table does not list you, and none of your groups "
        "(staff) gives a role."
    )
    assert "groups: staff" in at.code[0].value
    assert not at.sidebar.markdown and session.LOGIN_STATE not in at.session_state
    click(at, "Try again")
    record = audit.recent_events(con, user_name="noah.body@example.com")
    assert record.select("event", "method").rows() == [("login_failed", "oidc")]


def test_an_admin_giving_a_role_lets_the_person_in_on_try_again(signed_on, con):
    at = signed_on("noah")
    directory.save_entry(con, CLI, "noah.body@example.com", role="coach")
    click(at, "Try again")
    assert title(at) == ["Portfolio"] and "Coach" in sidebar_text(at)


def test_no_access_in_the_users_table_keeps_out_even_an_admin_group(signed_on, con):
    directory.save_entry(con, CLI, "alex.morgan@example.com", role="none")
    at = signed_on("alex")
    assert title(at) == ["Ask your admin for access"]
    assert at.error[0].value == plain(
        "An admin has turned off your access (the Users table says: no access)."
    )


def test_an_old_identity_cookie_without_a_session_starts_none(signed_on, con):
    at = signed_on("alex", iat=NOW - 3600)  # signed in an hour ago; no session of the app (a new database)
    assert [b.label for b in at.button] == ["Sign in with Okta"]
    assert at.info[0].value == (
        "Your browser remembers a sign-in with Okta on 15 Jan 2027, 07:00 UTC, which has no session of the "
        "app now. Sign in again to continue."
    )
    assert audit.recent_events(con, user_name="alex.morgan@example.com").is_empty()


def test_an_expired_session_is_not_revived_by_the_identity_cookie(signed_on, con):
    # Alex signed in 13 hours ago (SAM_SESSION_HOURS is 12); Streamlit's cookie lasts 30 days.
    found = Identity.from_claims(claims("alex"))
    sessions.start_session(
        con,
        User(found.email, "Alex Morgan", "admin"),
        method="oidc",
        client="localhost",
        hours=12,
        now=sessions.utc_now() - timedelta(hours=13),
        token_id=found.token_id,
        identity=found.to_json(),
    )
    at = signed_on("alex")
    assert [b.label for b in at.button] == ["Sign in with Okta"]
    assert at.info[0].value == "Your login lasts 12 hours and has expired. Sign in again."


def administration(at: AppTest) -> AppTest:
    return at.switch_page("pages/administration.py").run()


def test_removing_someone_from_the_users_table_refuses_their_next_click_and_every_tab(signed_on):
    maria, admin = signed_on("maria"), administration(signed_on("alex"))
    admin.multiselect(key="administration_users_remove").select("maria.keller@example.com")
    click(admin, "Remove the chosen people")
    assert [s.value for s in admin.success] == ["Removed 1 from the Users table; 1 session ended."]
    maria.run()  # her next click
    assert [b.label for b in maria.button] == ["Sign in with Okta"]
    assert maria.info[0].value == "An admin removed you from the app's Users table, which ended your session."
    session.ended_sessions.clear()  # the server restarts: what it knew of ended sessions is gone
    again = signed_on("maria")  # a reload: the identity cookie is still there (and her groups still map)
    assert [b.label for b in again.button] == ["Sign in with Okta"]
    assert again.info[0].value == maria.info[0].value


def test_a_role_changed_in_the_users_table_applies_at_the_next_click(signed_on):
    maria, admin = signed_on("maria"), administration(signed_on("alex"))
    maria.switch_page("pages/data_upload.py")  # hers while she is an account manager
    admin.selectbox(key="administration_users_pick").set_value("maria.keller@example.com").run()
    admin.selectbox(key="administration_users_role_maria.keller@example.com").set_value("executive")
    click(admin, "Save")
    assert [s.value for s in admin.success] == [f"{plain('maria.keller@example.com')}: changed."]
    maria.run()  # her next click (AppTest draws the sidebar on a first run only: her pages say her role)
    maria.switch_page("pages/data_upload.py").run()  # an account manager's page
    assert maria.error[0].value.startswith("Not permitted: the Executive role cannot open")
    maria.switch_page("pages/self_assessment.py").run()  # an executive's
    assert title(maria) == ["Self-assessment"]


def test_an_address_that_is_not_one_is_refused_and_nothing_is_added(signed_on, con):
    admin = administration(signed_on("alex"))
    admin.text_input(key="administration_users_email_new").input("nina at example")
    click(admin, "Save")
    assert [e.value for e in admin.error] == [
        "'nina at example' is not an e-mail address such as maria.keller@example.com."
    ]
    assert directory.entries(con)["email"].to_list() == ["maria.keller@example.com"]


def test_an_admin_adds_a_person_with_a_role_and_accounts(signed_on, con):
    admin = administration(signed_on("alex"))
    admin.text_input(key="administration_users_email_new").input("Nina.New@example.com")
    admin.text_input(key="administration_users_name_new").input("Nina New")
    admin.selectbox(key="administration_users_role_new").set_value("account_manager")
    admin.multiselect(key="administration_users_accounts_new").select(marias_account(con))
    click(admin, "Save")
    assert directory.entry(con, "nina.new@example.com") == directory.DirectoryEntry(
        "nina.new@example.com", "Nina New", "account_manager", frozenset({marias_account(con)})
    )
    nina = signed_on("nina")
    assert "Nina New" in sidebar_text(nina)
    assert not any("No account is yours yet" in c.value for c in nina.sidebar.caption)


def test_logging_out_ends_the_session_and_signs_out_of_the_identity_cookie(signed_on, con):
    at = signed_on("maria")
    login = at.session_state[session.LOGIN_STATE]
    click(at, "Log out")
    assert at.user["is_logged_in"] is False  # st.logout: Streamlit's identity cookie goes too
    assert sessions.token_session(con, login.token_id).state(sessions.utc_now()) == "logged out"


def test_a_password_login_is_refused_once_company_sign_on_is_on(signed_on):
    # Logged in with a password before the admin added the [auth] secrets (read at every run).
    now = sessions.utc_now()
    login = sessions.LoginSession("pw-1", "coach", "password", "localhost", now, now + timedelta(hours=12))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets = SECRETS
    at.session_state[session.LOGIN_STATE] = login
    at.run()
    assert [b.label for b in at.button] == ["Sign in with Okta"]
    assert at.info[0].value == "The app's login method has changed. Sign in again."


def test_no_access_given_while_signed_in_refuses_the_next_click_and_a_reload_asks_to_see_the_admin(
    signed_on, con
):
    maria = signed_on("maria")
    directory.save_entry(con, CLI, "maria.keller@example.com", name="Maria Keller", role="none")
    maria.run()  # her next click: app.py again (the root page is the Portfolio run by the app itself)
    # Her session ends and the identity cookie alone gives no role: the page that says why, no app page
    assert title(maria) == ["Ask your admin for access"]
    assert maria.error[0].value == plain(
        "An admin has turned off your access (the Users table says: no access)."
    )
    assert session.LOGIN_STATE not in maria.session_state
    login = Identity.from_claims(claims("maria"))
    assert sessions.token_session(con, login.token_id).state(sessions.utc_now()) == "no role any more"
    again = signed_on("maria")  # a reload: no session, and the page that says why
    assert title(again) == ["Ask your admin for access"]
    assert again.error[0].value == plain(
        "An admin has turned off your access (the Users table says: no access)."
    )
    assert session.LOGIN_STATE not in again.session_state
