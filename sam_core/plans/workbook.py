"""Account plans in the Excel contract: the plan sheets of contract.PLAN_SHEETS (documented in
the template's README sheet), exported for many accounts and loaded back in bulk.

A load adds and changes plan items and removes none (remove them in the app). Each row may
carry the `version` it was exported with: when the item was changed in the app since, the
app's version is kept and the row reported, so a stale export never overwrites a newer edit.
One load is one transaction, recorded item by item as any edit (via 'workbook: <file>').
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from sam_core.access.permissions import User, can, ensure
from sam_core.errors import ValidationFailed
from sam_core.ingest import contract as c
from sam_core.ingest.dates import MONTH_FIRST
from sam_core.ingest.reader import read_files
from sam_core.ingest.validation import ERROR, INFO, REPORT_SCHEMA, ROW, WARNING, read_sheet
from sam_core.plans.plan import (
    BUSINESS_ID,
    SECTIONS,
    WORKBOOK,
    Change,
    Section,
    current_version,
    item_schema,
    items,
    prepare,
    whitespace_id,
    write,
)
from sam_core.store import WRITE_LOCK, transaction

SECTION_OF_SHEET = {s.sheet.name: s for s in SECTIONS}


@dataclass(frozen=True)
class PlanLoad:
    report: pl.DataFrame  # REPORT_SCHEMA
    counts: pl.DataFrame  # sheet, accounts, rows, saved, unchanged, kept_app_version


def plan_sheets(con: duckdb.DuckDBPyConnection, account_ids: list[str]) -> dict[str, pl.DataFrame]:
    """The plans of these accounts as the plan sheets of the contract (with each item's
    version), ready to edit and load back."""
    out = {}
    for sheet in c.PLAN_SHEETS:
        section = SECTION_OF_SHEET[sheet.name]
        parts = []
        for account_id in account_ids:
            found = items(con, account_id, section.key)
            if section.id_column:
                found = found.rename({"item_id": section.id_column})
            parts.append(
                found.with_columns(pl.lit(account_id).alias("account_id")).select(sheet.column_names)
            )
        schema = _sheet_schema(section)
        out[sheet.name] = pl.concat([p.cast(schema) for p in parts]) if parts else pl.DataFrame(schema=schema)
    return out


def _sheet_schema(section: Section) -> dict[str, pl.DataType]:
    fields = item_schema(section)
    return {
        col.name: fields.get(col.name, pl.Int64 if col.name == "version" else pl.String)
        for col in section.sheet.columns
    }


def load_plan_files(
    con: duckdb.DuckDBPyConnection,
    files: list[tuple[str, bytes]],
    *,
    user: User,
    date_order: str = MONTH_FIRST,
    now: datetime | None = None,
    apply: bool = True,
) -> PlanLoad:
    """Check (and with `apply`, load) the plan sheets of workbooks, all or nothing. Raises
    ValidationFailed with the report when anything is wrong: a value, a reference, an
    account the user does not own. Other sheets are skipped (they load on Data upload)."""
    ensure(user, "load_plans")
    report: list[pl.DataFrame] = []
    typed: list[tuple[Section, str, pl.DataFrame]] = []
    for raw in read_files(files):
        sheet = c.match_plan_sheet(raw.name)
        if sheet is None:
            report.append(_row(INFO, raw.file_name, raw.name, None, None, None, "Not a plan sheet; skipped."))
            continue
        data, sheet_report = read_sheet(raw, sheet, date_order=date_order)
        report.append(sheet_report)
        if data is not None:
            # Rows whose values did not type are reported once, here, and not checked further.
            bad = sheet_report.filter(pl.col("severity") == ERROR)["row"].drop_nulls().implode()
            typed.append(
                (SECTION_OF_SHEET[sheet.name], raw.file_name, data.rows.filter(~pl.col(ROW).is_in(bad)))
            )
    owners = dict(con.execute("SELECT account_id, account_manager FROM accounts").fetchall())
    prepared: dict[str, list] = {}
    counts = []
    for section, file_name, rows in typed:
        sheet = section.sheet.name
        saved = unchanged = kept = 0
        for row in rows.iter_rows(named=True):
            account_id, line = row["account_id"], row[ROW]

            def problem(text: str, column: str | None = None, value=None, severity: str = ERROR) -> None:
                report.append(_row(severity, file_name, sheet, line, column, value, text))  # noqa: B023

            if account_id not in owners:
                problem(
                    f"Account '{account_id}' is not in the database; load it on Data upload first.",
                    "account_id",
                    account_id,
                )
                continue
            if not can(user, "load_plans", account_id=account_id, account_manager=owners[account_id]):
                problem(
                    f"Not permitted: account {account_id} belongs to {owners[account_id]}; "
                    f"{user.name} may only load plans of accounts they own.",
                    "account_id",
                    account_id,
                )
                continue
            fields = {name: row[name] for name in section.field_names}
            item_id = _item_id(section, row, fields)
            now_version = current_version(con, account_id, section.key, item_id) if item_id else 0
            if (
                item_id
                and not now_version
                and section.key not in ("business", "whitespace", "shared_actions")
            ):
                problem(
                    f"There is no item {item_id} in the plan of {account_id}; "
                    f"leave {section.id_column} empty for a new item.",
                    section.id_column,
                    item_id,
                )
                continue
            exported = row.get("version")
            if exported is not None and now_version > exported:
                kept += 1
                problem(
                    f"Changed in the app since this export (version {now_version}, the file has {exported}): "
                    "the app's version is kept.",
                    "version",
                    str(exported),
                    WARNING,
                )
                continue
            item, wrong = prepare(con, account_id, Change(section.key, item_id, fields, now_version))
            for text in wrong:
                problem(text)
            if wrong:
                continue
            same = (
                item_id is not None
                and now_version
                and _unchanged(con, account_id, section, item_id, item.fields)
            )
            unchanged += bool(same)
            saved += not same
            if not same:
                prepared.setdefault(account_id, []).append(item)
        counts.append([sheet, rows["account_id"].n_unique(), rows.height, saved, unchanged, kept])
    frame = (
        pl.concat([r.cast(REPORT_SCHEMA) for r in report]) if report else pl.DataFrame(schema=REPORT_SCHEMA)
    )
    counts_frame = pl.DataFrame(
        counts,
        schema={
            "sheet": pl.String,
            "accounts": pl.Int64,
            "rows": pl.Int64,
            "saved": pl.Int64,
            "unchanged": pl.Int64,
            "kept_app_version": pl.Int64,
        },
        orient="row",
    )
    errors = frame.filter(pl.col("severity") == ERROR).height
    if errors:
        raise ValidationFailed(
            f"The plan workbook has {errors:,} error{'s' if errors != 1 else ''}; nothing was loaded.", frame
        )
    if not typed:
        raise ValidationFailed("The workbook holds no plan sheet with rows; nothing was loaded.", frame)
    if apply and prepared:
        name = ", ".join(n for n, _ in files)
        with WRITE_LOCK, transaction(con):
            write(con, prepared, user=user, now=now, via=f"{WORKBOOK}: {name}")
    return PlanLoad(frame, counts_frame)


def _item_id(section: Section, row: dict, fields: dict) -> str | None:
    if section.key == "business":
        return BUSINESS_ID
    if section.key == "whitespace":
        return whitespace_id(fields)
    return row.get(section.id_column) or None


def _unchanged(con, account_id: str, section: Section, item_id: str, fields: dict | None) -> bool:
    current = items(con, account_id, section.key).filter(pl.col("item_id") == item_id)
    if current.is_empty() or fields is None:
        return False
    return current.select(section.field_names).row(0, named=True) == fields


def _row(severity, file_name, sheet, row, column, value, problem) -> pl.DataFrame:
    return pl.DataFrame(
        [[severity, file_name, sheet, row, column, None if value is None else str(value), problem]],
        schema=REPORT_SCHEMA,
        orient="row",
    )
