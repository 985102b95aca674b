"""Real browser: a CRM-shaped export (tests/support/crm_export.py) committed from the mapping
screen alone, the next month's export with no choice at all, and the app's own template filled
by an account manager. Each user action is counted (choices and clicks, from upload to commit)."""

from __future__ import annotations

import re

import pytest
from crm_export import crm_export
from playwright.sync_api import expect

from sam_core.outputs.workbook import template_bytes

pytestmark = pytest.mark.e2e


class Actions:
    """Counts what the user does: `choices` (a value picked) and `clicks` (upload, remove, commit)."""

    def __init__(self, page, settle, choose):
        self.page, self.settle, self._choose = page, settle, choose
        self.choices = self.clicks = 0

    def choose(self, label: str, text: str) -> None:
        self._choose(label, text)
        self.choices += 1

    def upload(self, path) -> None:
        self.page.locator("input[type=file]").set_input_files(str(path))
        expect(self.page.get_by_text("2. Validation report")).to_be_visible(timeout=60_000)
        self.settle(self.page)
        self.clicks += 1

    def remove_file(self, name: str) -> None:
        self.page.get_by_role("button", name=f"Remove {name}").click()
        self.settle(self.page)
        self.clicks += 1

    def commit(self) -> None:
        button = self.page.get_by_role("button", name="Commit the upload")
        expect(button).to_be_visible()
        self.settle(self.page)
        button.click()
        self.clicks += 1


def summary(page):
    return page.get_by_text(re.compile(r"^\d+ errors? and \d+ warnings?"))


def test_a_crm_export_commits_from_the_mapping_screen_and_next_month_needs_no_choice(
    own_server, page, log_in, settle, choose, tmp_path
):
    first, fixed, second = (tmp_path / n for n in ("crm-july.xlsx", "crm-july-fixed.xlsx", "crm-august.xlsx"))
    first.write_bytes(crm_export(1, fixed=False))
    fixed.write_bytes(crm_export(1))
    second.write_bytes(crm_export(2))
    log_in("manager")
    page.goto(own_server + "/data_upload")
    page.get_by_text("Log out").wait_for()
    settle(page)
    month1 = Actions(page, settle, choose)
    month1.upload(first)
    # Proposed without a choice: the account manager is the uploader, the name copies the account,
    # interaction ids are generated from each row's content.
    expect(page.get_by_role("combobox", name="account_manager: fill with")).to_have_value("Maria Keller")
    expect(page.get_by_role("combobox", name="engagement_id: fill with")).to_have_value(
        "generate from each row's content"
    )
    month1.choose("account_id is empty in 1 row", "skip those rows")
    month1.choose("amount is empty in 2 rows", "use a value:")  # 0, as proposed
    month1.choose("'Engaging' means", "qualifying")
    month1.choose("product (alias)", "(keep aside)")
    month1.choose("type: fill with", "other")
    month1.choose("status: fill with", "held")
    expect(summary(page)).to_have_text(re.compile(r"^1 error and"))
    expect(page.locator("[role=gridcell]", has_text="'n/a' is not a number.")).to_have_count(1)

    # The report says to fix the file and upload it again: the fixed export (with one more
    # column) keeps every choice made above.
    month1.remove_file("crm-july.xlsx")
    month1.upload(fixed)
    expect(summary(page)).to_have_text(re.compile(r"^0 errors and"))
    expect(page.get_by_text(re.compile(r"1 row skipped \(listed\)"))).to_be_visible()
    expect(page.locator("[role=gridcell]", has_text="Row skipped: it has no account_id")).to_have_count(1)
    month1.commit()
    # 3 accounts + 5 deals (one skipped) + 4 interactions
    expect(page.get_by_text("loaded: 12 rows added, 0 changed, 0 removed")).to_be_visible()

    month2 = Actions(page, settle, choose)
    month2.upload(second)
    expect(summary(page)).to_have_text(re.compile(r"^0 errors and"))
    month2.commit()
    # D-107 and two interactions added (the four earlier ones keep their generated ids); D-103 won.
    expect(page.get_by_text("loaded: 3 rows added, 1 changed, 0 removed")).to_be_visible()

    print(
        f"\nactions to commit: month 1 {month1.choices} choices + {month1.clicks} clicks, "
        f"month 2 {month2.choices} choices + {month2.clicks} clicks"
    )
    assert (month1.choices, month1.clicks, month2.choices, month2.clicks) == (6, 4, 0, 2)


def test_the_apps_own_template_filled_by_a_manager_commits_with_no_error(
    own_server, page, log_in, settle, tmp_path, upload_page
):
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template_bytes()))
    sheet = book["Engagements"]
    header = [cell.value for cell in sheet[1]]
    for n, (day, kind) in enumerate((("2026-09-03", "qbr"), ("2026-10-08", "executive_visit")), start=1):
        row = {
            "engagement_id": f"TPL-{n}",
            "account_id": "ACC-0002",  # Summit Telecom, one of Maria Keller's demo accounts
            "date": day,
            "type": kind,
            "status": "held",
        }
        sheet.append([row.get(h) for h in header])
    path = tmp_path / "sam-template.xlsx"
    book.save(path)
    log_in("manager")
    page.goto(own_server + "/data_upload")
    page.get_by_text("Log out").wait_for()
    settle(page)
    upload_page.choose_file(path)
    expect(summary(page)).to_have_text(re.compile(r"^0 errors and"))
    upload_page.commit()
    expect(page.get_by_text(re.compile(r"loaded: \d+ rows? added"))).to_be_visible()


def test_a_sheet_of_a_thousand_columns_draws_a_bounded_mapping_screen(
    own_server, page, log_in, settle, tmp_path
):
    from workbooks import workbook_bytes

    header = ["account_id", "account_name", "account_manager", *(f"extra {i}" for i in range(997))]
    path = tmp_path / "wide.xlsx"
    path.write_bytes(workbook_bytes({"Accounts": [header, ["W-1", "Wide Co", "Maria Keller", *["x"] * 997]]}))
    log_in("manager")
    page.goto(own_server + "/data_upload")
    page.get_by_text("Log out").wait_for()
    settle(page)
    actions = Actions(page, settle, None)
    actions.upload(path)
    # 3 contract columns and 21 of the others get a drop-down (24 in all), the other 976 one list.
    expect(page.get_by_text(re.compile(r"^976 more columns are not in the contract"))).to_have_count(1)
    editor = page.get_by_test_id("stExpander").filter(has_text="wide.xlsx › Accounts")
    assert editor.get_by_test_id("stSelectbox").count() == 1 + 24  # "This sheet holds" and the columns
    expect(summary(page)).to_have_text(re.compile(r"^0 errors and 997 warnings"))
