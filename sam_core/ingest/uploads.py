"""Loading workbooks into the database, the upload history, and rollback.

Every sheet upserts by its key (SPEC.md section 3): an upload adds the rows whose keys are
new, changes the rows whose values differ, leaves identical rows alone and removes nothing.
With `replace=True` the workbook is the complete history of the accounts it lists: the rows
of those accounts that it no longer holds are removed too (`removals` previews them, with
their money). Rates are always upserted.

Each stored row carries `loaded_in`, the upload that wrote that version of it, and
`<table>__before` keeps under the upload's id the previous versions of the rows it changed
or removed (nothing for the rows it added). Rolling an upload back removes the rows stamped
with its id and puts its `__before` rows back: exact in both modes. One upload is one
transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
import polars as pl

from sam_core.access.permissions import User, can, ensure
from sam_core.errors import ConflictError, NotFound, PermissionDenied, SamError, ValidationFailed
from sam_core.ingest import contract as c
from sam_core.ingest.currency import Currencies
from sam_core.ingest.dates import MONTH_FIRST
from sam_core.ingest.inspection import LIMITS, ReadLimits
from sam_core.ingest.mapping import IGNORE, SheetMapping, apply, propose, remembered_mappings
from sam_core.ingest.reader import PendingSheet, RawSheet, check_budget, open_files
from sam_core.ingest.validation import ROW, SheetData, Validation, validate
from sam_core.store import SURVEY_ANSWERS_COLUMNS, WRITE_LOCK, bump_data_version, tables_of_sheet, transaction

UPLOAD, ROLLBACK, DEMO = "upload", "rollback", "demo"
UPSERT, REPLACE = "upsert", "replace"  # upload modes; NULL for uploads made before there were modes


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
    return dataclasses.replace(pending, name=mapping.sheet, read=lambda: apply(pending.read(), mapping))


def check_files(
    con: duckdb.DuckDBPyConnection,
    files: list[tuple[str, bytes]],
    *,
    user: User | None,
    date_order: str = MONTH_FIRST,
    mappings: Sequence[SheetMapping] = (),
    limits: ReadLimits = LIMITS,
    replace: bool = False,
    currencies: Currencies | None = None,
    today: date | None = None,
) -> Validation:
    """Read, map (as the page proposes) and validate uploaded files (name, bytes) against the
    database; changes nothing."""
    sheets, _ = map_sheets(con, open_files(files, limits), user=user, mappings=mappings)
    check_budget(sheets, limits)
    return validate(
        sheets,
        con=con,
        user=user,
        date_order=date_order,
        replace=replace,
        currencies=currencies,
        today=today,
    )


def load_files(
    con: duckdb.DuckDBPyConnection,
    files: list[tuple[str, bytes]],
    *,
    user: User,
    date_order: str = MONTH_FIRST,
    kind: str = UPLOAD,
    mappings: Sequence[SheetMapping] = (),
    limits: ReadLimits = LIMITS,
    replace: bool = False,
    currencies: Currencies | None = None,
    today: date | None = None,
    finish: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
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
        replace=replace,
        currencies=currencies,
        today=today,
        finish=finish,
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
    replace: bool = False,
    currencies: Currencies | None = None,
    today: date | None = None,
    finish: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
) -> LoadResult:
    """Validate raw sheets against the database as it is now and load them in one
    transaction: upserted by key, or with `replace` as the complete history of the accounts
    they list. Money in another currency (`currencies`) is converted with the stored rates.
    `finish(con)` runs inside the same transaction once every sheet is written (the app's
    edits kept over an upload: sam_core.plans.edits.keep_app_edits).
    Raises ValidationFailed (nothing changed) when the report has an error,
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
                upload_id = _new_upload(
                    con,
                    kind=kind,
                    user=user,
                    file_name=file_name,
                    sha256=sha256,
                    mode=REPLACE if replace else UPSERT,
                    currency=currencies.workbook if currencies else None,
                )
                written = []

                def write(data: SheetData, answers: pl.DataFrame | None) -> None:
                    if data.sheet.name == "Rates" and not can(user, "load_rates"):
                        return  # reported by the validation; refused below if it were not
                    counts = _write_sheet(
                        con, data.sheet, upload_id, _incoming(data), answers, replace=replace
                    )
                    written.append({"sheet": data.sheet.name, "rows": data.rows.height, **counts})

                validation = validate(
                    raw_sheets,
                    con=committed,
                    user=user,
                    date_order=date_order,
                    on_sheet=write,
                    replace=replace,
                    currencies=currencies,
                    today=today,
                )
                if not validation.ok:
                    n = validation.errors.height
                    raise ValidationFailed(
                        f"The workbook has {n:,} error{'s' if n != 1 else ''}; nothing was loaded.",
                        validation.report,
                    )
                if "Rates" in validation.sheets:
                    ensure(user, "load_rates")
                if not validation.sheets:
                    raise ValidationFailed(
                        "The workbook holds no rows to load (no contract sheet with data); nothing was "
                        "loaded.",
                        validation.report,
                    )
                if finish is not None:
                    finish(con)
                bump_data_version(con)
        finally:
            committed.close()
    order = {sheet.name: i for i, sheet in enumerate(c.SHEETS)}
    changes = pl.DataFrame(sorted(written, key=lambda row: order[row["sheet"]]), schema=_CHANGES_SCHEMA)
    return LoadResult(upload_id, changes.select(list(_CHANGES_SCHEMA)), validation)


def _incoming(data: SheetData) -> pl.DataFrame:
    return data.rows.drop(ROW)


_CHANGES_SCHEMA = {
    "sheet": pl.String,
    "accounts": pl.Int64,
    "rows": pl.Int64,
    "added": pl.Int64,
    "changed": pl.Int64,
    "removed": pl.Int64,
}


# -- what an upload compares and writes -----------------------------------------------


@dataclass(frozen=True)
class _Table:
    """A stored table as an upload sees it: the columns compared, the key, and whether its
    rows belong to accounts (then the upload's accounts are its scope)."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    by_account: bool

    @property
    def cols(self) -> str:
        return ", ".join(f'"{n}"' for n in self.columns)

    @property
    def keys(self) -> str:
        return ", ".join(f'"{k}"' for k in self.key)

    def stored(self, incoming: str = "incoming_rows") -> str:
        """The stored rows an upload compares with: those of its accounts (scope_accounts),
        or for Rates those with the incoming keys."""
        if self.by_account:
            return (
                f"(SELECT {self.cols} FROM {self.name} "  # sql-ok: names from the contract
                "WHERE account_id IN (SELECT account_id FROM scope_accounts))"
            )
        return f"(SELECT {self.cols} FROM {self.name} SEMI JOIN {incoming} USING ({self.keys}))"  # sql-ok

    def new_rows(self, incoming: str = "incoming_rows") -> str:
        """Incoming rows that are not stored as they are: added, or changed."""
        # sql-ok: table and column names from the contract and constants, values bound
        return f"SELECT {self.cols} FROM {incoming} EXCEPT SELECT {self.cols} FROM {self.stored(incoming)}"

    def removed_keys(self, incoming: str = "incoming_rows") -> str:
        """Keys of the scope's stored rows that the upload no longer holds (replace mode)."""
        # sql-ok: table and column names from the contract and constants, values bound
        return f"SELECT {self.keys} FROM {self.stored(incoming)} o ANTI JOIN {incoming} USING ({self.keys})"


def _table(sheet: c.Sheet) -> _Table:
    return _Table(sheet.table, (*sheet.column_names, "extras"), sheet.key, sheet.has_accounts)


_ANSWERS = _Table(
    "survey_answers", tuple(n for n, _ in SURVEY_ANSWERS_COLUMNS), ("response_id", "question"), True
)


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


def _scope(sheet: c.Sheet, incoming: pl.DataFrame) -> pl.DataFrame:
    """The accounts an upload of this sheet touches (for Rates: the currencies), one column
    `account_id`, as upload_scope records them."""
    column = "account_id" if sheet.has_accounts else "currency"
    return incoming.select(pl.col(column).alias("account_id")).unique().sort("account_id")


def _write_sheet(
    con, sheet: c.Sheet, upload_id: int, incoming: pl.DataFrame, answers=None, *, replace: bool = False
) -> dict[str, int]:
    """Upsert `incoming` into the sheet's table (with `replace`, also remove the scope's rows
    it no longer holds), keeping the previous versions under `upload_id`; record the scope and
    the counts. Survey answers go with their sheet."""
    scope = _scope(sheet, incoming)
    remove = replace and sheet.has_accounts
    with _registered(con, incoming_rows=incoming, scope_accounts=scope):
        counts = _apply(con, _table(sheet), upload_id, remove=remove)
        if sheet.name == "Surveys":
            empty = pl.DataFrame(schema={n: pl.String for n, _ in SURVEY_ANSWERS_COLUMNS})
            with _registered(con, answer_rows=answers if answers is not None else empty):
                _apply(con, _ANSWERS, upload_id, remove=remove, incoming="answer_rows")
        con.execute(
            "INSERT INTO upload_scope SELECT ?, ?, account_id FROM scope_accounts", [upload_id, sheet.name]
        )
    con.execute(
        "INSERT INTO upload_sheets VALUES (?, ?, ?, ?, ?)",
        [upload_id, sheet.name, counts["added"], counts["changed"], counts["removed"]],
    )
    return {"accounts": scope.height, **counts}


def _apply(
    con, t: _Table, upload_id: int, *, remove: bool, incoming: str = "incoming_rows"
) -> dict[str, int]:
    """Write the new and changed rows of `incoming` (registered) stamped `loaded_in =
    upload_id`; the stored versions they replace, and with `remove` the stored rows of the
    scope that `incoming` lacks, are kept in `<table>__before` and deleted."""
    # sql-ok (this function): table and column names come from the contract
    n = con.execute(f"SELECT count(*) FROM {incoming}").fetchall()[0][0]  # sql-ok: names from the contract
    if not con.execute(f"SELECT EXISTS (FROM {t.stored(incoming)})").fetchall()[0][0]:  # sql-ok
        # Nothing stored to compare with (a first load, new accounts): every row is added.
        con.execute(
            f"INSERT INTO {t.name} BY NAME SELECT {t.cols}, ?::BIGINT AS loaded_in FROM {incoming}",  # sql-ok
            [upload_id],
        )
        return {"added": n, "changed": 0, "removed": 0}
    con.execute(f"CREATE OR REPLACE TEMP TABLE upload_new AS {t.new_rows(incoming)}")  # sql-ok
    # The keys whose stored version goes: changed rows, and with `remove` the rows the file lacks.
    gone = (
        # sql-ok: table and column names from the contract and constants, values bound
        f"SELECT {t.keys}, true AS changed FROM upload_new SEMI JOIN {t.stored(incoming)} o USING ({t.keys})"
    )
    if remove:
        gone += f" UNION ALL SELECT {t.keys}, false FROM ({t.removed_keys(incoming)})"  # sql-ok
    con.execute(f"CREATE OR REPLACE TEMP TABLE upload_gone AS {gone}")  # sql-ok: names from the contract
    new, changed, gone_count = con.execute(
        "SELECT (SELECT count(*) FROM upload_new), count(*) FILTER (WHERE changed), count(*) FROM upload_gone"
    ).fetchall()[0]
    if gone_count:
        match = " AND ".join(f't."{k}" = g."{k}"' for k in t.key)
        con.execute(
            # sql-ok: table and column names from the contract and constants, values bound
            f"INSERT INTO {t.name}__before BY NAME SELECT ?::BIGINT AS upload_id, t.* FROM {t.name} t "
            f"SEMI JOIN upload_gone g USING ({t.keys})",
            [upload_id],
        )
        con.execute(f"DELETE FROM {t.name} t USING upload_gone g WHERE {match}")  # sql-ok
    if new:
        con.execute(
            # sql-ok: table and column names from the contract and constants, values bound
            f"INSERT INTO {t.name} BY NAME SELECT *, ?::BIGINT AS loaded_in FROM upload_new",
            [upload_id],
        )
    con.execute("DROP TABLE upload_new")
    con.execute("DROP TABLE upload_gone")
    return {"added": new - changed, "changed": changed, "removed": gone_count - changed}


# -- previews: what loading would do (read only) --------------------------------------


def _counts_by_account(con, sheet: c.Sheet, incoming: pl.DataFrame, *, replace: bool) -> pl.DataFrame:
    """account_id, added, changed, removed for one sheet (Rates: per currency)."""
    t = _table(sheet)
    scope = _scope(sheet, incoming)
    owner = "account_id" if sheet.has_accounts else "currency"
    schema = {"account_id": pl.String, "added": pl.Int64, "changed": pl.Int64, "removed": pl.Int64}
    with _registered(con, incoming_rows=incoming, scope_accounts=scope):
        if not con.execute(f"SELECT EXISTS (FROM {t.stored()})").fetchall()[0][0]:  # sql-ok
            return (
                incoming.group_by(pl.col(owner).alias("account_id"))
                .agg(pl.len().alias("added"), pl.lit(0).alias("changed"), pl.lit(0).alias("removed"))
                .cast(schema)
                .sort("account_id")
            )
        removed = (
            # sql-ok: table and column names from the contract and constants, values bound
            f"SELECT o.{owner} AS account_id, count(*) AS n FROM {t.stored()} o ANTI JOIN incoming_rows "
            f"USING ({t.keys}) GROUP BY 1"
            if replace and sheet.has_accounts
            else "SELECT NULL::VARCHAR AS account_id, 0 AS n WHERE false"
        )
        return (
            con.sql(
                # sql-ok: table and column names from the contract and constants, values bound
                f"""WITH new AS ({t.new_rows()}),
                     changed AS (SELECT {owner} AS account_id, count(*) AS n
                                 FROM new SEMI JOIN {t.stored()} o USING ({t.keys}) GROUP BY 1),
                     fresh AS (SELECT {owner} AS account_id, count(*) AS n
                               FROM new ANTI JOIN {t.stored()} o USING ({t.keys}) GROUP BY 1),
                     removed AS ({removed})
                SELECT s.account_id, coalesce(f.n, 0) AS added, coalesce(ch.n, 0) AS changed,
                       coalesce(r.n, 0) AS removed
                FROM scope_accounts s LEFT JOIN fresh f USING (account_id)
                LEFT JOIN changed ch USING (account_id)
                LEFT JOIN removed r USING (account_id)
                ORDER BY s.account_id"""  # sql-ok: names from the contract
            )
            .pl()
            .cast(schema)
        )


def changes_by_account(
    con: duckdb.DuckDBPyConnection, validation: Validation, *, replace: bool = False
) -> pl.DataFrame:
    """What loading would do, per sheet and account: rows added, changed and removed (removed
    only with `replace`)."""
    parts = [
        _counts_by_account(con, data.sheet, _incoming(data), replace=replace).select(
            pl.lit(name).alias("sheet"), pl.all()
        )
        for name, data in validation.sheets.items()
    ]
    schema = {
        "sheet": pl.String,
        "account_id": pl.String,
        "added": pl.Int64,
        "changed": pl.Int64,
        "removed": pl.Int64,
    }
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def preview_changes(
    con: duckdb.DuckDBPyConnection,
    validation: Validation,
    *,
    replace: bool = False,
    by_account: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """What loading would do, per sheet: accounts touched, rows, added, changed, removed (from
    `changes_by_account`, computed here unless given)."""
    if by_account is None:
        by_account = changes_by_account(con, validation, replace=replace)
    rows = []
    for name, data in validation.sheets.items():
        counts = by_account.filter(pl.col("sheet") == name)
        rows.append(
            {
                "sheet": name,
                "accounts": counts.height,
                "rows": data.rows.height,
                **{k: int(counts[k].sum()) for k in ("added", "changed", "removed")},
            }
        )
    return pl.DataFrame(rows, schema=_CHANGES_SCHEMA)


# When the removed rows of a sheet happened (for the removal preview).
_WHEN = {
    "Financials": "period",
    "Opportunities": "close_date",
    "Engagements": "date",
    "Evidence": "date",
    "Surveys": "survey_date",
    "Actions": "created",
    "Relationships": "last_contact",
}
REMOVALS_SCHEMA = {
    "sheet": pl.String,
    "account_id": pl.String,
    "account_name": pl.String,
    "rows": pl.Int64,
    "money": pl.Float64,
    "money_column": pl.String,
    "first": pl.Date,
    "last": pl.Date,
}


def removals(con: duckdb.DuckDBPyConnection, validation: Validation) -> pl.DataFrame:
    """What "this file is the complete history of the accounts it lists" would remove, per
    sheet and account: rows, the money they hold (the sheet's first money column: revenue,
    amount) and the span of their dates. Empty when nothing would go."""
    parts = []
    for name, data in validation.sheets.items():
        sheet = data.sheet
        if not sheet.has_accounts:
            continue
        t, incoming = _table(sheet), _incoming(data)
        money = sheet.money_columns[0] if sheet.money_columns else None
        when = _WHEN.get(name)
        with _registered(con, incoming_rows=incoming, scope_accounts=_scope(sheet, incoming)):
            parts.append(
                con.sql(
                    # sql-ok: table and column names from the contract and constants, values bound
                    f"""SELECT ? AS sheet, r.account_id, a.account_name, count(*) AS rows,
                               {f'sum(r."{money}")' if money else "NULL"}::DOUBLE AS money,
                               ?::VARCHAR AS money_column,
                               {f'min(r."{when}")' if when else "NULL"}::DATE AS first,
                               {f'max(r."{when}")' if when else "NULL"}::DATE AS last
                        FROM {sheet.table} r SEMI JOIN ({t.removed_keys()}) g USING ({t.keys})
                        LEFT JOIN accounts a USING (account_id)
                        WHERE r.account_id IN (SELECT account_id FROM scope_accounts)
                        GROUP BY ALL ORDER BY r.account_id""",  # sql-ok: names from the contract
                    params=[name, money],
                )
                .pl()
                .cast(REMOVALS_SCHEMA)
            )
    return pl.concat(parts) if parts else pl.DataFrame(schema=REMOVALS_SCHEMA)


def removed_rows(
    con: duckdb.DuckDBPyConnection, validation: Validation, sheet_name: str, *, limit: int = 2000
) -> pl.DataFrame:
    """The stored rows of one sheet that a complete-history upload would remove, as stored."""
    data = validation.sheets[sheet_name]
    t, incoming = _table(data.sheet), _incoming(data)
    if not data.sheet.has_accounts:
        return pl.DataFrame(schema=dict.fromkeys(data.sheet.column_names, pl.String))
    with _registered(con, incoming_rows=incoming, scope_accounts=_scope(data.sheet, incoming)):
        return con.sql(
            # sql-ok: table and column names from the contract and constants, values bound
            f"""SELECT {", ".join(f'r."{n}"' for n in data.sheet.column_names)}
                FROM {data.sheet.table} r SEMI JOIN ({t.removed_keys()}) g USING ({t.keys})
                WHERE r.account_id IN (SELECT account_id FROM scope_accounts)
                ORDER BY ALL LIMIT ?""",  # sql-ok: names from the contract
            params=[limit],
        ).pl()


def changed_values(
    con: duckdb.DuckDBPyConnection, validation: Validation, sheet_name: str, *, limit: int = 2000
) -> pl.DataFrame:
    """For rows an upload would change: key, column, value now and value after."""
    data = validation.sheets[sheet_name]
    sheet = data.sheet
    incoming = _incoming(data)
    t = _table(sheet)
    with _registered(con, incoming_rows=incoming, scope_accounts=_scope(sheet, incoming)):
        old = con.sql(
            # sql-ok: table and column names from the contract and constants, values bound
            f"SELECT * EXCLUDE (loaded_in) FROM {sheet.table} SEMI JOIN incoming_rows USING ({t.keys})"
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


# -- the record of uploads, and rollback ----------------------------------------------


def _new_upload(
    con,
    *,
    kind: str,
    user: User,
    file_name: str | None,
    sha256: str | None,
    rollback_of: int | None = None,
    mode: str | None = None,
    currency: str | None = None,
) -> int:
    # Numbered inside the transaction (writes take turns under WRITE_LOCK): a refused load
    # leaves no gap in the history, as a sequence, which does not roll back, would.
    upload_id = con.execute("SELECT coalesce(max(upload_id), 0) + 1 FROM uploads").fetchall()[0][0]
    con.execute(
        """INSERT INTO uploads (upload_id, kind, user_name, uploaded_at, file_name, sha256, rollback_of,
                               rolled_back_by, mode, currency)
           VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)""",
        [
            upload_id,
            kind,
            user.username,
            datetime.now(UTC).replace(tzinfo=None),
            file_name,
            sha256,
            rollback_of,
            mode,
            currency,
        ],
    )
    return upload_id


def _check_rollback(con, upload_id: int, user: User | None) -> tuple[str, str | None]:
    """Raise unless `user` may roll `upload_id` back now; returns (kind, mode)."""
    found = next(
        iter(
            con.execute(
                "SELECT kind, rolled_back_by, user_name, mode FROM uploads WHERE upload_id = ?", [upload_id]
            ).fetchall()
        ),
        None,
    )
    if found is None:
        raise NotFound(f"There is no upload {upload_id}.")
    kind, rolled_back_by, owner, mode = found
    if not can(user, "rollback"):
        if not can(user, "undo_own_upload"):
            ensure(user, "rollback")
        latest = con.execute(
            "SELECT max(upload_id) FROM uploads WHERE user_name = ? AND kind = ?", [user.username, UPLOAD]
        ).fetchall()[0][0]
        if owner != user.username or kind != UPLOAD:
            raise PermissionDenied(
                f"Not permitted: upload {upload_id} was made by {owner}; {user.name} may undo only their own "
                "latest upload (an admin can roll back any)."
            )
        if upload_id != latest:
            raise PermissionDenied(
                f"Not permitted: {user.name} may undo only their latest upload ({latest}); ask an admin to "
                f"roll back upload {upload_id}."
            )
    if rolled_back_by is not None:
        raise ConflictError(f"Upload {upload_id} was already rolled back (by {rolled_back_by}).")
    if kind == ROLLBACK:
        raise ConflictError(f"Upload {upload_id} is itself a rollback; upload the workbook again instead.")
    later = later_uploads(con, upload_id)
    if later:
        raise ConflictError(
            f"Upload {later[-1]} changed the same accounts later; roll back upload {later[-1]} first."
        )
    edited = later_edits(con, upload_id)
    if not edited.is_empty():
        first = edited.row(0, named=True)
        raise ConflictError(
            f"{edited.height:,} value{'s' if edited.height != 1 else ''} of the rows this upload wrote "
            f"{'were' if edited.height != 1 else 'was'} changed in the app since (first: "
            f"{first['sheet']} {first['row_key']}, {first['column_name']}, by {first['edited_by']} on "
            f"{first['edited_at']:%Y-%m-%d %H:%M}); rolling it back would undo them silently. Upload the "
            "corrected rows instead."
        )
    return kind, mode


def later_edits(con: duckdb.DuckDBPyConnection, upload_id: int) -> pl.DataFrame:
    """Values edited in the app (Account plan page) after `upload_id`, in the sheets and
    accounts it wrote: a rollback would put the rows back as they were and lose them."""
    return con.sql(
        """SELECT d.sheet, d.row_key, d.column_name, d.edited_by, d.edited_at
           FROM data_edits d
           JOIN upload_scope s ON s.sheet = d.sheet AND s.account_id = d.account_id
           JOIN uploads u ON u.upload_id = s.upload_id
           WHERE s.upload_id = ? AND d.edited_at > u.uploaded_at AND d.edit <> 'kept'
           ORDER BY d.edited_at""",
        params=[upload_id],
    ).pl()


def rollback_refusal(con: duckdb.DuckDBPyConnection, upload_id: int, user: User | None) -> str | None:
    """Why `user` may not roll `upload_id` back now, or None when they may."""
    try:
        _check_rollback(con, upload_id, user)
    except SamError as exc:
        return str(exc)
    return None


def rollback(con: duckdb.DuckDBPyConnection, upload_id: int, *, user: User) -> int:
    """Put back exactly the rows as they were before the upload (admins: any upload; an
    account manager: their own latest). Recorded as a new upload; refused when a later upload
    changed the same accounts."""
    with WRITE_LOCK:
        _, mode = _check_rollback(con, upload_id, user)
        with transaction(con):
            new_id = _new_upload(
                con, kind=ROLLBACK, user=user, file_name=None, sha256=None, rollback_of=upload_id
            )
            sheets = dict(
                con.execute(
                    "SELECT sheet, [added, changed, removed] FROM upload_sheets WHERE upload_id = ?",
                    [upload_id],
                ).fetchall()
            )
            for sheet in c.SHEETS:
                if sheet.name not in sheets:
                    continue
                if mode is None:
                    _roll_back_by_account(con, sheet, upload_id, new_id)
                else:
                    for table in tables_of_sheet(sheet.name):
                        _roll_back_table(con, table, upload_id, new_id)
                added, changed, removed = sheets[sheet.name]
                con.execute(
                    "INSERT INTO upload_scope SELECT ?, sheet, account_id FROM upload_scope "
                    "WHERE upload_id = ? AND sheet = ?",
                    [new_id, upload_id, sheet.name],
                )
                con.execute(
                    "INSERT INTO upload_sheets VALUES (?, ?, ?, ?, ?)",
                    [new_id, sheet.name, removed, changed, added],
                )
            con.execute("UPDATE uploads SET rolled_back_by = ? WHERE upload_id = ?", [new_id, upload_id])
            bump_data_version(con)
    return new_id


def _roll_back_table(con, table: str, upload_id: int, new_id: int) -> None:
    """The rows the upload wrote go (kept under the rollback's id); the versions it replaced
    or removed come back, with the stamps they had."""
    # sql-ok (this function): table names from the contract
    con.execute(
        f"INSERT INTO {table}__before BY NAME "  # sql-ok: names from the contract
        f"SELECT ?::BIGINT AS upload_id, * FROM {table} WHERE loaded_in = ?",
        [new_id, upload_id],
    )
    con.execute(f"DELETE FROM {table} WHERE loaded_in = ?", [upload_id])  # sql-ok: names from the contract
    con.execute(
        # sql-ok: table and column names from the contract and constants, values bound
        f"INSERT INTO {table} BY NAME SELECT * EXCLUDE (upload_id) FROM {table}__before WHERE upload_id = ?",
        [upload_id],
    )


def _roll_back_by_account(con, sheet: c.Sheet, upload_id: int, new_id: int) -> None:
    """Uploads made before uploads had modes replaced their accounts' rows: the rows of
    those accounts go (kept under the rollback's id) and the replaced ones come back."""
    # sql-ok (this function): table names from the contract
    in_scope = "account_id IN (SELECT account_id FROM upload_scope WHERE upload_id = ? AND sheet = ?)"
    for table in tables_of_sheet(sheet.name):
        con.execute(
            f"INSERT INTO {table}__before BY NAME "  # sql-ok: names from the contract
            f"SELECT ?::BIGINT AS upload_id, * FROM {table} WHERE {in_scope}",
            [new_id, upload_id, sheet.name],
        )
        con.execute(f"DELETE FROM {table} WHERE {in_scope}", [upload_id, sheet.name])  # sql-ok
        con.execute(
            f"INSERT INTO {table} BY NAME "  # sql-ok: names from the contract
            f"SELECT * EXCLUDE (upload_id) FROM {table}__before WHERE upload_id = ?",
            [upload_id],
        )


def upload_history(con: duckdb.DuckDBPyConnection, *, limit: int = 200) -> pl.DataFrame:
    """Recent uploads, newest first, with their mode and rows added, changed and removed over
    all sheets."""
    return con.sql(
        """SELECT u.upload_id, u.kind, u.mode, u.user_name, u.uploaded_at, u.file_name, u.currency, u.sha256,
                  string_agg(s.sheet, ', ' ORDER BY s.sheet) AS sheets,
                  coalesce(sum(s.added), 0)::BIGINT AS added, coalesce(sum(s.changed), 0)::BIGINT AS changed,
                  coalesce(sum(s.removed), 0)::BIGINT AS removed, u.rollback_of, u.rolled_back_by
           FROM uploads u LEFT JOIN upload_sheets s USING (upload_id)
           GROUP BY ALL ORDER BY u.upload_id DESC LIMIT ?""",
        params=[limit],
    ).pl()


def later_uploads(con: duckdb.DuckDBPyConnection, upload_id: int) -> list[int]:
    """Uploads after `upload_id`, not rolled back, that touched any of its accounts (on any
    sheet: rolling back the upload that created an account must not orphan later rows), or
    for Rates any of its currencies."""
    rows = con.execute(
        """SELECT DISTINCT u.upload_id FROM upload_scope s
           JOIN upload_scope l ON l.account_id = s.account_id AND l.upload_id > s.upload_id
               AND (l.sheet = 'Rates') = (s.sheet = 'Rates')
           JOIN uploads u ON u.upload_id = l.upload_id
           WHERE s.upload_id = ? AND u.rolled_back_by IS NULL AND u.kind <> 'rollback' ORDER BY 1""",
        [upload_id],
    ).fetchall()
    return [r[0] for r in rows]


def upload_accounts(con: duckdb.DuckDBPyConnection, upload_id: int) -> pl.DataFrame:
    """The accounts an upload touched, per sheet (for Rates: the currencies)."""
    return con.sql(
        "SELECT sheet, account_id FROM upload_scope WHERE upload_id = ? ORDER BY sheet, account_id",
        params=[upload_id],
    ).pl()
