"""The Users table of company sign-on: who a signed-in e-mail address is in the data.

One row per e-mail address (lower case): the person's name as `Accounts.account_manager` writes
it (the accounts with that manager are theirs), a role (empty: the role their groups give,
setting SAM_OIDC_ROLES; `none`: no access whatever their groups say) and the accounts granted
beyond those they manage. An admin keeps it on the Administration page, one person at a time or
by loading the contract's `Users` sheet (contract.USERS_SHEET; all or nothing, adds and changes,
removes none). Every change is recorded in the login record (`user_added`, `user_changed`,
`user_removed`: who, when, what); removing someone ends their open sessions at once.

The password method does not read this table (its users file has names, roles and accounts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from sam_core.access import audit
from sam_core.access.permissions import ROLE_LABELS, User, ensure
from sam_core.access.sessions import OIDC, REMOVED_FROM_USERS, end_user_sessions, utc_now
from sam_core.errors import NotFound, SamError, ValidationFailed
from sam_core.ingest import contract as c
from sam_core.ingest.dates import MONTH_FIRST
from sam_core.ingest.inspection import LIMITS, ReadLimits
from sam_core.ingest.reader import check_budget, open_files
from sam_core.ingest.validation import ERROR, REPORT_SCHEMA, ROW, WARNING, read_sheet
from sam_core.store import WRITE_LOCK, transaction

NO_ACCESS = c.NO_ACCESS
IN_APP = "app"  # `via` of a change made on the Administration page
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")
ROLE_TEXT = {None: "from the groups", NO_ACCESS: "no access", **ROLE_LABELS}


class InvalidUser(SamError):
    """A Users row that cannot be saved (a malformed e-mail, an unknown role); nothing changed."""


@dataclass(frozen=True)
class DirectoryEntry:
    email: str  # lower case
    name: str  # as Accounts.account_manager writes it; "" when no account is theirs by name
    role: str | None  # None: the role their groups give; NO_ACCESS: refused
    accounts: frozenset[str]

    def describe(self) -> str:
        """`name Maria Keller, role Account manager, accounts ACC-1; ACC-2` (for the record)."""
        accounts = "; ".join(sorted(self.accounts)) or "none"
        return f"name {self.name or '(none)'}, role {ROLE_TEXT[self.role]}, accounts {accounts}"


def normal_email(text: str | None) -> str:
    return (text or "").strip().lower()


def entry(con: duckdb.DuckDBPyConnection, email: str) -> DirectoryEntry | None:
    """The Users row of this e-mail address, or None."""
    row = con.execute(
        "SELECT email, name, role, accounts FROM user_directory WHERE email = ?", [normal_email(email)]
    ).fetchall()
    return _entry(*row[0]) if row else None


def _entry(email: str, name: str | None, role: str | None, accounts) -> DirectoryEntry:
    return DirectoryEntry(email, name or "", role or None, frozenset(accounts or ()))


def entries(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every row, by e-mail: email, name, role (None: from the groups), accounts (a list),
    changed_by, changed_at (UTC), via (`app` or the file loaded)."""
    return con.sql(
        """SELECT email, name, role, list_sort(accounts) AS accounts, changed_by, changed_at, via
           FROM user_directory ORDER BY email"""
    ).pl()


def account_managers(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The names of the account managers in the Users table, sorted."""
    return [
        name
        for (name,) in con.execute(
            """SELECT DISTINCT name FROM user_directory
               WHERE role = 'account_manager' AND coalesce(name, '') <> '' ORDER BY name"""
        ).fetchall()
    ]


def check_entry(email: str, name: str | None, role: str | None, accounts) -> DirectoryEntry:
    """The row as it would be stored; InvalidUser naming the value otherwise."""
    address = normal_email(email)
    if not _EMAIL.match(address):
        raise InvalidUser(f"'{email}' is not an e-mail address such as maria.keller@example.com.")
    role = (role or "").strip().lower() or None
    if role is not None and role not in c.USER_ROLES:
        raise InvalidUser(
            f"Role '{role}' is not one of {', '.join(c.USER_ROLES)} (or empty for the role the groups give)."
        )
    granted = frozenset(a.strip() for a in (accounts or ()) if a and a.strip())
    return DirectoryEntry(address, (name or "").strip(), role, granted)


def save_entry(
    con: duckdb.DuckDBPyConnection,
    admin: User,
    email: str,
    *,
    name: str | None = None,
    role: str | None = None,
    accounts=(),
    now: datetime | None = None,
) -> str:
    """Add or change one person (Administration page). Returns what was done: `added`,
    `changed` or `unchanged`. Accounts must exist in the data."""
    ensure(admin, "manage_users")
    wanted = check_entry(email, name, role, accounts)
    unknown = sorted(wanted.accounts - _known_accounts(con, wanted.accounts))
    if unknown:
        raise InvalidUser(
            f"No account {', '.join(unknown)} in the data; grant accounts that exist (their account_id)."
        )
    with WRITE_LOCK, transaction(con):
        return _save(con, admin, wanted, via=IN_APP, now=now or utc_now())


def _known_accounts(con, account_ids) -> set[str]:
    if not account_ids:
        return set()
    return {
        a
        for (a,) in con.execute(
            "SELECT account_id FROM accounts WHERE account_id IN (SELECT unnest(?::VARCHAR[]))",
            [sorted(account_ids)],
        ).fetchall()
    }


def _save(con, admin: User, wanted: DirectoryEntry, *, via: str, now: datetime) -> str:
    """Write one row inside the caller's transaction, recorded; `added`, `changed` or `unchanged`."""
    before = entry(con, wanted.email)
    if before == wanted:
        return "unchanged"
    con.execute("DELETE FROM user_directory WHERE email = ?", [wanted.email])
    con.execute(
        "INSERT INTO user_directory VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            wanted.email,
            wanted.name or None,
            wanted.role,
            sorted(wanted.accounts),
            admin.username,
            now,
            via,
        ],
    )
    where = "" if via == IN_APP else f" (from {via})"
    if before is None:
        audit.record(
            con,
            audit.USER_ADDED,
            at=now,
            user_name=wanted.email,
            actor=admin.username,
            method=OIDC,
            detail=wanted.describe() + where,
        )
        return "added"
    audit.record(
        con,
        audit.USER_CHANGED,
        at=now,
        user_name=wanted.email,
        actor=admin.username,
        method=OIDC,
        detail=f"{before.describe()} -> {wanted.describe()}{where}",
    )
    return "changed"


def remove_entries(
    con: duckdb.DuckDBPyConnection, admin: User, emails: list[str], *, now: datetime | None = None
) -> list[str]:
    """Remove people from the Users table; their open sessions end at once (their next click is
    refused). Returns the session ids ended. NotFound when none of them is in the table."""
    ensure(admin, "manage_users")
    now = now or utc_now()
    wanted = sorted({normal_email(e) for e in emails})
    ended: list[str] = []
    with WRITE_LOCK, transaction(con):
        found = [e for e in wanted if entry(con, e) is not None]
        if not found:
            raise NotFound("None of the chosen people is in the Users table; nothing was changed.")
        for email in found:
            before = entry(con, email)
            con.execute("DELETE FROM user_directory WHERE email = ?", [email])
            audit.record(
                con,
                audit.USER_REMOVED,
                at=now,
                user_name=email,
                actor=admin.username,
                method=OIDC,
                detail=before.describe() if before else None,
            )
            ended += end_user_sessions(con, email, by=admin.username, reason=REMOVED_FROM_USERS, now=now)
    return ended


# -- the Users sheet -----------------------------------------------------------------


@dataclass(frozen=True)
class UsersLoad:
    report: pl.DataFrame  # REPORT_SCHEMA
    counts: dict[str, int]  # added, changed, unchanged


def load_users_files(
    con: duckdb.DuckDBPyConnection,
    files: list[tuple[str, bytes]],
    *,
    admin: User,
    apply: bool = True,
    limits: ReadLimits = LIMITS,
    now: datetime | None = None,
) -> UsersLoad:
    """Check (and with `apply`, load) the Users sheet of workbooks: all or nothing, adding and
    changing people, removing none (remove them on the Administration page). Only admins.
    Raises ValidationFailed with the report when anything is wrong: an e-mail that is not one,
    an e-mail listed twice, an unknown role; an account not in the data is a warning (granted
    all the same, it may be loaded later)."""
    ensure(admin, "manage_users")
    report: list[tuple] = []
    rows: list[tuple[str, int, DirectoryEntry]] = []

    def problem(severity: str, file_name: str, line: int, column: str, value, text: str) -> None:
        report.append((severity, file_name, c.USERS_SHEET.name, line, column, value, text))

    pending = [p for p in open_files(files, limits) if c.match_users_sheet(p.name)]
    check_budget(pending, limits)
    for raw in (p.read() for p in pending):
        data, sheet_report = read_sheet(raw, c.USERS_SHEET, date_order=MONTH_FIRST)
        report.extend(sheet_report.rows())
        if data is None:
            continue
        bad = set(sheet_report.filter(pl.col("severity") == ERROR)["row"].drop_nulls().to_list())
        for row in data.rows.iter_rows(named=True):
            if row[ROW] in bad:
                continue
            accounts = re.split(r"[;,\n]", row["accounts"] or "")
            try:
                wanted = check_entry(row["email"], row["name"], row["role"], accounts)
            except InvalidUser as exc:
                problem(ERROR, raw.file_name, row[ROW], "email", row["email"], str(exc))
                continue
            rows.append((raw.file_name, row[ROW], wanted))
    seen: dict[str, int] = {}
    for file_name, line, wanted in rows:
        if wanted.email in seen:
            first = seen[wanted.email]
            text = f"{wanted.email} is listed twice (first in row {first}); keep one row per person."
            problem(ERROR, file_name, line, "email", wanted.email, text)
        seen.setdefault(wanted.email, line)
        for account in sorted(wanted.accounts - _known_accounts(con, wanted.accounts)):
            text = f"No account {account} in the data (yet); it is granted all the same."
            problem(WARNING, file_name, line, "accounts", account, text)
        if wanted.role == "account_manager" and not wanted.name:
            text = "An account manager without a name owns only the accounts granted to them."
            problem(WARNING, file_name, line, "name", None, text)
    frame = pl.DataFrame(report, schema=REPORT_SCHEMA, orient="row")
    errors = frame.filter(pl.col("severity") == ERROR).height
    if errors:
        raise ValidationFailed(
            f"The Users sheet has {errors:,} error{'s' if errors != 1 else ''}; nothing was loaded.", frame
        )
    if not rows:
        raise ValidationFailed(
            "The workbook holds no Users sheet with rows (columns email, name, role, accounts); nothing was "
            "loaded.",
            frame,
        )
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    if not apply:
        for _, _, wanted in rows:
            before = entry(con, wanted.email)
            counts["added" if before is None else "unchanged" if before == wanted else "changed"] += 1
        return UsersLoad(frame, counts)
    via = ", ".join(name for name, _ in files)
    with WRITE_LOCK, transaction(con):
        for _, _, wanted in rows:
            counts[_save(con, admin, wanted, via=via, now=now or utc_now())] += 1
    return UsersLoad(frame, counts)


def users_sheet(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The Users table as the contract's Users sheet (to edit in Excel and load back)."""
    return entries(con).select(
        "email",
        pl.col("name").fill_null(""),
        pl.col("role").fill_null(""),
        pl.col("accounts").list.join("; ").alias("accounts"),
    )


def roles_text(roles: tuple[tuple[str, str], ...]) -> str:
    """The group mapping in words: `sam-admins → Admin, sam-execs → Executive`."""
    return ", ".join(f"{group} → {ROLE_LABELS[role]}" for group, role in roles) or "none"


def account_choices(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """account_id -> name of every account, by id (to grant accounts)."""
    return dict(con.execute("SELECT account_id, account_name FROM accounts ORDER BY account_id").fetchall())
