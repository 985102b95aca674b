"""Real browser: text from a workbook shows as typed; nothing in it runs or renders."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from workbooks import workbook_bytes

pytestmark = pytest.mark.e2e
SCRIPT = "<img src=x onerror=alert(1)>"


def test_markup_in_an_account_name_is_shown_as_typed(
    own_server, page, log_in, tmp_path, go_to, choose, upload_page
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
                        "account_name": "**bold** " + SCRIPT,
                        "account_manager": "Maria Keller",
                        "strategic": "yes",
                    }
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
    assert dialogs == []
