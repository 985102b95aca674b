"""Benchmark: the Data upload page's preview and commit of a ~268,000-row workbook (not a timed test).

Two situations, each with the upload's modes:
- *first load*: into an empty database;
- *monthly re-export*: into a database that holds the workbook already, uploading it again with
  1% of its Financials rows changed (what an account team's next export looks like).

*Preview* is what the page computes before the commit button: read, validate against the
database, the counts per sheet and per account, and the changed values of the first sheet.
*Commit* is `load_sheets` (read, validate and write in one transaction).

    python bench/upload_modes.py [--rows 300000] [--runs 3]
"""

from __future__ import annotations

import argparse
import inspect
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import polars as pl
from ingest import generate

from sam_core.access.permissions import User
from sam_core.ingest import uploads
from sam_core.ingest.reader import open_files, read_files
from sam_core.ingest.validation import validate
from sam_core.outputs.workbook import write_workbook
from sam_core.store import connect

ADMIN = User("admin", "Admin", "admin")
# The modes this code knows: before upsert there was one (replace the accounts' rows).
MODES = (
    ("upsert", "replace")
    if "replace" in inspect.signature(uploads.load_sheets).parameters
    else ("replace by account (before upsert)",)
)


def _mode_args(mode: str) -> dict:
    return {"replace": mode == "replace"} if len(MODES) == 2 else {}


def preview(con, files, mode: str) -> float:
    started = time.perf_counter()
    validation = validate(read_files(files), con=con, user=ADMIN, **_mode_args(mode))
    assert validation.ok, validation.errors
    if len(MODES) == 2:  # as the page does now: per account once, per sheet from it
        by_account = uploads.changes_by_account(con, validation, **_mode_args(mode))
        uploads.preview_changes(con, validation, by_account=by_account)
        if mode == "replace":
            uploads.removals(con, validation)
    else:
        uploads.preview_changes(con, validation)
        uploads.changes_by_account(con, validation)
    uploads.changed_values(con, validation, next(iter(validation.sheets)))
    return time.perf_counter() - started


def commit(con, files, mode: str) -> float:
    started = time.perf_counter()
    uploads.load_sheets(
        con, open_files(files), user=ADMIN, file_name=files[0][0], sha256="bench", **_mode_args(mode)
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    first_path, next_path = out / f"ingest-{args.rows}.xlsx", out / f"ingest-{args.rows}-next.xlsx"
    if not first_path.exists() or not next_path.exists():
        sheets = generate(args.rows)
        write_workbook(sheets, first_path)
        fin = sheets["Financials"]
        sheets["Financials"] = fin.with_columns(
            pl.when(pl.int_range(pl.len()) % 100 == 0)
            .then(pl.col("revenue") * 1.1)
            .otherwise(pl.col("revenue"))
            .alias("revenue")
        )
        write_workbook(sheets, next_path)
    first = [(first_path.name, first_path.read_bytes())]
    following = [(next_path.name, next_path.read_bytes())]

    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        empty, loaded = Path(tmp) / "empty.duckdb", Path(tmp) / "loaded.duckdb"
        connect(empty).close()
        con = connect(loaded)
        uploads.load_sheets(con, open_files(first), user=ADMIN, file_name="first", sha256="bench")
        con.close()
        for situation, base, files in (
            ("first load", empty, first),
            ("monthly re-export", loaded, following),
        ):
            for mode in MODES:
                times = {"preview": [], "commit": []}
                for run in range(args.runs):
                    copy = Path(tmp) / f"run-{run}.duckdb"
                    shutil.copy(base, copy)
                    con = connect(copy)
                    times["preview"].append(preview(con, files, mode))
                    times["commit"].append(commit(con, files, mode))
                    con.close()
                    copy.unlink()
                best = {k: round(min(v), 2) for k, v in times.items()}
                figures[f"{situation}, {mode}"] = best
                print(
                    f"{situation:18} {mode:34} preview {best['preview']:.2f} s, "
                    f"commit {best['commit']:.2f} s "
                    f"(best of {args.runs}; all: "
                    + "; ".join(f"{k} " + ", ".join(f"{t:.2f}" for t in v) for k, v in times.items())
                    + ")"
                )
    (out / "upload_modes.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
