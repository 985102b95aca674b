"""Each user's own attention list: acknowledged and snoozed with a note (who and when), refused
outside the user's accounts, and the weekly digest per role (a manager never sees another
manager's accounts). The program: tests/support/attention_fixture.py."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import polars as pl
import pytest
from attention_fixture import ADMIN, ANN, BOB, EXECUTIVE, SAM, SHEETS, TODAY
from pypdf import PdfReader
from workbooks import workbook_bytes

from sam_core.attention.acks import ack_log, set_state, user_list
from sam_core.attention.digest import build_digest, digests_written, write_digest
from sam_core.attention.policy import AttentionRules
from sam_core.attention.rules import attention_items
from sam_core.attention.scope import scope_of
from sam_core.errors import PermissionDenied, ValidationFailed
from sam_core.ingest.uploads import load_files
from sam_core.store import connect

RULES = AttentionRules(top_accounts=2)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The program loaded and its health of TODAY kept, once: each test opens a copy."""
    path = tmp_path_factory.mktemp("attention") / "program.duckdb"
    con = connect(path)
    load_files(con, [("p.xlsx", workbook_bytes(SHEETS))], user=ADMIN)
    attention_items(con, today=TODAY, rules=RULES)
    con.close()
    return path


@pytest.fixture(scope="module")
def items(built, tmp_path_factory):
    """Every attention item of TODAY (the lists below differ by user and acknowledgements only)."""
    copy = tmp_path_factory.mktemp("items") / "program.duckdb"
    shutil.copy(built, copy)
    con = connect(copy)
    try:
        return attention_items(con, today=TODAY, rules=RULES)
    finally:
        con.close()


@pytest.fixture
def program(built, tmp_path):
    shutil.copy(built, tmp_path / "copy.duckdb")
    con = connect(tmp_path / "copy.duckdb")
    yield con
    con.close()


def open_keys(con, user, items) -> list[str]:
    mine = user_list(con, user, items, today=TODAY, scope=scope_of(con, user, today=TODAY, top_n=2))
    return mine.filter(pl.col("state") == "open")["key"].to_list()


@pytest.mark.parametrize(
    "user,keys",
    [
        (ANN, ["loop_open|A1|R1"]),
        (BOB, ["loop_open|A2|R2", "loop_open|A3|R3"]),
        (SAM, ["loop_open|A1|R1", "loop_open|A2|R2"]),  # sponsors A1 and A2 (the top 2 too)
        (EXECUTIVE, ["loop_open|A1|R1", "loop_open|A2|R2"]),  # the top 2 by revenue
        (ADMIN, ["loop_open|A1|R1", "loop_open|A2|R2", "loop_open|A3|R3"]),
    ],
)
def test_each_user_sees_the_items_of_their_own_accounts(program, items, user, keys):
    assert open_keys(program, user, items) == keys


def test_an_acknowledgement_leaves_only_that_users_list_and_keeps_who_when_and_the_note(program, items):
    set_state(
        program,
        user=ANN,
        key="loop_open|A1|R1",
        state="acknowledged",
        note="Called Respondent 1; action X9 follows.",
        today=TODAY,
        now=datetime(2026, 6, 8, 10, 30),
    )
    assert open_keys(program, ANN, items) == []
    assert open_keys(program, ADMIN, items) == ["loop_open|A1|R1", "loop_open|A2|R2", "loop_open|A3|R3"]
    assert ack_log(program, "ann").select("acted_at", "key", "state", "note").rows() == [
        (
            datetime(2026, 6, 8, 10, 30),
            "loop_open|A1|R1",
            "acknowledged",
            "Called Respondent 1; action X9 follows.",
        )
    ]


def test_a_snoozed_item_comes_back_on_the_day_its_snooze_ends(program, items):
    set_state(
        program,
        user=BOB,
        key="loop_open|A2|R2",
        state="snoozed",
        note="After the QBR",
        today=TODAY,
        until=date(2026, 6, 12),
    )
    scope = scope_of(program, BOB, today=TODAY, top_n=2)
    on = {
        d: user_list(program, BOB, items, today=d, scope=scope).filter(state="open")["key"].to_list()
        for d in (date(2026, 6, 11), date(2026, 6, 12))
    }
    assert on == {
        date(2026, 6, 11): ["loop_open|A3|R3"],
        date(2026, 6, 12): ["loop_open|A2|R2", "loop_open|A3|R3"],
    }


def test_a_reopened_item_is_back_on_the_list(program, items):
    set_state(program, user=ANN, key="loop_open|A1|R1", state="acknowledged", note="done", today=TODAY)
    set_state(program, user=ANN, key="loop_open|A1|R1", state="reopened", note="", today=TODAY)
    assert open_keys(program, ANN, items) == ["loop_open|A1|R1"]


@pytest.mark.parametrize(
    "state,note,until,message",
    [
        ("acknowledged", "  ", None, "Write a note: what was done or why it can wait."),
        ("snoozed", "later", None, "Choose a day after today to snooze until."),
        ("snoozed", "later", TODAY, "Choose a day after today to snooze until."),
        ("snoozed", "later", date(2026, 9, 7), r"Snooze for at most 90 days \(until 2026-09-06\)."),
        ("acknowledged", "x" * 501, None, "The note has 501 characters; keep it under 500."),
        ("forgotten", "x", None, "'forgotten' is not one of: acknowledged, snoozed, reopened."),
    ],
)
def test_bad_acknowledgements_are_refused_and_change_nothing(program, state, note, until, message):
    with pytest.raises(ValidationFailed, match=message):
        set_state(program, user=ANN, key="loop_open|A1|R1", state=state, note=note, today=TODAY, until=until)
    assert program.execute("SELECT count(*) FROM attention_acks").fetchall() == [(0,)]


def test_a_manager_cannot_acknowledge_another_managers_item(program):
    with pytest.raises(
        PermissionDenied,
        match=r"^Not permitted: account A2 is not on Ann AM's list \(the 1 account Ann AM manages",
    ):
        set_state(
            program, user=ANN, key="loop_open|A2|R2", state="acknowledged", note="not mine", today=TODAY
        )
    assert program.execute("SELECT count(*) FROM attention_acks").fetchall() == [(0,)]


def test_a_manager_cannot_acknowledge_a_portfolio_flag(program):
    with pytest.raises(PermissionDenied, match="the portfolio's concentration is not on Ann AM's list"):
        set_state(
            program, user=ANN, key="concentration|top3|2026-05", state="acknowledged", note="x", today=TODAY
        )


# -- the weekly digest ----------------------------------------------------------------------------


def digest_text(con, user, items=None) -> tuple[str, str, object]:
    built = build_digest(con, user=user, today=TODAY, rules=RULES, items=items)
    from sam_core.outputs.attention import digest_html, digest_pdf

    pdf = PdfReader(__import__("io").BytesIO(digest_pdf(built)))
    return digest_html(built), "\n".join(page.extract_text() for page in pdf.pages), built


@pytest.mark.parametrize(
    "user,shown,never",
    [
        (ANN, ["Alpha"], ["Beta", "Gamma", "Respondent 2", "Respondent 3"]),
        (BOB, ["Beta", "Gamma"], ["Alpha", "Respondent 1"]),
        (EXECUTIVE, ["Alpha", "Beta"], ["Gamma", "Respondent 3"]),
    ],
)
def test_a_digest_holds_only_the_users_accounts_in_both_documents(program, items, user, shown, never):
    html, pdf, built = digest_text(program, user, items)
    for name in shown:
        assert name in html and name in pdf
    for name in never:
        assert name not in html and name not in pdf
    assert built.subject.startswith(f"Strategic accounts: {built.items.height} item")


def test_a_digest_leaves_out_what_the_user_acknowledged(program, items):
    set_state(program, user=BOB, key="loop_open|A2|R2", state="acknowledged", note="handled", today=TODAY)
    _, _, built = digest_text(program, BOB, items)
    assert (built.items["key"].to_list(), built.acknowledged) == (["loop_open|A3|R3"], 1)


def test_a_digest_is_written_to_the_outbox_and_recorded(program, items, tmp_path):
    built = build_digest(program, user=ANN, today=TODAY, rules=RULES, items=items)
    paths = write_digest(program, built, by=ANN, folder=tmp_path / "outbox", now=datetime(2026, 6, 8, 6))
    assert [p.name for p in paths] == ["digest-ann-2026-06-08.html", "digest-ann-2026-06-08.pdf"]
    assert paths[0].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert paths[1].read_bytes().startswith(b"%PDF")
    assert digests_written(program).select("user_name", "week_of", "written_by", "items").rows() == [
        ("ann", date(2026, 6, 8), "ann", 1)
    ]


def test_only_an_admin_writes_someone_elses_digest(program, items, tmp_path):
    built = build_digest(program, user=BOB, today=TODAY, rules=RULES, items=items)
    with pytest.raises(PermissionDenied):
        write_digest(program, built, by=ANN, folder=tmp_path / "outbox")
    assert not (tmp_path / "outbox").exists()
    assert len(write_digest(program, built, by=ADMIN, folder=tmp_path / "outbox")) == 2


def test_text_from_the_data_is_escaped_in_the_html_digest(db, make_workbook):
    sheets = {**SHEETS, "Accounts": [dict(SHEETS["Accounts"][0], account_name="<b>Alpha</b> & Co")]}
    sheets["Financials"] = [r for r in SHEETS["Financials"] if r["account_id"] == "A1"]
    sheets["Surveys"] = SHEETS["Surveys"][:1]
    load_files(db, [("p.xlsx", make_workbook(sheets))], user=ADMIN)
    html, _, _ = digest_text(db, ANN)
    assert "&lt;b&gt;Alpha&lt;/b&gt; &amp; Co" in html and "<b>Alpha</b>" not in html
