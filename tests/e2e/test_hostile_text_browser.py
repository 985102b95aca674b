"""Real browser: text from a workbook shows as typed; nothing in it runs or renders."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from workbooks import workbook_bytes

pytestmark = pytest.mark.e2e
SCRIPT = "<img src=x onerror=alert(1)>"
ADDRESS_AND_ICON = "www.evil.example :material/warning: https://evil.example"


def last_twelve_months() -> list[str]:
    y, m, months = date.today().year, date.today().month, []
    for _ in range(12):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        months.append(f"{y}-{m:02d}")
    return months


def test_markup_in_an_account_name_is_shown_as_typed(
    own_server, page, log_in, tmp_path, go_to, choose, upload_page, settle
):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(
        workbook_bytes(
            {
                "Accounts": [
                    {
                        "account_id": "X1",
                        "account_name": "**bold** " + SCRIPT + " " + ADDRESS_AND_ICON,
                        "account_manager": "Maria Keller",
                        "strategic": "yes",
                    }
                ],
                "Financials": [
                    {"account_id": "X1", "period": month, "revenue": 5e9} for month in last_twelve_months()
                ],
                "Stakeholders": [
                    {
                        "stakeholder_id": "XS1",
                        "account_id": "X1",
                        "name": SCRIPT,
                        "level": "executive",
                        "influence": 5,
                    }
                ],
            }
        )
    )
    log_in("admin")
    go_to("Data upload")
    upload_page.choose_file(path)
    upload_page.commit()
    expect(page.get_by_text("rows added")).to_be_visible()
    go_to("Relationship map")
    choose("Account", "X1")
    expect(
        page.get_by_text("No gaps found").or_(page.get_by_role("tab", name="Gaps and risks"))
    ).to_be_visible()
    expect(page.get_by_test_id("stGraphVizChart").locator("svg text", has_text=SCRIPT).first).to_be_attached()
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("strong", has_text="bold").count() == 0

    go_to("Portfolio")  # the largest account now: its name is a slide's title
    page.get_by_text("Presentation mode").click()
    page.get_by_role("button", name="Next").click()
    settle(page)
    title = page.locator(".sam-slide h1").filter(has_text="1. **bold**").first
    expect(title).to_contain_text("<img src=x onerror=alert(1)> www.evil.example :material/warning:")
    assert title.locator("a, img").count() == 0
    assert page.locator(".sam-slide img, .sam-slide a").count() == 0
    assert title.get_by_test_id("stIconMaterial").count() == 0
    assert dialogs == []
