"""The Portfolio page shows the figures of SPEC.md section 4 as worked out by hand
(tests/support/portfolio_fixture.py: T12M revenue 1200, 600, 300 and 60)."""

from __future__ import annotations

import re
from datetime import date

import pytest


@pytest.fixture
def portfolio(hand_worked):
    return hand_worked("executive")


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_headline_figures_match_the_hand_worked_values(portfolio):
    shown = metrics(portfolio)
    assert shown["Revenue, last 12 months"] == "€2.2k"  # 1200 + 600 + 300 + 60
    assert shown["Share of the top 20"] == "100%"
    assert shown["Effective accounts"] == "2.5"  # 2160² / 1,893,600 = 2.46
    assert (
        shown["Profit margin"] == "30.0%"
    )  # 360 profit / 1200 revenue of A1, the one account reporting profit


def test_pipeline_and_wins_match_the_hand_worked_values(portfolio):
    shown = metrics(portfolio)
    assert not any(
        "last loaded, whatever the as-of month" in c.value for c in portfolio.caption
    )  # this month
    assert (shown["Open pipeline"], shown["Weighted pipeline"], shown["Won"]) == ("€300", "€170", "€300")
    assert (shown["Win rate, deals"], shown["Win rate, value"]) == ("50%", "75%")


def test_the_page_says_what_the_money_covers(portfolio):
    assert portfolio.caption[0].value == (
        "**Money in EUR (€), data through Jun 2026** (the last 12 months: Jul 2025 to Jun 2026): accounts "
        "holding 100% of the previous 12 months' revenue have reported it. As of "
        f"{date.today().day} {date.today():%b %Y}."
    )


def growth(at) -> str:
    return next(m.delta for m in at.metric if m.label == "Revenue, last 12 months")


def test_an_earlier_as_of_month_moves_every_figure(portfolio):
    # As of Jun 2026: 2160 against 960 + 600 + 600 + 60 = 2220 the 12 months before: -2.7%.
    assert growth(portfolio) == "-2.7% growth"
    # As of Dec 2025 the window is Jan-Dec 2025: A1 80 x 6 + 100 x 6 = 1080, A2 600, A3 50 x 6 + 25 x 6
    # = 450, A4 60: 2190. The 12 months before it hold only Jul-Dec 2024 (the data's start): no growth,
    # where it was +97.3% (2190 against 1110) before.
    portfolio.selectbox(key="portfolio_as_of").set_value(date(2025, 12, 1)).run()
    assert metrics(portfolio)["Revenue, last 12 months"] == "€2.2k"
    assert growth(portfolio) == ""
    assert portfolio.caption[0].value.endswith(
        "No growth figure: the 12 months before them (from Jan 2024) are not all in the data."
    )
    # opportunities hold no creation date: the pipeline is the one loaded, and the page says so
    assert metrics(portfolio)["Open pipeline"] == "€300"
    assert any(
        "The pipeline is the one last loaded, whatever the as-of month" in c.value for c in portfolio.caption
    )
    assert "data through Dec 2025" in portfolio.caption[0].value
    assert metrics(portfolio)["Won"] == "€0"  # O3 was won in Mar 2026


def test_changing_n_changes_the_top_share_and_the_sentence(portfolio):
    portfolio.number_input(key="portfolio_n").set_value(2).run()
    assert metrics(portfolio)["Share of the top 2"] == "83%"  # 1800 / 2160
    assert "**Top 2 = 83% of revenue; the other 2 accounts = 17%.**" in [m.value for m in portfolio.markdown]


def test_rolling_up_subsidiaries_changes_every_figure(portfolio):
    portfolio.number_input(key="portfolio_n").set_value(1).run()
    assert metrics(portfolio)["Share of the top 1"] == "56%"  # 1200 / 2160
    portfolio.toggle(key="portfolio_rollup").set_value(True).run()
    assert metrics(portfolio)["Share of the top 1"] == "58%"  # (1200 + 60) / 2160


def test_concentration_flags_are_listed(portfolio):
    warning = portfolio.warning[0].value
    assert "The largest account holds 56% of revenue (risk above 10%)." in warning
    assert "The top 3 accounts hold 97% of revenue (risk above 25%)." in warning


def slide(at) -> str:
    """The slide's HTML without the spans that keep a date or an aside on one line."""
    body = next(h.proto.body for h in at.html if "sam-slide" in h.proto.body)
    return re.sub(r'<span class="nw">(.*?)</span>', r"\1", body)


def test_presentation_mode_walks_from_the_portfolio_through_the_accounts_to_the_asks(portfolio):
    portfolio.number_input(key="portfolio_n").set_value(2).run()
    portfolio.toggle(key="portfolio_present").set_value(True).run()
    assert "<h1>Top 2 accounts: 83% of revenue</h1>" in slide(portfolio)
    assert [m.value for m in portfolio.markdown if re.fullmatch(r"\d+ / \d+", m.value)] == ["1 / 4"]
    portfolio.button(key="portfolio_next").click().run()
    # A1's health parts as points (tests/integration/test_meeting_outputs.py works them out)
    assert "<h1>1. Alpha</h1>" in slide(portfolio) and ">16.2</span>" in slide(portfolio)
    assert "NPS +33 · 3 respondents" in slide(portfolio)  # a count, not a change: no arrow
    portfolio.button(key="portfolio_next").click().run()
    assert "<h1>2. Beta</h1>" in slide(portfolio)
    portfolio.button(key="portfolio_next").click().run()
    assert "Ann AM: hold and plan the 90-day reviews of Alpha (overdue since 2 May 2026)" in slide(portfolio)
    assert portfolio.button(key="portfolio_next").disabled
    portfolio.button(key="portfolio_previous").click().run()
    assert "<h1>2. Beta</h1>" in slide(portfolio)


def test_leaving_presentation_mode_brings_the_page_back(portfolio):
    portfolio.toggle(key="portfolio_present").set_value(True).run()
    assert not list(portfolio.metric)
    portfolio.button(key="portfolio_leave").click().run()
    assert portfolio.toggle(key="portfolio_present").value is False
    assert metrics(portfolio)["Share of the top 20"] == "100%"


def test_whole_figures_change_in_whole_points(app_as):
    # 'Loyalty index 70, +2.0 vs previous wave' beside 'NPS +13, +5 vs previous wave'
    at = app_as("executive")
    deltas = {m.label: m.delta for m in at.metric if m.label in ("Loyalty index", "NPS")}
    assert len(deltas) == 2
    for label, delta in deltas.items():
        assert re.fullmatch(r"[+-]\d+ vs previous wave|no change", delta), (label, delta)


def test_cadence_compliance_is_compared_only_with_a_time_the_data_cover(portfolio):
    # the engagements start on 1 Sep 2025: as of 31 Oct 2025, 90 days before (2 Aug) nothing had been
    # loaded, and every rule read overdue then ('+50 pts in 90 days' of nothing)
    def cadence(at):
        return next(m.delta for m in at.metric if m.label == "Cadence compliance")

    assert cadence(portfolio) != ""
    portfolio.selectbox(key="portfolio_as_of").set_value(date(2025, 10, 1)).run()
    assert cadence(portfolio) == ""
    portfolio.selectbox(key="portfolio_as_of").set_value(date(2025, 11, 1)).run()  # back to 1 Sep: covered
    assert cadence(portfolio) != ""
