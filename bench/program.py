"""The large program the benchmarks run on: 10,000 accounts, 24 months of financials,
200,000 engagements and 100,000 survey responses by default, written straight into a
database (built once per size, cached in bench/out)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sam_core.store import connect

SCHEMA_FILL = """
INSERT INTO accounts (account_id, account_name, account_manager, executive_sponsor, business_unit, region,
    status, strategic, wallet_estimate)
SELECT 'A' || i, 'Account ' || i, 'Manager ' || (i % 50), 'Sponsor ' || (i % 20), 'BU ' || (i % 4),
    'Region ' || (i % 7),
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
SELECT 'S' || s, 'A' || (s % $strategic + 1), 'Person ' || s, ['executive', 'senior', 'manager',
    'staff'][s % 4 + 1], s % 5 + 1, s % 5 = 0
FROM range(1, $strategic * 10 + 1) t(s);
INSERT INTO relationships (account_id, member, stakeholder_id, strength, last_contact)
SELECT 'A' || (s % $strategic + 1), 'Member ' || (s % 7), 'S' || s, s % 5 + 1, DATE '2026-10-01'
FROM range(1, $strategic * 10 + 1) t(s);
INSERT INTO evidence (account_id, date, signal)
SELECT 'A' || (x % $strategic + 1), (DATE '2025-11-24' + INTERVAL (x % 365) DAY)::DATE,
       ['meeting_accepted', 'call_unreturned', 'advice_sought', 'scope_reduced'][x % 4 + 1]
FROM range(1, 20001) t(x);
INSERT INTO surveys (response_id, account_id, survey_date, wave, recommend_score, satisfaction,
    continue_score)
SELECT 'R' || r, 'A' || (r % 2000 + 1),
    (DATE '2026-09-01' - INTERVAL (r % 2 * 180) DAY + INTERVAL (r % 20) DAY)::DATE,
       CASE WHEN r % 2 = 0 THEN '2026 H2' ELSE '2026 H1' END, r % 11, r % 5 + 1, (r + 2) % 5 + 1
FROM range(1, $responses + 1) t(r);
UPDATE surveys SET comment = ['Great partnership and responsive team', 'Invoices are hard to reconcile',
    'Delivery slipped again'][(hash(response_id) % 3)::INT + 1]
WHERE hash(response_id) % 4 = 0;
INSERT INTO actions (action_id, account_id, description, owner, created, due, status)
SELECT 'X' || x, 'A' || (x % 2000 + 1), 'Do ' || x, 'Owner', DATE '2026-06-01',
    (DATE '2026-07-01' + INTERVAL (x % 200) DAY)::DATE,
       ['open', 'in_progress', 'done'][x % 3 + 1]
FROM range(1, 5001) t(x);
"""


def build(path: Path, accounts: int, engagements: int, responses: int) -> None:
    """Write the program into a new database at `path`."""
    con = connect(path)
    sql = (
        SCHEMA_FILL.replace("$accounts", str(accounts))
        .replace("$engagements", str(engagements))
        .replace("$strategic", str(max(20, accounts // 30)))
        .replace("$responses", str(responses))
    )
    for statement in filter(str.strip, sql.split(";")):
        con.execute(statement)
    con.execute("UPDATE meta SET value = '1' WHERE key = 'data_version'")
    con.close()


def program_db(
    out: Path, accounts: int = 10_000, engagements: int = 200_000, responses: int = 100_000
) -> Path:
    """The database of that size in `out`, built when missing."""
    out.mkdir(parents=True, exist_ok=True)
    db = out / f"program-{accounts}-{engagements}-{responses}.duckdb"
    if not db.exists():
        started = time.perf_counter()
        build(db, accounts, engagements, responses)
        print(f"built {db.name} in {time.perf_counter() - started:.1f} s")
    return db
