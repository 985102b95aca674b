"""Parts of the Data upload page: opening the files, the mapping screen, the report, the
upload's choices (currency, complete history) and the removal preview, the rollback control."""

from __future__ import annotations

import copy

import polars as pl
import streamlit as st

from sam_core.access.permissions import can
from sam_core.errors import WorkbookError
from sam_core.ingest import contract as c
from sam_core.ingest.currency import Currencies, known_currencies
from sam_core.ingest.inspection import PEEK_ROWS, ReadLimits
from sam_core.ingest.mapping import (
    EXACT,
    GUESS,
    IGNORE,
    KEEP,
    REMEMBERED,
    UNKNOWN,
    SheetMapping,
    empty_counts,
    propose,
    unknown_values,
)
from sam_core.ingest.reader import SPREADSHEET_SUFFIXES, PendingSheet, open_file, prefetch
from sam_core.ingest.uploads import removals, removed_rows, rollback, rollback_refusal
from sam_core.outputs import formatting
from sam_core.outputs.formatting import plain
from sam_core.outputs.workbook import template_bytes
from ui import downloads, widgets

LEAVE_OUT = "(leave out)"
SHEET_IGNORED = "(ignore this sheet)"
# At most this many column drop-downs per sheet: columns the contract does not know beyond it are
# grouped in one list (a 16,000-column sheet must not draw 16,000 widgets).
MAX_COLUMN_WIDGETS = 24
NOT_FILLED = "(not filled: reported as missing)"
GENERATE = "generate from each row's content"
ERROR_EACH, SKIP_ROWS, USE_DEFAULT = "report each as an error", "skip those rows", "use a value:"


def file_picker(settings) -> list[tuple[str, bytes]] | None:
    """Template downloads and the uploader; the files chosen (name, bytes), or None."""
    left, right = st.columns(2)
    left.download_button(
        "Empty template (Excel)",
        template_bytes,
        "sam-template.xlsx",
        icon=":material/download:",
        key="upload_template",
        on_click="ignore",
    )
    right.download_button(
        "Filled example (demo data)",
        downloads.example_workbook,
        "sam-example.xlsx",
        icon=":material/download:",
        key="upload_example",
        on_click="ignore",
    )
    # Streamlit refuses a file over server.maxUploadSize in the browser, with only a red mark: say it here.
    limit = min(settings.max_upload_mb, int(st.get_option("server.maxUploadSize")))
    uploaded = st.file_uploader(
        "Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) or CSV files, one per sheet",
        type=[s.lstrip(".") for s in SPREADSHEET_SUFFIXES],
        accept_multiple_files=True,
        key=f"upload_files_{st.session_state.get('upload_round', 0)}",
        help=f"Up to {limit} MB in all. A larger file is refused by the browser and marked in red.",
    )
    st.caption(
        f"Files up to {limit} MB; a file marked in red was over it and not uploaded. Sheets up to "
        f"{settings.read_limits.max_columns:,} columns and {settings.read_limits.max_cells:,} cells in all."
    )
    if not uploaded:
        return None
    st.session_state.pop("upload_done", None)
    files = [(f.name, f.getvalue()) for f in uploaded]
    size = sum(len(content) for _, content in files) / 2**20
    if size > settings.max_upload_mb:
        st.error(
            f"The upload is {size:,.1f} MB, over the limit of {settings.max_upload_mb} MB (setting "
            "SAM_MAX_UPLOAD_MB). Nothing was read."
        )
        return None
    return files


def report_downloads(report_workbook, mapping_text: str) -> None:
    """The report as Excel, and the mapping as a file for scripted loads."""
    left, right = st.columns(2)
    left.download_button(
        "Download the report (Excel)",
        report_workbook,
        "validation-report.xlsx",
        icon=":material/download:",
        key="upload_report_download",
        on_click="ignore",
    )
    right.download_button(
        "Download the mapping (for scripted loads)",
        mapping_text,
        "sam-mapping.yaml",
        icon=":material/download:",
        key="upload_mapping_download",
        on_click="ignore",
        help="`python -m sam_core load EXPORT.xlsx --mapping sam-mapping.yaml` loads next month's export "
        "the same way.",
    )


def open_uploads(digest: str, files: list[tuple[str, bytes]], limits: ReadLimits):
    """The sheets of the uploaded files and the reasons files were refused, opened once per set
    of files (only their top rows are read here)."""
    cached = st.session_state.get("upload_opened")
    if cached is None or cached[0] != digest:
        sheets, refused = [], []
        for name, content in files:
            try:
                sheets += open_file(name, content, limits)
            except WorkbookError as exc:
                refused.append(str(exc))
        st.session_state["upload_opened"] = (digest, sheets, refused)
        st.session_state["upload_proposals"] = {}
    return st.session_state["upload_opened"][1], st.session_state["upload_opened"][2]


def _proposal(key: tuple, make) -> SheetMapping:
    """A proposal made once per upload: defaults must not move while the user edits."""
    proposals = st.session_state.setdefault("upload_proposals", {})
    if key not in proposals:
        proposals[key] = make()
    return copy.deepcopy(proposals[key])


def mapping_screen(
    tag: str, sheets: list[PendingSheet], remembered: list[SheetMapping], *, me: str, managers: list[str]
) -> list[tuple[PendingSheet, SheetMapping, bool]]:
    """Every sheet's mapping, editable; returns (sheet, mapping, changed by the user) for the
    sheets to load."""
    proposals = [
        None if s.refused else _proposal((tag, i), lambda s=s: propose(s, remembered, me=me))
        for i, s in enumerate(sheets)
    ]
    pristine = [None if p is None else p.to_dict() for p in proposals]
    shown = [
        i
        for i, s in enumerate(sheets)
        if s.refused or proposals[i].sheet or st.session_state.get(f"upload_show_{tag}_{i}")
    ]
    prefetch([sheets[i] for i in shown if not sheets[i].refused and proposals[i].sheet])  # one child per file
    chosen = []
    for i in shown:
        sheet = sheets[i]
        if sheet.refused:
            st.warning(f"{plain(sheet.file_name)} › {plain(sheet.name)} was not read: {plain(sheet.refused)}")
            continue
        mapping = sheet_editor(tag, i, sheet, proposals[i], me=me, managers=managers)
        if mapping.sheet:
            chosen.append((sheet, mapping, mapping.to_dict() != pristine[i]))
    others = [i for i in range(len(sheets)) if i not in shown]
    if others:
        names = ", ".join(f"'{plain(sheets[i].name)}'" for i in others[:12])
        more = f" and {len(others) - 12} more" if len(others) > 12 else ""
        st.caption(f"Ignored (nothing the contract knows, or instructions): {names}{more}.")
        labels = {i: f"{sheets[i].file_name} › {sheets[i].name}" for i in others}
        pick = st.selectbox(
            "Map one of the ignored sheets",
            [None, *others],
            format_func=lambda i: "(choose a sheet)" if i is None else labels[i],
            key=f"upload_pick_{tag}",
        )
        if pick is not None:
            st.session_state[f"upload_show_{tag}_{pick}"] = True
            st.rerun()
    return chosen


def sheet_editor(
    tag: str, i: int, sheet: PendingSheet, proposal: SheetMapping, *, me: str, managers: list[str]
) -> SheetMapping:
    """Let the user confirm or change how one sheet maps; returns the mapping shown."""
    key = f"{tag}_{i}"
    raw = None
    if proposal.sheet:
        try:
            raw = sheet.read()  # the whole sheet, now that it is wanted
        except WorkbookError as exc:
            st.error(plain(str(exc)))
            return SheetMapping(sheet.file_name, sheet.name, IGNORE, proposal.header_row)
    strange = unknown_values(raw, proposal) if raw is not None else {}
    empty = empty_counts(raw, proposal) if raw is not None else {}
    hows = set(proposal.how.values())
    attention = bool(proposal.missing_required() or strange or empty or GUESS in hows)
    remembered = REMEMBERED in hows or bool(proposal.origin)
    filled = bool(proposal.fill or proposal.copies or proposal.generate)
    status = (
        " (needs your choices)"
        if attention
        else " (remembered: check it)"
        if remembered
        else " (columns filled for you: check them)"
        if filled
        else ""
    )
    label = f"{plain(sheet.file_name)} › {plain(sheet.name)} → {proposal.sheet or 'ignored'}{status}"
    with st.expander(label, expanded=attention or remembered or filled or not proposal.sheet):
        if proposal.origin:
            st.caption(f"Remembered from {plain(proposal.origin)}; exact contract headers always win.")
        left, right = st.columns([2, 1])
        options = [SHEET_IGNORED] + [s.name for s in c.SHEETS]
        chosen = left.selectbox(
            "This sheet holds",
            options,
            index=options.index(proposal.sheet or SHEET_IGNORED),
            key=f"upload_sheet_{key}",
        )
        header_row = right.number_input(
            "Header row (as Excel numbers it)",
            min_value=sheet.first_row,
            max_value=max(sheet.first_row + PEEK_ROWS - 1, proposal.header_row),
            value=proposal.header_row,
            step=1,
            key=f"upload_header_{key}",
        )
        target = "" if chosen == SHEET_IGNORED else chosen
        mapping = proposal
        if target != proposal.sheet or header_row != proposal.header_row:
            mapping = _proposal(
                (tag, i, target, header_row),
                lambda: propose(sheet, None, header_row=header_row, sheet=target or None, me=me),
            )
            mapping.sheet = target
            if target and raw is None:
                try:
                    raw = sheet.read()
                except WorkbookError as exc:
                    st.error(plain(str(exc)))
                    return replace_sheet(mapping, IGNORE)
        if not target:
            st.caption("Nothing from this sheet will be loaded.")
            return mapping
        wkey = f"{key}_{target}_{header_row}"
        _columns(mapping, wkey)
        _gaps(mapping, wkey, managers=managers, me=me)
        _empties(mapping, raw, wkey)
        _values(mapping, raw, wkey)
    return mapping


def replace_sheet(mapping: SheetMapping, sheet: str) -> SheetMapping:
    mapping.sheet = sheet
    return mapping


def _columns(mapping: SheetMapping, key: str) -> None:
    contract = c.SHEETS_BY_NAME[mapping.sheet]
    targets = [*contract.column_names, KEEP, LEAVE_OUT]
    headers = list(mapping.columns)
    known = [h for h in headers if mapping.how.get(h) != UNKNOWN or mapping.columns[h] != KEEP]
    unknown = [h for h in headers if h not in known]
    drawn = known + unknown[: max(MAX_COLUMN_WIDGETS - len(known), 0)]
    grouped = [h for h in headers if h not in drawn]
    st.markdown("**Columns**: exact name, alias, remembered choice, or a *guess* to check")
    grid = st.columns(3)
    for j, header in enumerate(drawn):
        how = mapping.how.get(header, "")
        current = LEAVE_OUT if mapping.columns[header] == IGNORE else mapping.columns[header]
        picked = grid[j % 3].selectbox(
            f"{plain(header)} ({how})" if how and how != EXACT else plain(header),
            targets,
            index=targets.index(current) if current in targets else targets.index(KEEP),
            key=f"upload_column_{key}_{j}",
        )
        mapping.columns[header] = IGNORE if picked == LEAVE_OUT else picked
    if grouped:
        st.caption(
            f"{len(grouped):,} more columns are not in the contract; past the first {MAX_COLUMN_WIDGETS} "
            "columns they are listed here rather than one by one. They are kept aside with each row; remove "
            "any to leave it out. To map one of them, give it its contract name in the file."
        )
        kept = st.multiselect("Kept aside", grouped, default=grouped, key=f"upload_grouped_{key}")
        for header in grouped:
            mapping.columns[header] = KEEP if header in kept else IGNORE


def _gaps(mapping: SheetMapping, key: str, *, managers: list[str], me: str) -> None:
    """Required columns the file lacks: one value for every row, a copy, or generated ids."""
    contract = c.SHEETS_BY_NAME[mapping.sheet]
    mapped = {t for t in mapping.columns.values() if t not in (KEEP, IGNORE)}
    for name in list(mapping.fill) + list(mapping.copies) + list(mapping.generate):
        if name in mapped:
            mapping.fill.pop(name, None)
            mapping.copies.pop(name, None)
            mapping.generate.pop(name, None)
    lacking = [col for col in contract.columns if col.required and col.name not in mapped]
    if not lacking:
        return
    st.markdown("**Required columns the file lacks**")
    grid = st.columns(3)
    for j, col in enumerate(lacking):
        box = grid[j % 3]
        options = [NOT_FILLED]
        if col.kind == c.ID and col.name in contract.key and contract.natural_key:
            options.append(GENERATE)
        source = next((h for h, t in mapping.columns.items() if t == "account_id"), None)
        if col.name == "account_name" and source:
            options.append(f"copy of '{source}'")
        if col.name == "account_manager":
            options += [n for n in dict.fromkeys([me, *managers]) if n]
        elif col.kind == c.CHOICE:
            options += list(col.allowed)
        current = (
            GENERATE
            if col.name in mapping.generate
            else f"copy of '{mapping.copies[col.name]}'"
            if col.name in mapping.copies
            else mapping.fill.get(col.name, NOT_FILLED)
        )
        free = col.kind not in (c.CHOICE, c.ID) and col.name != "account_manager" and len(options) == 1
        mapping.fill.pop(col.name, None)
        mapping.copies.pop(col.name, None)
        mapping.generate.pop(col.name, None)
        if free:
            value = box.text_input(
                f"{col.name}: one value for every row",
                value=current if current != NOT_FILLED else "",
                key=f"upload_fill_{key}_{col.name}",
            )
            if value.strip():
                mapping.fill[col.name] = value.strip()
            continue
        if current not in options:
            options.append(current)
        picked = box.selectbox(
            f"{col.name}: fill with",
            options,
            index=options.index(current),
            key=f"upload_fill_{key}_{col.name}",
        )
        if picked == GENERATE:
            mapping.generate[col.name] = [k for k in contract.natural_key if k != col.name]
            box.caption(
                f"From {', '.join(mapping.generate[col.name])}: the same row gets the same id every month."
            )
        elif picked.startswith("copy of '"):
            mapping.copies[col.name] = picked.removeprefix("copy of '").removesuffix("'")
        elif picked != NOT_FILLED:
            mapping.fill[col.name] = picked


def _empties(mapping: SheetMapping, raw, key: str) -> None:
    """Required columns with empty cells: report them, skip those rows, or use a stated value."""
    counts = empty_counts(raw, mapping) if raw is not None else {}
    mapping.skip = [n for n in mapping.skip if n in counts]
    mapping.defaults = {n: v for n, v in mapping.defaults.items() if n in counts}
    if not counts:
        return
    st.markdown("**Rows with an empty required value**")
    grid = st.columns(3)
    contract = c.SHEETS_BY_NAME[mapping.sheet]
    for j, (name, n) in enumerate(counts.items()):
        box = grid[j % 3]
        options = [ERROR_EACH, SKIP_ROWS, USE_DEFAULT]
        current = (
            SKIP_ROWS if name in mapping.skip else USE_DEFAULT if name in mapping.defaults else ERROR_EACH
        )
        picked = box.selectbox(
            f"{name} is empty in {formatting.count_of(n, 'row')}",
            options,
            index=options.index(current),
            key=f"upload_empty_{key}_{name}",
        )
        mapping.skip = [s for s in mapping.skip if s != name]
        mapping.defaults.pop(name, None)
        if picked == SKIP_ROWS:
            mapping.skip.append(name)
            box.caption("Skipped rows are listed in the report.")
        elif picked == USE_DEFAULT:
            kind = contract.column(name).kind
            suggested = mapping.defaults.get(name) or ("0" if kind in (c.NUMBER, c.INTEGER) else "")
            value = box.text_input(
                f"value for empty {name}", value=suggested, key=f"upload_default_{key}_{name}"
            )
            if value.strip():
                mapping.defaults[name] = value.strip()


def _values(mapping: SheetMapping, raw, key: str) -> None:
    contract = c.SHEETS_BY_NAME[mapping.sheet]
    for column, values in (unknown_values(raw, mapping) if raw is not None else {}).items():
        allowed = ["", *contract.column(column).allowed]
        st.markdown(
            f"**Values of {column}** that are not allowed values: map them, or leave them to be reported."
        )
        remembered_values = mapping.values.get(column, {})
        grid = st.columns(3)
        for j, value in enumerate(values):
            meant = grid[j % 3].selectbox(
                f"'{plain(value)}' means",
                allowed,
                key=f"upload_value_{key}_{column}_{j}",
                index=allowed.index(remembered_values.get(value, ""))
                if remembered_values.get(value, "") in allowed
                else 0,
                format_func=lambda a: a or "(report it)",
            )
            if meant:
                mapping.values.setdefault(column, {})[value] = meant
            else:
                mapping.values.get(column, {}).pop(value, None)


def report_table(report: pl.DataFrame) -> None:
    """The validation report, filterable by severity and sheet."""
    left, right = st.columns(2)
    severities = left.multiselect(
        "Show", ["error", "warning", "info"], default=["error", "warning"], key="upload_report_severity"
    )
    sheets = right.multiselect(
        "Sheets", sorted(report["sheet"].drop_nulls().unique().to_list()), key="upload_report_sheets"
    )
    shown = report.filter(pl.col("severity").is_in(severities))
    if sheets:
        shown = shown.filter(pl.col("sheet").is_in(sheets))
    widgets.table(
        shown,
        height=min(38 + 35 * max(shown.height, 1), 420),
        config={
            "row": st.column_config.NumberColumn("Row", format="%d"),
            "problem": st.column_config.TextColumn("Problem and how to fix it", width="large"),
        },
    )


def upload_choices(con, reporting: str) -> tuple[bool, Currencies]:
    """The upload's two choices: the currency its money is in, and whether it is the complete
    history of the accounts it lists (then what it no longer holds is removed)."""
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    currency = left.selectbox(
        "Money in this file is in",
        known_currencies(con, reporting),
        key="upload_currency",
        help=f"Figures are reported in {reporting} (setting SAM_CURRENCY). Money in another currency is "
        "converted with the admin's Rates (currency, month, rate); without a rate the upload is refused.",
    )
    replace = right.checkbox(
        "This file is the complete history of the accounts it lists: remove what it no longer holds",
        key="upload_replace",
        help="Off (the default): the file adds and changes rows and removes nothing. On: for each sheet, the "
        "stored rows of the accounts in the file that the file does not hold are removed (shown before you "
        "commit).",
    )
    return replace, Currencies(currency, reporting)


def removal_preview(con, validation, currency: str) -> int:
    """In red, before anything else: what a complete-history upload removes, per account and
    sheet, with its money. Returns the number of rows that will go."""
    gone = removals(con, validation)
    if gone.is_empty():
        st.info("Nothing will be removed: the file holds every stored row of the accounts it lists.")
        return 0
    n = int(gone["rows"].sum())
    worth = ", ".join(
        f"{column} {formatting.money(total, currency)}"
        for column, total in gone.filter(pl.col("money_column").is_not_null())
        .group_by("money_column", maintain_order=True)
        .agg(pl.col("money").sum())
        .iter_rows()
    )
    accounts = gone["account_id"].n_unique()
    rows = f"{formatting.count_of(n, 'stored row')} of {formatting.count_of(accounts, 'account')}"
    st.error(
        f"**{rows} will be removed**{f' ({worth})' if worth else ''}, because this file is marked as the "
        "complete history of its accounts and no longer holds them. Untick the box above to keep them; the "
        "commit button at the end says how many rows go.",
        icon=":material/delete_forever:",
    )
    widgets.table(
        gone,
        height=min(38 + 35 * gone.height, 320),
        key="upload_removals",
        labels={
            "rows": "Rows removed",
            "money": "Money removed",
            "money_column": "Of",
            "first": "From",
            "last": "To",
        },
    )
    with st.expander("The rows that will be removed"):
        sheet = st.selectbox(
            "Sheet", gone["sheet"].unique(maintain_order=True).to_list(), key="upload_removed_sheet"
        )
        widgets.table(removed_rows(con, validation, sheet))
    return n


def commit_label(removing: int) -> str:
    """The commit button says what it removes."""
    return f"Commit and remove {formatting.count_of(removing, 'row')}" if removing else "Commit the upload"


def rollback_control(con, user, chosen: int) -> int | None:
    """The Roll back (admin) or Undo (account manager: their own latest) button for one upload,
    disabled with the reason when not allowed. Returns the new rollback's id when clicked."""
    refusal = rollback_refusal(con, chosen, user)
    admin = can(user, "rollback")
    if refusal and not admin and "Not permitted" in refusal:
        st.caption(refusal)  # it says who may (an admin can roll back any)
        return None
    if refusal:
        st.warning(refusal)
    label = f"Roll back upload {chosen}" if admin else f"Undo my upload {chosen}"
    if st.button(label, key="upload_rollback", disabled=bool(refusal), icon=":material/undo:"):
        return rollback(con, chosen, user=user)
    return None


def default_upload(uploads: pl.DataFrame, user) -> int:
    """Where the history's upload choice starts: an account manager's own latest upload (the
    one they may undo), else the newest."""
    if not can(user, "rollback"):
        mine = uploads.filter((pl.col("user_name") == user.username) & (pl.col("kind") == "upload"))
        if mine.height:
            return int(mine["upload_id"][0])
    return int(uploads["upload_id"][0])
