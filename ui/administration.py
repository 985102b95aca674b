"""The Administration page's views: login limits with unlock, open and ended sessions, the
login record, and the company template of the meeting deck. Each action goes through sam_core (permission
checked there, and audited)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import streamlit as st

from sam_core.access import audit, passwords, sessions
from sam_core.access.login_guard import FIRST_DELAY, FORGET_SECONDS, FREE_FAILURES, MAX_DELAY
from sam_core.access.permissions import User
from sam_core.errors import SamError
from sam_core.outputs import formatting, templates
from sam_core.outputs.formatting import plain
from ui import data, session
from ui.run import settings

MESSAGE = "administration_message"  # (kind, text) of the last action, shown once


def show_message() -> None:
    if found := st.session_state.pop(MESSAGE, None):
        kind, text = found
        (st.error if kind == "error" else st.success)(text)


MAX_TEMPLATE_MB = templates.MAX_BYTES // 2**20  # the uploader states the limit the text says
_TIME = "D MMM YYYY, HH:mm:ss"  # formatting.long_date's day, with the time


def _limits_frame() -> pl.DataFrame:
    rows = session.login_guard().status()
    return pl.DataFrame(
        {
            "kind": [r.kind for r in rows],
            "key": [r.key for r in rows],
            "failures": [r.failures for r in rows],
            "last_failure": [
                datetime.fromtimestamp(r.last_failure, UTC).replace(tzinfo=None) if r.last_failure else None
                for r in rows
            ],
            "wait": [round(r.wait_seconds) for r in rows],
            "refused": [r.refused for r in rows],
        },
        schema={
            "kind": pl.String,
            "key": pl.String,
            "failures": pl.Int64,
            "last_failure": pl.Datetime,
            "wait": pl.Int64,
            "refused": pl.Int64,
        },
    )


def login_limits(user: User) -> None:
    st.caption(
        f"After {FREE_FAILURES} failed logins a user name, or a client address, waits {FIRST_DELAY:g} "
        f"seconds after its last failure, twice as long after each further one, at most {MAX_DELAY / 60:g} "
        f"minutes. Failures are forgotten {FORGET_SECONDS // 3600} hours after the last one, or when that "
        "user logs in. Unlocking forgets them now. The limits live in the server process and start "
        "empty after a restart."
    )
    proxies = ", ".join(settings().trusted_proxies)
    st.caption(
        f"Client addresses come from X-Forwarded-For of the trusted proxies: {proxies}."
        if proxies
        else "No proxy is trusted (SAM_TRUSTED_PROXIES): each client is the address it connects from."
    )
    frame = _limits_frame()
    if frame.is_empty():
        st.write("No failed logins on record.")
        return
    cc = st.column_config
    st.dataframe(
        frame,
        hide_index=True,
        column_config={
            "kind": cc.TextColumn("Kind"),
            "key": cc.TextColumn("User name or client"),
            "failures": cc.NumberColumn("Failed logins"),
            "last_failure": cc.DatetimeColumn("Last failure (UTC)", format=_TIME),
            "wait": cc.NumberColumn("Wait now (s)"),
            "refused": cc.NumberColumn(
                "Refused attempts", help="Attempts refused for a wait; no password checked."
            ),
        },
    )
    labels = {f"{kind}\t{key}": f"{kind}: {key}" for kind, key in frame.select("kind", "key").iter_rows()}
    with st.form("administration_unlock_form", border=False):
        st.multiselect(
            "User names and clients to unlock",
            list(labels),
            format_func=labels.get,
            key="administration_unlock",
        )
        st.form_submit_button("Unlock", on_click=_unlock, args=(user,))


def _unlock(user: User) -> None:
    chosen = st.session_state.get("administration_unlock") or []
    try:
        for item in chosen:
            kind, key = item.split("\t", 1)
            passwords.unlock(session.cursor(), session.login_guard(), user, kind, key)
    except SamError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
        return
    if chosen:
        done = plain(", ".join(c.replace("\t", " ") for c in chosen))  # typed names: text, not Markdown
        st.session_state[MESSAGE] = ("success", f"Unlocked {len(chosen)}: {done}.")


def login_sessions(user: User) -> None:
    open_now = sessions.open_sessions(data.db())
    mine = getattr(session.this_session(), "session_id", None)
    st.caption(
        f"Open logins: {open_now.height}. A login lasts {settings().session_hours:g} hours; ending one logs "
        "that browser out at its next click and refuses its login cookie, also after a restart."
    )
    cc = st.column_config
    shown = open_now.with_columns(
        pl.col("session_id").str.slice(0, 8).alias("session"),
        (pl.col("session_id") == (mine or "")).alias("this"),
    )
    st.dataframe(
        shown.select("user_name", "method", "client", "started_at", "expires_at", "session", "this"),
        hide_index=True,
        column_config={
            "user_name": cc.TextColumn("User"),
            "method": cc.TextColumn("Method"),
            "client": cc.TextColumn("Client"),
            "started_at": cc.DatetimeColumn("Logged in (UTC)", format=_TIME),
            "expires_at": cc.DatetimeColumn("Expires (UTC)", format=_TIME),
            "session": cc.TextColumn("Session"),
            "this": cc.CheckboxColumn("This session"),
        },
    )
    labels = {
        sid: f"{name} · {client} · {formatting.date_time(started)} · {sessions.short_id(sid)}"
        for sid, name, client, started in open_now.select(
            "session_id", "user_name", "client", "started_at"
        ).iter_rows()
    }
    with st.form("administration_end_form", border=False):
        st.multiselect("Sessions to end", list(labels), format_func=labels.get, key="administration_end")
        st.form_submit_button("End the chosen sessions", on_click=_end, args=(user,))
    st.subheader("Ended sessions")
    ended = sessions.ended_sessions(data.db())
    st.dataframe(
        ended.with_columns(pl.col("session_id").str.slice(0, 8).alias("session")).select(
            "user_name", "method", "started_at", "ended_at", "ended_by", "end_reason", "session"
        ),
        hide_index=True,
        column_config={
            "user_name": cc.TextColumn("User"),
            "method": cc.TextColumn("Method"),
            "started_at": cc.DatetimeColumn("Logged in (UTC)", format=_TIME),
            "ended_at": cc.DatetimeColumn("Ended (UTC)", format=_TIME),
            "ended_by": cc.TextColumn("Ended by"),
            "end_reason": cc.TextColumn("How"),
            "session": cc.TextColumn("Session"),
        },
    )


def _end(user: User) -> None:
    chosen = st.session_state.get("administration_end") or []
    if not chosen:
        return
    try:
        ended = session.end_sessions(user, chosen)
    except SamError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
        return
    st.session_state[MESSAGE] = "success", f"Ended {len(ended)} session{'s' if len(ended) != 1 else ''}."


EVENT_LABELS = {
    audit.LOGIN: "Login",
    audit.LOGIN_FAILED: "Failed login",
    audit.LOGOUT: "Logout",
    audit.SESSION_ENDED: "Session ended by an admin",
    audit.UNLOCK: "Unlock",
    audit.USER_ADDED: "User added",
    audit.USER_CHANGED: "User changed",
    audit.USER_REMOVED: "User removed",
}


def login_record() -> None:
    left, right = st.columns([3, 1])
    events = left.pills(
        "Events",
        audit.EVENTS,
        selection_mode="multi",
        default=audit.EVENTS,
        format_func=EVENT_LABELS.get,
        key="administration_events",
    )
    name = right.text_input("User name", key="administration_user", placeholder="all users")
    record = audit.recent_events(data.db(), limit=1000, user_name=name.strip().lower() or None)
    record = record.filter(pl.col("event").is_in(events or [])).with_columns(
        pl.col("event").replace_strict(EVENT_LABELS, return_dtype=pl.String),
        pl.col("user_name", "actor", "method", "client", "detail").fill_null("–"),
    )
    cc = st.column_config
    st.dataframe(
        record,
        hide_index=True,
        column_config={
            "happened_at": cc.DatetimeColumn("When (UTC)", format=_TIME),
            "event": cc.TextColumn("Event"),
            "user_name": cc.TextColumn("User name"),
            "actor": cc.TextColumn("By", width="small"),
            "method": cc.TextColumn("Method", width="small"),
            "client": cc.TextColumn("Client"),
            "detail": cc.TextColumn("Detail", width="large"),
        },
    )
    st.caption(f"The latest {record.height:,} events (at most 1,000).")


def deck_template(user: User) -> None:
    """The company's PowerPoint template of the meeting deck: the one in force, upload another, go
    back to the built-in one, and every change with who and when."""
    found = templates.current_template(data.db())
    st.caption(
        "The meeting deck (Portfolio page) uses this template's slide layouts (title slide, title only, "
        "title "
        "and content), theme fonts and theme colours. A .pptx or .potx, up to "
        f"{templates.MAX_BYTES // 1024 // 1024} MB; its own slides are left out."
    )
    if found is None:
        st.write("In force: the built-in template (16:9).")
    else:
        st.write(
            f"In force: **{plain(found.file_name)}**, uploaded by {plain(found.uploaded_by)} on "
            f"{formatting.date_time(found.uploaded_at)} UTC."
        )
    with st.form("administration_template_form", border=False, clear_on_submit=True):
        st.file_uploader(
            "Company template",
            type=["pptx", "potx"],
            key="administration_template",
            max_upload_size=MAX_TEMPLATE_MB,
        )
        st.form_submit_button("Use this template", on_click=_save_template, args=(user,))
    if found is not None:
        st.button(
            "Back to the built-in template",
            key="administration_template_reset",
            on_click=_reset_template,
            args=(user,),
        )
    history = templates.template_history(data.db())
    if history.height:
        st.dataframe(
            history,
            hide_index=True,
            column_config={
                "uploaded_at": st.column_config.DatetimeColumn("When (UTC)", format=_TIME),
                "uploaded_by": st.column_config.TextColumn("By"),
                "template": st.column_config.TextColumn("Template"),
                "sha256": st.column_config.TextColumn("sha256"),
            },
        )


def _save_template(user: User) -> None:
    upload = st.session_state.get("administration_template")
    if upload is None:
        st.session_state[MESSAGE] = ("error", "Choose a .pptx or .potx file first.")
        return
    try:
        saved = templates.save_template(
            session.cursor(), user=user, file_name=upload.name, content=upload.getvalue()
        )
    except SamError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
        return
    st.session_state[MESSAGE] = ("success", f"The deck now uses {plain(saved.file_name)}.")


def _reset_template(user: User) -> None:
    try:
        templates.use_built_in_template(session.cursor(), user=user)
    except SamError as exc:
        st.session_state[MESSAGE] = ("error", str(exc))
        return
    st.session_state[MESSAGE] = ("success", "The deck uses the built-in template again.")
