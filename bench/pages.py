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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from apptiming import time_runs  # noqa: E402
from sam_core.storage import connect  # noqa: E402

SCHEMA_FILL = """
INSERT INTO accounts (account_id, account_name, account_manager, executive_sponsor, business_unit, region, status, strategic, wallet_estimate)
SELECT 'A' || i, 'Account ' || i, 'Manager ' || (i % 50), 'Sponsor ' || (i % 20), 'BU ' || (i % 4), 'Region ' || (i % 7),
       CASE WHEN i % 97 = 0 THEN 'at_risk' ELSE 'active' END, i <= $strategic, 1e7 / i + 5e4
FROM range(1, $accounts + 1) t(i);
INSERT INTO financials (account_id, period, revenue, profit, ebitda, plan_revenue)
SELECT 'A' || i, (DATE '2024-11-01' + INTERVAL (m) MONTH)::DATE, 1e6 / pow(i, 1.2) * (1 + m / 100) + 500,
       (1e6 / pow(i, 1.2) + 500) * 0.3, (1e6 / pow(i, 1.2) + 500) * 0.2, 1e6 / pow(i, 1.2) + 600
FROM range(1, $accounts + 1) a(i), range(0, 24) b(m);
INSERT INTO engagements (engagement_id, account_id, date, type, status, sponsor_attended)
SELECT 'E' || e, 'A' || (e % $strategic + 1), (DATE '2024-11-24' + INTERVAL (e % 740) DAY)::DATE,
       ['executive_visit', 'internal_review', 'qbr', 'ninety_day_review', 'site_visit', 'other'][e % 6 + 1],
       CASE WHEN e % 740 > 730 THEN 'planned' ELSE 'held' END, e % 3 = 0
FROM range(1, $engagements + 1) t(e);
INSERT INTO stakeholders (stakeholder_id, account_id, name, level, influence, decision_maker)
SELECT 'S' || s, 'A' || (s % $strategic + 1), 'Person ' || s, ['executive', 'senior', 'manager', 'staff'][s % 4 + 1], s % 5 + 1, s % 5 = 0
FROM range(1, $strategic * 10 + 1) t(s);
INSERT INTO relationships (account_id, member, stakeholder_id, strength, last_contact)
SELECT 'A' || (s % $strategic + 1), 'Member ' || (s % 7), 'S' || s, s % 5 + 1, DATE '2026-10-01'
FROM range(1, $strategic * 10 + 1) t(s);
INSERT INTO evidence (account_id, date, signal)
SELECT 'A' || (x % $strategic + 1), (DATE '2025-11-24' + INTERVAL (x % 365) DAY)::DATE,
       ['meeting_accepted', 'call_unreturned', 'advice_sought', 'scope_reduced'][x % 4 + 1]
FROM range(1, 20001) t(x);
INSERT INTO surveys (response_id, account_id, survey_date, wave, recommend_score, satisfaction, continue_score)
SELECT 'R' || r, 'A' || (r % 2000 + 1), (DATE '2026-09-01' - INTERVAL (r % 2 * 180) DAY + INTERVAL (r % 20) DAY)::DATE,
       CASE WHEN r % 2 = 0 THEN '2026 H2' ELSE '2026 H1' END, r % 11, r % 5 + 1, (r + 2) % 5 + 1
FROM range(1, $responses + 1) t(r);
UPDATE surveys SET comment = ['Great partnership and responsive team', 'Invoices are hard to reconcile', 'Delivery slipped again'][(hash(response_id) % 3)::INT + 1]
WHERE hash(response_id) % 4 = 0;
INSERT INTO actions (action_id, account_id, description, owner, created, due, status)
SELECT 'X' || x, 'A' || (x % 2000 + 1), 'Do ' || x, 'Owner', DATE '2026-06-01', (DATE '2026-07-01' + INTERVAL (x % 200) DAY)::DATE,
       ['open', 'in_progress', 'done'][x % 3 + 1]
FROM range(1, 5001) t(x);
"""


def build(path: Path, accounts: int, engagements: int, responses: int) -> None:
    con = connect(path)
    sql = SCHEMA_FILL.replace("$accounts", str(accounts)).replace("$engagements", str(engagements)).replace(
        "$strategic", str(max(20, accounts // 30))).replace("$responses", str(responses))
    for statement in filter(str.strip, sql.split(";")):
        con.execute(statement)
    con.execute("UPDATE meta SET value = '1' WHERE key = 'data_version'")
    con.close()


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
    out.mkdir(parents=True, exist_ok=True)
    db = out / f"program-{args.accounts}-{args.engagements}-{args.responses}.duckdb"
    if not db.exists():
        started = time.perf_counter()
        build(db, args.accounts, args.engagements, args.responses)
        print(f"built {db.name} in {time.perf_counter() - started:.1f} s")
    os.environ["SAM_DB_PATH"] = str(db)
    os.chdir(ROOT)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "executive"
    if args.page != "portfolio":
        at.run()  # the app opens on the Portfolio; the timed run is the switch to the page
        at.switch_page(f"pages/{args.page}.py")
    cold, warm = time_runs(at, args.runs)
    if at.exception:
        raise SystemExit(f"the page failed: {at.exception[0].value}")
    expected = {"portfolio": "Revenue, last 12 months", "sponsor_cadence": "Executive visits", "loyalty": "Loyalty index"}[args.page]
    assert at.metric and at.metric[0].label == expected, f"the {args.page} page did not draw"
    median = statistics.median(warm)
    figures = {"page": args.page, "accounts": args.accounts, "responses": args.responses, "engagements": args.engagements, "cold_s": round(cold, 3),
               "warm_median_ms": round(median * 1000, 1), "warm_max_ms": round(max(warm) * 1000, 1)}
    print(json.dumps(figures, indent=2))
    print(f"cold run {cold:.2f} s (goal < 3 s: {'PASS' if cold < 3 else 'MISS'}); "
          f"warm median {median * 1000:.0f} ms (goal < 300 ms: {'PASS' if median < 0.3 else 'MISS'})")
    (out / f"{args.page}.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
