"""Benchmark: loading a ~300,000-row workbook (not a timed test).

Reports, in one run: fastexcel merely reading every sheet (the speed limit), the full
validated load into DuckDB through the app's own code path (`uploads.load_files`), and the
path most tutorials use: pandas.read_excel with openpyxl, then inserting into DuckDB.
Goals (issue 2): the validated load reaches at least 70% of fastexcel's raw read
throughput, and is at least 8 times faster than the pandas/openpyxl path.

    python bench/ingest.py [--rows 300000] [--runs 3] [--pandas-runs 1]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb
import fastexcel
import polars as pl

from sam_core.access.permissions import User
from sam_core.ingest.uploads import load_files
from sam_core.outputs.workbook import write_workbook
from sam_core.store import connect

SHARES = {
    "Financials": 0.40,
    "Engagements": 0.14,
    "Opportunities": 0.10,
    "Relationships": 0.10,
    "Stakeholders": 0.07,
    "Evidence": 0.06,
    "Actions": 0.06,
    "Surveys": 0.03,
    "Team": 0.03,
}


def generate(rows: int, seed: int = 7) -> dict[str, pl.DataFrame]:
    """Valid contract sheets of about `rows` data rows in all."""
    rnd = random.Random(seed)
    n = {name: int(rows * share) for name, share in SHARES.items()}
    accounts = max(200, rows // 150)
    ids = [f"A{i:05d}" for i in range(accounts)]
    per_account = max(1, n["Financials"] // accounts)
    months = [date(2020 + (m // 12), m % 12 + 1, 1) for m in range(per_account)]

    def day(k):
        return date(2024, 1, 1) + timedelta(days=k % 1000)

    people = n["Stakeholders"]
    members = [f"Member {k}" for k in range(max(1, n["Team"] // accounts))]
    sheets = {
        "Accounts": pl.DataFrame(
            {
                "account_id": ids,
                "account_name": [f"Account {i}" for i in range(accounts)],
                "account_manager": [f"Manager {i % 40}" for i in range(accounts)],
                "strategic": ["yes" if i < accounts // 10 else "no" for i in range(accounts)],
                "wallet_estimate": [float(rnd.randint(10_000, 9_000_000)) for _ in range(accounts)],
            }
        ),
        "Financials": pl.DataFrame(
            {
                "account_id": [a for a in ids for _ in range(per_account)],
                "period": [months[k] for _ in ids for k in range(per_account)],
                "revenue": [rnd.uniform(1e3, 1e6) for _ in range(accounts * per_account)],
                "profit": [rnd.uniform(1e2, 1e5) for _ in range(accounts * per_account)],
            }
        ),
        "Opportunities": pl.DataFrame(
            {
                "opportunity_id": [f"O{k}" for k in range(n["Opportunities"])],
                "account_id": [ids[k % accounts] for k in range(n["Opportunities"])],
                "stage": [
                    ["prospecting", "proposal", "won", "lost"][k % 4] for k in range(n["Opportunities"])
                ],
                "amount": [float(rnd.randint(1_000, 500_000)) for _ in range(n["Opportunities"])],
                "close_date": [day(k) for k in range(n["Opportunities"])],
            }
        ),
        "Stakeholders": pl.DataFrame(
            {
                "stakeholder_id": [f"S{k}" for k in range(people)],
                "account_id": [ids[k % accounts] for k in range(people)],
                "name": [f"Person {k}" for k in range(people)],
                "level": [["executive", "senior", "manager", "staff"][k % 4] for k in range(people)],
                "influence": [k % 5 + 1 for k in range(people)],
            }
        ),
        "Team": pl.DataFrame(
            {
                "account_id": [a for a in ids for _ in members],
                "member": [m for _ in ids for m in members],
                "wave": [["core", "core_team", "extended"][k % 3] for k in range(accounts * len(members))],
            }
        ),
        "Relationships": pl.DataFrame(
            {
                "account_id": [
                    ids[k % accounts] for k in range(min(n["Relationships"], people * len(members)))
                ],
                "member": [
                    members[(k // people) % len(members)]
                    for k in range(min(n["Relationships"], people * len(members)))
                ],
                "stakeholder_id": [
                    f"S{k % people - (k % people) % accounts + k % accounts}"
                    for k in range(min(n["Relationships"], people * len(members)))
                ],
                "strength": [k % 5 + 1 for k in range(min(n["Relationships"], people * len(members)))],
            }
        ),
        "Engagements": pl.DataFrame(
            {
                "engagement_id": [f"E{k}" for k in range(n["Engagements"])],
                "account_id": [ids[k % accounts] for k in range(n["Engagements"])],
                "date": [day(k) for k in range(n["Engagements"])],
                "type": [
                    ["internal_review", "qbr", "executive_visit", "ninety_day_review"][k % 4]
                    for k in range(n["Engagements"])
                ],
                "status": ["held"] * n["Engagements"],
                "sponsor_attended": ["yes", "no"] * (n["Engagements"] // 2)
                + ["yes"] * (n["Engagements"] % 2),
            }
        ),
        "Evidence": pl.DataFrame(
            {
                "account_id": [ids[k % accounts] for k in range(n["Evidence"])],
                "date": [day(k // accounts) for k in range(n["Evidence"])],
                "signal": ["meeting_accepted"] * n["Evidence"],
            }
        ),
        "Surveys": pl.DataFrame(
            {
                "response_id": [f"R{k}" for k in range(n["Surveys"])],
                "account_id": [ids[k % accounts] for k in range(n["Surveys"])],
                "survey_date": [day(k) for k in range(n["Surveys"])],
                "recommend_score": [float(k % 11) for k in range(n["Surveys"])],
                "comment": [f"Comment {k}" for k in range(n["Surveys"])],
            }
        ),
        "Actions": pl.DataFrame(
            {
                "action_id": [f"X{k}" for k in range(n["Actions"])],
                "account_id": [ids[k % accounts] for k in range(n["Actions"])],
                "description": [f"Do {k}" for k in range(n["Actions"])],
                "owner": ["Owner"] * n["Actions"],
                "created": [day(k) for k in range(n["Actions"])],
                "status": ["open"] * n["Actions"],
            }
        ),
    }
    # Relationships must point at a stakeholder of the same account: S{j} belongs to ids[j % accounts].
    rel = sheets["Relationships"]
    sheets["Relationships"] = (
        rel.with_columns(
            pl.format(
                "S{}",
                (pl.int_range(pl.len()) // len(members)) * accounts
                + pl.col("account_id").str.slice(1).cast(pl.Int64),
            ).alias("stakeholder_id")
        )
        .filter(pl.col("stakeholder_id").str.slice(1).cast(pl.Int64) < people)
        .unique(["account_id", "member", "stakeholder_id"])
    )
    return sheets


def best(times: list[float]) -> float:
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pandas-runs", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"ingest-{args.rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        sheets = generate(args.rows)
        write_workbook(sheets, path)
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s")
    content = path.read_bytes()
    reader = fastexcel.read_excel(content)
    rows = sum(reader.load_sheet(name).height for name in reader.sheet_names)
    print(
        f"{path.name}: {len(content) / 2**20:.1f} MB, {rows:,} data rows in {len(reader.sheet_names)} sheets"
    )

    raw = []
    for _ in range(args.runs):
        started = time.perf_counter()
        book = fastexcel.read_excel(content)
        for name in book.sheet_names:
            book.load_sheet(name).to_polars()
        raw.append(time.perf_counter() - started)
    print("fastexcel raw read:    " + ", ".join(f"{t:.2f}" for t in raw) + " s")

    loads = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            con = connect(Path(tmp) / "sam.duckdb")
            started = time.perf_counter()
            result = load_files(con, [(path.name, content)], user=User("admin", "Admin", "admin"))
            loads.append(time.perf_counter() - started)
            loaded = con.execute(
                "SELECT (SELECT count(*) FROM financials) + (SELECT count(*) FROM engagements)"
            ).fetchall()[0][0]
            expected = result.changes.filter(pl.col("sheet").is_in(["Financials", "Engagements"]))[
                "rows"
            ].sum()
            assert loaded == expected > 0, "the load did not store what it read"
            con.close()
    print("validated load:        " + ", ".join(f"{t:.2f}" for t in loads) + " s")

    import pandas as pd

    tutorial = []
    for _ in range(args.pandas_runs):
        started = time.perf_counter()
        frames = pd.read_excel(io.BytesIO(content), sheet_name=None, engine="openpyxl")
        con = duckdb.connect()
        for name, frame in frames.items():
            con.register("df", frame)
            con.execute(
                f'CREATE TABLE "{name}" AS SELECT * FROM df'  # sql-ok: names from the contract
            )  # sql-ok: benchmark, sheet names from our file
            con.unregister("df")
        con.close()
        tutorial.append(time.perf_counter() - started)
    print("pandas/openpyxl + insert: " + ", ".join(f"{t:.2f}" for t in tutorial) + " s")

    raw_best, load_best, pandas_best = best(raw), best(loads), best(tutorial)
    share = raw_best / load_best * 100
    speedup = pandas_best / load_best
    figures = {
        "rows": rows,
        "file_mb": round(len(content) / 2**20, 1),
        "fastexcel_read_s": round(raw_best, 2),
        "validated_load_s": round(load_best, 2),
        "pandas_openpyxl_s": round(pandas_best, 2),
        "load_rows_per_s": round(rows / load_best),
        "load_vs_raw_percent": round(share),
        "speedup_vs_pandas": round(speedup, 1),
    }
    print(json.dumps(figures, indent=2))
    print(
        f"validated load at {share:.0f}% of the raw read throughput (goal >= 70%: "
        f"{'PASS' if share >= 70 else 'MISS'}); "
        f"{speedup:.1f}x faster than pandas/openpyxl (goal >= 8x: {'PASS' if speedup >= 8 else 'MISS'}); "
        "median load "
        f"{statistics.median(loads):.2f} s"
    )
    (out / "ingest.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
