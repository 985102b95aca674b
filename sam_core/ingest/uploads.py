"""Loading workbooks into the database, the upload history, and rollback.

A workbook replaces, per sheet, the rows of the accounts it mentions (Accounts rows are
upserted by key). Rows it replaces are kept in `<table>__before` under the upload's id,
so any upload can be rolled back. One upload is one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import duckdb
import polars as pl

from sam_core.access.permissions import User, ensure
from sam_core.errors import ConflictError, NotFound, ValidationFailed
from sam_core.ingest import contract as c
from sam_core.ingest.dates import MONTH_FIRST
from sam_core.ingest.inspection import LIMITS, ReadLimits
from sam_core.ingest.mapping import IGNORE, SheetMapping, apply, propose, remembered_mappings
from sam_core.ingest.reader import PendingSheet, RawSheet, check_budget, open_files
from sam_core.ingest.validation import ROW, SheetData, Validation, validate
from sam_core.store import WRITE_LOCK, bump_data_version, transaction

UPLOAD, ROLLBACK, DEMO = "upload", "rollback", "demo"


@dataclass(frozen=True)
class LoadResult:
    upload_id: int
    changes: pl.DataFrame  # sheet, accounts, rows, added, changed, removed
    validation: Validation


def map_sheets(
    con: duckdb.DuckDBPyConnection | None,
    sheets: Sequence[PendingSheet],
    *,
    user: User | None,
    mappings: Sequence[SheetMapping] = (),
) -> tuple[list[PendingSheet], list[SheetMapping]]:
    """Each sheet mapped as the Data upload page proposes it (`mappings` first, then the user's
    remembered ones, exact names, aliases, guesses), not read yet: the sheets for `validate`,
    and the mappings used. Sheets mapped to nothing are passed on only when their name is not a
    contract sheet's (the report then says they were ignored)."""
    remembered = list(mappings)
    if con is not None and user is not None:
        remembered += remembered_mappings(con, user)
    out, used = [], []
    for pending in sheets:
        mapping = propose(pending, remembered, fill_gaps=False) if not pending.refused else None
        if mapping is None or mapping.sheet == IGNORE:
            if mapping is None or c.match_sheet(pending.name) is None:
                out.append(pending)
            continue
        out.append(mapped(pending, mapping))
        used.append(mapping)
    return out, used


def mapped(pending: PendingSheet, mapping: SheetMapping) -> PendingSheet:
    """The sheet as its mapping reads it, still not read."""
    return replace(pending, name=mapping.sheet, read=lambda: apply(pending.read(), mapping))


def check_files(
    con: duckdb.DuckDBPyConnection,
    files: list[tuple[str, bytes]],
    *,
    user: User | None,
    date_order: str = MONTH_FIRST,
    mappings: Sequence[SheetMapping] = (),
    limits: ReadLimits = LIMITS,
) -> Validation:
    """Read, map (as the page proposes) and validate uploaded files (name, bytes) against the
    database; changes nothing."""
    sheets, _ = map_sheets(con, open_files(files, limits), user=user, mappings=mappings)
    check_budget(sheets, limits)
    return validate(sheets, con=con, user=user, date_order=date_order)


def load_files(
    con: duckdb.DuckDBPyConnection,
    files: list[tuple[str, bytes]],
    *,
    user: User,
    date_order: str = MONTH_FIRST,
    kind: str = UPLOAD,
    mappings: Sequence[SheetMapping] = (),
    limits: ReadLimits = LIMITS,
) -> LoadResult:
    """Read, map (as the page proposes: `mappings`, then the user's remembered ones), validate
    and load files in one transaction (see `load_sheets`); each sheet is read while the ones
    before it are checked and written."""
    ensure(user, "upload")
    sheets, _ = map_sheets(con, open_files(files, limits), user=user, mappings=mappings)
    check_budget(sheets, limits)
    return load_sheets(
        con,
        sheets,
        user=user,
        file_name=", ".join(name for name, _ in files),
        sha256=files_sha256(files),
        date_order=date_order,
        kind=kind,
    )


def files_sha256(files: list[tuple[str, bytes]]) -> str:
    """The hash recorded for an upload: of the one file, or of the files in order."""
    return hashlib.sha256(b"".join(content for _, content in files)).hexdigest()


def load_sheets(
    con: duckdb.DuckDBPyConnection,
    raw_sheets: Sequence[RawSheet | PendingSheet],
    *,
    user: User,
    file_name: str,
    sha256: str,
    date_order: str = MONTH_FIRST,
    kind: str = UPLOAD,
) -> LoadResult:
    """Validate raw sheets against the database as it is now and load them in one
    transaction. Raises ValidationFailed (nothing changed) when the report has an error,
    PermissionDenied when the role may not upload.

    Each sheet is written as soon as it is typed, while the others are still being read and
    checked; the checks against the database read it through their own cursor, so they see
    the data as committed, never this load's own writes. Any error rolls the whole load back.
    """
    ensure(user, "upload")
    with WRITE_LOCK:
        committed = con.cursor()
        try:
            with transaction(con):
                upload_id = _new_upload(con, kind=kind, user=user, file_name=file_name, sha256=sha256)
                written = []

                def write(data: SheetData, answers: pl.DataFrame | None) -> None:
                    incoming = _incoming(data)
                    scope = incoming.select("account_id").unique().sort("account_id")
                    counts = _replace(con, data.sheet, upload_id, incoming, scope, answers)
                    written.append(
                        {
                            "sheet": data.sheet.name,
                            "accounts": scope.height,
                            "rows": incoming.height,
                            **counts,
                        }
                    )

                validation = validate(
                    raw_sheets, con=committed, user=user, date_order=date_order, on_sheet=write
                )
                if not validation.ok:
                    n = validation.errors.height
                    raise ValidationFailed(
                        f"The workbook has {n:,} error{'s' if n != 1 else ''}; nothing was loaded.",
                        validation.report,
                    )
                if not validation.sheets:
                    raise ValidationFailed(
                        "The workbook holds no rows to load (no contract sheet with data); nothing was "
                        "loaded.",
                        validation.report,
                    )
                bump_data_version(con)
        finally:
            committed.close()
    order = {sheet.name: i for i, sheet in enumerate(c.SHEETS)}
    changes = pl.DataFrame(sorted(written, key=lambda row: order[row["sheet"]]), schema=_CHANGES_SCHEMA)
    return LoadResult(upload_id, changes, validation)


def _incoming(data) -> pl.DataFrame:
    return data.rows.drop(ROW)


def preview_changes(con: duckdb.DuckDBPyConnection, validation: Validation) -> pl.DataFrame:
    """What loading would do, per sheet: accounts touched, rows, added, changed, removed."""
    rows = []
    for name, data in validation.sheets.items():
        incoming = _incoming(data)
        scope = incoming.select("account_id").unique()
        with _registered(con, incoming_rows=incoming, scope_accounts=scope):
            counts = _diff(con, data.sheet, incoming.height)
        rows.append({"sheet": name, "accounts": scope.height, "rows": incoming.height, **counts})
    return pl.DataFrame(rows, schema=_CHANGES_SCHEMA)


_CHANGES_SCHEMA = {
    "sheet": pl.String,
    "accounts": pl.Int64,
    "rows": pl.Int64,
    "added": pl.Int64,
    "changed": pl.Int64,
    "removed": pl.Int64,
}
_IN_SCOPE = "account_id IN (SELECT account_id FROM scope_accounts)"


@contextmanager
def _registered(con, **frames):
    """Frames visible to SQL under their names for the duration (converted to Arrow once);
    a None frame is skipped."""
    frames = {name: frame for name, frame in frames.items() if frame is not None}
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        yield
    finally:
        for name in frames:
            con.unregister(name)


def _diff(con, sheet: c.Sheet, incoming_count: int) -> dict[str, int]:
    """Rows added, changed and removed by replacing the stored rows of `scope_accounts` with
    `incoming_rows` (both registered)."""
    t = sheet.table
    if not con.execute(f"SELECT EXISTS (SELECT 1 FROM {t} WHERE {_IN_SCOPE})").fetchall()[0][0]:  # sql-ok
        return {"added": incoming_count, "changed": 0, "removed": 0}  # new accounts: nothing to compare
    cols = ", ".join(f'"{n}"' for n in sheet.column_names) + ", extras"
    keys = ", ".join(f'"{k}"' for k in sheet.key)
    old = f"(SELECT {cols} FROM {t} WHERE {_IN_SCOPE})"  # sql-ok
    added, removed, both, same = con.execute(
        f"""SELECT (SELECT count(*) FROM incoming_rows ANTI JOIN {old} o USING ({keys})),
                   (SELECT count(*) FROM {old} o ANTI JOIN incoming_rows USING ({keys})),
                   (SELECT count(*) FROM incoming_rows SEMI JOIN {old} o USING ({keys})),
                   (SELECT count(*) FROM (SELECT {cols} FROM incoming_rows
                                          INTERSECT ALL SELECT * FROM {old}))"""  # sql-ok
    ).fetchall()[0]
    return {"added": added, "changed": both - same, "removed": removed}


def _replace(con, sheet: c.Sheet, upload_id: int, incoming, scope, answers=None) -> dict[str, int]:
    """Snapshot the scope's rows under `upload_id`, then replace them with `incoming`."""
    with _registered(con, incoming_rows=incoming, scope_accounts=scope):
        counts = _diff(con, sheet, incoming.height)
        _swap(con, sheet.table, upload_id, "incoming_rows")
        if sheet.name == "Surveys":
            with _registered(con, answer_rows=answers):
                _swap(con, "survey_answers", upload_id, "answer_rows" if answers is not None else None)
        con.execute(
            "INSERT INTO upload_scope SELECT ?, ?, account_id FROM scope_accounts", [upload_id, sheet.name]
        )
        con.execute(
            "INSERT INTO upload_sheets VALUES (?, ?, ?, ?, ?)",
            [upload_id, sheet.name, counts["added"], counts["changed"], counts["removed"]],
        )
    return counts


def _swap(con, table: str, upload_id: int, rows: str | None) -> None:
    """Keep the scope's rows of `table` under the upload, then put the view `rows` in their place."""
    con.execute(
        f"INSERT INTO {table}__before SELECT ?, * FROM {table} WHERE {_IN_SCOPE}", [upload_id]
    )  # sql-ok
    con.execute(f"DELETE FROM {table} WHERE {_IN_SCOPE}")  # sql-ok
    if rows is not None:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {rows}")  # sql-ok: a view name of this module


def _new_upload(
    con, *, kind: str, user: User, file_name: str | None, sha256: str | None, rollback_of: int | None = None
) -> int:
    # Numbered inside the transaction (writes take turns under WRITE_LOCK): a refused load
    # leaves no gap in the history, as a sequence, which does not roll back, would.
    upload_id = con.execute("SELECT coalesce(max(upload_id), 0) + 1 FROM uploads").fetchall()[0][0]
    con.execute(
        "INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        [
            upload_id,
            kind,
            user.username,
            datetime.now(UTC).replace(tzinfo=None),
            file_name,
            sha256,
            rollback_of,
        ],
    )
    return upload_id


def rollback(con: duckdb.DuckDBPyConnection, upload_id: int, *, user: User) -> int:
    """Put back, for every sheet and account the upload touched, the rows it replaced.
    Recorded as a new upload; refused when a later upload changed the same accounts."""
    ensure(user, "rollback")
    with WRITE_LOCK:
        found = next(
            iter(
                con.execute(
                    "SELECT kind, rolled_back_by FROM uploads WHERE upload_id = ?", [upload_id]
                ).fetchall()
            ),
            None,
        )
        if found is None:
            raise NotFound(f"There is no upload {upload_id}.")
        kind, rolled_back_by = found
        if rolled_back_by is not None:
            raise ConflictError(f"Upload {upload_id} was already rolled back (by {rolled_back_by}).")
        if kind == ROLLBACK:
            raise ConflictError(
                f"Upload {upload_id} is itself a rollback; upload the workbook again instead."
            )
        later = later_uploads(con, upload_id)
        if later:
            raise ConflictError(
                f"Upload {later[-1]} changed the same accounts later; roll back upload {later[-1]} first."
            )
        with transaction(con):
            new_id = _new_upload(
                con, kind=ROLLBACK, user=user, file_name=None, sha256=None, rollback_of=upload_id
            )
            sheets = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT sheet FROM upload_scope WHERE upload_id = ?", [upload_id]
                ).fetchall()
            ]
            for sheet in c.SHEETS:
                if sheet.name not in sheets:
                    continue
                scope = con.sql(
                    "SELECT account_id FROM upload_scope WHERE upload_id = ? AND sheet = ?",
                    params=[upload_id, sheet.name],
                ).pl()
                before = con.sql(
                    f"SELECT * EXCLUDE (upload_id) FROM {sheet.table}__before WHERE upload_id = ?",
                    params=[upload_id],
                ).pl()  # sql-ok
                answers = None
                if sheet.name == "Surveys":
                    answers = con.sql(
                        "SELECT * EXCLUDE (upload_id) FROM survey_answers__before WHERE upload_id = ?",
                        params=[upload_id],
                    ).pl()
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
        with _registered(con, incoming_rows=incoming):
            old = (  # sql-ok: names from the contract
                f"(SELECT {cols} FROM {sheet.table} "
                "WHERE account_id IN (SELECT account_id FROM incoming_rows))"
            )
            parts.append(
                con.sql(
                    f"""WITH added AS (SELECT account_id, count(*) AS n
                                   FROM incoming_rows ANTI JOIN {old} o USING ({keys}) GROUP BY 1),
                         removed AS (SELECT account_id, count(*) AS n FROM {old} o ANTI
                             JOIN incoming_rows USING ({keys}) GROUP BY 1),
                         same AS (SELECT account_id, count(*) AS n
                             FROM (SELECT {cols} FROM incoming_rows INTERSECT ALL SELECT * FROM {old})
                                 GROUP BY 1),
                         kept AS (SELECT account_id, count(*) AS n FROM incoming_rows SEMI
                             JOIN {old} o USING ({keys}) GROUP BY 1),
                         touched AS (SELECT DISTINCT account_id FROM incoming_rows)
                  SELECT ? AS sheet, t.account_id, coalesce(a.n, 0) AS added,
                      coalesce(k.n, 0) - coalesce(s.n, 0) AS changed,
                         coalesce(r.n, 0) AS removed
                  FROM touched t LEFT JOIN added a USING (account_id) LEFT JOIN removed r USING (account_id)
                  LEFT JOIN same s USING (account_id) LEFT JOIN kept k USING (account_id)
                  ORDER BY t.account_id""",  # sql-ok: names from the contract
                    params=[name],
                ).pl()
            )
    schema = {
        "sheet": pl.String,
        "account_id": pl.String,
        "added": pl.Int64,
        "changed": pl.Int64,
        "removed": pl.Int64,
    }
    return pl.concat([p.cast(schema) for p in parts]) if parts else pl.DataFrame(schema=schema)


def changed_values(
    con: duckdb.DuckDBPyConnection, validation: Validation, sheet_name: str, *, limit: int = 2000
) -> pl.DataFrame:
    """For rows an upload would change: key, column, value now and value after."""
    data = validation.sheets[sheet_name]
    sheet = data.sheet
    incoming = _incoming(data)
    with _registered(con, incoming_rows=incoming):
        old = con.sql(
            f"SELECT * FROM {sheet.table} WHERE account_id IN (SELECT account_id FROM incoming_rows)"
        ).pl()  # sql-ok
    key = list(sheet.key)
    joined = incoming.join(old.cast(incoming.schema), on=key, how="inner", suffix="__now")
    columns = [c for c in incoming.columns if c not in key]
    long = (
        pl.concat(
            [
                joined.filter(pl.col(col).ne_missing(pl.col(f"{col}__now"))).select(
                    pl.concat_str([pl.col(k).cast(pl.String) for k in key], separator=" / ").alias("key"),
                    pl.lit(col).alias("column"),
                    pl.col(f"{col}__now").cast(pl.String).alias("now"),
                    pl.col(col).cast(pl.String).alias("after"),
                )
                for col in columns
            ]
        )
        if columns
        else pl.DataFrame(
            schema={"key": pl.String, "column": pl.String, "now": pl.String, "after": pl.String}
        )
    )
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
    return con.sql(
        "SELECT sheet, account_id FROM upload_scope WHERE upload_id = ? ORDER BY sheet, account_id",
        params=[upload_id],
    ).pl()
