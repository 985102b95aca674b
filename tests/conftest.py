"""Shared fixtures: tiny workbooks made by code, a fresh database, users of each role."""

from __future__ import annotations

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
