"""Real browser: an account manager uploads a CRM-shaped export, maps a column, reads the
report, commits, and sees the new figure on the Portfolio page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from workbooks import workbook_bytes

pytestmark = pytest.mark.e2e


def crm_export(tmp_path) -> str:
    """Other headers, a title row, m/d/yy text dates; revenue of 1bn a month for 12 months."""
    y, m, months = date.today().year, date.today().month, []
    for _ in range(12):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        months.append(f"{m}/1/{str(y)[2:]}")
    path = tmp_path / "crm.xlsx"
    path.write_bytes(
        workbook_bytes(
            {
                "Account export": [
                    {
                        "Acct ID": "NEW-1",
                        "Company Title": "Neptune Shipping",
                        "Account Owner": "Maria Keller",
                        "Region": "Nordics",
                    }
                ],
                "Revenue by month": [
                    {"Acct ID": "NEW-1", "Month": month, "Net Sales": 1e9} for month in months
                ],
            },
            title_rows={"Account export": ["Export from CRM, all accounts"]},
        )
    )
    return str(path)


def revenue_metric(page):
    metric = page.get_by_test_id("stMetric").filter(has_text="Revenue, last 12 months")
    return metric.get_by_test_id("stMetricValue").inner_text()


def test_upload_map_check_commit_and_see_it_on_the_portfolio(
    own_server, page, log_in, settle, tmp_path, go_to, upload_page
):
    log_in("manager")
    before = revenue_metric(page)
    page.goto(own_server + "/data_upload")
    page.get_by_text("Log out").wait_for()
    upload_page.choose_file(crm_export(tmp_path))
    expect(page.get_by_text(re.compile(r"^1 error and"))).to_be_visible()
    expect(page.locator("[role=gridcell]", has_text="Required column 'account_name'")).to_have_count(1)
    expect(page.get_by_role("button", name="Commit the upload")).to_have_count(0)

    mapping = page.get_by_test_id("stSelectbox").filter(has_text="Company Title")
    mapping.scroll_into_view_if_needed()  # a click that scrolls the page closes the list it opens
    settle(page)
    mapping.click()
    page.get_by_role("option", name="account_name", exact=True).click()
    settle(page)
    expect(page.get_by_text("0 errors")).to_be_visible()
    expect(page.locator("[role=gridcell]", has_text="text dates read as month/day/year")).to_have_count(1)

    upload_page.commit()
    expect(page.get_by_text("loaded: 13 rows added")).to_be_visible()

    go_to("Portfolio")
    after = revenue_metric(page)
    assert (before, after) != (after, after)
    assert after.startswith("€13.")  # the demo's €1.5bn plus 12 x 1bn
