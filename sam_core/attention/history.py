"""How rows of the data changed over time, from what the database keeps: each upload's previous
versions (`<table>__before`, stamped with the upload that replaced or removed them), the upload
that wrote each version (`loaded_in`), and the values edited in the app (`data_edits`).

Times are the uploads' and edits' own (UTC, as stored); a window is `since` < time <= `until`
(`until` None: up to now and later).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from sam_core.ingest import contract as c

_EDIT_SCHEMA = {
    "account_id": pl.String,
    "key": pl.String,
    "column": pl.String,
    "old": pl.String,
    "new": pl.String,
    "changed_at": pl.Datetime("us"),
    "changed_by": pl.String,
    "via": pl.String,
}


def _uploads() -> str:
    return """u AS (SELECT upload_id, uploaded_at, user_name, kind, rollback_of FROM uploads
                    WHERE uploaded_at > ? AND (?::TIMESTAMP IS NULL OR uploaded_at <= ?))"""


def _versions(sheet: c.Sheet) -> str:
    """Every version of the sheet's rows that an upload wrote: current or replaced since."""
    cols = ", ".join(f'"{n}"' for n in sheet.column_names)
    return (
        f"(SELECT {cols}, loaded_in FROM {sheet.table} "  # sql-ok: names from the contract
        f"UNION ALL SELECT {cols}, loaded_in FROM {sheet.table}__before)"
    )


def removed_rows(
    con: duckdb.DuckDBPyConnection, sheet_name: str, *, since: datetime, until: datetime | None = None
) -> pl.DataFrame:
    """Rows of a one-key sheet that an upload (or rollback) in the window removed and that are
    still absent: the row as it was, with changed_at, changed_by (user name), via ('upload 12',
    'rollback 13')."""
    sheet = c.SHEETS_BY_NAME[sheet_name]
    key = sheet.key[0]
    cols = ", ".join(f'b."{n}"' for n in sheet.column_names)
    # sql-ok: table and column names from the contract and constants, values bound
    query = f"""WITH {_uploads()}
        SELECT {cols}, u.uploaded_at AS changed_at, u.user_name AS changed_by,
               CASE WHEN u.kind = 'rollback' THEN 'rollback ' ELSE 'upload ' END || u.upload_id AS via
        FROM {sheet.table}__before b JOIN u USING (upload_id)
        WHERE NOT EXISTS (SELECT 1 FROM {sheet.table} t WHERE t."{key}" = b."{key}")
          AND NOT EXISTS (SELECT 1 FROM {_versions(sheet)} v
                          WHERE v."{key}" = b."{key}" AND v.loaded_in = b.upload_id)
        ORDER BY changed_at, b."{key}\""""  # sql-ok: contract names
    return con.sql(query, params=[since, until, until]).pl()


def added_rows(
    con: duckdb.DuckDBPyConnection, sheet_name: str, *, since: datetime, until: datetime | None = None
) -> pl.DataFrame:
    """Rows of a one-key sheet first written in the window (by an upload whose key was new, or
    added in the app), as they are now (absent ones left out): the row, changed_at, changed_by, via."""
    sheet = c.SHEETS_BY_NAME[sheet_name]
    key = sheet.key[0]
    cols = ", ".join(f't."{n}"' for n in sheet.column_names)
    # sql-ok: table and column names from the contract and constants, values bound
    query = f"""WITH {_uploads()},
        by_upload AS (
            SELECT v."{key}" AS k, u.uploaded_at AS changed_at, u.user_name AS changed_by,
                   'upload ' || u.upload_id AS via
            FROM {_versions(sheet)} v JOIN u ON u.upload_id = v.loaded_in
            WHERE NOT EXISTS (SELECT 1 FROM {sheet.table}__before b
                              WHERE b."{key}" = v."{key}" AND b.upload_id = v.loaded_in)
        ),
        in_app AS (
            SELECT row_key AS k, min(edited_at) AS changed_at, arg_min(edited_by, edited_at) AS changed_by,
                   'app' AS via
            FROM data_edits WHERE sheet = ? AND edit = 'added' AND edited_at > ?
                AND (?::TIMESTAMP IS NULL OR edited_at <= ?)
            GROUP BY row_key
        ),
        first AS (SELECT k, min(changed_at) AS changed_at, arg_min(changed_by, changed_at) AS changed_by,
                         arg_min(via, changed_at) AS via
                  FROM (SELECT * FROM by_upload UNION ALL SELECT * FROM in_app) GROUP BY k)
        SELECT {cols}, f.changed_at, f.changed_by, f.via FROM {sheet.table} t JOIN first f ON f.k = t."{key}"
        ORDER BY f.changed_at, t."{key}\""""  # sql-ok: contract names
    return con.sql(query, params=[since, until, until, sheet.name, since, until, until]).pl()


def changed_values(
    con: duckdb.DuckDBPyConnection,
    sheet_name: str,
    *,
    since: datetime,
    until: datetime | None = None,
    columns: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """Values of a one-key sheet's rows changed in the window, one row per value: account_id,
    key, column, old, new (as text), changed_at, changed_by, via ('upload 12' or 'app')."""
    sheet = c.SHEETS_BY_NAME[sheet_name]
    key = sheet.key[0]
    names = [n for n in (columns or sheet.column_names) if n not in (key, "account_id")]
    if not names:
        return pl.DataFrame(schema=_EDIT_SCHEMA)
    pairs = ", ".join(
        f"{{'column': '{n}', 'old': b.\"{n}\"::VARCHAR, 'new': v.\"{n}\"::VARCHAR}}" for n in names
    )
    # sql-ok: table and column names from the contract and constants, values bound
    query = f"""WITH {_uploads()},
        pairs AS (
            SELECT b.account_id, b."{key}"::VARCHAR AS key, unnest([{pairs}]) AS p,
                   u.uploaded_at AS changed_at, u.user_name AS changed_by, 'upload ' || u.upload_id AS via
            FROM {sheet.table}__before b JOIN u USING (upload_id)
            JOIN {_versions(sheet)} v ON v."{key}" = b."{key}" AND v.loaded_in = b.upload_id
        )
        SELECT account_id, key, p.column AS "column", p.old AS old, p.new AS new, changed_at, changed_by, via
        FROM pairs
        WHERE p.old IS DISTINCT FROM p.new
        UNION ALL
        SELECT account_id, row_key, column_name, old_value, new_value, edited_at, edited_by, 'app'
        FROM data_edits WHERE sheet = ? AND edit = 'changed' AND list_contains(?, column_name)
            AND edited_at > ? AND (?::TIMESTAMP IS NULL OR edited_at <= ?)
        ORDER BY changed_at, key, 3"""  # sql-ok: contract names
    return (
        con.sql(query, params=[since, until, until, sheet.name, names, since, until, until])
        .pl()
        .cast(_EDIT_SCHEMA)
    )
