"""The cadence policy (SPEC.md section 5) as stored settings an admin changes.

Every change is kept (name, value, who, when); the policy in force is the latest value of
each setting, or the default of SPEC.md when it was never changed.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import UTC, datetime

import duckdb
import polars as pl

from sam_core.access.permissions import User, ensure
from sam_core.errors import ValidationFailed
from sam_core.metrics.cadence import CadencePolicy
from sam_core.store import WRITE_LOCK, bump_data_version, transaction

LIMITS = {
    "executive_visits_per_year": (0, 12),
    "review_gap_days": (7, 366),
    "reviews_planned_ahead": (0, 12),
    "due_soon_days": (0, 180),
}
LABELS = {
    "executive_visits_per_year": "Executive visits with the sponsor, per rolling 12 months",
    "review_gap_days": "Most days between 90-day reviews",
    "reviews_planned_ahead": "90-day reviews planned ahead (within 12 months)",
    "due_soon_days": "'Due soon' when the deadline is within (days)",
}


def cadence_policy(con: duckdb.DuckDBPyConnection) -> CadencePolicy:
    """The policy in force."""
    rows = con.execute("SELECT name, arg_max(value, changed_at) FROM policy_changes GROUP BY name").fetchall()
    known = {f.name for f in fields(CadencePolicy)}
    return CadencePolicy(**{name: int(value) for name, value in rows if name in known})


def save_cadence_policy(con: duckdb.DuckDBPyConnection, policy: CadencePolicy, *, user: User) -> None:
    """Store the settings that differ from the policy in force. Admins only."""
    ensure(user, "change_policy")
    problems = [
        f"{LABELS[name]} must be between {low} and {high}, not {value}."
        for name, value in asdict(policy).items()
        for low, high in [LIMITS[name]]
        if not low <= value <= high
    ]
    if problems:
        raise ValidationFailed(" ".join(problems))
    with WRITE_LOCK, transaction(con):
        current = asdict(cadence_policy(con))
        now = datetime.now(UTC).replace(tzinfo=None)
        changed = [
            [name, value, user.username, now]
            for name, value in asdict(policy).items()
            if current[name] != value
        ]
        if changed:
            con.executemany("INSERT INTO policy_changes VALUES (?, ?, ?, ?)", changed)
            bump_data_version(con)


def policy_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every change, newest first."""
    return con.sql(
        "SELECT name, value, changed_by, changed_at FROM policy_changes ORDER BY changed_at DESC"
    ).pl()
