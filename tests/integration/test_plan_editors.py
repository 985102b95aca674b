"""Two editors at once never lose an update: a save names the version (or the values) it
started from, and a newer one refuses it with the other person's change."""

from __future__ import annotations

import pytest
from plan_fixture import ADMIN, ANN, SHEETS, at

from sam_core.errors import EditConflict, NotFound, ValidationFailed
from sam_core.ingest.uploads import load_files
from sam_core.plans import edits
from sam_core.plans import plan as plans

GROW = {"objective": "Grow share of wallet", "progress": 10, "status": "on_track"}


def _objective(con) -> str:
    (item,) = plans.save_items(
        con, user=ANN, account_id="A1", changes=[plans.Change("objectives", None, GROW)], now=at(3, 1)
    )
    return item


def test_a_stale_save_is_refused_with_the_other_persons_change_and_saves_nothing(planned):
    item = _objective(planned)
    # Ann and the admin both open version 1; Ann saves first.
    plans.save_items(
        planned,
        user=ANN,
        account_id="A1",
        changes=[plans.Change("objectives", item, GROW | {"progress": 40}, 1)],
        now=at(3, 2, 10),
    )
    with pytest.raises(
        EditConflict, match=r"^ann saved a newer version after you opened it; nothing was saved"
    ) as refused:
        plans.save_items(
            planned,
            user=ADMIN,
            account_id="A1",
            changes=[plans.Change("objectives", item, GROW | {"status": "at_risk"}, 1)],
            now=at(3, 2, 11),
        )
    assert refused.value.changes.rows() == [
        ("Our objectives: Grow share of wallet", "progress", "10", "40", "ann", at(3, 2, 10))
    ]
    now = plans.items(planned, "A1", "objectives")
    assert now.select("version", "progress", "status", "changed_by").rows() == [(2, 40, "on_track", "ann")]


def test_saving_on_the_newest_version_succeeds(planned):
    item = _objective(planned)
    plans.save_items(
        planned,
        user=ANN,
        account_id="A1",
        changes=[plans.Change("objectives", item, GROW | {"progress": 40}, 1)],
    )
    plans.save_items(
        planned,
        user=ADMIN,
        account_id="A1",
        changes=[plans.Change("objectives", item, GROW | {"progress": 50}, 2)],
    )
    assert plans.items(planned, "A1", "objectives").select("version", "progress").rows() == [(3, 50)]


def test_a_save_of_several_items_is_all_or_nothing(planned):
    item = _objective(planned)
    plans.save_items(
        planned,
        user=ANN,
        account_id="A1",
        changes=[plans.Change("objectives", item, GROW | {"progress": 40}, 1)],
    )
    with pytest.raises(EditConflict):
        plans.save_items(
            planned,
            user=ADMIN,
            account_id="A1",
            changes=[
                plans.Change("competitors", None, {"competitor": "Northwind"}),
                plans.Change("objectives", item, GROW | {"progress": 20}, 1),
            ],
        )
    assert plans.items(planned, "A1", "competitors").is_empty()


def test_an_edit_of_an_item_removed_meanwhile_is_refused(planned):
    item = _objective(planned)
    plans.save_items(
        planned, user=ANN, account_id="A1", changes=[plans.Change("objectives", item, None, 1)], now=at(3, 5)
    )
    with pytest.raises(EditConflict) as refused:
        plans.save_items(
            planned,
            user=ADMIN,
            account_id="A1",
            changes=[plans.Change("objectives", item, GROW | {"progress": 60}, 1)],
        )
    assert refused.value.changes.rows() == [
        ("Our objectives: Grow share of wallet", "(item)", "present", "removed", "ann", at(3, 5))
    ]
    assert plans.items(planned, "A1", "objectives").is_empty()


def test_two_editors_adding_the_same_whitespace_cell_cannot_both_win(planned):
    cell = {"offering": "Analytics", "business_unit": "Finance", "status": "target"}
    plans.save_items(planned, user=ANN, account_id="A1", changes=[plans.Change("whitespace", None, cell, 0)])
    with pytest.raises(EditConflict):
        plans.save_items(
            planned,
            user=ADMIN,
            account_id="A1",
            changes=[plans.Change("whitespace", None, cell | {"status": "sold"}, 0)],
        )
    assert plans.items(planned, "A1", "whitespace").select("item_id", "status").rows() == [
        ("Analytics / Finance", "target")
    ]


def test_a_save_that_changes_nothing_is_not_recorded(planned):
    item = _objective(planned)
    plans.save_items(
        planned, user=ADMIN, account_id="A1", changes=[plans.Change("objectives", item, GROW, 1)]
    )
    assert plans.items(planned, "A1", "objectives")["version"].to_list() == [1]
    assert plans.changes(planned, "A1")["changed_by"].unique().to_list() == ["ann"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"progress": 10}, "Our objectives: objective is required."),
        (GROW | {"progress": 120}, r"Our objectives: progress 120 is out of range \(0-100\)."),
        (GROW | {"status": "late"}, "Our objectives: status 'late' is not one of: not_started, on_track"),
    ],
)
def test_a_bad_objective_is_refused_with_the_reason_and_nothing_saved(planned, fields, message):
    with pytest.raises(ValidationFailed, match=message):
        plans.save_items(
            planned, user=ANN, account_id="A1", changes=[plans.Change("objectives", None, fields)]
        )
    assert planned.execute("SELECT count(*) FROM plan_items").fetchall() == [(0,)]


@pytest.mark.parametrize(
    ("section", "fields", "message"),
    [
        ("value", {"problem": "p", "offer": "o", "validated": True}, "marked validated needs the evidence"),
        (
            "whitespace",
            {"offering": "Analytics", "business_unit": "IT", "status": "pipeline"},
            "is in pipeline: give its opportunity_id",
        ),
        (
            "whitespace",
            {"offering": "Analytics", "business_unit": "IT", "status": "pipeline", "opportunity_id": "O2"},
            "There is no opportunity O2 of account A1",
        ),
        (
            "contacts",
            {"executive": "Eve", "stakeholder_id": "S3"},
            "There is no stakeholder S3 of account A1",
        ),
        ("shared_actions", {"shared": True}, "Name the action to share"),
    ],
)
def test_plan_items_must_hold_together_with_the_accounts_data(planned, section, fields, message):
    with pytest.raises(ValidationFailed, match=message):
        plans.save_items(planned, user=ANN, account_id="A1", changes=[plans.Change(section, None, fields)])


# -- living data ---------------------------------------------------------------------------------


def test_two_editors_of_one_stakeholder_the_second_is_refused_with_the_firsts_change(planned):
    edits.edit_stakeholder(
        planned,
        user=ANN,
        stakeholder_id="S2",
        expected={"title": "CFO"},
        changes={"title": "Group CFO"},
        now=at(4, 1),
    )
    with pytest.raises(EditConflict, match="Stakeholder S2 was changed after you opened it") as refused:
        edits.edit_stakeholder(
            planned,
            user=ADMIN,
            stakeholder_id="S2",
            expected={"title": "CFO"},
            changes={"title": "Finance Director"},
        )
    assert refused.value.changes.rows() == [("Stakeholder S2", "title", "CFO", "Group CFO", "ann", at(4, 1))]
    assert planned.execute("SELECT title FROM stakeholders WHERE stakeholder_id = 'S2'").fetchall() == [
        ("Group CFO",)
    ]


def test_an_edit_over_a_value_an_upload_changed_is_refused(planned, make_workbook):
    rows = [
        dict(r, title="Chief Financial Officer") if r["stakeholder_id"] == "S2" else r
        for r in SHEETS["Stakeholders"]
    ]
    load_files(planned, [("crm.xlsx", make_workbook({"Stakeholders": rows}))], user=ADMIN)
    with pytest.raises(EditConflict) as refused:
        edits.edit_stakeholder(
            planned, user=ANN, stakeholder_id="S2", expected={"title": "CFO"}, changes={"title": "x"}
        )
    assert refused.value.changes.select("now", "changed_by").rows() == [
        ("Chief Financial Officer", "an upload")
    ]


def test_two_managers_marking_one_action_the_second_sees_the_first(planned):
    edits.set_action_status(
        planned, user=ANN, action_id="X1", status="done", expected_status="open", today=at(5, 1).date()
    )
    with pytest.raises(EditConflict):
        edits.set_action_status(
            planned,
            user=ADMIN,
            action_id="X1",
            status="dropped",
            expected_status="open",
            today=at(5, 1).date(),
        )
    assert planned.execute("SELECT status FROM actions WHERE action_id = 'X1'").fetchall() == [("done",)]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": "CTO"}, "Stakeholders: name is required."),
        ({"name": "Ivo", "influence": 7}, "Stakeholders: influence 7 must be between 1 and 5."),
        ({"name": "Ivo", "level": "boss"}, "Stakeholders: level 'boss' is not one of: executive, senior"),
        ({"name": "Ivo", "reports_to": "S3"}, "reports_to S3 is not a stakeholder of account A1."),
    ],
)
def test_a_bad_stakeholder_is_refused_with_the_reason_and_nothing_changes(planned, values, message):
    with pytest.raises(ValidationFailed, match=message):
        edits.add_stakeholder(planned, user=ANN, account_id="A1", values=values)
    assert planned.execute("SELECT count(*) FROM stakeholders").fetchall() == [(3,)]
    assert planned.execute("SELECT count(*) FROM data_edits").fetchall() == [(0,)]


def test_an_engagement_recorded_in_the_app_counts_for_the_cadence(planned):
    from datetime import date

    from sam_core.metrics.cadence import cadence_status

    new = edits.record_engagement(
        planned,
        user=ANN,
        account_id="A1",
        values={"date": date(2026, 6, 10), "type": "internal_review", "status": "held"},
        now=at(6, 10),
    )
    assert new == "WEB-ENG-00001"
    status = cadence_status(planned, as_of=date(2026, 6, 15)).filter(rule="Internal reviews", account_id="A1")
    assert status["last"].to_list() == [date(2026, 6, 10)]


def test_editing_a_row_that_is_gone_says_so(planned):
    with pytest.raises(NotFound, match="There is no stakeholder S9"):
        edits.edit_stakeholder(planned, user=ADMIN, stakeholder_id="S9", expected={}, changes={"title": "x"})
