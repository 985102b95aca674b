"""The weekly digest of one user: their open attention items and what changed in the last
seven days, as an HTML e-mail body and a PDF (sam_core.outputs.attention), written to an outbox
folder for a scheduler or mail relay to send (`python -m sam_core digest`), or downloaded on the
Attention page.

A digest holds only the user's own accounts (attention.scope): an account manager's never
names another manager's accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from sam_core.access.permissions import User, ensure
from sam_core.attention.acks import OPEN, SNOOZED, user_list
from sam_core.attention.changes import Changes, what_changed
from sam_core.attention.policy import DEFAULT_ATTENTION, AttentionRules
from sam_core.attention.rules import attention_items
from sam_core.attention.scope import Scope, scope_of
from sam_core.metrics.portfolio import DEFAULT_RULES, RevenueRules
from sam_core.store import WRITE_LOCK, transaction

DIGEST_DAYS = 7


@dataclass(frozen=True)
class Digest:
    user: User
    today: date
    scope: str
    items: pl.DataFrame  # the open items of the user's list (rules.ITEMS_SCHEMA + state columns)
    snoozed: int  # items snoozed on the user's list
    acknowledged: int
    changes: Changes  # the last seven days

    @property
    def week_of(self) -> date:
        return week_of(self.today)

    @property
    def subject(self) -> str:
        n = self.items.height
        what = f"{n} item{'s' if n != 1 else ''} need{'s' if n == 1 else ''} attention"
        return f"Strategic accounts: {what}, week of {self.week_of:%d %b %Y}"


def build_digest(
    con: duckdb.DuckDBPyConnection,
    *,
    user: User,
    today: date,
    rules: AttentionRules = DEFAULT_ATTENTION,
    revenue_rules: RevenueRules = DEFAULT_RULES,
    currency: str = "EUR",
    items: pl.DataFrame | None = None,
    scope: Scope | None = None,
) -> Digest:
    """The digest of `user` on `today` (`items`: rules.attention_items of today, if at hand)."""
    items = (
        items
        if items is not None
        else attention_items(con, today=today, rules=rules, revenue_rules=revenue_rules, currency=currency)
    )
    scope = scope or scope_of(con, user, today=today, top_n=rules.top_accounts, rules=revenue_rules)
    mine = user_list(con, user, items, today=today, scope=scope)
    changes = what_changed(
        con,
        scope=scope,
        since=today - timedelta(days=DIGEST_DAYS),
        until=today,
        top_n=rules.top_accounts,
        rules=revenue_rules,
    )
    return Digest(
        user,
        today,
        scope.description,
        mine.filter(pl.col("state") == OPEN),
        mine.filter(pl.col("state") == SNOOZED).height,
        mine.filter(pl.col("state") == "acknowledged").height,
        changes,
    )


def week_of(day: date) -> date:
    """The Monday of the week of `day`."""
    return day - timedelta(days=day.weekday())


def digest_files(username: str, day: date) -> tuple[str, str]:
    """The file names of a user's digest of the week of `day`: ('digest-maria-2026-11-23.html', ...pdf)."""
    stem = f"digest-{username}-{week_of(day):%Y-%m-%d}"
    return f"{stem}.html", f"{stem}.pdf"


def write_digest(
    con: duckdb.DuckDBPyConnection,
    digest: Digest,
    *,
    by: User,
    folder: Path,
    currency: str = "EUR",
    base_url: str | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Write the digest's HTML e-mail body and PDF to `folder` (made if missing); everyone may
    write their own, admins anyone's. Recorded (whose, week, by whom, when, where, items)."""
    from sam_core.outputs.attention import digest_html, digest_pdf

    ensure(by, "write_digest")
    if by.username != digest.user.username:
        ensure(by, "write_any_digest")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    html_name, pdf_name = digest_files(digest.user.username, digest.today)
    paths = [folder / html_name, folder / pdf_name]
    paths[0].write_text(digest_html(digest, currency=currency, base_url=base_url), encoding="utf-8")
    paths[1].write_bytes(digest_pdf(digest, currency=currency))
    with WRITE_LOCK, transaction(con):
        con.execute(
            "INSERT INTO digests VALUES (?, ?, ?, ?, ?, ?)",
            [
                digest.user.username,
                digest.week_of,
                by.username,
                now or datetime.now(UTC).replace(tzinfo=None),
                str(folder),
                digest.items.height,
            ],
        )
    return paths


def digests_written(con: duckdb.DuckDBPyConnection, *, limit: int = 50) -> pl.DataFrame:
    """The digests written so far, newest first."""
    return con.sql("SELECT * FROM digests ORDER BY written_at DESC LIMIT ?", params=[limit]).pl()
