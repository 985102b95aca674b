"""Shared fixtures: tiny workbooks made by code, a fresh database, users of each role."""

from __future__ import annotations

import os

import pytest
from workbooks import workbook_bytes

from sam_core.access.permissions import User
from sam_core.store import connect


@pytest.fixture
def make_workbook():
    return workbook_bytes


@pytest.fixture
def db():
    con = connect(":memory:")
    yield con
    con.close()


@pytest.fixture
def admin():
    return User("admin", "Ada Admin", "admin")


@pytest.fixture
def manager():
    return User("manager", "Maria Manager", "account_manager")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (CI=true) a skipped test is a failure: every layer, the browser tests included, must
    run there (scripts/test.sh installs Chromium and poppler)."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, where every test must run: {report.longrepr}"


def pytest_sessionfinish(session, exitstatus):
    """A module skipped while collecting (importorskip) fails the CI run too."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") == "true" and exitstatus == 0 and reporter and reporter.stats.get("skipped"):
        session.exitstatus = 1
