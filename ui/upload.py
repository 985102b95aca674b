"""Parts of the Data upload page: the mapping editor of one sheet, the report, the history."""

from __future__ import annotations

import polars as pl
import streamlit as st

from sam_core.ingest import contract as c
from sam_core.ingest.mapping import GUESS, IGNORE, KEEP, SheetMapping, propose, unknown_values
from sam_core.ingest.reader import RawSheet
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
