"""Command line: `python -m sam_core {init-demo,template,validate,load} ...` (see --help).

The commands use the same code paths as the app: reading, validation and loading.
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
from sam_core.ingest.currency import Currencies
from sam_core.ingest.reader import read_files
from sam_core.ingest.validation import validate
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


def _currencies(args, settings) -> Currencies:
    return Currencies((args.currency or settings.currency).strip().upper(), settings.currency)


def validate_command(args) -> int:
    settings = load_settings()
    con = connect(_db(args), read_only=False) if args.db else None
    result = validate(
        read_files(_files(args.files)),
        con=con,
        date_order=settings.date_order,
        replace=args.replace,
        currencies=_currencies(args, settings),
    )
    _print_report(result.report)
    print(result.summary())
    if con is not None and result.ok and result.sheets:
        from sam_core.ingest.uploads import preview_changes, removals

        print("What loading would change:")
        _print_frame(preview_changes(con, result, replace=args.replace))
        if args.replace and not (gone := removals(con, result)).is_empty():
            print(f"It would REMOVE {gone['rows'].sum():,} stored rows, per account and sheet:")
            _print_frame(gone)
    return 0 if result.ok else 1


def load(args) -> int:
    from sam_core.ingest.uploads import load_files

    settings = load_settings()
    user = _user(args.as_user, settings)
    con = connect(_db(args))
    try:
        result = load_files(
            con,
            _files(args.files),
            user=user,
            date_order=settings.date_order,
            replace=args.replace,
            currencies=_currencies(args, settings),
        )
    except ValidationFailed as exc:
        if exc.report is not None:
            _print_report(exc.report)
        raise
    _print_report(result.validation.report)
    mode = "complete history: rows it no longer holds removed" if args.replace else "upserted by key"
    print(f"Loaded as upload {result.upload_id} by {user.username} ({mode}):")
    _print_frame(result.changes)
    return 0


def _user(name: str, settings) -> User:
    if name in ("admin-cli", ""):
        return User("admin-cli", "Command line (admin)", "admin")
    user = UsersFile.load(settings.users_file).user(name)
    if user is None:
        raise SamError(f"No user {name!r} in {settings.users_file}.")
    return user


def _print_report(report: pl.DataFrame) -> None:
    if report.height:
        with pl.Config(tbl_rows=200, tbl_width_chars=200, fmt_str_lengths=120, tbl_hide_dataframe_shape=True):
            print(report.head(200))
        if report.height > 200:
            print(f"... and {report.height - 200:,} more.")


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
        help="print the validation report of workbooks (exit 1 on errors)",
        description="Validate workbooks (or CSV files, one per sheet) and print every problem. Exit 0 when "
        "clean, 1 with errors.",
    )
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--db", help="also check references against this database")
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
    s.add_argument("--currency", metavar="CODE", help=currency_help)
    s.add_argument("--replace", action="store_true", help=replace_help)
    s.set_defaults(run=load)

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
