"""Command line: `python -m sam_core {init-demo,template,validate,load,load-plans,export-plans,
load-users,set-user,hash-password} ...` (see --help).

The commands use the same code paths as the app: reading, mapping (the user's remembered
mappings, or a mapping file saved by the Data upload page), validation and loading.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import polars as pl

from sam_core.access.permissions import ROLES, User
from sam_core.access.users import UsersFile
from sam_core.errors import SamError, ValidationFailed
from sam_core.ingest import contract as c
from sam_core.ingest.currency import Currencies
from sam_core.ingest.mapping import SheetMapping, described, mappings_from_yaml
from sam_core.ingest.reader import open_files
from sam_core.ingest.uploads import files_sha256, map_sheets
from sam_core.ingest.validation import validate
from sam_core.plans.edits import edit_conflicts, export_time, keep_app_edits
from sam_core.settings import load_settings
from sam_core.store import connect


def _db(args) -> Path:
    return Path(args.db) if args.db else load_settings().db_path


def init_demo(args) -> int:
    from sam_core.demo import load_demo

    path = _db(args)
    if path.exists() and not args.force:
        print(f"{path} exists; use --force to replace it with the demo data.", file=sys.stderr)
        return 2
    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    con = connect(path)
    result = load_demo(
        con,
        date.fromisoformat(args.today) if args.today else date.today(),
        save_to=Path(args.save_workbook) if args.save_workbook else None,
        progress=lambda step, _: print(f"- {step}"),
    )
    con.close()
    print(f"Demo data loaded into {path}:")
    _print_frame(result.changes.select("sheet", "accounts", "rows"))
    return 0


def template(args) -> int:
    from sam_core.outputs.workbook import template_bytes

    Path(args.out).write_bytes(template_bytes())
    print(f"Wrote the empty upload template to {args.out}.")
    return 0


def hash_password_command(args) -> int:
    import getpass

    from sam_core.access.users import hash_password

    password = args.password or getpass.getpass("Password: ")
    print(hash_password(password))
    return 0


def _files(paths: list[str]) -> list[tuple[str, bytes]]:
    return [(Path(p).name, Path(p).read_bytes()) for p in paths]


def _mapping_file(args) -> list[SheetMapping]:
    if not args.mapping:
        return []
    path = Path(args.mapping)
    return mappings_from_yaml(path.read_text(encoding="utf-8"), origin=f"mapping file {path.name}")


def _print_mappings(mappings: list[SheetMapping]) -> None:
    for m in mappings:
        renamed = [
            f"{h} -> {t}" for h, t in m.columns.items() if t and c.normalise_name(h) != c.normalise_name(t)
        ]
        how = f" ({m.origin})" if m.origin else ""
        print(f"{m.file_name} › {m.source_sheet} read as {m.sheet}{how}")
        for line in renamed + described(m):
            print(f"    {line}")


def _currencies(args, settings) -> Currencies:
    return Currencies((args.currency or settings.currency).strip().upper(), settings.currency)


def validate_command(args) -> int:
    settings = load_settings()
    user = _user(args.as_user, settings)
    con = None
    path = _db(args)
    if args.db or path.exists():
        try:
            con = connect(path, read_only=not args.db)
        except SamError as exc:
            print(f"note: remembered mappings and references not checked ({exc})", file=sys.stderr)
    sheets, mappings = map_sheets(
        _readable(con), open_files(_files(args.files)), user=user, mappings=_mapping_file(args)
    )
    _print_mappings(mappings)
    checked = _readable(con) if args.db else None  # references: only against a database named
    result = validate(
        sheets,
        con=checked,
        user=user,
        date_order=settings.date_order,
        replace=args.replace,
        currencies=_currencies(args, settings),
    )
    _print_report(result.report)
    print(result.summary())
    if not result.sheets:
        print("Nothing to load: no sheet could be read as a contract sheet.")
        return 1
    if checked is not None and result.ok:
        from sam_core.ingest.uploads import preview_changes, removals

        print("What loading would change:")
        _print_frame(preview_changes(checked, result, replace=args.replace))
        if args.replace and not (gone := removals(checked, result)).is_empty():
            print(f"It would REMOVE {gone['rows'].sum():,} stored rows, per account and sheet:")
            _print_frame(gone)
    return 0 if result.ok else 1


def _readable(con):
    """The database if it has the tables to check against (an old file opened read-only may not)."""
    if con is None:
        return None
    try:
        con.execute("SELECT 1 FROM mappings LIMIT 0")
    except Exception:  # an older schema, not migrated because opened read-only
        return None
    return con


def load(args) -> int:
    from sam_core.ingest.uploads import load_sheets

    settings = load_settings()
    user = _user(args.as_user, settings)
    con = connect(_db(args))
    files = _files(args.files)
    sheets, mappings = map_sheets(con, open_files(files), user=user, mappings=_mapping_file(args))
    _print_mappings(mappings)
    currencies, kept = _currencies(args, settings), []
    # Values edited in the app after the file's data was taken are kept, as on the Data upload
    # page, unless --take-file-values: an upload never overwrites them silently.
    checked = validate(
        sheets,
        con=con,
        user=user,
        date_order=settings.date_order,
        replace=args.replace,
        currencies=currencies,
    )
    conflicts = (
        edit_conflicts(con, checked, taken_at=export_time(files), complete_history=args.replace)
        if checked.ok
        else None
    )
    keep = conflicts is not None and not conflicts.is_empty() and not args.take_file_values
    try:
        result = load_sheets(
            con,
            sheets,
            user=user,
            file_name=", ".join(name for name, _ in files),
            sha256=files_sha256(files),
            date_order=settings.date_order,
            replace=args.replace,
            currencies=currencies,
            finish=(lambda c: kept.append(keep_app_edits(c, conflicts, user=user))) if keep else None,
        )
    except ValidationFailed as exc:
        if exc.report is not None:
            _print_report(exc.report)
        raise
    _print_report(result.validation.report)
    mode = "complete history: rows it no longer holds removed" if args.replace else "upserted by key"
    print(f"Loaded as upload {result.upload_id} by {user.username} ({mode}):")
    _print_frame(result.changes)
    if conflicts is not None and not conflicts.is_empty():
        what = (
            "kept (written again over the file's)" if keep else "overwritten by the file (--take-file-values)"
        )
        print(f"Values edited in the app after the file's data was taken, {what}:")
        _print_frame(
            conflicts.select("sheet", "key", "column", "in_app", "in_file", "edited_by", "edited_at")
        )
    return 0


def load_plans(args) -> int:
    from sam_core.plans.workbook import load_plan_files

    settings = load_settings()
    user = _user(args.as_user, settings)
    con = connect(_db(args))
    try:
        result = load_plan_files(con, _files(args.files), user=user, date_order=settings.date_order)
    except ValidationFailed as exc:
        if exc.report is not None:
            _print_report(exc.report)
        raise
    _print_report(result.report.filter(pl.col("severity") != "info"))
    print(f"Plans loaded by {user.username}:")
    _print_frame(result.counts)
    return 0


def load_users(args) -> int:
    from sam_core.access.directory import load_users_files

    con = connect(_db(args))
    admin = _user("admin-cli", load_settings())
    try:
        result = load_users_files(con, _files(args.files), admin=admin, apply=not args.check)
    except ValidationFailed as exc:
        if exc.report is not None:
            _print_report(exc.report)
        raise
    _print_report(result.report.filter(pl.col("severity") != "info"))
    done = result.counts
    verb = "Would add" if args.check else "Added"
    print(f"{verb} {done['added']}, changed {done['changed']}, left {done['unchanged']} unchanged.")
    return 0


def set_user(args) -> int:
    from sam_core.access.directory import save_entry

    con = connect(_db(args))
    admin = _user("admin-cli", load_settings())
    accounts = [a for a in (args.accounts or "").split(";") if a.strip()]
    done = save_entry(con, admin, args.email, name=args.name, role=args.role, accounts=accounts)
    print(f"{args.email.strip().lower()}: {done}.")
    return 0


def export_plans(args) -> int:
    from sam_core.outputs.workbook import export_bytes
    from sam_core.plans.plan import plan_accounts
    from sam_core.plans.workbook import plan_sheets

    con = connect(_db(args))
    accounts = args.accounts or plan_accounts(con)["account_id"].to_list()
    Path(args.out).write_bytes(export_bytes(plan_sheets(con, accounts)))
    print(f"Wrote the plans of {len(accounts)} accounts to {args.out}.")
    return 0


def _user(name: str, settings) -> User:
    if name in ("admin-cli", ""):
        return User("admin-cli", "Command line (admin)", "admin")
    user = UsersFile.load(settings.users_file).user(name)
    if user is None:
        raise SamError(f"No user {name!r} in {settings.users_file}.")
    return user


def _print_report(report: pl.DataFrame, limit: int = 500) -> None:
    """One line per problem, in full: severity, where (file › sheet, row, column), value, what to do."""
    for severity, file, sheet, row, column, value, problem in report.head(limit).iter_rows():
        where = " › ".join(p for p in (file, sheet) if p)
        where += f", row {row}" if row is not None else ""
        where += f", {column}" if column else ""
        shown = f" '{value}'" if value is not None else ""
        print(f"{severity:<7} {where}:{shown} {problem}")
    if report.height > limit:
        print(f"... and {report.height - limit:,} more.")


def _print_frame(frame: pl.DataFrame) -> None:
    with pl.Config(tbl_rows=50, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
        print(frame)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sam_core", description="Strategic account management data tools."
    )
    sub = p.add_subparsers(dest="command", required=True)
    db_help = "the DuckDB file (default: SAM_DB_PATH or data/sam.duckdb)"
    currency_help = (
        "the currency the file's money is in (default: SAM_CURRENCY, the reporting currency); other "
        "currencies are converted with the stored Rates, or refused naming the missing rate"
    )
    replace_help = (
        "the file is the complete history of the accounts it lists: remove their stored rows it no longer "
        "holds (default: add and change rows, remove nothing)"
    )

    s = sub.add_parser(
        "init-demo",
        help="build the database from the generated demo workbook",
        description="Generate the demo workbook (fixed seed) and load it into a new database.",
    )
    s.add_argument("--db", help=db_help)
    s.add_argument("--force", action="store_true", help="replace an existing database")
    s.add_argument("--today", help="pretend today is this ISO date (default: today)")
    s.add_argument("--save-workbook", metavar="XLSX", help="also save the generated workbook here")
    s.set_defaults(run=init_demo)

    s = sub.add_parser(
        "template",
        help="write the empty upload template",
        description="Write an empty workbook with every contract sheet and a README sheet explaining each "
        "column.",
    )
    s.add_argument("out", metavar="OUT.xlsx")
    s.set_defaults(run=template)

    s = sub.add_parser(
        "validate",
        help="print the validation report of workbooks (exit 1 on errors or nothing to load)",
        description="Map and validate workbooks (or CSV files, one per sheet) as the Data upload page would, "
        "and print every problem. Exit 0 when clean, 1 with errors or when no sheet is a contract sheet.",
    )
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument(
        "--db",
        help="check references against this database; its remembered mappings are used (without --db: "
        "those of SAM_DB_PATH, if it exists)",
    )
    s.add_argument(
        "--as",
        dest="as_user",
        default="admin-cli",
        metavar="USER",
        help="validate as this user (their mappings and accounts); default: an admin",
    )
    s.add_argument(
        "--mapping",
        metavar="FILE.yaml",
        help="a mapping file saved by the Data upload page (used before remembered mappings)",
    )
    s.add_argument("--currency", metavar="CODE", help=currency_help)
    s.add_argument("--replace", action="store_true", help=replace_help)
    s.set_defaults(run=validate_command)

    s = sub.add_parser(
        "load",
        help="validate and load workbooks into the database",
        description="Validate and load workbooks in one transaction; nothing changes if there is any "
        "error. Rows are upserted by key (added or changed, never removed) unless --replace says the file "
        "is the complete history of its accounts.",
    )
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--db", help=db_help)
    s.add_argument(
        "--as",
        dest="as_user",
        default="admin-cli",
        metavar="USER",
        help=f"load as this user of the users file (roles: {', '.join(ROLES)}); default: an admin",
    )
    s.add_argument(
        "--mapping",
        metavar="FILE.yaml",
        help="a mapping file saved by the Data upload page (used before remembered mappings)",
    )
    s.add_argument("--currency", metavar="CODE", help=currency_help)
    s.add_argument("--replace", action="store_true", help=replace_help)
    s.add_argument(
        "--take-file-values",
        action="store_true",
        help="let the file's values win over values edited in the app after the file's data was taken "
        "(by default those edits are kept and listed)",
    )
    s.set_defaults(run=load)

    s = sub.add_parser(
        "load-plans",
        help="load account plans from the plan sheets of workbooks",
        description="Add and change account plan items from the Plan sheets of workbooks (as exported), in "
        "one transaction; a row whose item was changed in the app since its export keeps the app's version.",
    )
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--db", help=db_help)
    s.add_argument("--as", dest="as_user", default="admin-cli", metavar="USER", help="load as this user")
    s.set_defaults(run=load_plans)

    s = sub.add_parser(
        "export-plans",
        help="write account plans as the plan sheets of the template",
        description="Write the plans of all accounts with a plan (or the ones named) as plan sheets.",
    )
    s.add_argument("out", metavar="OUT.xlsx")
    s.add_argument("accounts", nargs="*", metavar="ACCOUNT_ID")
    s.add_argument("--db", help=db_help)
    s.set_defaults(run=export_plans)

    s = sub.add_parser(
        "load-users",
        help="load the Users table of company sign-on from the Users sheet of workbooks",
        description="Add and change people of the Users table (e-mail, name, role, accounts) from the Users "
        "sheet of workbooks, in one transaction, as an admin; removes nobody (remove people on the "
        "Administration page). Nothing is loaded while any row has an error.",
    )
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--db", help=db_help)
    s.add_argument("--check", action="store_true", help="only check and say what loading would do")
    s.set_defaults(run=load_users)

    s = sub.add_parser(
        "set-user",
        help="add or change one person of the Users table (the first admin of company sign-on)",
        description="Add or change one person of the Users table of company sign-on, as an admin: e.g. the "
        "first admin, before anyone can sign in to the Administration page.",
    )
    s.add_argument("email")
    s.add_argument("--name", default="", help="their name as Accounts.account_manager writes it")
    s.add_argument(
        "--role",
        default="",
        help=f"one of {', '.join(c.USER_ROLES)}; empty (the default): the role their groups give",
    )
    s.add_argument("--accounts", default="", help="account_ids granted, separated by ';'")
    s.add_argument("--db", help=db_help)
    s.set_defaults(run=set_user)

    s = sub.add_parser(
        "hash-password",
        help="print a bcrypt hash for the users file",
        description="Print the bcrypt hash of a password, for the password field of the users file.",
    )
    s.add_argument("--password", help="the password (prompted for when omitted)")
    s.set_defaults(run=hash_password_command)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (SamError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
