"""Benchmark: a page's script run on a large program (not a timed test).

Builds (once, cached in bench/out) a database of 10,000 accounts with 24 months of
financials, 200,000 engagements and the other sheets at matching scale, then runs the
page through Streamlit's AppTest as a logged-in executive: the first run (cold caches)
and the median of warm reruns. Goals: warm median under 300 ms (Portfolio, issue 4;
Sponsor cadence, issue 6; Loyalty with 100,000 responses, issue 7), cold under 3 s (Portfolio).

    python bench/pages.py [--page portfolio|sponsor_cadence|loyalty] [--accounts 10000] [--engagements 200000]
                          [--responses 100000] [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from apptiming import time_runs
from program import program_db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", choices=["portfolio", "sponsor_cadence", "loyalty"], default="portfolio")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--engagements", type=int, default=200_000)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    out = Path(args.out)
    db = program_db(out, args.accounts, args.engagements, args.responses)
    os.environ["SAM_DB_PATH"] = str(db)
    os.chdir(ROOT)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    from ui import session

    at.session_state[session.LOGIN_STATE] = session.stand_in("executive")
    if args.page != "portfolio":
        at.run()  # the app opens on the Portfolio; the timed run is the switch to the page
        at.switch_page(f"pages/{args.page}.py")
    cold, warm = time_runs(at, args.runs)
    if at.exception:
        raise SystemExit(f"the page failed: {at.exception[0].value}")
    expected = {
        "portfolio": "Revenue, last 12 months",
        "sponsor_cadence": "Executive visits",
        "loyalty": "Loyalty index",
    }[args.page]
    assert at.metric and at.metric[0].label == expected, f"the {args.page} page did not draw"
    median = statistics.median(warm)
    figures = {
        "page": args.page,
        "accounts": args.accounts,
        "responses": args.responses,
        "engagements": args.engagements,
        "cold_s": round(cold, 3),
        "warm_median_ms": round(median * 1000, 1),
        "warm_max_ms": round(max(warm) * 1000, 1),
    }
    print(json.dumps(figures, indent=2))
    print(
        f"cold run {cold:.2f} s (goal < 3 s: {'PASS' if cold < 3 else 'MISS'}); "
        f"warm median {median * 1000:.0f} ms (goal < 300 ms: {'PASS' if median < 0.3 else 'MISS'})"
    )
    (out / f"{args.page}.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
