"""Parts of the Data upload page: the mapping editor of one sheet, the report, the upload's
choices (currency, complete history) and the removal preview, the rollback control."""

from __future__ import annotations

import polars as pl
import streamlit as st

from sam_core.access.permissions import can
from sam_core.ingest import contract as c
from sam_core.ingest.currency import Currencies, known_currencies
from sam_core.ingest.mapping import GUESS, IGNORE, KEEP, SheetMapping, propose, unknown_values
from sam_core.ingest.reader import RawSheet
from sam_core.ingest.uploads import removals, removed_rows, rollback, rollback_refusal
from sam_core.outputs import formatting
from sam_core.outputs.formatting import plain

LEAVE_OUT = "(leave out)"
SHEET_IGNORED = "(ignore this sheet)"


def mapping_editor(i: int, raw: RawSheet, remembered: dict[str, SheetMapping]) -> SheetMapping:
    """Let the user confirm or change how sheet `i` maps; returns the mapping shown."""
    proposal = propose(raw, remembered)
    options = [SHEET_IGNORED] + [s.name for s in c.SHEETS]
    label = f"{plain(raw.file_name)} › {plain(raw.name)}"
    target = c.SHEETS_BY_NAME.get(proposal.sheet)
    missing = target is not None and any(
        col.required and col.name not in proposal.columns.values() for col in target.columns
    )
    guessed = missing or any(h == GUESS for h in proposal.how.values())
    with st.expander(
        f"{label} → {proposal.sheet or 'ignored'}"
        + (" (a required column is not mapped)" if missing else " (check the guesses)" if guessed else ""),
        expanded=guessed,
    ):
        left, right = st.columns([2, 1])
        chosen = left.selectbox(
            "This sheet holds",
            options,
            index=options.index(proposal.sheet or SHEET_IGNORED),
            key=f"upload_sheet_{i}",
        )
        header_row = right.number_input(
            "Header row (as Excel numbers it)",
            min_value=1,
            value=proposal.header_row,
            step=1,
            key=f"upload_header_{i}",
        )
        sheet = "" if chosen == SHEET_IGNORED else chosen
        if sheet != proposal.sheet or header_row != proposal.header_row:
            proposal = propose(raw, None, header_row=header_row, sheet=sheet or None)
            proposal.sheet = sheet
        if not sheet:
            st.caption("Nothing from this sheet will be loaded.")
            return proposal
        targets = [*list(c.SHEETS_BY_NAME[sheet].column_names), KEEP, LEAVE_OUT]
        st.markdown("**Columns** (matched by exact name, alias, remembered mapping, or a *guess* to check)")
        grid = st.columns(3)
        for j, (header, target) in enumerate(list(proposal.columns.items())):
            how = proposal.how.get(header, "")
            current = LEAVE_OUT if target == IGNORE else target
            chosen_target = grid[j % 3].selectbox(
                f"{plain(header)} ({how})" if how else plain(header),
                targets,
                index=targets.index(current) if current in targets else 0,
                key=f"upload_column_{i}_{sheet}_{header_row}_{j}",
            )
            proposal.columns[header] = IGNORE if chosen_target == LEAVE_OUT else chosen_target
        for column, values in unknown_values(raw, proposal).items():
            allowed = ["", *list(c.SHEETS_BY_NAME[sheet].column(column).allowed)]
            st.markdown(
                f"**Values of {column}** that are not allowed values: map them, or leave them to be reported."
            )
            remembered_values = proposal.values.get(column, {})
            grid = st.columns(3)
            for j, value in enumerate(values):
                meant = grid[j % 3].selectbox(
                    f"'{plain(value)}' means",
                    allowed,
                    key=f"upload_value_{i}_{sheet}_{column}_{j}",
                    index=allowed.index(remembered_values.get(value, "")),
                    format_func=lambda a: a or "(report it)",
                )
                if meant:
                    proposal.values.setdefault(column, {})[value] = meant
    return proposal


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
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * max(shown.height, 1), 420),
        column_config={
            "row": st.column_config.NumberColumn("row", format="%d"),
            "problem": st.column_config.TextColumn("problem and how to fix it", width="large"),
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
    rows = f"{n:,} stored row{'s' if n != 1 else ''} of {accounts:,} account{'s' if accounts != 1 else ''}"
    st.error(
        f"**{rows} will be removed**{f' ({worth})' if worth else ''}, because this file is marked as the "
        "complete history of its accounts and no longer holds them. Untick the box above to keep them; the "
        "commit button at the end says how many rows go.",
        icon=":material/delete_forever:",
    )
    symbol = formatting.symbol(currency)
    st.dataframe(
        gone,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * gone.height, 320),
        key="upload_removals",
        column_config={
            "rows": st.column_config.NumberColumn("rows removed"),
            "money": st.column_config.NumberColumn(f"money removed ({symbol})", format="localized"),
            "money_column": st.column_config.TextColumn("of"),
            "first": st.column_config.DateColumn("from"),
            "last": st.column_config.DateColumn("to"),
        },
    )
    with st.expander("The rows that will be removed"):
        sheet = st.selectbox(
            "Sheet", gone["sheet"].unique(maintain_order=True).to_list(), key="upload_removed_sheet"
        )
        st.dataframe(removed_rows(con, validation, sheet), hide_index=True, width="stretch")
    return n


def commit_label(removing: int) -> str:
    """The commit button says what it removes."""
    return f"Commit and remove {removing:,} rows" if removing else "Commit the upload"


def rollback_control(con, user, chosen: int) -> int | None:
    """The Roll back (admin) or Undo (account manager: their own latest) button for one upload,
    disabled with the reason when not allowed. Returns the new rollback's id when clicked."""
    refusal = rollback_refusal(con, chosen, user)
    admin = can(user, "rollback")
    if refusal and not admin and "Not permitted" in refusal:
        st.caption(f"{refusal} Only an admin can roll back other uploads.")
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
