"""Portfolio figures against values worked out by hand (tests/integration/portfolio_fixture.py)."""

from __future__ import annotations

from datetime import date

import pytest
from portfolio_fixture import AS_OF, SHEETS

from sam_core.access.permissions import User
from sam_core.ingest.uploads import load_files
from sam_core.metrics.cadence import account_cadence, cadence_status
from sam_core.metrics.health import account_overview
from sam_core.metrics.loyalty import latest_loyalty
from sam_core.metrics.portfolio import account_revenue, concentration
from sam_core.metrics.relationships import relationship_summary

ADMIN = User("admin", "Admin", "admin")


@pytest.fixture
def program(db, make_workbook):
    load_files(db, [("program.xlsx", make_workbook(SHEETS))], user=ADMIN)
    return db


def by_account(frame):
    return {row["account_id"]: row for row in frame.iter_rows(named=True)}


def test_trailing_twelve_months_growth_margin_and_wallet(program):
    rows = by_account(account_revenue(program, as_of=AS_OF))
    assert [(a, r["revenue"], r["revenue_previous"]) for a, r in rows.items()] == [
        ("A1", 1200, 960),
        ("A2", 600, 600),
        ("A3", 300, 600),
        ("A4", 60, 60),
    ]
    assert rows["A1"]["growth"] == pytest.approx(0.25)
    assert rows["A3"]["growth"] == pytest.approx(-0.5)
    assert rows["A1"]["margin"] == pytest.approx(360 / 1200)
    assert rows["A1"]["share_of_wallet"] == pytest.approx(0.6)


def test_growth_is_empty_while_the_data_do_not_reach_back_to_the_previous_window(program):
    # As of mid-May 2026 the window is Jun 2025..May 2026 and the 12 months before it start in Jun
    # 2024, a month before the data do (Jul 2024): 12 months against 11 would be growth that is not
    # there (A2's flat 50 a month would read +9.1%). One month later it is all there.
    early = by_account(account_revenue(program, as_of=date(2026, 5, 15)))
    assert early["A2"]["revenue"] == 600
    assert {
        (r["revenue_previous"], r["revenue_previous_like"], r["growth"], r["profit_previous"])
        for r in early.values()
    } == {(None, None, None, None)}
    complete = by_account(account_revenue(program, as_of=AS_OF))
    assert complete["A2"]["growth"] == pytest.approx(0.0)


def test_tiers_are_computed_from_cumulative_share(program):
    rows = by_account(account_revenue(program, as_of=AS_OF))
    # shares 1200, 600, 300, 60 of 2160: before each 0, 55.6%, 83.3%, 97.2%
    assert {a: r["tier"] for a, r in rows.items()} == {"A1": "A", "A2": "A", "A3": "B", "A4": "C"}


def test_concentration_share_hhi_and_flags(program):
    c = concentration(account_revenue(program, as_of=AS_OF), 2)
    assert c.top_share == pytest.approx(1800 / 2160)
    assert c.hhi == pytest.approx((1200**2 + 600**2 + 300**2 + 60**2) / 2160**2)
    assert c.effective_accounts == pytest.approx(2160**2 / 1_893_600)
    assert c.flags == (
        "The largest account holds 56% of revenue (risk above 10%).",
        "The top 3 accounts hold 97% of revenue (risk above 25%).",
        "The top 10 accounts hold 100% of revenue (risk above 40%).",
    )


def test_rollup_adds_subsidiaries_to_their_parent(program):
    rows = by_account(account_revenue(program, as_of=AS_OF, rollup=True))
    assert list(rows) == ["A1", "A2", "A3"]
    assert rows["A1"]["revenue"] == 1260
    assert rows["A1"]["share"] == pytest.approx(1260 / 2160)


def test_loyalty_index_and_nps_of_the_latest_wave(program):
    rows = by_account(latest_loyalty(program))
    # R1 (90+100+75)/3, R2 (60+50)/2, R3 100; NPS: 2 promoters, 1 detractor of 3
    assert rows["A1"]["loyalty_index"] == pytest.approx((265 / 3 + 55 + 100) / 3)
    assert rows["A1"]["nps"] == pytest.approx(100 / 3)
    assert (rows["A1"]["respondents"], rows["A1"]["thin"]) == (3, False)
    assert (rows["A2"]["loyalty_index"], rows["A2"]["nps"], rows["A2"]["thin"]) == (70, 0, True)


def test_cadence_rules_of_a_strategic_account(program):
    status = cadence_status(program, as_of=AS_OF)
    assert {r["rule"]: r["status"] for r in status.iter_rows(named=True)} == {
        "Executive visits": "compliant",  # 2 in 12 months; the older leaves the window 2026-09-01
        "Internal reviews": "due soon",  # May held, none in June yet: due 2026-06-30
        "QBRs": "due soon",  # Q1 held with sponsor; Q2's without sponsor does not count
        "90-day reviews": "overdue",  # last held 2026-02-01, 134 days ago
    }
    assert account_cadence(status).row(0, named=True) == {
        "account_id": "A1",
        "cadence": "overdue",
        "cadence_compliance": 0.75,
        "rules_overdue": 1,
    }


def test_relationship_coverage_threads_and_alignment(program):
    row = relationship_summary(program).row(0, named=True)
    assert (row["key_stakeholders"], row["key_covered"], row["coverage"]) == (2, 1, 0.5)
    assert (row["single_threaded"], row["executive_aligned"]) == (False, True)


def test_health_blends_the_parts_with_the_policy_weights(program):
    rows = by_account(account_overview(program, as_of=AS_OF))
    a1 = rows["A1"]
    loyalty = (265 / 3 + 55 + 100) / 3
    assert [
        a1[f"score: {p}"] for p in ("revenue trend", "cadence", "coverage", "momentum", "overdue actions")
    ] == [100, 75, 50, 60, 50]
    assert a1["health"] == pytest.approx(
        (25 * 100 + 20 * loyalty + 20 * 75 + 15 * 50 + 10 * 60 + 10 * 50) / 100
    )
    assert a1["health_band"] == "healthy"
    assert sum(
        a1[f"points: {p}"]
        for p in ("revenue trend", "loyalty", "cadence", "coverage", "momentum", "overdue actions")
    ) == pytest.approx(a1["health"])
    # A2 has only revenue trend (growth 0 -> 50) and loyalty (70): weights 25 and 20 rescaled
    assert rows["A2"]["health"] == pytest.approx((25 * 50 + 20 * 70) / 45)
