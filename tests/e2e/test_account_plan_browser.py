"""Real browser: an account manager keeps her plan (an objective's progress, a new stakeholder,
an action done), then an executive reads the plan with every change and no control to edit."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
import xlsxwriter
from playwright.sync_api import expect

from sam_core.demo import demo_workbook

pytestmark = pytest.mark.e2e
ACCOUNT = "ACC-0002"  # Maria Keller's, with a demo plan


def cell(page, text: str):
    """Cells of the page's tables holding exactly `text`."""
    return page.get_by_test_id("stDataFrame").locator(
        "[role=gridcell]", has_text=re.compile(f"^{re.escape(text)}$")
    )


def open_plan(page, go_to, choose):
    go_to("Account plan")
    choose("Account", ACCOUNT)
    expect(page.get_by_role("heading", name="Account plan")).to_be_visible()


def test_manager_keeps_her_plan_and_an_executive_reads_it(page, own_server, log_in, go_to, choose, settle):
    log_in("manager")
    open_plan(page, go_to, choose)

    page.get_by_text("Edit our objectives").click()
    progress = page.get_by_role("spinbutton", name="Progress")
    progress.fill("87")
    page.get_by_role("button", name="Save objective").click()
    expect(page.get_by_text("Objective saved.")).to_be_visible()
    expect(cell(page, "87")).to_have_count(1)  # the objectives table's progress
    settle(page)  # the save's run is over: a click now is not lost in a run being drawn

    page.get_by_text("Update an action: done, dropped, shared").click()
    settle(page)
    chosen = page.get_by_role("combobox", name="Action", exact=True).input_value()
    action_id = chosen.split(" ")[0]
    page.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text(f"Action {action_id} is done now.")).to_be_visible()

    page.get_by_role("tab", name="People and meetings").click()
    page.get_by_text("Add a stakeholder").click()
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Add the stakeholder"))
    form.get_by_role("textbox", name="Name *").fill("Nora Newman")
    form.get_by_role("textbox", name="Title").fill("Chief Digital Officer")
    form.get_by_role("button", name="Add the stakeholder").click()
    expect(page.get_by_text("Nora Newman added.")).to_be_visible()

    page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
    settle(page)
    log_in("executive")
    open_plan(page, go_to, choose)
    expect(page.get_by_text("Read only: the account's manager and admins edit the plan.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark reviewed")).to_have_count(0)
    expect(cell(page, "87")).to_have_count(1)
    page.get_by_role("tab", name="People and meetings").click()
    expect(cell(page, "Nora Newman")).to_have_count(1)
    expect(page.get_by_text("Add a stakeholder")).to_have_count(0)
    page.get_by_role("tab", name="History").click()
    edited = page.get_by_test_id("stDataFrame").filter(  # the living data edited in the app
        has=page.locator("[role=gridcell]", has_text=re.compile("^Actions$"))
    )
    for text in (action_id, "done", "Nora Newman", "Chief Digital Officer"):
        expect(edited.locator("[role=gridcell]", has_text=re.compile(f"^{text}$")).first).to_be_attached()


def stakeholders_export(tmp_path, account: str) -> tuple[str, dict]:
    """The account's Stakeholders sheet as the demo loaded them, in a workbook created on
    1 Jan 2020: an export taken long before any edit in the app."""
    rows = demo_workbook(date.today())["Stakeholders"].filter(account_id=account)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": datetime(2020, 1, 1)})
    sheet = book.add_worksheet("Stakeholders")
    sheet.write_row(0, 0, rows.columns)
    for i, row in enumerate(rows.iter_rows(), start=1):
        for j, value in enumerate(row):
            if value is not None:
                sheet.write(i, j, value)
    book.close()
    path = tmp_path / "stakeholders.xlsx"
    path.write_bytes(buffer.getvalue())
    return str(path), rows.row(0, named=True)


def test_an_upload_shows_the_app_edit_it_would_overwrite_and_keeps_it(
    page, own_server, log_in, go_to, choose, settle, tmp_path, upload_page
):
    path, person = stakeholders_export(tmp_path, "ACC-0005")
    log_in("manager")
    go_to("Account plan")
    choose("Account", "ACC-0005")
    page.get_by_role("tab", name="People and meetings").click()
    page.get_by_text("Edit a stakeholder").click()
    choose("Stakeholder", person["stakeholder_id"])
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Save the stakeholder"))
    form.get_by_role("textbox", name="Title").fill("Head of Everything")
    form.get_by_role("button", name="Save the stakeholder").click()
    expect(page.get_by_text(f"Stakeholder {person['stakeholder_id']} saved.")).to_be_visible()

    page.goto(own_server + "/data_upload")
    page.get_by_text("Log out").wait_for()
    upload_page.choose_file(path)
    expect(
        page.get_by_text("1 value edited in the app after this file's data was taken would be overwritten")
    ).to_be_visible()
    conflict = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("[role=gridcell]", has_text="Head of Everything")
    )
    expect(
        conflict.locator("[role=gridcell]", has_text=re.compile(f"^{re.escape(person['title'])}$"))
    ).to_have_count(1)
    upload_page.commit()
    expect(page.get_by_text("1 value edited in the app kept")).to_be_visible()

    go_to("Account plan")
    page.get_by_role("tab", name="People and meetings").click()
    people = page.get_by_test_id("stDataFrame").filter(
        has=page.locator("[role=gridcell]", has_text=person["stakeholder_id"])
    )
    expect(people.locator("[role=gridcell]", has_text="Head of Everything").first).to_be_attached()


def test_what_the_manager_typed_and_did_not_save_survives_a_look_at_the_history(
    page, server, log_in, go_to, choose, settle
):
    log_in("manager")
    open_plan(page, go_to, choose)
    page.get_by_text("Edit the customer's business").click()
    goals = page.get_by_role("textbox", name="Goals")
    goals.fill("Half of their revenue from digital services by 2030")
    page.get_by_role("tab", name="History").click()
    settle(page)
    expect(page.get_by_role("combobox", name="Since")).to_be_visible()  # the History tab ran
    page.get_by_role("tab", name="Plan").click()
    settle(page)
    expect(goals).to_have_value("Half of their revenue from digital services by 2030")
