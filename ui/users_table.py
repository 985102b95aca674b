"""The Administration page's Users tab: the Users table of company sign-on (e-mail -> name,
role, accounts granted), kept one person at a time or by loading the Users sheet. Every change
goes through sam_core.access.directory (admins only, recorded in the login record)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from sam_core.access import directory
from sam_core.access.directory import NO_ACCESS, ROLE_TEXT
from sam_core.access.permissions import ROLES, User
from sam_core.access.sessions import REMOVED_FROM_USERS
from sam_core.errors import SamError, ValidationFailed, WorkbookError
from sam_core.outputs.formatting import plain
from sam_core.outputs.workbook import export_bytes
from ui import data, session, widgets
from ui.administration import MESSAGE
from ui.run import settings

TIME = "D MMM YYYY, HH:mm:ss"  # formatting.long_date's day, with the time
NEW = ""  # the "Person" choice that adds someone
PICK = "administration_users_pick"
ROLE_CHOICES = ("", *ROLES, NO_ACCESS)  # "": the role the groups give


def _role_label(role: str) -> str:
    return ROLE_TEXT[role or None].capitalize()


def _person(email: str) -> str:
    return email or "A new person"


def users_tab(user: User) -> None:
    sign_on = settings().sign_on
    if sign_on is None:
        st.caption(
            "Company sign-on is off (SAM_AUTH=password): people log in with the users file, and this table "
            "is used once company sign-on is on. You can prepare it now."
        )
    else:
        mapping = plain(directory.roles_text(sign_on.roles))
        st.caption(
            f"People sign in with {sign_on.label}. Their role is the role here, if any ('no access' refuses "
            "them whatever their groups); otherwise the first of their groups "
            f"(claim `{sign_on.groups_claim}`) that SAM_OIDC_ROLES maps: {mapping}. The accounts whose "
            "account manager is the name here are theirs; someone not listed owns no account."
        )
    con = data.db()
    people = directory.entries(con)
    cc = st.column_config
    st.dataframe(
        people.with_columns(
            pl.col("role")
            .fill_null("")
            .replace_strict({r: _role_label(r) for r in ROLE_CHOICES}, default=None),
            pl.col("accounts").list.join(", "),
        ),
        hide_index=True,
        column_config={
            "email": cc.TextColumn("E-mail"),
            "name": cc.TextColumn("Name (as the data writes it)"),
            "role": cc.TextColumn("Role"),
            "accounts": cc.TextColumn("Accounts granted"),
            "changed_by": cc.TextColumn("Changed by"),
            "changed_at": cc.DatetimeColumn("Changed (UTC)", format=TIME),
            "via": cc.TextColumn("How", help="app: on this page; otherwise the file loaded"),
        },
        key="administration_users_table",
    )
    st.caption(f"{people.height:,} {'person' if people.height == 1 else 'people'} in the Users table.")
    left, right = st.columns(2, gap="large")
    with left:
        _edit_form(user, people)
    with right:
        _remove_form(user, people)
        _users_sheet(user, people)


def _edit_form(user: User, people: pl.DataFrame) -> None:
    st.subheader("Add or change a person")
    emails = people["email"].to_list()
    picked = st.selectbox(
        "Person",
        [NEW, *emails],
        format_func=_person,
        key=PICK,
    )
    current = people.filter(pl.col("email") == picked).row(0, named=True) if picked else None
    accounts = directory.account_choices(data.db())
    suffix = picked or "new"  # each person's form starts from their row
    with st.form("administration_users_form", border=False):
        st.text_input(
            "E-mail",
            value=picked,
            disabled=bool(picked),
            key=f"administration_users_email_{suffix}",
            placeholder="maria.keller@example.com",
        )
        st.text_input(
            "Name (as the Accounts sheet's account manager column writes it)",
            value=(current or {}).get("name") or "",
            key=f"administration_users_name_{suffix}",
            help="The accounts whose account manager is this name are theirs. Empty: none by name.",
        )
        role = (current or {}).get("role") or ""
        st.selectbox(
            "Role",
            ROLE_CHOICES,
            index=ROLE_CHOICES.index(role),
            format_func=_role_label,
            key=f"administration_users_role_{suffix}",
        )
        granted = [a for a in ((current or {}).get("accounts") or []) if a in accounts]
        st.multiselect(
            "Accounts granted (beyond those they manage)",
            list(accounts),
            default=granted,
            format_func=widgets.labelled(accounts),
            key=f"administration_users_accounts_{suffix}",
        )
        st.form_submit_button("Save", type="primary", on_click=_save, args=(user, suffix))


def _save(user: User, suffix: str) -> None:
    state = st.session_state
    email = state.get(f"administration_users_email_{suffix}") or ""
    try:
        done = directory.save_entry(
            session.cursor(),
            user,
            email,
            name=state.get(f"administration_users_name_{suffix}"),
            role=state.get(f"administration_users_role_{suffix}") or None,
            accounts=state.get(f"administration_users_accounts_{suffix}") or (),
        )
    except SamError as exc:
        state[MESSAGE] = ("error", str(exc))
        return
    address = directory.normal_email(email)
    state[MESSAGE] = ("success", f"{plain(address)}: {done}.")
    state[PICK] = address


def _remove_form(user: User, people: pl.DataFrame) -> None:
    st.subheader("Remove people")
    with st.form("administration_users_remove_form", border=False):
        st.multiselect("People to remove", people["email"].to_list(), key="administration_users_remove")
        st.form_submit_button("Remove the chosen people", on_click=_remove, args=(user,))
    st.caption("Their open sessions end at once: their next click asks them to sign in again.")


def _remove(user: User) -> None:
    chosen = st.session_state.get("administration_users_remove") or []
    if not chosen:
        return
    try:
        ended = directory.remove_entries(session.cursor(), user, chosen)
    except SamError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
        return
    session.ended_sessions().update(dict.fromkeys(ended, REMOVED_FROM_USERS))
    st.session_state.pop(PICK, None)
    st.session_state[MESSAGE] = (
        "success",
        f"Removed {len(chosen)} from the Users table; {len(ended)} session{'s' if len(ended) != 1 else ''} "
        "ended.",
    )


def _users_sheet(user: User, people: pl.DataFrame) -> None:
    st.subheader("The Users sheet")
    st.download_button(
        "Download the Users sheet (Excel)",
        export_bytes({"Users": directory.users_sheet(data.db())}),
        "sam-users.xlsx",
        icon=":material/download:",
        key="administration_users_download",
        on_click="ignore",
    )
    st.caption(
        "A sheet named Users (columns email, name, role, accounts; the template has it): loading adds and "
        "changes people, removes none. Nothing is loaded while any row has an error."
    )
    round_ = st.session_state.get("administration_users_round", 0)
    uploaded = st.file_uploader(
        "Users workbook",
        type=["xlsx", "xlsm", "xls", "ods", "csv"],
        key=f"administration_users_file_{round_}",
    )
    if uploaded is None:
        return
    files = [(uploaded.name, uploaded.getvalue())]
    try:
        checked = directory.load_users_files(data.db(), files, admin=user, apply=False)
    except (ValidationFailed, WorkbookError) as exc:
        st.error(plain(str(exc)))
        if getattr(exc, "report", None) is not None:
            st.dataframe(exc.report, hide_index=True, width="stretch", key="administration_users_report")
        return
    counts = checked.counts
    st.write(f"To add: {counts['added']}, to change: {counts['changed']}, unchanged: {counts['unchanged']}.")
    if checked.report.filter(pl.col("severity") != "info").height:
        st.dataframe(checked.report, hide_index=True, width="stretch", key="administration_users_warnings")
    if st.button("Load the Users sheet", type="primary", key="administration_users_load"):
        try:
            loaded = directory.load_users_files(data.db(), files, admin=user)
        except SamError as exc:
            st.error(plain(str(exc)))
            return
        done = loaded.counts
        st.session_state[MESSAGE] = (
            "success",
            f"Users sheet loaded from {plain(uploaded.name)}: {done['added']} added, "
            f"{done['changed']} changed.",
        )
        st.session_state["administration_users_round"] = round_ + 1
        st.rerun()
