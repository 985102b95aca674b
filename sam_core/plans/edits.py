"""Living data edited in the app: stakeholders, engagements and actions, with the same
permissions as uploads (an account manager their own accounts, admins all) and every value
recorded in `data_edits` (who, when, old, new).

An edit names the values it started from (`expected`); when the row holds other values by
the time it is saved (another editor, or an upload), it is refused with what changed
(EditConflict). Edits and uploads coexist: `edit_conflicts` lists the values an upload
would overwrite that were edited in the app after its data was taken, and
`keep_app_edits` writes those edits again after the upload.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, date, datetime

import duckdb
import polars as pl

from sam_core.access.permissions import User, ensure
from sam_core.errors import EditConflict, NotFound, ValidationFailed
from sam_core.ingest import contract as c
from sam_core.plans.plan import now_utc
from sam_core.store import WRITE_LOCK, bump_data_version, transaction

# The living sheets: (sheet, permission, prefix of ids made in the app).
LIVING = {
    "Stakeholders": ("edit_stakeholder", "WEB-STK-"),
    "Engagements": ("record_engagement", "WEB-ENG-"),
    "Actions": ("update_action", "WEB-"),
}
ADDED, CHANGED, KEPT = "added", "changed", "kept"
CLOSED_STATUSES = ("done", "dropped")


def _sheet(name: str) -> c.Sheet:
    return c.SHEETS_BY_NAME[name]


def _editable(sheet: c.Sheet) -> list[c.Column]:
    return [col for col in sheet.columns if col.name not in (*sheet.key, "account_id")]


def _owner(con, account_id: str) -> str | None:
    found = con.execute("SELECT account_manager FROM accounts WHERE account_id = ?", [account_id]).fetchall()
    if not found:
        raise NotFound(f"There is no account {account_id}.")
    return found[0][0]


def _check(sheet: c.Sheet, values: dict) -> list[str]:
    """What is wrong with values of a living sheet's columns (required, allowed, ranges)."""
    out = []
    by_name = {col.name: col for col in sheet.columns}
    for name, value in values.items():
        col = by_name.get(name)
        if col is None:
            out.append(f"{sheet.name} has no column {name}.")
            continue
        if value is None or value == "":
            if col.required:
                out.append(f"{sheet.name}: {name.replace('_', ' ')} is required.")
            continue
        if col.kind == c.CHOICE and value not in col.allowed:
            out.append(f"{sheet.name}: {name} '{value}' is not one of: {', '.join(col.allowed)}.")
        if col.kind in (c.NUMBER, c.INTEGER):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                out.append(f"{sheet.name}: {name} '{value}' is not a number.")
            elif (col.minimum is not None and value < col.minimum) or (
                col.maximum is not None and value > col.maximum
            ):
                out.append(
                    f"{sheet.name}: {name} {value} must be between {col.minimum:g} and {col.maximum:g}."
                )
        if col.kind == c.DATE and not isinstance(value, date):
            out.append(f"{sheet.name}: {name} '{value}' is not a date.")
    return out


def _clean(values: dict) -> dict:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}


def _as_text(sheet: c.Sheet) -> str:
    # sql-ok: column names from the contract
    return ", ".join(f'"{col.name}"::VARCHAR AS "{col.name}"' for col in sheet.columns)


def _row(con, sheet: c.Sheet, key_value: str) -> dict | None:
    key = sheet.key[0]
    found = con.execute(
        f'SELECT {_as_text(sheet)} FROM {sheet.table} WHERE "{key}" = ?',  # sql-ok: contract names
        [key_value],
    ).fetchall()
    return dict(zip(sheet.column_names, found[0], strict=True)) if found else None


def _log(con, rows: list[list]) -> None:
    """rows: [sheet, row_key, account_id, column, old, new, edited_by, edited_at, edit]."""
    if not rows:
        return
    first = con.execute("SELECT coalesce(max(edit_id), 0) + 1 FROM data_edits").fetchall()[0][0]
    con.executemany(
        "INSERT INTO data_edits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[first + i, *r] for i, r in enumerate(rows)],
    )


def _new_id(con, sheet: c.Sheet, prefix: str) -> str:
    key = sheet.key[0]
    n = con.execute(
        f'SELECT count(*) FROM {sheet.table} WHERE "{key}" LIKE ?',  # sql-ok: contract names
        [prefix + "%"],
    ).fetchall()[0][0]
    while True:
        n += 1
        candidate = f"{prefix}{n:05d}"
        taken = con.execute(
            f'SELECT count(*) FROM {sheet.table} WHERE "{key}" = ?',  # sql-ok: contract names
            [candidate],
        ).fetchall()[0][0]
        if not taken:
            return candidate


def add_row(
    con: duckdb.DuckDBPyConnection,
    sheet_name: str,
    *,
    user: User,
    account_id: str,
    values: dict,
    now: datetime | None = None,
    action: str | None = None,
) -> str:
    """Add a row of a living sheet (Stakeholders, Engagements, Actions) to an account the user
    owns (admins: any); returns its new id. Every value is recorded as added."""
    sheet = _sheet(sheet_name)
    permission, prefix = LIVING[sheet_name]
    ensure(user, action or permission, account_id=account_id, account_manager=_owner(con, account_id))
    values = _clean(values)
    required = {col.name: None for col in _editable(sheet) if col.required}
    problems = _check(sheet, required | values) + _references(con, sheet, account_id, values)
    if problems:
        raise ValidationFailed(" ".join(dict.fromkeys(problems)))
    stamp = now or now_utc()
    with WRITE_LOCK, transaction(con):
        new_id = _new_id(con, sheet, prefix)
        row = {sheet.key[0]: new_id, "account_id": account_id, **values}
        extras = (
            json.dumps({"added_by": user.username, "added_at": stamp.isoformat(timespec="seconds")})
            if sheet_name == "Actions"
            else None
        )
        names = [*row, "extras"]
        con.execute(
            f"INSERT INTO {sheet.table} ({', '.join(chr(34) + n + chr(34) for n in names)}) "  # sql-ok
            f"VALUES ({', '.join('?' for _ in names)})",
            [*row.values(), extras],
        )
        stored = _row(con, sheet, new_id)
        _log(
            con,
            [
                [sheet.name, new_id, account_id, name, None, stored[name], user.username, stamp, ADDED]
                for name in sheet.column_names
                if name not in (sheet.key[0], "account_id") and stored[name] is not None
            ],
        )
        bump_data_version(con)
    return new_id


def update_row(
    con: duckdb.DuckDBPyConnection,
    sheet_name: str,
    key_value: str,
    *,
    user: User,
    expected: dict,
    changes: dict,
    now: datetime | None = None,
    edit: str = CHANGED,
) -> None:
    """Change values of one row of a living sheet. `expected` holds the values the editor
    started from (at least those of the changed columns): if the row holds others now
    (another editor saved, or an upload changed it), nothing is saved and EditConflict says
    what changed. A change to the value already there is not recorded."""
    sheet = _sheet(sheet_name)
    permission, _ = LIVING[sheet_name]
    current = _row(con, sheet, key_value)
    if current is None:
        raise NotFound(
            f"There is no {sheet.name[:-1].lower()} {key_value}; it may have been removed by an upload."
        )
    account_id = current["account_id"]
    ensure(user, permission, account_id=account_id, account_manager=_owner(con, account_id))
    changes = _clean(changes)
    problems = _check(sheet, changes) + _references(con, sheet, account_id, changes, key_value)
    if set(changes) & {*sheet.key, "account_id"}:
        problems.append(f"The {' and '.join(sheet.key)} and account of a row cannot change.")
    if problems:
        raise ValidationFailed(" ".join(dict.fromkeys(problems)))
    with WRITE_LOCK, transaction(con):
        _write_row(con, sheet, key_value, account_id, user, expected, changes, now or now_utc(), edit)


def _write_row(
    con,
    sheet: c.Sheet,
    key_value: str,
    account_id: str,
    user: User,
    expected: dict,
    changes: dict,
    stamp: datetime,
    edit: str,
) -> int:
    """`update_row`'s write, inside the caller's transaction: refused (EditConflict) when the
    row no longer holds `expected`; returns how many values changed."""
    current = _row(con, sheet, key_value)
    if current is None:
        raise NotFound(f"There is no {sheet.name[:-1].lower()} {key_value} any more (an upload removed it).")
    differ = [name for name in expected if _text(expected[name]) != current.get(name)]
    if differ:
        raise EditConflict(
            f"{sheet.name[:-1]} {key_value} was changed after you opened it; nothing was saved. The "
            "change is shown below: make yours again on the current values if it is still needed.",
            _their_edit(con, sheet, key_value, {n: expected[n] for n in differ}, current),
        )
    names = list(changes)
    if not names:
        return 0
    key = sheet.key[0]
    sets = ", ".join(f'"{n}" = ?' for n in names)
    con.execute(
        f'UPDATE {sheet.table} SET {sets} WHERE "{key}" = ?',  # sql-ok: contract names
        [*changes.values(), key_value],
    )
    after = _row(con, sheet, key_value)
    rows = [
        [sheet.name, key_value, account_id, n, current[n], after[n], user.username, stamp, edit]
        for n in names
        if current[n] != after[n]
    ]
    if rows:
        _log(con, rows)
        bump_data_version(con)
    return len(rows)


def _text(value) -> str | None:
    """A value as DuckDB writes it as VARCHAR (how `_row` reads the stored one)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _their_edit(con, sheet: c.Sheet, key_value: str, yours: dict, current: dict) -> pl.DataFrame:
    rows = []
    for name, opened in yours.items():
        found = con.execute(
            """SELECT edited_by, edited_at FROM data_edits WHERE sheet = ? AND row_key = ? AND column_name = ?
               ORDER BY edited_at DESC, edit_id DESC LIMIT 1""",
            [sheet.name, key_value, name],
        ).fetchall()
        who, when = found[0] if found else ("an upload", None)
        rows.append([f"{sheet.name[:-1]} {key_value}", name, _text(opened), current[name], who, when])
    return pl.DataFrame(
        rows,
        schema={
            "what": pl.String,
            "field": pl.String,
            "when_you_opened": pl.String,
            "now": pl.String,
            "changed_by": pl.String,
            "changed_at": pl.Datetime("us"),
        },
        orient="row",
    )


def _references(
    con, sheet: c.Sheet, account_id: str, values: dict, key_value: str | None = None
) -> list[str]:
    out = []
    if sheet.name == "Stakeholders" and values.get("reports_to"):
        boss = values["reports_to"]
        if boss == key_value:
            out.append("A stakeholder cannot report to themselves.")
        elif not con.execute(
            "SELECT count(*) FROM stakeholders WHERE stakeholder_id = ? AND account_id = ?",
            [boss, account_id],
        ).fetchall()[0][0]:
            out.append(f"reports_to {boss} is not a stakeholder of account {account_id}.")
    return out


# -- the three living sheets, as the page uses them -------------------------------------------------


def add_stakeholder(con, *, user: User, account_id: str, values: dict, now: datetime | None = None) -> str:
    """A new stakeholder (name required; title, department, reports_to, level, buying_role,
    influence 1-5, attitude -2..+2, decision_maker, email)."""
    return add_row(con, "Stakeholders", user=user, account_id=account_id, values=values, now=now)


def edit_stakeholder(
    con, *, user: User, stakeholder_id: str, expected: dict, changes: dict, now=None
) -> None:
    update_row(con, "Stakeholders", stakeholder_id, user=user, expected=expected, changes=changes, now=now)


def record_engagement(con, *, user: User, account_id: str, values: dict, now: datetime | None = None) -> str:
    """A planned or held engagement (date, type, status required; sponsor_attended,
    customer_attendees, notes)."""
    return add_row(con, "Engagements", user=user, account_id=account_id, values=values, now=now)


def update_engagement(
    con, *, user: User, engagement_id: str, expected: dict, changes: dict, now=None
) -> None:
    update_row(con, "Engagements", engagement_id, user=user, expected=expected, changes=changes, now=now)


def add_action(
    con,
    *,
    user: User,
    account_id: str,
    description: str,
    owner: str,
    due: date | None,
    today: date,
    source: str | None = None,
    now: datetime | None = None,
) -> str:
    """An open action of the account's action plan (the Actions data: the Loyalty page's closed
    loop sees it when `source` is a survey response). A due date in the past is refused."""
    ensure(user, "add_action", account_id=account_id, account_manager=_owner(con, account_id))
    problems = [
        message
        for ok, message in (
            ((description or "").strip(), "Describe the action."),
            ((owner or "").strip(), "Name its owner."),
            (due is None or due >= today, "The due date cannot be in the past."),
        )
        if not ok
    ]
    if problems:
        raise ValidationFailed(" ".join(problems))
    return add_row(
        con,
        "Actions",
        user=user,
        account_id=account_id,
        values={
            "description": description,
            "owner": owner,
            "source": source,
            "created": today,
            "due": due,
            "status": "open",
            "closed": None,
        },
        now=now,
        action="add_action",
    )


def set_action_status(
    con,
    *,
    user: User,
    action_id: str,
    status: str,
    expected_status: str,
    today: date,
    now: datetime | None = None,
) -> None:
    """Mark an action done or dropped (closed today), or open / in progress again."""
    if status not in _sheet("Actions").column("status").allowed:
        raise ValidationFailed(f"'{status}' is not an action status: open, in_progress, done or dropped.")
    closed = today if status in CLOSED_STATUSES else None
    update_row(
        con,
        "Actions",
        action_id,
        user=user,
        expected={"status": expected_status},
        changes={"status": status, "closed": closed},
        now=now,
    )


# -- history and as-of ------------------------------------------------------------------------------


def data_edits(con: duckdb.DuckDBPyConnection, account_id: str) -> pl.DataFrame:
    """Every edit made in the app to the account's living data, newest first: edited_at,
    edited_by, sheet, row_key, column, old, new, edit."""
    return con.sql(
        """SELECT edited_at, edited_by, sheet, row_key, column_name AS column, old_value AS old,
                  new_value AS new, edit
           FROM data_edits WHERE account_id = ? ORDER BY edited_at DESC, edit_id""",
        params=[account_id],
    ).pl()


def rows_as_of(
    con: duckdb.DuckDBPyConnection, sheet_name: str, account_id: str, *, at: datetime | None
) -> pl.DataFrame:
    """The account's rows of a living sheet (without extras) as they were at `at` (None: now):
    rows added in the app after it left out, values changed in the app after it shown as
    they were (changes by uploads are not kept per value and show as they are now)."""
    sheet = _sheet(sheet_name)
    key = sheet.key[0]
    columns = ", ".join(f'"{n}"' for n in sheet.column_names)
    if at is None:
        return con.sql(
            f"SELECT {columns} FROM {sheet.table} WHERE account_id = ?",  # sql-ok: contract names
            params=[account_id],
        ).pl()
    restored = ", ".join(
        # sql-ok: table and column names from the contract and constants, values bound
        f"""CASE WHEN list_contains(l.edited, '{col.name}')
                      THEN TRY_CAST(l.olds['{col.name}'] AS {col.storage_type})
                 ELSE t."{col.name}" END AS "{col.name}\""""
        for col in sheet.columns
        if col.name not in (key, "account_id")
    )
    return con.sql(
        # sql-ok: table and column names from the contract and constants, values bound
        f"""WITH later AS (
                SELECT row_key, list(column_name) AS edited,
                       map_from_entries(list({{'k': column_name, 'v': old_value}})) AS olds,
                       bool_or(added) AS added_later
                FROM (SELECT row_key, column_name, bool_or(edit = 'added') AS added,
                             arg_min(old_value, (edited_at, edit_id)) AS old_value
                      FROM data_edits WHERE sheet = ? AND account_id = ? AND edited_at > ?
                      GROUP BY row_key, column_name)
                GROUP BY row_key)
            SELECT t."{key}", t.account_id, {restored}
            FROM {sheet.table} t LEFT JOIN later l ON l.row_key = t."{key}"
            WHERE t.account_id = ? AND NOT coalesce(l.added_later, false)""",  # sql-ok: contract names
        params=[sheet.name, account_id, at, account_id],
    ).pl()


# -- uploads and edits ------------------------------------------------------------------------------

CONFLICTS_SCHEMA = {
    "sheet": pl.String,
    "key": pl.String,
    "account_id": pl.String,
    "column": pl.String,
    "in_app": pl.String,
    "in_file": pl.String,
    "edited_by": pl.String,
    "edited_at": pl.Datetime("us"),
}


def edit_conflicts(
    con: duckdb.DuckDBPyConnection,
    validation,
    *,
    taken_at: datetime | None = None,
    complete_history: bool = False,
) -> pl.DataFrame:
    """The values an upload would overwrite that were edited in the app after its data was
    taken: sheet, key, account_id, column, in_app (the value now), in_file, edited_by,
    edited_at. An edit counts while the app's value is still stored and was made after
    `taken_at` (e.g. the workbook's creation time; None: whenever it was made). A file that
    holds the edited value itself is no conflict. Upserts by key are assumed: only rows the
    file holds change; with `complete_history` the file also removes its accounts' rows it
    lacks, and such rows edited or added in the app are listed with in_file '(removed)'."""
    parts = []
    for name, data in validation.sheets.items():
        if name not in LIVING:
            continue
        sheet = data.sheet
        key = sheet.key[0]
        incoming = data.rows.select(sheet.column_names)
        accounts = incoming["account_id"].drop_nulls().unique().to_list()
        edits = con.sql(
            """SELECT row_key AS key, account_id, column_name AS column,
                      arg_max(new_value, (edited_at, edit_id)) AS new_value,
                      arg_max(edited_by, (edited_at, edit_id)) AS edited_by, max(edited_at) AS edited_at
               FROM data_edits
               WHERE sheet = ? AND account_id IN (SELECT unnest(?::VARCHAR[]))
               GROUP BY ALL HAVING max(edited_at) > coalesce(?::TIMESTAMP, '-infinity'::TIMESTAMP)""",
            params=[name, accounts, taken_at],
        ).pl()
        if edits.is_empty():
            continue
        keys = edits["key"].unique().to_list()
        stored = con.sql(
            # sql-ok: contract names
            f'SELECT {_as_text(sheet)} FROM {sheet.table} WHERE "{key}" IN (SELECT unnest(?::VARCHAR[]))',
            params=[keys],
        ).pl()
        now = stored.drop("account_id").unpivot(index=key, variable_name="column", value_name="in_app")
        live = edits.join(now.rename({key: "key"}), on=["key", "column"], how="inner").filter(
            pl.col("in_app").eq_missing(pl.col("new_value"))
        )  # the app's value is still there: no upload replaced it since
        in_file = _file_text(incoming, sheet).unpivot(index=key, variable_name="column", value_name="in_file")
        same = _same_values(incoming, _typed_like(con, sheet, keys, incoming.schema), sheet)
        found = live.join(in_file.rename({key: "key"}), on=["key", "column"], how="left").join(
            same.rename({key: "key"}), on=["key", "column"], how="left"
        )
        present = found["key"].is_in(incoming[key].implode())
        columns = ["key", "account_id", "column", "in_app", "in_file", "edited_by", "edited_at"]
        parts.append(
            found.filter(present & ~pl.col("same").fill_null(False))
            .select(pl.lit(name).alias("sheet"), *columns)
            .cast(CONFLICTS_SCHEMA)
        )
        if complete_history:
            parts.append(
                found.filter(~present)
                .group_by("key", maintain_order=True)
                .agg(
                    pl.col("account_id").first(),
                    pl.lit("(row)").alias("column"),
                    pl.lit("(in the app)").alias("in_app"),
                    pl.lit("(removed)").alias("in_file"),
                    pl.col("edited_by").sort_by("edited_at").last(),
                    pl.col("edited_at").max(),
                )
                .select(pl.lit(name).alias("sheet"), *columns)
                .cast(CONFLICTS_SCHEMA)
            )
    if not parts:
        return pl.DataFrame(schema=CONFLICTS_SCHEMA)
    return pl.concat(parts).sort("sheet", "account_id", "key", "column")


def _typed_like(con, sheet: c.Sheet, keys: list[str], schema) -> pl.DataFrame:
    key = sheet.key[0]
    columns = ", ".join(f'"{n}"' for n in sheet.column_names)
    frame = con.sql(
        f'SELECT {columns} FROM {sheet.table} WHERE "{key}" IN (SELECT unnest(?::VARCHAR[]))',  # sql-ok
        params=[keys],
    ).pl()
    return frame.cast({n: t for n, t in schema.items() if n in frame.columns}, strict=False)


def _file_text(incoming: pl.DataFrame, sheet: c.Sheet) -> pl.DataFrame:
    """The file's values as text, written the way DuckDB writes them."""
    key = sheet.key[0]
    out = [pl.col(key)]
    for col in sheet.columns:
        if col.name == key:
            continue
        expr = pl.col(col.name)
        if col.kind == c.NUMBER:
            expr = expr.cast(pl.Float64).map_elements(_text, return_dtype=pl.String)
        out.append(expr.cast(pl.String).alias(col.name))
    return incoming.select(out)


def _same_values(incoming: pl.DataFrame, stored: pl.DataFrame, sheet: c.Sheet) -> pl.DataFrame:
    """key, column, same: whether the file holds the stored value (typed comparison)."""
    key = sheet.key[0]
    joined = incoming.join(stored, on=key, how="inner", suffix="__now")
    return pl.concat(
        [
            joined.select(
                pl.col(key),
                pl.lit(col.name).alias("column"),
                pl.col(col.name).eq_missing(pl.col(f"{col.name}__now")).alias("same"),
            )
            for col in sheet.columns
            if col.name not in (key, "account_id")
        ]
    )


def keep_app_edits(
    con: duckdb.DuckDBPyConnection,
    conflicts: pl.DataFrame,
    *,
    user: User,
    now: datetime | None = None,
) -> int:
    """Inside an upload's transaction, after its rows are written (pass it to
    `load_sheets(finish=...)`): write again the app's values that the upload overwrote (the rows
    of `edit_conflicts` taken before it), recorded as edits of kind 'kept', so the upload and the
    kept edits land together or not at all. Rows the upload removed stay removed. Returns how
    many values were written."""
    written, stamp = 0, now or now_utc()
    for (sheet_name, key_value), group in conflicts.filter(pl.col("column") != "(row)").group_by(
        ["sheet", "key"], maintain_order=True
    ):
        sheet = _sheet(sheet_name)
        current = _row(con, sheet, key_value)
        if current is None:
            continue
        changes = {
            column: _from_text(con, in_app, sheet.column(column).storage_type)
            for column, in_app in group.select("column", "in_app").iter_rows()
        }
        permission, _ = LIVING[sheet_name]
        ensure(
            user,
            permission,
            account_id=current["account_id"],
            account_manager=_owner(con, current["account_id"]),
        )
        _write_row(con, sheet, key_value, current["account_id"], user, {}, changes, stamp, KEPT)
        written += len(changes)
    return written


def _from_text(con, text: str | None, sql_type: str):
    if text is None:
        return None
    # sql-ok: a storage type of the contract
    return con.execute(f"SELECT TRY_CAST(? AS {sql_type})", [text]).fetchall()[0][0]  # sql-ok


_CREATED = re.compile(rb"<dcterms:created[^>]*>([^<]+)</dcterms:created>")


def export_time(files: list[tuple[str, bytes]]) -> datetime | None:
    """When the data of an upload was taken: the earliest creation time recorded in its
    workbooks (Excel keeps it when the file is edited and saved again), UTC; None when no
    file records one (CSV, or a writer that leaves it out)."""
    found = []
    for _, content in files:
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                info = archive.getinfo("docProps/core.xml")
                if info.file_size > 1 << 16:
                    continue
                match = _CREATED.search(archive.read(info))
        except (zipfile.BadZipFile, KeyError, OSError):
            continue
        if match:
            try:
                stamp = datetime.fromisoformat(match.group(1).decode().strip().replace("Z", "+00:00"))
            except ValueError:
                continue
            found.append(stamp.astimezone(UTC).replace(tzinfo=None) if stamp.tzinfo else stamp)
    return min(found) if found else None
