"""Company sign-on in a real browser, against a small OpenID Connect provider the tests start on
127.0.0.1 (tests/support/oidc_provider.py; no internet): each role signs in through it and sees
its pages and what it may do; a person in no group is asked to see their admin; an expired token
is refused; an account manager whose e-mail the Users table lacks owns no account; and a session
an admin ended is not brought back by the identity provider's cookie."""

from __future__ import annotations

import json
import re
import select
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import Server
from playwright.sync_api import Page, expect

from sam_core.access.directory import save_entry
from sam_core.access.permissions import User
from sam_core.store import connect

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PROVIDER = ROOT / "tests" / "support" / "oidc_provider.py"
CLIENT_ID, CLIENT_SECRET = "sam-test", "sam-test-secret"
ROLES = "sam-admins=admin; sam-executives=executive; sam-managers=manager; sam-coaches=coach"
PEOPLE = {
    "helena": {"email": "helena.brandt@example.com", "name": "Helena Brandt", "groups": ["sam-executives"]},
    # The provider's display name differs from the data's: the Users table says who owns what.
    "maria": {"email": "maria.keller@example.com", "name": "Maria K.", "groups": ["sam-managers", "staff"]},
    "carla": {"email": "carla.jensen@example.com", "name": "Carla Jensen", "groups": ["sam-coaches"]},
    "alex": {"email": "alex.morgan@example.com", "name": "Alex Morgan", "groups": ["staff", "sam-admins"]},
    "nobody": {"email": "noah.body@example.com", "name": "Noah Body", "groups": ["staff"]},
    "newbie": {"email": "nina.new@example.com", "name": "Nina New", "groups": ["sam-managers"]},
}


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    """The provider, on a free port of 127.0.0.1 for this module's tests."""
    tmp = tmp_path_factory.mktemp("idp")
    users = tmp / "users.json"
    users.write_text(json.dumps(PEOPLE))
    args = ["--port", "0", "--users", str(users), "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    proc = subprocess.Popen(
        [sys.executable, str(PROVIDER), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        line = proc.stdout.readline() if ready else ""
        found = re.match(r"READY (\S+)", line)
        if not found:
            raise RuntimeError(f"The test identity provider did not start: {line!r}")
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


@pytest.fixture
def provider_settings(issuer):
    """`provider_settings(id_token_ttl=-300)`: change the provider for one test (restored after)."""

    def change(**settings) -> None:
        request = urllib.request.Request(
            f"{issuer}/_test/settings",
            data=json.dumps(settings).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()

    yield change
    change(id_token_ttl=3600, auto_user="")


@pytest.fixture(scope="module")
def sign_on_server(issuer, tmp_path_factory):
    """The app with company sign-on through the provider ([auth] secrets, SAM_OIDC_ROLES), on
    the demo data; the Users table knows Maria Keller by her e-mail address."""
    tmp = tmp_path_factory.mktemp("e2e-sign-on")
    secrets = tmp / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "test-cookie-secret-0123456789abcdef"\n'
        "[auth.company]\n"
        f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
    )
    con = connect(tmp / "sam.duckdb")  # (the first visit builds the demo data around it)
    save_entry(con, User("admin-cli", "Command line", "admin"), PEOPLE["maria"]["email"], name="Maria Keller")
    con.close()
    server = Server(tmp, env={"SAM_OIDC_ROLES": ROLES}, args=("--secrets.files", str(secrets)))
    yield server.start()
    server.stop()


def sign_in(page: Page, base: str, who: str, settle, *, path: str = "/") -> Page:
    """Open the app, click "Sign in with Company" and choose `who` on the provider's page; back
    in the app when done."""
    page.goto(base + path)
    settle(page)
    page.get_by_role("button", name="Sign in with Company").click()
    page.wait_for_url(re.compile(r".*/authorize\?.*"))
    page.locator(f"#user-{who}").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/?$"))
    settle(page)
    return page


def menu(page: Page) -> list[str]:
    links = page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()
    return [text.split("\n")[-1] for text in links]  # (after the icon's name)


@pytest.mark.parametrize(
    ("who", "name", "pages", "refused"),
    [
        ("helena", "Helena Brandt", ["Self-assessment"], "data_upload"),
        ("maria", "Maria Keller", ["Data upload"], "self_assessment"),
        ("carla", "Carla Jensen", ["Self-assessment"], "administration"),
        ("alex", "Alex Morgan", ["Data upload", "Self-assessment", "Administration"], None),
    ],
)
def test_each_role_signs_in_with_the_company_account_and_sees_its_pages(
    sign_on_server, page, settle, who, name, pages, refused
):
    sign_in(page, sign_on_server, who, settle)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(name, exact=True)).to_be_visible()
    shown = menu(page)
    everyone = ["Portfolio", "Attention", "Relationship map", "Sponsor cadence", "Loyalty", "Account plan"]
    assert set(everyone + pages) == set(shown), shown
    if refused:  # a typed URL of a page the role may not open
        page.goto(f"{sign_on_server}/{refused}")
        settle(page)
        expect(page.get_by_text("Not permitted", exact=False)).to_be_visible()
    else:  # the admin keeps the Users table
        page.goto(f"{sign_on_server}/administration")
        settle(page)
        page.get_by_role("tab", name="Users").click()
        expect(page.get_by_text("1 person in the Users table.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign in with Company")).to_be_visible()
    assert "_streamlit_user" not in {c["name"] for c in page.context.cookies()}


def test_a_person_in_no_group_is_asked_to_see_their_admin_and_sees_nothing_else(sign_on_server, page, settle):
    sign_in(page, sign_on_server, "nobody", settle)
    expect(page.get_by_role("heading", name="Ask your admin for access")).to_be_visible()
    expect(page.get_by_text("groups: staff")).to_be_visible()
    assert page.get_by_test_id("stSidebarNav").count() == 0
    page.goto(f"{sign_on_server}/portfolio")  # a typed URL shows the same page
    settle(page)
    expect(page.get_by_role("heading", name="Ask your admin for access")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in with Company")).to_be_visible()


def test_an_expired_token_is_refused_at_sign_in(sign_on_server, page, settle, provider_settings):
    provider_settings(id_token_ttl=-300)  # expired five minutes ago: past the 120 s allowed for clocks
    sign_in(page, sign_on_server, "helena", settle)
    expect(page.get_by_role("button", name="Sign in with Company")).to_be_visible()
    assert page.get_by_test_id("stSidebarNav").count() == 0
    assert "_streamlit_user" not in {c["name"] for c in page.context.cookies()}


def test_an_account_manager_the_users_table_lacks_signs_in_but_owns_no_account(sign_on_server, page, settle):
    sign_in(page, sign_on_server, "newbie", settle)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Nina New", exact=True)).to_be_visible()
    expect(sidebar.get_by_text("No account is yours yet", exact=False)).to_be_visible()
    assert "Data upload" in menu(page)


def test_a_session_an_admin_ended_is_not_revived_by_the_identity_cookie(
    sign_on_server, browser, page, settle
):
    sign_in(page, sign_on_server, "helena", settle)
    admin = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    try:
        sign_in(admin, sign_on_server, "alex", settle)
        admin.goto(f"{sign_on_server}/administration")
        settle(admin)
        admin.get_by_role("tab", name="Sessions").click()
        box = admin.get_by_role("combobox", name="Sessions to end")
        box.click()
        box.fill("helena")
        admin.get_by_role("option", name=re.compile("helena")).first.click()
        settle(admin)  # the choice's run is over before the list closes and the button is clicked
        admin.keyboard.press("Escape")  # close the list, which covers the button
        settle(admin)
        admin.get_by_role("button", name="End the chosen sessions").click()
        expect(admin.get_by_text("Ended 1 session.")).to_be_visible()
    finally:
        admin.context.close()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Loyalty").click()  # her next click
    expect(page.get_by_text("An admin ended your session.")).to_be_visible()
    page.reload()  # Streamlit's identity cookie is still there: it must not start a session again
    settle(page)
    expect(page.get_by_text("An admin ended your session.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with Company")).to_be_visible()
    assert page.get_by_test_id("stSidebarNav").count() == 0
