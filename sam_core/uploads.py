"""Loading workbooks into the database, the upload history, and rollback.

A workbook replaces, per sheet, the rows of the accounts it mentions (Accounts rows are
upserted by key). Rows it replaces are kept in `<table>__before` under the upload's id,
so any upload can be rolled back. One upload is one transaction.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb
import polars as pl

from . import contract as c
from .dates import MONTH_FIRST
from .errors import ConflictError, NotFound, ValidationFailed
from .permissions import User, ensure
from .reader import RawSheet, read_files
from .storage import WRITE_LOCK, bump_data_version, transaction
from .validation import ROW, Validation, validate

UPLOAD, ROLLBACK, DEMO = "upload", "rollback", "demo"


@dataclass(frozen=True)
class LoadResult:
    upload_id: int
    changes: pl.DataFrame  # sheet, accounts, rows, added, changed, removed
    validation: Validation


def check_files(con: duckdb.DuckDBPyConnection, files: list[tuple[str, bytes]], *, user: User | None,
                date_order: str = MONTH_FIRST) -> Validation:
    """Read and validate uploaded files (name, bytes) against the database; changes nothing."""
    return validate(read_files(files), con=con, user=user, date_order=date_order)


def load_files(con: duckdb.DuckDBPyConnection, files: list[tuple[str, bytes]], *, user: User,
               date_order: str = MONTH_FIRST, kind: str = UPLOAD) -> LoadResult:
    """Read, validate and load files in one transaction (see `load_sheets`)."""
    ensure(user, "upload")
    return load_sheets(con, read_files(files), user=user, file_name=", ".join(name for name, _ in files),
                       sha256=files_sha256(files), date_order=date_order, kind=kind)


def files_sha256(files: list[tuple[str, bytes]]) -> str:
    """The hash recorded for an upload: of the one file, or of the files in order."""
    return hashlib.sha256(b"".join(content for _, content in files)).hexdigest()


def load_sheets(con: duckdb.DuckDBPyConnection, raw_sheets: list[RawSheet], *, user: User, file_name: str, sha256: str,
                date_order: str = MONTH_FIRST, kind: str = UPLOAD) -> LoadResult:
    """Validate raw sheets against the database as it is now and load them in one
    transaction. Raises ValidationFailed (nothing changed) when the report has an error,
    PermissionDenied when the role may not upload."""
    ensure(user, "upload")
    with WRITE_LOCK:
        validation = validate(raw_sheets, con=con, user=user, date_order=date_order)
        if not validation.ok:
            n = validation.errors.height
            raise ValidationFailed(f"The workbook has {n:,} error{'s' if n != 1 else ''}; nothing was loaded.", validation.report)
        if not validation.sheets:
            raise ValidationFailed("The workbook holds no rows to load (no contract sheet with data); nothing was loaded.", validation.report)
        upload_id, changes = _commit(con, validation, user=user, file_name=file_name, sha256=sha256, kind=kind)
    return LoadResult(upload_id, changes, validation)


def _incoming(data) -> pl.DataFrame:
    return data.rows.drop(ROW)


def preview_changes(con: duckdb.DuckDBPyConnection, validation: Validation) -> pl.DataFrame:
    """What loading would do, per sheet: accounts touched, rows, added, changed, removed."""
    rows = []
    for name, data in validation.sheets.items():
        incoming = _incoming(data)
        scope = incoming.select("account_id").unique()
        rows.append({"sheet": name, "accounts": scope.height, "rows": incoming.height,
                     **_diff(con, data.sheet, incoming, scope)})
    return pl.DataFrame(rows, schema=_CHANGES_SCHEMA)


_CHANGES_SCHEMA = {"sheet": pl.String, "accounts": pl.Int64, "rows": pl.Int64, "added": pl.Int64, "changed": pl.Int64, "removed": pl.Int64}


def _diff(con, sheet: c.Sheet, incoming, scope) -> dict[str, int]:
    """Rows added, changed and removed by replacing the scope's rows with `incoming`."""
    cols = ", ".join(f'"{n}"' for n in sheet.column_names) + ", extras"
    keys = ", ".join(f'"{k}"' for k in sheet.key)
    t = sheet.table
    cur = con
    cur.register("incoming_rows", incoming)
    cur.register("scope_accounts", scope)
    try:
        old = f"(SELECT {cols} FROM {t} WHERE account_id IN (SELECT account_id FROM scope_accounts))"  # sql-ok
        added, removed, both, same = cur.execute(
            f"""SELECT (SELECT count(*) FROM incoming_rows ANTI JOIN {old} o USING ({keys})),
                       (SELECT count(*) FROM {old} o ANTI JOIN incoming_rows USING ({keys})),
                       (SELECT count(*) FROM incoming_rows SEMI JOIN {old} o USING ({keys})),
                       (SELECT count(*) FROM (SELECT {cols} FROM incoming_rows INTERSECT ALL SELECT * FROM {old}))"""  # sql-ok
        ).fetchall()[0]
    finally:
        cur.unregister("incoming_rows")
        cur.unregister("scope_accounts")
    return {"added": added, "changed": both - same, "removed": removed}


def _replace(con, sheet: c.Sheet, upload_id: int, incoming, scope, answers=None) -> dict[str, int]:
    """Snapshot the scope's rows under `upload_id`, then replace them with `incoming`."""
    counts = _diff(con, sheet, incoming, scope)
    con.register("scope_accounts", scope)
    try:
        for table, rows in ((sheet.table, incoming), ("survey_answers", answers)):
            if table == "survey_answers" and sheet.name != "Surveys":
                continue
            in_scope = "account_id IN (SELECT account_id FROM scope_accounts)"
            con.execute(f"INSERT INTO {table}__before SELECT ?, * FROM {table} WHERE {in_scope}", [upload_id])  # sql-ok
            con.execute(f"DELETE FROM {table} WHERE {in_scope}")  # sql-ok
            if rows is not None and len(rows):
                con.register("replacement_rows", rows)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM replacement_rows")  # sql-ok
                con.unregister("replacement_rows")
        con.execute("INSERT INTO upload_scope SELECT ?, ?, account_id FROM scope_accounts", [upload_id, sheet.name])
        con.execute("INSERT INTO upload_sheets VALUES (?, ?, ?, ?, ?)",
                    [upload_id, sheet.name, counts["added"], counts["changed"], counts["removed"]])
    finally:
        con.unregister("scope_accounts")
    return counts


def _new_upload(con, *, kind: str, user: User, file_name: str | None, sha256: str | None, rollback_of: int | None = None) -> int:
    upload_id = con.execute("SELECT nextval('upload_seq')").fetchall()[0][0]
    con.execute(
        "INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        [upload_id, kind, user.username, datetime.now(timezone.utc).replace(tzinfo=None), file_name, sha256, rollback_of],
    )
    return upload_id


def _commit(con, validation: Validation, *, user: User, file_name: str, sha256: str, kind: str) -> tuple[int, pl.DataFrame]:
    rows = []
    with transaction(con):
        upload_id = _new_upload(con, kind=kind, user=user, file_name=file_name, sha256=sha256)
        for sheet in c.SHEETS:  # contract order: Accounts first
            data = validation.sheets.get(sheet.name)
            if data is None:
                continue
            incoming = _incoming(data)
            scope = incoming.select("account_id").unique().sort("account_id")
            answers = validation.survey_answers if sheet.name == "Surveys" else None
            counts = _replace(con, sheet, upload_id, incoming, scope, answers)
            rows.append({"sheet": sheet.name, "accounts": scope.height, "rows": incoming.height, **counts})
        bump_data_version(con)
    return upload_id, pl.DataFrame(rows, schema=_CHANGES_SCHEMA)


def rollback(con: duckdb.DuckDBPyConnection, upload_id: int, *, user: User) -> int:
    """Put back, for every sheet and account the upload touched, the rows it replaced.
    Recorded as a new upload; refused when a later upload changed the same accounts."""
    ensure(user, "rollback")
    with WRITE_LOCK:
        found = next(iter(con.execute("SELECT kind, rolled_back_by FROM uploads WHERE upload_id = ?", [upload_id]).fetchall()), None)
        if found is None:
            raise NotFound(f"There is no upload {upload_id}.")
        kind, rolled_back_by = found
        if rolled_back_by is not None:
            raise ConflictError(f"Upload {upload_id} was already rolled back (by {rolled_back_by}).")
        if kind == ROLLBACK:
            raise ConflictError(f"Upload {upload_id} is itself a rollback; upload the workbook again instead.")
        later = later_uploads(con, upload_id)
        if later:
            raise ConflictError(f"Upload {later[-1]} changed the same accounts later; roll back upload {later[-1]} first.")
        with transaction(con):
            new_id = _new_upload(con, kind=ROLLBACK, user=user, file_name=None, sha256=None, rollback_of=upload_id)
            sheets = [r[0] for r in con.execute("SELECT DISTINCT sheet FROM upload_scope WHERE upload_id = ?", [upload_id]).fetchall()]
            for sheet in c.SHEETS:
                if sheet.name not in sheets:
                    continue
                scope = con.sql("SELECT account_id FROM upload_scope WHERE upload_id = ? AND sheet = ?", params=[upload_id, sheet.name]).pl()
                before = con.sql(f"SELECT * EXCLUDE (upload_id) FROM {sheet.table}__before WHERE upload_id = ?", params=[upload_id]).pl()  # sql-ok
                answers = None
                if sheet.name == "Surveys":
                    answers = con.sql("SELECT * EXCLUDE (upload_id) FROM survey_answers__before WHERE upload_id = ?", params=[upload_id]).pl()
                _replace(con, sheet, new_id, before, scope, answers)
            con.execute("UPDATE uploads SET rolled_back_by = ? WHERE upload_id = ?", [new_id, upload_id])
            bump_data_version(con)
    return new_id


def upload_history(con: duckdb.DuckDBPyConnection, *, limit: int = 200) -> pl.DataFrame:
    """Recent uploads, newest first, with rows added, changed and removed over all sheets."""
    return con.sql(
        """SELECT u.upload_id, u.kind, u.user_name, u.uploaded_at, u.file_name, u.sha256,
                  string_agg(s.sheet, ', ' ORDER BY s.sheet) AS sheets,
                  coalesce(sum(s.added), 0)::BIGINT AS added, coalesce(sum(s.changed), 0)::BIGINT AS changed,
                  coalesce(sum(s.removed), 0)::BIGINT AS removed, u.rollback_of, u.rolled_back_by
           FROM uploads u LEFT JOIN upload_sheets s USING (upload_id)
           GROUP BY ALL ORDER BY u.upload_id DESC LIMIT ?""",
        params=[limit],
    ).pl()


def changes_by_account(con: duckdb.DuckDBPyConnection, validation: Validation) -> pl.DataFrame:
    """What loading would do, per sheet and account: rows added, changed and removed."""
    parts = []
    for name, data in validation.sheets.items():
        sheet = data.sheet
        incoming = _incoming(data)
        cols = ", ".join(f'"{n}"' for n in sheet.column_names) + ", extras"
        keys = ", ".join(f'"{k}"' for k in sheet.key)
        con.register("incoming_rows", incoming)
        try:
            old = f"(SELECT {cols} FROM {sheet.table} WHERE account_id IN (SELECT account_id FROM incoming_rows))"  # sql-ok
            parts.append(con.sql(
                f"""WITH added AS (SELECT account_id, count(*) AS n FROM incoming_rows ANTI JOIN {old} o USING ({keys}) GROUP BY 1),
                         removed AS (SELECT account_id, count(*) AS n FROM {old} o ANTI JOIN incoming_rows USING ({keys}) GROUP BY 1),
                         same AS (SELECT account_id, count(*) AS n FROM (SELECT {cols} FROM incoming_rows INTERSECT ALL SELECT * FROM {old}) GROUP BY 1),
                         kept AS (SELECT account_id, count(*) AS n FROM incoming_rows SEMI JOIN {old} o USING ({keys}) GROUP BY 1),
                         touched AS (SELECT DISTINCT account_id FROM incoming_rows)
                  SELECT ? AS sheet, t.account_id, coalesce(a.n, 0) AS added, coalesce(k.n, 0) - coalesce(s.n, 0) AS changed,
                         coalesce(r.n, 0) AS removed
                  FROM touched t LEFT JOIN added a USING (account_id) LEFT JOIN removed r USING (account_id)
                  LEFT JOIN same s USING (account_id) LEFT JOIN kept k USING (account_id)
                  ORDER BY t.account_id""",  # sql-ok: names from the contract
                params=[name]).pl())
        finally:
            con.unregister("incoming_rows")
    schema = {"sheet": pl.String, "account_id": pl.String, "added": pl.Int64, "changed": pl.Int64, "removed": pl.Int64}
    return pl.concat([p.cast(schema) for p in parts]) if parts else pl.DataFrame(schema=schema)


def changed_values(con: duckdb.DuckDBPyConnection, validation: Validation, sheet_name: str, *, limit: int = 2000) -> pl.DataFrame:
    """For rows an upload would change: key, column, value now and value after."""
    data = validation.sheets[sheet_name]
    sheet = data.sheet
    incoming = _incoming(data)
    con.register("incoming_rows", incoming)
    try:
        old = con.sql(f"SELECT * FROM {sheet.table} WHERE account_id IN (SELECT account_id FROM incoming_rows)").pl()  # sql-ok
    finally:
        con.unregister("incoming_rows")
    key = list(sheet.key)
    joined = incoming.join(old.cast(incoming.schema), on=key, how="inner", suffix="__now")
    columns = [c for c in incoming.columns if c not in key]
    long = pl.concat([
        joined.filter(pl.col(col).ne_missing(pl.col(f"{col}__now"))).select(
            pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator=" / ").alias("key"),
            pl.lit(col).alias("column"),
            pl.col(f"{col}__now").cast(pl.String).alias("now"),
            pl.col(col).cast(pl.String).alias("after"),
        )
        for col in columns
    ]) if columns else pl.DataFrame(schema={"key": pl.String, "column": pl.String, "now": pl.String, "after": pl.String})
    return long.sort("key").head(limit)


def later_uploads(con: duckdb.DuckDBPyConnection, upload_id: int) -> list[int]:
    """Uploads after `upload_id`, not rolled back, that touched any of its accounts (on any
    sheet: rolling back the upload that created an account must not orphan later rows)."""
    rows = con.execute(
        """SELECT DISTINCT u.upload_id FROM upload_scope s
           JOIN upload_scope l ON l.account_id = s.account_id AND l.upload_id > s.upload_id
           JOIN uploads u ON u.upload_id = l.upload_id
           WHERE s.upload_id = ? AND u.rolled_back_by IS NULL AND u.kind <> 'rollback' ORDER BY 1""",
        [upload_id],
    ).fetchall()
    return [r[0] for r in rows]


def upload_accounts(con: duckdb.DuckDBPyConnection, upload_id: int) -> pl.DataFrame:
    """The accounts an upload touched, per sheet."""
    return con.sql("SELECT sheet, account_id FROM upload_scope WHERE upload_id = ? ORDER BY sheet, account_id",
                   params=[upload_id]).pl()
