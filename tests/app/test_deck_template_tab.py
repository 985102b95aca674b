"""The Administration page's Deck template tab as an admin uses it: the template in force, going
back to the built-in one, every change on record, and a clear message when no file was chosen."""

from __future__ import annotations

from datetime import datetime

import pytest

from sam_core.access.permissions import User
from sam_core.outputs import templates
from sam_core.store import connect

ADMIN = User("admin", "Alex Morgan", "admin")
PAGE = "pages/administration.py"


@pytest.fixture
def templated_db(tmp_path, monkeypatch):
    """A database of its own (the shared demo one must keep the built-in template), holding a
    company template uploaded by the admin on 2 Nov 2026."""
    path = tmp_path / "templated.duckdb"
    con = connect(path)
    templates.save_template(
        con,
        user=ADMIN,
        file_name="Acme <b>brand</b>.pptx",
        content=templates.built_in_template(),
        now=datetime(2026, 11, 2, 9, 30),
    )
    con.close()
    monkeypatch.setenv("SAM_DB_PATH", str(path))
    return path


def deck_tab(at):
    return next(tab for tab in at.tabs if tab.label == "Deck template")


def test_the_admin_sees_the_template_in_force_and_goes_back_to_the_built_in_one(
    app_env, templated_db, app_as
):
    admin = app_as("admin")
    admin.switch_page(PAGE).run()
    tab = deck_tab(admin)
    # the file name is shown as typed (escaped), never as HTML or Markdown
    assert r"In force: **Acme \<b\>brand\</b\>\.pptx**, uploaded by admin on 2 Nov 2026, 09:30 UTC." in [
        m.value for m in tab.markdown
    ]
    assert len(tab.dataframe[0].value) == 1

    tab.button(key="administration_template_reset").click()
    admin.run()
    assert [s.value for s in admin.success] == ["The deck uses the built-in template again."]
    tab = deck_tab(admin)
    assert "In force: the built-in template (16:9)." in [m.value for m in tab.markdown]
    assert "administration_template_reset" not in [b.key for b in tab.button]  # nothing to go back from
    history = tab.dataframe[0].value
    assert len(history) == 2
    con = connect(templated_db)
    assert templates.current_template(con) is None
    con.close()


def test_using_a_template_without_choosing_a_file_says_so_and_changes_nothing(app_env, templated_db, app_as):
    admin = app_as("admin")
    admin.switch_page(PAGE).run()
    deck_tab(admin).button[0].click()  # the form's "Use this template"
    admin.run()
    assert [e.value for e in admin.error] == ["Choose a .pptx or .potx file first."]
    con = connect(templated_db)
    assert templates.current_template(con).file_name == "Acme <b>brand</b>.pptx"
    con.close()
