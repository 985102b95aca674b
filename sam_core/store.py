"""The DuckDB file: connection, schema migrations, transactions and the data version.

Every data sheet of the contract is a table of the same name (lower case) with the
contract's columns plus `extras` (unknown columns kept aside, as JSON) and `loaded_in` (the
upload that wrote this version of the row; NULL for rows written before uploads were
stamped, or added on a page). Its twin `<table>__before` keeps, per upload, the previous
versions of the rows that upload changed or removed, so that any upload can be rolled back
exactly and nothing is deleted without being recoverable.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from sam_core.errors import ConflictError, SamError
from sam_core.ingest.contract import SHEETS, SURVEY_ANSWERS_COLUMNS

# Writes in one process take turns: DuckDB would otherwise fail the second of two
# concurrent commits on the same rows with a transaction conflict.
WRITE_LOCK = threading.RLock()


def connect(path: str | Path = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database and bring its schema up to date."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(
            str(path),
            read_only=read_only,
            config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
        )
    except duckdb.IOException as exc:
        raise SamError(
            f"The database {path} cannot be opened ({str(exc).splitlines()[0]}). "
            "If the app is running, load through the app or stop it first."
        ) from exc
    if not read_only:
        migrate(con)
    return con


def data_tables() -> dict[str, list[tuple[str, str]]]:
    """Every data table with its (column, SQL type) list, in contract order."""
    tables = {
        sheet.table: [(c.name, c.storage_type) for c in sheet.columns] + [("extras", "VARCHAR")]
        for sheet in SHEETS
    }
    tables["survey_answers"] = list(SURVEY_ANSWERS_COLUMNS)
    return tables


def tables_of_sheet(sheet_name: str) -> list[str]:
    """The tables an upload of this sheet replaces (Surveys carries its answers along)."""
    table = sheet_name.lower()
    return [table, "survey_answers"] if table == "surveys" else [table]


def _create_v1(con: duckdb.DuckDBPyConnection) -> None:
    for table, columns in data_tables().items():
        cols = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns)
        con.execute(f"CREATE TABLE {table} ({cols})")  # sql-ok: names from the contract
        con.execute(f"CREATE TABLE {table}__before (upload_id BIGINT NOT NULL, {cols})")  # sql-ok
    con.execute("CREATE SEQUENCE upload_seq START 1")
    con.execute(
        """CREATE TABLE uploads (
            upload_id BIGINT PRIMARY KEY,
            kind VARCHAR NOT NULL,            -- upload, rollback, demo
            user_name VARCHAR NOT NULL,
            uploaded_at TIMESTAMP NOT NULL,
            file_name VARCHAR,
            sha256 VARCHAR,
            rollback_of BIGINT,
            rolled_back_by BIGINT
        )"""
    )
    con.execute(
        """CREATE TABLE upload_sheets (
            upload_id BIGINT, sheet VARCHAR, added BIGINT, changed BIGINT, removed BIGINT
        )"""
    )
    con.execute("CREATE TABLE upload_scope (upload_id BIGINT, sheet VARCHAR, account_id VARCHAR)")
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('data_version', '0')")


def _add_assessments_v2(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SEQUENCE assessment_seq START 1")
    con.execute(
        """CREATE TABLE assessments (
            assessment_id BIGINT PRIMARY KEY, scope VARCHAR NOT NULL, assessed_on DATE NOT NULL,
            coach VARCHAR NOT NULL, saved_at TIMESTAMP NOT NULL, notes VARCHAR
        )"""
    )
    con.execute(
        """CREATE TABLE assessment_answers (
            assessment_id BIGINT NOT NULL, part VARCHAR NOT NULL,  -- principle or practice
            area VARCHAR, item VARCHAR NOT NULL, answer VARCHAR, score INTEGER
        )"""
    )


def _add_source_mappings_v3(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE source_mappings (
            signature VARCHAR PRIMARY KEY, source_sheet VARCHAR, mapping VARCHAR NOT NULL,
            saved_by VARCHAR, saved_at TIMESTAMP
        )"""
    )


def _add_policy_v4(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE policy_changes (
            name VARCHAR NOT NULL, value DOUBLE NOT NULL, changed_by VARCHAR NOT NULL,
                changed_at TIMESTAMP NOT NULL
        )"""
    )


def _add_assessment_drafts_v5(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE assessment_answers ADD COLUMN note VARCHAR")
    con.execute(
        "CREATE TABLE assessment_drafts (user_name VARCHAR PRIMARY KEY, draft VARCHAR NOT NULL, saved_at "
        "TIMESTAMP NOT NULL)"
    )


def _add_account_plans_v6(con: duckdb.DuckDBPyConnection) -> None:
    # Account plans: every saved state of every item is a row (version 1, 2, ...), so the
    # plan as of any moment is the latest version of each item then; a save names the version
    # it started from, and a newer one refuses it (two editors never lose an update).
    con.execute(
        """CREATE TABLE plan_items (
            account_id VARCHAR NOT NULL, section VARCHAR NOT NULL, item_id VARCHAR NOT NULL,
            version INTEGER NOT NULL, fields VARCHAR NOT NULL, deleted BOOLEAN NOT NULL,
            changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL, via VARCHAR NOT NULL,
            PRIMARY KEY (account_id, section, item_id, version)
        )"""
    )
    con.execute("CREATE SEQUENCE plan_item_seq START 1")
    con.execute(
        """CREATE TABLE plan_reviews (
            account_id VARCHAR NOT NULL, section VARCHAR NOT NULL, reviewed_by VARCHAR NOT NULL,
            reviewed_at TIMESTAMP NOT NULL
        )"""
    )
    # Living data (stakeholders, engagements, actions) changed in the app: one row per value.
    con.execute(
        """CREATE TABLE data_edits (
            edit_id BIGINT NOT NULL, sheet VARCHAR NOT NULL, row_key VARCHAR NOT NULL,
            account_id VARCHAR NOT NULL, column_name VARCHAR NOT NULL, old_value VARCHAR,
            new_value VARCHAR, edited_by VARCHAR NOT NULL, edited_at TIMESTAMP NOT NULL,
            edit VARCHAR NOT NULL  -- added, changed, kept (an app edit written again over an upload)
        )"""
    )


def _add_login_sessions_v7(con: duckdb.DuckDBPyConnection) -> None:
    # One row per login, whatever the method; the login cookie names its session_id. A row
    # with ended_at is a logout or a revocation, and stays so across restarts.
    con.execute(
        """CREATE TABLE login_sessions (
            session_id VARCHAR NOT NULL, user_name VARCHAR NOT NULL, method VARCHAR NOT NULL,
            client VARCHAR, started_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL,
            ended_at TIMESTAMP, ended_by VARCHAR, end_reason VARCHAR
        )"""
    )
    # Logins, failed logins, logouts, ended sessions and unlocks: who, when, what.
    con.execute(
        """CREATE TABLE auth_events (
            happened_at TIMESTAMP NOT NULL, event VARCHAR NOT NULL, user_name VARCHAR, actor VARCHAR,
            method VARCHAR, client VARCHAR, detail VARCHAR
        )"""
    )


def _mappings_per_user_v8(con: duckdb.DuckDBPyConnection) -> None:
    """Remembered mappings belong to the user who made them (an admin may publish one for
    everyone); those saved so far become their saver's own."""
    con.execute(
        """CREATE TABLE mappings (
            owner VARCHAR NOT NULL, signature VARCHAR NOT NULL, source_sheet VARCHAR,
            mapping VARCHAR NOT NULL, published BOOLEAN NOT NULL DEFAULT false, saved_at TIMESTAMP NOT NULL,
            PRIMARY KEY (owner, signature)
        )"""
    )
    con.execute(
        """INSERT INTO mappings
           SELECT coalesce(saved_by, 'admin'), signature, source_sheet, mapping, false,
                  coalesce(saved_at, now())
           FROM source_mappings"""
    )
    con.execute("DROP TABLE source_mappings")


def _add_upsert_v9(con: duckdb.DuckDBPyConnection) -> None:
    """Upserts and exact rollback: every data row remembers the upload that wrote it
    (`loaded_in`); an upload records its mode (upsert / replace; NULL before this version,
    rolled back by account as then) and the currency its workbook declared; exchange rates."""
    # Databases made after the Rates sheet joined the contract have the table from version 1.
    con.execute(
        "CREATE TABLE IF NOT EXISTS rates (currency VARCHAR, month DATE, rate DOUBLE, extras VARCHAR)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS rates__before (upload_id BIGINT NOT NULL, currency VARCHAR, month DATE, "
        "rate DOUBLE, extras VARCHAR)"
    )
    for table in data_tables():
        for name in (table, f"{table}__before"):
            con.execute(f"ALTER TABLE {name} ADD COLUMN loaded_in BIGINT")  # sql-ok: contract table names
    con.execute("ALTER TABLE uploads ADD COLUMN mode VARCHAR")
    con.execute("ALTER TABLE uploads ADD COLUMN currency VARCHAR")


def _add_deck_templates_v10(con: duckdb.DuckDBPyConnection) -> None:
    """The company's PowerPoint template for the meeting deck: every upload kept with who and
    when; the latest row is in force, one without content means the built-in template."""
    con.execute(
        """CREATE TABLE deck_templates (
            uploaded_at TIMESTAMP NOT NULL, uploaded_by VARCHAR NOT NULL, file_name VARCHAR, content BLOB,
            sha256 VARCHAR
        )"""
    )


def _add_company_sign_on_v11(con: duckdb.DuckDBPyConnection) -> None:
    """Company sign-on (OpenID Connect): a session remembers the sign-in that started it (a hash
    of the id_token's issuer, subject, issue time and nonce), so that the identity provider's
    cookie of that sign-in never starts another, and the identity it was given (e-mail, name,
    groups) to work out the role on every run. The Users table an admin keeps: e-mail -> name
    (as in Accounts.account_manager), role (NULL: from the groups; 'none': no access) and the
    accounts granted."""
    con.execute("ALTER TABLE login_sessions ADD COLUMN token_id VARCHAR")
    con.execute("ALTER TABLE login_sessions ADD COLUMN identity VARCHAR")
    con.execute(
        """CREATE TABLE user_directory (
            email VARCHAR NOT NULL, name VARCHAR, role VARCHAR, accounts VARCHAR[] NOT NULL,
            changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL, via VARCHAR NOT NULL
        )"""
    )


def _add_early_warnings_v12(con: duckdb.DuckDBPyConnection) -> None:
    """Early warnings (issue 20): the Contracts sheet, account health kept per account and date,
    acknowledgements of attention items (who, when, note), and digests put in the outbox."""
    # Databases made after the Contracts sheet joined the contract have the table from version 1.
    columns = ", ".join(f'"{name}" {sql_type}' for name, sql_type in data_tables()["contracts"])
    con.execute(f"CREATE TABLE IF NOT EXISTS contracts ({columns}, loaded_in BIGINT)")  # sql-ok: contract
    con.execute(
        f"CREATE TABLE IF NOT EXISTS contracts__before (upload_id BIGINT NOT NULL, {columns}, "  # sql-ok
        "loaded_in BIGINT)"
    )
    # One row per account and date: month ends (computed from the rows dated on or before them),
    # the day of each recording after a load, and the days 30 and 90 before it.
    con.execute(
        """CREATE TABLE health_history (
            account_id VARCHAR NOT NULL, as_of DATE NOT NULL, health DOUBLE, band VARCHAR,
            parts STRUCT(part VARCHAR, score DOUBLE, points DOUBLE)[],
            source VARCHAR NOT NULL,           -- recorded (after a load), computed (a past date)
            data_version BIGINT, recorded_at TIMESTAMP NOT NULL,
            PRIMARY KEY (account_id, as_of)
        )"""
    )
    # Every acknowledgement, snooze and reopening of an attention item, per user's own list;
    # the latest row of a user and item is its state.
    con.execute(
        """CREATE TABLE attention_acks (
            user_name VARCHAR NOT NULL, item_key VARCHAR NOT NULL, rule VARCHAR NOT NULL,
            account_id VARCHAR, state VARCHAR NOT NULL,  -- acknowledged, snoozed, reopened
            snoozed_until DATE, note VARCHAR, acted_at TIMESTAMP NOT NULL
        )"""
    )
    con.execute(
        """CREATE TABLE digests (
            user_name VARCHAR NOT NULL, week_of DATE NOT NULL, written_by VARCHAR NOT NULL,
            written_at TIMESTAMP NOT NULL, folder VARCHAR NOT NULL, items INTEGER NOT NULL
        )"""
    )


# Append a function to migrate; never edit one that has shipped.
MIGRATIONS = (
    _create_v1,
    _add_assessments_v2,
    _add_source_mappings_v3,
    _add_policy_v4,
    _add_assessment_drafts_v5,
    _add_account_plans_v6,
    _add_login_sessions_v7,
    _mappings_per_user_v8,
    _add_upsert_v9,
    _add_deck_templates_v10,
    _add_company_sign_on_v11,
    _add_early_warnings_v12,
)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0] or 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations this database has not seen; returns the schema version."""
    with WRITE_LOCK:
        current = schema_version(con)
        for version, step in enumerate(MIGRATIONS[current:], start=current + 1):
            with transaction(con):
                if version == 1:
                    con.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP)")
                step(con)
                con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
        return len(MIGRATIONS)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: all of it lands or none of it does."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except duckdb.TransactionException as exc:
        _roll_back(con)
        raise ConflictError(
            "Another change to the same data was saved at the same moment; try again."
        ) from exc
    except duckdb.IOException as exc:
        _roll_back(con)
        raise SamError(
            f"The database could not be written ({str(exc).splitlines()[0]}); nothing was changed. "
            "Free some disk space and try again."
        ) from exc
    except BaseException:
        _roll_back(con)
        raise


def _roll_back(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back what is still open. A COMMIT that failed (a full disk) has ended the
    transaction already; DuckDB's complaint about that must not hide the real reason."""
    with suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A number that grows with every committed change; caches are keyed on it."""
    return int(con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0])


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'"
    )


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    """True before any account was loaded."""
    return con.execute("SELECT count(*) FROM accounts").fetchall()[0][0] == 0
