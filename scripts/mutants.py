"""Hand-made mutants of the metric modules: apply each, run the tests without the browser, and
restore it; a mutant the tests do not catch names a formula no test pins down.

    .venv/bin/python scripts/mutants.py
"""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = [
    (
        "sam_core/metrics/loyalty.py",
        "coalesce(recommend_score * 10, 0)",
        "coalesce(recommend_score * 9, 0)",
        "loyalty: recommend scaled x9",
    ),
    (
        "sam_core/metrics/loyalty.py",
        "count(*) FILTER (WHERE recommend_score >= 9)\n"
        "                    - count(*) FILTER (WHERE recommend_score <= 6))\n"
        "               / nullif(count(recommend_score), 0) AS nps",
        "count(*) FILTER (WHERE recommend_score >= 8)\n"
        "                    - count(*) FILTER (WHERE recommend_score <= 6))\n"
        "               / nullif(count(recommend_score), 0) AS nps",
        "NPS: promoters from 8",
    ),
    (
        "sam_core/metrics/portfolio.py",
        "TIER_A, TIER_B = 0.80, 0.95",
        "TIER_A, TIER_B = 0.85, 0.95",
        "tier A at 85%",
    ),
    (
        "sam_core/metrics/portfolio.py",
        "1 / hhi if hhi else 0.0",
        "1 / (hhi + 0.01) if hhi else 0.0",
        "effective accounts off",
    ),
    ("sam_core/metrics/relationships.py", "STRONG = 3", "STRONG = 2", "strong tie from 2"),
    (
        "sam_core/metrics/activity.py",
        "positive - negative AS momentum",
        "positive + negative AS momentum",
        "momentum adds negatives",
    ),
    (
        "sam_core/metrics/headline.py",
        "profit / with_profit if with_profit else None",
        "profit / revenue if revenue else None",
        "margin over all revenue, not the accounts reporting profit",
    ),
    (
        "sam_core/metrics/portfolio.py",
        "if reported >= share * total:",
        "if reported > share * total:",
        "data through needs more than the share",
    ),
    (
        "sam_core/metrics/portfolio.py",
        "revenue / nullif(revenue_previous_like, 0) - 1 AS growth",
        "revenue / nullif(revenue_previous, 0) - 1 AS growth",
        "a missing report counted as a fall",
    ),
    (
        "sam_core/metrics/pipeline.py",
        'STAGE_PROBABILITY = {"prospecting": 0.10, "qualifying": 0.25, "proposal": 0.50',
        'STAGE_PROBABILITY = {"prospecting": 0.10, "qualifying": 0.25, "proposal": 0.40',
        "proposal stage default 40%",
    ),
    (
        "sam_core/metrics/cadence.py",
        "    due_soon_days: int = 30",
        "    due_soon_days: int = 20",
        "due soon within 20 days",
    ),
    (
        "sam_core/metrics/maturity.py",
        '    if percent >= 40:\n        return "Developing"',
        '    if percent >= 35:\n        return "Developing"',
        "Developing from 35%",
    ),
    (
        "sam_core/metrics/health.py",
        "HEALTHY, WATCH = 70, 40",
        "HEALTHY, WATCH = 70, 30",
        "at-risk band below 30",
    ),
]
results = []
for path, old, new, name in MUTANTS:
    p = ROOT / path
    src = p.read_text()
    assert src.count(old) >= 1, (path, old)
    p.write_text(src.replace(old, new, 1))
    try:
        done = subprocess.run(
            [
                str(ROOT / ".venv/bin/python"),
                "-m",
                "pytest",
                "-q",
                "-x",
                "-n",
                "2",
                "-m",
                "not e2e",
                "-p",
                "no:randomly",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        caught = done.returncode != 0
        first = next((line for line in done.stdout.splitlines() if line.startswith("FAILED")), "")
    finally:
        p.write_text(src)
    results.append((name, caught, first))
    print(f"{'CAUGHT' if caught else 'MISSED'}  {name}  {first[:120]}", flush=True)
print(f"{sum(c for _, c, _ in results)} of {len(results)} caught")
