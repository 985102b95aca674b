"""Benchmark: the Relationship map page's script run for a 60-stakeholder account (not a test).

Goal (issue 5): under 300 ms warm. `python bench/relationship_map.py [--stakeholders 60] [--runs 15]`
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

from sam_core.store import connect

FILL = """
INSERT INTO accounts (account_id, account_name, account_manager, executive_sponsor, strategic) VALUES ('BIG',
    'Big Account', 'Maria Keller', 'Sponsor 0', true);
INSERT INTO stakeholders (stakeholder_id, account_id, name, title, department, reports_to, level,
    buying_role, influence, attitude, decision_maker)
SELECT 'S' || i, 'BIG', 'Person ' || i, 'Title ' || i, 'Dept ' || (i % 6), CASE WHEN i = 1 THEN NULL
    ELSE 'S' || (i // 4 + 1) END,
       ['executive', 'senior', 'manager', 'staff'][least(4, 1 + i // 10)], 'user', 1 + i % 5, i % 5 - 2,
           i % 9 = 0
FROM range(1, $n + 1) t(i);
INSERT INTO team (account_id, member, wave, planning_roles)
SELECT 'BIG', CASE WHEN i = 0 THEN 'Sponsor 0' ELSE 'Member ' || i END, ['sponsor', 'core', 'core_team',
    'extended', 'partner', 'corporate'][1 + least(i, 5)], NULL
FROM range(0, 12) t(i);
INSERT INTO relationships (account_id, member, stakeholder_id, strength, last_contact)
SELECT DISTINCT 'BIG', 'Member ' || (1 + (i * 7) % 11), 'S' || (1 + (i * 13) % $n), 1 + i % 5,
    DATE '2026-09-01'
FROM range(0, $n * 3) t(i);
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stakeholders", type=int, default=60)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    db = out / f"map-{args.stakeholders}.duckdb"
    if not db.exists():
        con = connect(db)
        for statement in filter(str.strip, FILL.replace("$n", str(args.stakeholders)).split(";")):
            con.execute(statement)
        con.close()
    os.environ["SAM_DB_PATH"] = str(db)
    os.chdir(ROOT)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "relationship_map.py"), default_timeout=60)
    from ui import session

    at.session_state[session.LOGIN_STATE] = session.stand_in("manager")
    cold, warm = time_runs(at, args.runs)
    assert not at.exception and at.get("graphviz_chart"), "the map did not draw"
    median = statistics.median(warm)
    figures = {
        "stakeholders": args.stakeholders,
        "cold_s": round(cold, 3),
        "warm_median_ms": round(median * 1000, 1),
    }
    print(json.dumps(figures, indent=2))
    print(f"warm median {median * 1000:.0f} ms (goal < 300 ms: {'PASS' if median < 0.3 else 'MISS'})")
    (out / "relationship_map.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
