"""Data upload: template, mapping of real exports, validation report, change preview, commit,
history and rollback."""

import polars as pl
import streamlit as st

from sam_core.access.permissions import ADMIN, can
from sam_core.errors import ConflictError, PermissionDenied, SamError, ValidationFailed, WorkbookError
from sam_core.ingest.mapping import mappings_yaml, publish, remember, remembered_mappings
from sam_core.ingest.reader import check_budget
from sam_core.ingest.uploads import (
    changed_values,
    changes_by_account,
    files_sha256,
    load_sheets,
    mapped,
    preview_changes,
    upload_accounts,
    upload_history,
)
from sam_core.ingest.validation import validate
from sam_core.outputs import formatting
from sam_core.plans.edits import edit_conflicts, export_time, keep_app_edits
from ui import data, downloads, run, session, widgets
from ui import plan as plan_views
from ui import plan_format as fmt
from ui import upload as views

widgets.header(
    "Data upload", "Download the template, upload workbooks, check the report and the changes, then commit."
)
user = session.guard("data_upload")
settings, con = run.settings(), data.db()

# The last commit's result stays until the next files are chosen (a rerun must not hide it).
if done := st.session_state.get("upload_done"):
    st.success(done, icon=":material/check_circle:")
load_tab, history_tab = st.tabs(["Upload", "History"])


def upload() -> None:
    files = views.file_picker(settings)
    if not files:
        return
    digest = files_sha256(files)
    opened, refused = views.open_uploads(digest, files, settings.read_limits)
    for reason in refused:
        st.error(widgets.plain(reason))
    if not opened:
        return
    replace, currencies = views.upload_choices(con, settings.currency)
    removal_slot = st.container()  # a complete history's removals show here, before anything else
    st.subheader("1. What each sheet holds")
    me = user.name
    managers = [me] if user.role != ADMIN else session.account_managers()
    chosen = views.mapping_screen(
        digest[:8], opened, remembered_mappings(con, user), me=me, managers=managers
    )
    mappings = [m for _, m, _ in chosen]
    # The user's choices are saved as they are made: fixing the file and uploading it again loses nothing.
    remember(con, [m for _, m, changed in chosen if changed], user=user)
    if (
        can(user, "publish_mapping")
        and mappings
        and st.button("Publish these mappings for everyone", key="upload_publish")
    ):
        for m in mappings:
            publish(con, m, user=user)
        st.success("Published: everyone's next upload of these sheets starts from these mappings.")
    sheets = [mapped(sheet, m) for sheet, m, _ in chosen]
    try:
        check_budget(sheets, settings.read_limits)
    except WorkbookError as exc:
        st.error(widgets.plain(str(exc)))
        return
    validation = validate(
        sheets, con=con, user=user, date_order=settings.date_order, replace=replace, currencies=currencies
    )

    st.subheader("2. Validation report")
    errors = validation.errors.height
    (st.error if errors else st.success)(validation.summary())
    views.report_table(validation.report)
    views.report_downloads(downloads.excel({"Report": validation.report}), mappings_yaml(mappings))
    if errors or not validation.sheets:
        st.info(
            "Fix the errors in the file (or the mapping above) and upload it again: your mapping choices are "
            "kept. Nothing has been changed."
        )
        return

    st.subheader("3. What will change")
    with removal_slot:
        removing = views.removal_preview(con, validation, settings.currency) if replace else 0
    by_account = changes_by_account(con, validation, replace=replace)
    widgets.table(preview_changes(con, validation, by_account=by_account), width="content")
    st.caption(f"The upload touches {formatting.count_of(by_account['account_id'].n_unique(), 'account')}.")
    with st.expander("Per account, and the changed values"):
        widgets.table(by_account, height=300)
        sheet = st.selectbox("Changed values of", list(validation.sheets), key="upload_changed_sheet")
        widgets.table(changed_values(con, validation, sheet))
    # -- Account plan hook (issue 19): values edited in the app that this upload would overwrite --
    conflicts = edit_conflicts(con, validation, taken_at=export_time(files), complete_history=replace)
    keep_edits = plan_views.upload_conflicts(conflicts)

    label = views.commit_label(removing)
    if st.button(label, type="primary", key="upload_commit", icon=":material/cloud_upload:"):
        kept: list[int] = []  # values edited in the app written again in the upload's transaction
        with st.status("Loading…", expanded=True) as status:
            try:
                result = load_sheets(
                    con,
                    sheets,
                    user=user,
                    file_name=", ".join(n for n, _ in files),
                    sha256=files_sha256(files),
                    date_order=settings.date_order,
                    replace=replace,
                    currencies=currencies,
                    finish=(lambda c: kept.append(keep_app_edits(c, conflicts, user=user)))
                    if keep_edits
                    else None,
                )
                remember(con, mappings, user=user)
            except (ValidationFailed, PermissionDenied, ConflictError) as exc:
                status.update(label="Nothing was loaded", state="error")
                st.error(widgets.plain(str(exc)))
                return
            status.update(label="Loaded", state="complete")
        counts = result.changes.select(pl.col("added", "changed", "removed").sum()).row(0)
        st.session_state["upload_done"] = (
            f"Upload {result.upload_id} loaded: {counts[0]:,} rows added, {counts[1]:,} changed, "
            f"{counts[2]:,} removed"
            + (f"; {formatting.count_of(sum(kept), 'value')} edited in the app kept" if sum(kept) else "")
            + ". The dashboards show it now."
        )
        st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
        st.rerun()


def history() -> None:
    uploads = upload_history(con)
    if uploads.is_empty():
        st.info("No uploads yet.")
        return
    widgets.table(
        uploads,
        key="upload_history_table",
        config={
            "uploaded_at": st.column_config.DatetimeColumn("Uploaded (UTC)", format="D MMM YYYY, HH:mm"),
            "sha256": st.column_config.TextColumn("SHA-256", width="small"),
        },
    )
    labels = {  # 'Upload 2 · crm-update.xlsx · Demo data generator, 30 Nov 2026, 07:00'
        u: " · ".join(
            x
            for x in (
                f"{formatting.value_label(kind).capitalize()} {u}",
                file,
                f"{fmt.person(who)}, {formatting.date_time(at)}",
            )
            if x
        )
        for u, kind, file, who, at in uploads.select(
            "upload_id", "kind", "file_name", "user_name", "uploaded_at"
        ).iter_rows()
    }
    chosen = st.selectbox(
        "Upload",
        list(labels),
        key="upload_history_chosen",
        format_func=labels.__getitem__,
        index=list(labels).index(views.default_upload(uploads, user)),
    )
    accounts = upload_accounts(con, chosen)
    widgets.table(
        accounts, height=fmt.rows_height(accounts.height, 320), key="upload_history_accounts", width="content"
    )
    try:
        new_id = views.rollback_control(con, user, chosen)
    except SamError as exc:
        st.error(widgets.plain(str(exc)))
        return
    if new_id is not None:
        st.session_state["upload_done"] = f"Upload {chosen} was rolled back (recorded as upload {new_id})."
        st.rerun()


with load_tab:
    upload()
with history_tab:
    history()
