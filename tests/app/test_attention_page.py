"""The Attention page on the demo data (built as of 24 Nov 2026, see sam_core/demo.py): each
user's own list, acknowledging and snoozing with a note, what changed since the last QBR months,
and the Portfolio's kept health and renewals."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sam_core.store import connect


def attention(app_as, username: str):
    at = app_as(username)
    at.switch_page("pages/attention.py").run()
    assert not at.exception and not at.error
    return at


def open_count(at) -> int:
    return int(re.fullmatch(r"Needs attention \((\d+)\)", at.tabs[0].label).group(1))


def named_accounts(at) -> set[str]:
    """The accounts the list's lines name ('- **Orion Pharma**: ...')."""
    return {name for m in at.markdown for name in re.findall(r"^- \*\*(.+?)\*\*:", m.value, re.MULTILINE)}


def test_the_manager_sees_her_accounts_only(app_as, demo_db):
    at = attention(app_as, "manager")
    con = connect(demo_db)
    hers = {
        r[0]
        for r in con.execute(
            "SELECT account_name FROM accounts WHERE account_manager = 'Maria Keller'"
        ).fetchall()
    }
    con.close()
    shown = named_accounts(at)
    assert shown and shown <= hers
    assert {"Orion Pharma", "Vertex Systems"} <= shown  # ACC-0005's decision maker left; ACC-0010 fell
    assert "Maria Keller's list: the 7 accounts Maria Keller manages" in at.caption[0].value


def test_an_executive_sees_the_top_accounts_and_the_concentration_flag(app_as):
    at = attention(app_as, "executive")
    lines = "\n".join(m.value for m in at.markdown)
    assert "Aurora Robotics**: Aurora Robotics over 10% of revenue" in lines
    assert "Helena Brandt's list: the top 20 accounts by revenue" in at.caption[0].value


def test_acknowledging_and_snoozing_take_items_off_the_list_with_the_note(app_as, own_copy):
    at = attention(app_as, "manager")
    before = open_count(at)
    first = at.selectbox(key="attention_item").value
    at.text_area(key="attention_note").input("Called the customer; new contact named.")
    at.button(key="attention_acknowledge").click().run()
    assert open_count(at) == before - 1
    assert at.success[0].value.startswith("Acknowledged: ")
    second = at.selectbox(key="attention_item").value
    assert second != first
    at.text_area(key="attention_note").input("After the QBR")
    at.date_input(key="attention_until").set_value(date.today() + timedelta(days=14))
    at.button(key="attention_snooze").click().run()
    assert open_count(at) == before - 2
    assert at.success[0].value.startswith("Snoozed until ")
    assert "Acknowledged and snoozed (2)" in [e.label for e in at.expander]
    con = connect(own_copy)
    rows = con.execute(
        "SELECT user_name, item_key, state, note FROM attention_acks ORDER BY acted_at"
    ).fetchall()
    con.close()
    assert rows == [
        ("manager", first, "acknowledged", "Called the customer; new contact named."),
        ("manager", second, "snoozed", "After the QBR"),
    ]


def test_without_a_note_nothing_is_acknowledged(app_as, own_copy):
    at = attention(app_as, "manager")
    before = open_count(at)
    at.button(key="attention_acknowledge").click().run()
    assert [e.value for e in at.error] == ["Write a note: what was done or why it can wait."]
    assert open_count(at) == before


def test_what_changed_defaults_to_the_last_two_qbr_months(app_as):
    at = attention(app_as, "executive")
    assert "attention_since" not in [d.key for d in at.date_input]  # only the open tab runs: the list
    at.session_state["attention_tab"] = "What changed"
    at.run()
    assert (at.date_input(key="attention_since").value, at.date_input(key="attention_until_day").value) == (
        date(2026, 7, 31),
        date(2026, 10, 31),
    )
    figures = at.dataframe[0].value
    assert list(figures.columns) == ["figure", "31 Jul 2026", "31 Oct 2026", "change"]
    assert "Revenue, last 12 months" in figures["figure"].to_list()


def test_the_portfolio_shows_kept_health_renewals_and_the_trend(app_as):
    at = app_as("executive")
    table = next(d.value for d in at.dataframe if "health_trend" in d.value.columns)
    assert {"change_30", "change_90"} <= set(table.columns)
    assert len(table["health_trend"].iloc[0]) == 12  # a health per month
    changes = table[["change_30", "change_90"]].stack()
    # whole points with their sign, and 'no change' (never "+0" or "-0") as the formatting layer writes
    assert all(re.fullmatch(r"[+-][1-9]\d*|no change", v) for v in changes), changes.to_list()
    assert "no change" in changes.to_list()  # the demo has accounts whose health held
    renewals = next(d.value for d in at.dataframe if "notice_by" in d.value.columns)
    assert renewals["account_name"].iloc[0] == "Sterling Health" and bool(renewals["in_notice"].iloc[0])
    assert "**Health over time**" in [m.value for m in at.markdown]


def test_the_weekly_digest_tab_offers_the_users_own_digest(app_as):
    at = attention(app_as, "manager")
    assert "attention_digest_pdf" not in [b.key for b in at.get("download_button")]  # not open yet
    at.session_state["attention_tab"] = "Weekly digest"
    at.run()
    assert not at.exception
    # how it is sent is for the admin: no command line for the manager
    assert "python -m sam_core" not in at.markdown[-1].value
    assert at.markdown[-1].value.endswith("Your admin can have it sent to you each week.")
    assert [b.label for b in at.get("download_button")][-2:] == ["Digest (HTML e-mail)", "Digest (PDF)"]


def test_the_admin_is_told_how_the_digest_is_sent(app_as):
    at = attention(app_as, "admin")
    at.session_state["attention_tab"] = "Weekly digest"
    at.run()
    assert "python -m sam_core digest --user admin" in at.markdown[-1].value
