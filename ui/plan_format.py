"""How the Account plan page writes its figures and names, through the formatting layer
(sam_core.outputs.formatting): fractions as percentages with fixed decimals, codes as words,
people by their display names, and tables as tall as their rows."""

from __future__ import annotations

import polars as pl
import streamlit as st

from sam_core.demo import DEMO_LOADER
from sam_core.errors import SamError
from sam_core.outputs import formatting
from ui import session

ROW_PX, HEADER_PX = 35, 38  # st.dataframe's row and header (with its borders) heights


def rows_height(rows: int, most: int | None = None) -> int:
    """The height of a table that shows `rows` rows (at least one) without empty rows below,
    at most `most` pixels (it scrolls beyond)."""
    height = HEADER_PX + ROW_PX * max(rows, 1)
    return height if most is None else min(height, most)


def person(username: str | None) -> str:
    """The display name of a user id ('manager' -> 'Maria Keller'); an id the users file does
    not know (a workbook's, 'demo', company sign-on) is shown as it is."""
    if not username:
        return formatting.DASH
    try:
        user = session.users().user(str(username))
    except SamError:  # no readable users file: the ids are all there is
        return str(username)
    if user is None and username == DEMO_LOADER.username:  # the demo's own uploads and reviews
        return DEMO_LOADER.name
    return user.name if user is not None else str(username)


def people(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The frame with the user ids of `columns` replaced by display names (`person`)."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return frame
    ids = {v for c in present for v in frame[c].drop_nulls().unique().to_list()}
    names = {v: person(v) for v in ids}
    return frame.with_columns(
        pl.col(c).replace_strict(names, default=pl.col(c), return_dtype=pl.String) for c in present
    )


def words(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The frame with the codes of `columns` as words ('meeting_declined' -> 'meeting declined')."""
    present = [c for c in columns if c in frame.columns]
    return frame.with_columns(
        pl.col(c).map_elements(formatting.value_label, return_dtype=pl.String, skip_nulls=True)
        for c in present
    )


def percent(
    frame: pl.DataFrame, column: str, label: str, *, digits: int = 0, help: str | None = None
) -> tuple[pl.DataFrame, dict]:
    """A column of fractions (0.25) as percentages with `digits` decimals ('25%')."""
    if column not in frame.columns:
        return frame, {}
    return frame.with_columns(pl.col(column) * 100), {
        column: st.column_config.NumberColumn(label, format=formatting.percent_format(digits), help=help)
    }
