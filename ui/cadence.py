"""Parts of the Sponsor cadence page: the policy, which an admin edits on the page."""

from __future__ import annotations

from dataclasses import asdict, fields

import streamlit as st

from sam_core.access.permissions import User, can
from sam_core.errors import SamError
from sam_core.metrics.cadence import CadencePolicy
from sam_core.metrics.policy import LABELS, policy_history, save_cadence_policy
from ui import widgets


def policy_tab(con, user: User, policy: CadencePolicy) -> None:
    """The policy's values (an admin saves new ones) and every change with who made it."""
    if done := st.session_state.pop("cadence_saved", None):
        st.success(done)
    editable = can(user, "change_policy")
    with st.form("cadence_policy_form"):
        values = {
            fl.name: st.number_input(
                LABELS[fl.name],
                value=getattr(policy, fl.name),
                step=1,
                disabled=not editable,
                key=f"cadence_policy_{fl.name}",
            )
            for fl in fields(CadencePolicy)
        }
        if st.form_submit_button("Save the policy", disabled=not editable):
            try:
                save_cadence_policy(con, CadencePolicy(**{k: int(v) for k, v in values.items()}), user=user)
                st.session_state["cadence_saved"] = "Policy saved; every page now uses it."
                st.rerun()
            except SamError as exc:
                st.error(widgets.plain(str(exc)))
    if not editable:
        st.caption("Only an admin can change the policy.")
    if asdict(policy) != asdict(CadencePolicy()):
        st.caption(
            "Defaults (SPEC): " + ", ".join(f"{LABELS[k]}: {v}" for k, v in asdict(CadencePolicy()).items())
        )
    widgets.table(policy_history(con))
