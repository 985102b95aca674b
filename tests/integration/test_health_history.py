"""Health kept per account over time: past dates from the data as it stood then, today's on each
recording, never rewritten afterwards; the sparkline, the 30/90-day changes and the part that moved.

One account, A1, not strategic (no cadence), no stakeholders (no coverage), no evidence:
- revenue 100 every month from Jul 2023 to Jun 2026: growth 0 in every window, revenue trend 50;
- survey R1 on 10 May 2026: recommend 10, satisfaction 5, continue 5: loyalty 100 from then on;
- action X1 created 20 May 2026, due 1 Jun 2026, open: not overdue on 31 May (actions 100), overdue
  on 15 Jun (actions 100 - 50 = 50); before 20 May the account has no action (the part is left out).
Weights: revenue trend 25, loyalty 20, overdue actions 10. Health on
- 30 Apr 2026: revenue trend only, 50;
- 16 May 2026 (30 days before 15 Jun): (25 x 50 + 20 x 100) / 45 = 72.22;
- 31 May 2026: (25 x 50 + 20 x 100 + 10 x 100) / 55 = 77.27;
- 15 Jun 2026 (today): (25 x 50 + 20 x 100 + 10 x 50) / 55 = 68.18.
"""

from __future__ import annotations

from datetime import date

import pytest

from sam_core.access.permissions import User
from sam_core.ingest.uploads import load_files
from sam_core.metrics.health_history import (
    account_history,
    health_trend,
    part_movement,
    record_health,
)
from sam_core.outputs import wording

ADMIN = User("admin", "Admin", "admin")
TODAY = date(2026, 6, 15)
MONTHS = [date(2023 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(36)]  # Jul 2023 .. Jun 2026
SHEETS = {
    "Accounts": [
        {"account_id": "A1", "account_name": "Alpha", "account_manager": "Ann AM", "strategic": "no"}
    ],
    "Financials": [{"account_id": "A1", "period": m, "revenue": 100} for m in MONTHS],
    "Surveys": [
        {
            "response_id": "R1",
            "account_id": "A1",
            "survey_date": date(2026, 5, 10),
            "recommend_score": 10,
            "satisfaction": 5,
            "continue_score": 5,
        }
    ],
    "Actions": [
        {
            "action_id": "X1",
            "account_id": "A1",
            "description": "Call back",
            "owner": "Ann AM",
            "created": date(2026, 5, 20),
            "due": date(2026, 6, 1),
            "status": "open",
        }
    ],
}


@pytest.fixture
def kept(db, make_workbook):
    load_files(db, [("a.xlsx", make_workbook(SHEETS))], user=ADMIN)
    record_health(db, today=TODAY)
    return db


def health_on(con, day: date) -> float:
    return con.execute(
        "SELECT health FROM health_history WHERE account_id = 'A1' AND as_of = ?", [day]
    ).fetchall()[0][0]


@pytest.mark.parametrize(
    "day,health",
    [
        (date(2026, 4, 30), 50.0),  # before the survey and the action: revenue trend alone
        (date(2026, 5, 16), 3250 / 45),  # 30 days before today: the survey, not yet the action
        (date(2026, 5, 31), 4250 / 55),  # the action exists, not yet overdue
        (TODAY, 3750 / 55),  # the action overdue
    ],
)
def test_each_date_has_the_health_of_the_data_as_it_stood_then(kept, day, health):
    assert health_on(kept, day) == pytest.approx(health)


def test_the_last_twelve_month_ends_the_days_30_and_90_before_and_today_are_kept(kept):
    days = [r[0] for r in kept.execute("SELECT DISTINCT as_of FROM health_history ORDER BY 1").fetchall()]
    month_ends = [
        date(2025, 6, 30),
        date(2025, 7, 31),
        date(2025, 8, 31),
        date(2025, 9, 30),
        date(2025, 10, 31),
    ]
    month_ends += [
        date(2025, 11, 30),
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    month_ends += [date(2026, 4, 30), date(2026, 5, 31)]
    assert days == sorted([*month_ends, date(2026, 3, 17), date(2026, 5, 16), TODAY])
    sources = dict(kept.execute("SELECT as_of, source FROM health_history").fetchall())
    assert sources[TODAY] == "recorded" and sources[date(2026, 5, 31)] == "computed"


def test_sparkline_and_30_and_90_day_changes(kept):
    row = health_trend(kept, as_of=TODAY).row(0, named=True)
    # one value per month, oldest first: Jul 2025 .. Apr 2026 at 50, May 77.27, June (today) 68.18
    assert row["health_trend"] == pytest.approx([50.0] * 10 + [4250 / 55, 3750 / 55])
    assert row["change_30"] == pytest.approx(3750 / 55 - 3250 / 45)  # against 16 May
    assert row["change_90"] == pytest.approx(3750 / 55 - 50.0)  # against 17 Mar
    assert (row["as_of_30"], row["as_of_90"]) == (date(2026, 5, 16), date(2026, 3, 17))


def test_on_a_past_month_end_the_changes_compare_with_the_month_ends_before(kept):
    row = health_trend(kept, as_of=date(2026, 5, 31)).row(0, named=True)
    assert (row["health"], row["as_of_30"]) == (pytest.approx(4250 / 55), date(2026, 4, 30))
    assert row["change_30"] == pytest.approx(4250 / 55 - 50.0)


def test_the_part_that_moved_most_in_30_days(kept):
    moved = part_movement(kept, "A1", as_of=TODAY)
    # 16 May -> today: revenue trend 27.78 -> 22.73, loyalty 44.44 -> 36.36 (rescaled), actions 0 -> 9.09
    assert moved["part"][0] == "overdue actions"
    assert moved["change"][0] == pytest.approx(500 / 55)
    assert wording.moved_part(moved) == "overdue actions +9 points"  # whole points, as the health


def test_a_later_load_rewrites_today_but_never_a_kept_past_date(kept, make_workbook):
    late_detractor = {
        "response_id": "R0",
        "account_id": "A1",
        "survey_date": date(2026, 4, 1),
        "recommend_score": 0,
        "satisfaction": 1,
        "continue_score": 1,
    }
    load_files(kept, [("b.xlsx", make_workbook({"Surveys": [late_detractor]}))], user=ADMIN)
    record_health(kept, today=TODAY)
    assert health_on(kept, date(2026, 4, 30)) == 50.0  # kept as it was computed
    # today: the latest wave now holds R0 (index 0) and R1 (100): loyalty 50
    assert health_on(kept, TODAY) == pytest.approx((1250 + 20 * 50 + 500) / 55)


def test_recording_twice_for_the_same_data_and_day_writes_nothing(kept):
    assert record_health(kept, today=TODAY) == 0


def test_an_account_added_later_gets_its_past_computed(kept, make_workbook):
    beta = {"account_id": "B1", "account_name": "Beta", "account_manager": "Bob AM"}
    months = [{"account_id": "B1", "period": m, "revenue": 10} for m in MONTHS]
    load_files(kept, [("b.xlsx", make_workbook({"Accounts": [beta], "Financials": months}))], user=ADMIN)
    record_health(kept, today=TODAY)
    assert kept.execute(
        "SELECT count(*) FROM health_history WHERE account_id = 'B1' AND as_of = DATE '2026-04-30'"
    ).fetchall() == [(1,)]
    assert len(account_history(kept, "B1", as_of=TODAY)["as_of"].unique()) == 15
