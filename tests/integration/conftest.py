"""Integration fixtures: the two-account program of tests/support/plan_fixture.py in DuckDB."""

from __future__ import annotations

import pytest
from plan_fixture import ADMIN, SHEETS

from sam_core.ingest.uploads import load_files


@pytest.fixture
def planned(db, make_workbook):
    """A database holding the plan fixture's program (no plan items yet)."""
    load_files(db, [("program.xlsx", make_workbook(SHEETS))], user=ADMIN)
    return db
