"""End-to-end harness: `streamlit run app.py` on a free port against a demo database,
and a real Chromium (the system one) driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from portfolio_fixture import SHEETS
from workbooks import workbook_bytes

from sam_core.access.permissions import User
from sam_core.ingest.uploads import load_files
from sam_core.store import connect

ROOT = Path(__file__).resolve().parents[2]
# Two servers and two browsers share two cores in CI: give assertions room before failing.
expect.set_options(timeout=15_000)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(
        "Chromium is not installed: `apt-get install -y chromium` (the browser tests need it)."
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run serve.py` on a free port against `tmp/sam.duckdb`, started as
    scripts/run.sh starts it (FORWARDED_ALLOW_IPS from SAM_TRUSTED_PROXIES, here none); without
    that file the first visit builds the demo data, as on a fresh machine. `env` adds to or
    (with None values) removes from the environment; `args` go to `streamlit run` (such as
    `--secrets.files`). The server log is shown if it fails."""

    def __init__(self, tmp: Path, env: dict | None = None, args: tuple[str, ...] = ()):
        self.tmp, self.url, self.proc, self.args = tmp, "", None, tuple(args)
        self.env = {**os.environ, "SAM_DB_PATH": str(tmp / "sam.duckdb"), "SAM_MODE": "demo"}
        self.env["FORWARDED_ALLOW_IPS"] = self.env.get("SAM_TRUSTED_PROXIES", "")
        for name, value in (env or {}).items():
            if value is None:
                self.env.pop(name, None)
            else:
                self.env[name] = value

    def start(self) -> str:
        port = free_port()
        self.log = open(self.tmp / "server.log", "a")  # noqa: SIM115 - open for the server's lifetime
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port)),
                *("--server.headless", "true", "--server.address", "127.0.0.1"),
                *("--browser.gatherUsageStats", "false"),
                *self.args,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=2).read() == b"ok":
                    return self.url
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.proc.kill()
                raise RuntimeError("streamlit did not start:\n" + (self.tmp / "server.log").read_text())
            time.sleep(0.3)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.log.close()
            self.proc = None

    def restart(self) -> str:
        """Stop and start again on the same database (a new port: cookies ignore the port)."""
        self.stop()
        return self.start()


def _start(tmp: Path, env: dict | None = None):
    server = Server(tmp, env)
    yield server.start()
    server.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app shared by tests that only read."""
    yield from _start(tmp_path_factory.mktemp("e2e"))


@pytest.fixture(scope="session")
def hand_worked_server(tmp_path_factory):
    """The app on the small program of tests/support/portfolio_fixture.py, whose figures were
    worked out by hand."""
    tmp = tmp_path_factory.mktemp("e2e-hand")
    con = connect(tmp / "sam.duckdb")
    load_files(con, [("program.xlsx", workbook_bytes(SHEETS))], user=User("admin", "Admin", "admin"))
    con.close()
    yield from _start(tmp)


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """An app of the test module's own, for tests that change data."""
    yield from _start(tmp_path_factory.mktemp("e2e-own"))


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def _settle(page: Page) -> None:
    page.wait_for_timeout(200)  # let a rerun that the last action requested begin
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=30_000)


@pytest.fixture
def settle():
    """`settle(page)`: wait until the app's script run has finished."""
    return _settle


@pytest.fixture
def log_in(page, request):
    """`log_in("executive")`: open the app (the test's own or hand-worked server if it asks
    for one) and log in with the demo password."""
    servers = ("own_server", "hand_worked_server")
    base = request.getfixturevalue(next((s for s in servers if s in request.fixturenames), "server"))

    def go(username: str, password: str = "demo") -> Page:
        page.goto(base)
        _settle(page)  # a first visit may still be building the demo data
        page.get_by_role("textbox", name="Username").fill(username)
        page.get_by_role("textbox", name="Password").fill(password)
        page.get_by_role("button", name="Login").click()
        page.get_by_text("Log out").wait_for()
        _settle(page)
        return page

    return go


@pytest.fixture
def go_to(page):
    """`go_to("Loyalty")`: open a page from the sidebar and wait for its run to finish."""

    def go(title: str) -> Page:
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        _settle(page)
        return page

    return go


@pytest.fixture
def choose(page):
    """`choose("Account", "ACC-0008")`: pick the option containing the text in the select box
    with that label, by typing to filter it, and wait until the app has taken it."""

    def pick(label: str, text: str) -> None:
        box = page.get_by_role("combobox", name=label, exact=True).first
        box.click()
        box.fill(text)
        page.get_by_role("option", name=text).first.click()
        expect(box).to_have_value(re.compile(re.escape(text)))
        _settle(page)

    return pick


@pytest.fixture
def upload_page(page):
    """`upload_page.choose_file(path)` then `upload_page.commit()` on the Data upload page."""

    class UploadPage:
        def choose_file(self, path) -> None:
            page.locator("input[type=file]").set_input_files(str(path))
            expect(page.get_by_text("2. Validation report")).to_be_visible(timeout=60_000)
            _settle(page)

        def commit(self) -> None:
            button = page.get_by_role("button", name="Commit the upload")
            expect(button).to_be_visible()
            _settle(page)
            button.click()

    return UploadPage()
