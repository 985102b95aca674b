"""Attention: what needs attention this week on the user's list, what changed between two dates,
and the weekly digest (SPEC.md section 9)."""

from datetime import date

import polars as pl
import streamlit as st

from sam_core.attention.acks import OPEN
from ui import attention, session, widgets

widgets.header("Attention")
user = session.guard("attention")

today = date.today()
scope = attention.scope(user, today)
mine = attention.user_items(user, today, scope)
n = mine.filter(pl.col("state") == OPEN).height
st.caption(
    f"{widgets.plain(user.name)}'s list: {widgets.plain(scope.description)}, on {widgets.long_date(today)}. "
    "Acknowledge an item when it is handled, or snooze it with a note; each user keeps their own list."
)
# Only the open tab runs, and the list, where notes are typed (widgets.drawn). (The first label's
# count changes as items are acknowledged.)
needs, changed, digest = st.tabs(
    [f"Needs attention ({n})", "What changed", "Weekly digest"], key="attention_tab", on_change="rerun"
)
if widgets.drawn(needs, True):
    with needs:
        attention.needs_attention(user, mine, today, scope)
if changed.open:
    with changed:
        attention.what_changed_section(scope, today)
if digest.open:
    with digest:
        attention.digest_section(user, scope, today)
