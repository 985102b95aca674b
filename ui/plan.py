"""The Account plan page's sections: each as a table with who changed it and when, its review
stamp, and (for its manager and admins) an editor that saves through sam_core.plans.

An editor remembers the version it showed when it was opened; a save names that version, so
a change somebody else saved meanwhile is never overwritten (the page shows theirs instead).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from sam_core.access.permissions import User, can
from sam_core.errors import EditConflict, SamError
from sam_core.ingest import contract as c
from sam_core.outputs import formatting
from sam_core.outputs.plan_document import whitespace_grid
from sam_core.plans import edits
from sam_core.plans import plan as plans
from ui import data, widgets
from ui import plan_format as fmt

DONE, CONFLICT = "plan_done", "plan_conflict"
LONG_TEXT = {"goals", "strategy", "market_dynamics", "buying", "insulation", "evidence", "purpose"}
# Table columns of sentences, wide enough to read at 1366 px (the others share what is left);
# a section with two such columns gives each less, so that its figures stay in view.
WIDTHS = dict.fromkeys([*LONG_TEXT, "objective", "commitment", "description"], "large") | {
    "problem": 260,
    "offer": 300,
    "evidence": "medium",
}
NEW = "__new__"


def messages() -> None:
    """The result of the last save, shown once; a refused save's conflict stays until the next save."""
    if done := st.session_state.pop(DONE, None):
        st.success(done, icon=":material/check_circle:")
    if conflict := st.session_state.get(CONFLICT):
        message, frame = conflict
        st.error(widgets.plain(message), icon=":material/sync_problem:")
        widgets.table(
            fmt.people(frame, "changed_by"),
            width="stretch",
            key="plan_conflict_table",
            config={"changed_at": st.column_config.DatetimeColumn("changed at (UTC)")},
        )


def _reset(prefix: str) -> None:
    """Forget an editor's widgets and opened version: it shows the stored item again."""
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def save(run, *, done: str, reset: str) -> None:
    """Run a save; on success say so, on a conflict keep the other person's change to show;
    either way the editor reloads the stored values (st.rerun)."""
    try:
        run()
    except EditConflict as exc:
        st.session_state[CONFLICT] = (str(exc), exc.changes)
        data.data_changed()  # somebody else's change is newer than this run's data
        _reset(reset)
        st.rerun()
    except SamError as exc:
        st.error(widgets.plain(str(exc)))
        return
    st.session_state.pop(CONFLICT, None)
    data.data_changed()  # this run's data version is out of date now
    st.session_state[DONE] = done
    _reset(reset)
    st.rerun()


def opened(prefix: str, version: int, values: dict) -> tuple[int, dict]:
    """Put an item's values into its editor's widgets (`<prefix>_<field>`) the first time it
    is shown, and remember the version and values it showed until the editor is reset: a
    save names them, so a change saved by somebody else meanwhile is detected."""
    if f"{prefix}__version" not in st.session_state:
        st.session_state[f"{prefix}__version"] = version
        st.session_state[f"{prefix}__values"] = dict(values)
        for name, value in values.items():
            st.session_state[f"{prefix}_{name}"] = value
    return st.session_state[f"{prefix}__version"], st.session_state[f"{prefix}__values"]


def _field(col: c.Column, key: str, *, options: dict[str, dict[str, str]] | None = None) -> None:
    """One widget for a plan field, by its kind."""
    label = col.name.replace("_", " ").capitalize() + (" *" if col.required else "")
    help_text = col.description or None
    choices = (options or {}).get(col.name)
    if choices is not None:
        st.selectbox(
            label,
            [None, *choices] if not col.required else list(choices),
            key=key,
            help=help_text,
            format_func=lambda v: "–" if v is None else choices.get(v, v),
        )
    elif col.kind == c.CHOICE:
        st.selectbox(label, [None, *col.allowed], key=key, help=help_text, format_func=words)
    elif col.kind == c.YES_NO:
        st.checkbox(label, key=key, help=help_text)
    elif col.kind == c.DATE:
        st.date_input(label, key=key, help=help_text, format=widgets.DATE_INPUT)
    elif col.kind == c.INTEGER:
        st.number_input(label, key=key, help=help_text, min_value=col.minimum, max_value=col.maximum, step=1)
    elif col.kind == c.NUMBER:
        low = None if col.minimum is None else float(col.minimum)
        st.number_input(label, key=key, help=help_text, min_value=low, step=1000.0, format="%.0f")
    elif col.name in LONG_TEXT:
        st.text_area(label, key=key, help=help_text, height=90)
    else:
        st.text_input(label, key=key, help=help_text)


def dates(frame: pl.DataFrame, **config) -> dict:
    """Column config showing the frame's dates as dates (and times in UTC), labelled for
    people, plus `config`."""
    cc = st.column_config
    out = {
        name: cc.DateColumn(formatting.label(name), format=widgets.DATE_FORMAT)
        if dtype == pl.Date
        else cc.DatetimeColumn(formatting.label(name) + " (UTC)", format=f"{widgets.DATE_FORMAT}, HH:mm")
        for name, dtype in frame.schema.items()
        if dtype == pl.Date or isinstance(dtype, pl.Datetime)
    }
    return out | config


def words(value) -> str:
    return formatting.value_label(value)


# -- the sections ---------------------------------------------------------------------------------


def stamp(reviews: pl.DataFrame, section: str) -> str:
    r = reviews.filter(pl.col("section") == section).row(0, named=True)
    if r["stale"]:
        return f":orange-badge[:material/schedule: stale] {widgets.plain(r['reason'])}"
    when, who = widgets.long_date(r["reviewed_on"]), widgets.plain(fmt.person(r["reviewed_by"]))
    return f":green-badge[:material/task_alt: reviewed] {when} by {who}"


def section_header(
    user: User,
    account: dict,
    reviews: pl.DataFrame,
    section: str,
    *,
    editable: bool,
    title: str | None = None,
) -> None:
    """Title, review stamp and the 'Mark reviewed' button of a review section."""
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.markdown(f"#### {title or plans.REVIEW_TITLES[section]}")
    left.markdown(stamp(reviews, section))
    if editable and right.button(
        "Mark reviewed",
        key=f"plan_review_{section}",
        icon=":material/task_alt:",
        help="Stamp this section reviewed today.",
    ):
        save(
            lambda: plans.review(data.db(), user=user, account_id=account["account_id"], sections=[section]),
            done=f"{plans.REVIEW_TITLES[section]} marked reviewed.",
            reset="plan_none",
        )


# Money fields of the plan sections (not in formatting.MONEY_COLUMNS, which are the data's).
MONEY_FIELDS = {"value": "Value / year", "investment": "Investment"}


def _item_columns(section: plans.Section) -> dict:
    """Column config of a section's table: labels for people; long text wide."""
    cc = st.column_config
    config = {
        "changed_by": cc.TextColumn("Changed by"),
        "changed_at": cc.DatetimeColumn("Changed (UTC)", format=f"{widgets.DATE_FORMAT}, HH:mm"),
        "progress": cc.ProgressColumn("Progress", min_value=0, max_value=100, format="%d%%"),
        "shared": cc.CheckboxColumn("Shared", help="Shown in the customer version."),
    }
    for col in section.fields:
        if col.name in MONEY_FIELDS:  # money, written by widgets.table in the app's one style
            continue
        label = formatting.label(col.name)
        kind = {
            c.DATE: lambda label: cc.DateColumn(label, format=widgets.DATE_FORMAT),
            c.YES_NO: cc.CheckboxColumn,
            c.INTEGER: lambda label: cc.NumberColumn(label, format="%d"),
            c.NUMBER: lambda label: cc.NumberColumn(label, format="%,.0f"),
        }.get(col.kind)
        width = WIDTHS.get(col.name)
        config.setdefault(col.name, kind(label) if kind else cc.TextColumn(label, width=width))
    return config


def item_table(section: plans.Section, frame: pl.DataFrame, *, key: str) -> None:
    """The section's items, choices in words, money in the app's style, with who changed each
    last (their name) and when; the item ids and versions are the app's own, not shown."""
    if frame.is_empty():
        st.caption(f"No {section.title.lower()} yet.")
        return
    choices = [col.name for col in section.fields if col.kind == c.CHOICE]
    shown = fmt.people(fmt.words(frame.drop("item_id", "version", strict=False), *choices), "changed_by")
    shown, roi = fmt.percent(shown, "roi", "ROI", help="(value - investment) / investment")
    if "roi" in shown.columns:  # beside the figures it comes from
        rest = [n for n in shown.columns if n != "roi"]
        at = rest.index("investment") + 1
        shown = shown.select([*rest[:at], "roi", *rest[at:]])
    widgets.table(
        shown,
        width="stretch",
        key=key,
        height=fmt.rows_height(shown.height, 420),
        money=tuple(MONEY_FIELDS),
        labels=MONEY_FIELDS,
        config=_item_columns(section) | roi,
    )


def item_editor(
    user: User,
    account_id: str,
    section_key: str,
    frame: pl.DataFrame,
    *,
    noun: str,
    options: dict[str, dict[str, str]] | None = None,
) -> None:
    """Choose an item (or a new one), edit its fields in a form, save or remove it."""
    section = plans.SECTIONS_BY_KEY[section_key]
    labels = {NEW: f"New {noun}"} | {
        r["item_id"]: plans.item_label(section, r["item_id"], r) for r in frame.iter_rows(named=True)
    }
    chosen = st.selectbox(
        f"{noun.capitalize()} to edit",
        list(labels),
        index=1 if len(labels) > 1 else 0,
        format_func=labels.__getitem__,
        key=f"plan_pick_{section_key}",
    )
    row = frame.filter(pl.col("item_id") == chosen).row(0, named=True) if chosen != NEW else {}
    prefix = f"plan_{section_key}_{chosen}"
    values = {n: row.get(n) for n in section.field_names}
    for col in section.fields:
        if col.kind == c.YES_NO:
            values[col.name] = bool(values[col.name])  # a checkbox is on or off
    for name, allowed in (options or {}).items():
        if values.get(name) not in allowed:
            values[name] = None  # e.g. a stakeholder no longer in the account's list
    version, _ = opened(prefix, row.get("version", 0), values)
    with st.form(f"plan_form_{section_key}_{chosen}", border=False):
        grid = st.columns(2)
        for i, col in enumerate(section.fields):
            with grid[0] if col.name in LONG_TEXT or i % 2 == 0 else grid[1]:
                _field(col, f"{prefix}_{col.name}", options=options)
        fields = {n: st.session_state.get(f"{prefix}_{n}") for n in section.field_names}
        save_col, remove_col = st.columns([1, 1])
        saved = save_col.form_submit_button(f"Save {noun}", type="primary", icon=":material/save:")
        removed = chosen != NEW and remove_col.form_submit_button(
            f"Remove this {noun}", icon=":material/delete:"
        )
    item_id = None if chosen == NEW else chosen
    if saved:
        save(
            lambda: plans.save_items(
                data.db(),
                user=user,
                account_id=account_id,
                changes=[plans.Change(section_key, item_id, fields, version)],
            ),
            done=f"{noun.capitalize()} saved.",
            reset=f"plan_{section_key}_",
        )
    if removed:
        save(
            lambda: plans.save_items(
                data.db(),
                user=user,
                account_id=account_id,
                changes=[plans.Change(section_key, item_id, None, version)],
            ),
            done=f"{noun.capitalize()} removed.",
            reset=f"plan_{section_key}_",
        )


def business(user: User, account: dict, items: pl.DataFrame, reviews, *, editable: bool) -> None:
    section = plans.SECTIONS_BY_KEY["business"]
    row = items.row(0, named=True) if items.height else {}
    with st.container(border=True):
        section_header(user, account, reviews, "business", editable=editable)
        if row:
            grid = st.columns(2)
            for i, (label, name) in enumerate(
                (
                    ("Goals", "goals"),
                    ("Strategy", "strategy"),
                    ("Market dynamics", "market_dynamics"),
                    ("What they buy, from whom", "buying"),
                )
            ):
                grid[i % 2].markdown(f"**{label}**  \n{widgets.plain(row[name] or '–')}")
            st.caption(
                f"Last changed {widgets.formatting.date_time(row['changed_at'])} UTC by "
                f"{widgets.plain(fmt.person(row['changed_by']))}."
            )
        else:
            st.caption("Not written yet.")
        if not editable:
            return
        with st.expander("Edit the customer's business"):
            prefix = "plan_business_business"
            version, _ = opened(prefix, row.get("version", 0), {n: row.get(n) for n in section.field_names})
            with st.form("plan_form_business", border=False):
                for col in section.fields:
                    _field(col, f"{prefix}_{col.name}")
                submitted = st.form_submit_button(
                    "Save the customer's business", type="primary", icon=":material/save:"
                )
            if submitted:
                fields = {n: st.session_state.get(f"{prefix}_{n}") for n in section.field_names}
                save(
                    lambda: plans.save_items(
                        data.db(),
                        user=user,
                        account_id=account["account_id"],
                        changes=[plans.Change("business", None, fields, version)],
                    ),
                    done="The customer's business saved.",
                    reset="plan_business_",
                )


def list_section(
    user: User,
    account: dict,
    reviews,
    plan: plans.Plan,
    section_key: str,
    *,
    noun: str,
    editable: bool,
    options: dict[str, dict[str, str]] | None = None,
) -> None:
    section = plans.SECTIONS_BY_KEY[section_key]
    with st.container(border=True):
        section_header(user, account, reviews, section.review, editable=editable)
        frame = plan.items[section_key]
        item_table(section, frame, key=f"plan_table_{section_key}")
        if editable:
            with st.expander(f"Edit {section.title.lower()}"):
                item_editor(user, account["account_id"], section_key, frame, noun=noun, options=options)


def named_grid(cells: pl.DataFrame, offerings: tuple[str, ...], account_id: str) -> pl.DataFrame:
    """The whitespace grid whose pipeline cells name their opportunity ('pipeline Platform Water')."""
    names = data.cached(plans.opportunity_names, account_id=account_id)
    named = cells.with_columns(
        pl.col("opportunity_id").replace_strict(
            names, default=pl.col("opportunity_id"), return_dtype=pl.String
        )
    )
    return whitespace_grid(named, offerings)


def whitespace(
    user: User, account: dict, reviews, plan: plans.Plan, *, editable: bool, offerings, opportunities
) -> None:
    cells = plan.items["whitespace"]
    with st.container(border=True):
        section_header(user, account, reviews, "whitespace", editable=editable)
        grid = named_grid(cells, tuple(offerings), account["account_id"])
        if cells.is_empty():
            st.caption(
                "No whitespace cells yet: mark where each offering is sold, in pipeline, a target or not "
                "a fit."
            )
        else:
            widgets.table(
                grid.fill_null(""),
                width="stretch",
                key="plan_whitespace_grid",
                height=fmt.rows_height(grid.height),
            )
            st.caption(
                "Our offerings (rows) against the customer's business units (columns); pipeline cells "
                "name their opportunity."
            )
        if not editable:
            return
        with st.expander("Edit whitespace"):
            units = cells["business_unit"].unique(maintain_order=True).to_list()
            left, right = st.columns(2)
            offering = left.selectbox(
                "Offering",
                list(dict.fromkeys([*offerings, *cells["offering"].to_list()])),
                key="plan_ws_offering",
            )
            unit = right.selectbox(
                "Business unit",
                [*units, NEW],
                key="plan_ws_unit",
                format_func=lambda u: "New business unit" if u == NEW else u,
            )
            if unit == NEW:
                unit = right.text_input("New business unit", key="plan_ws_new_unit")
            if not unit:
                return
            cell_id = plans.whitespace_id({"offering": offering, "business_unit": unit})
            row = cells.filter(pl.col("item_id") == cell_id)
            row = row.row(0, named=True) if row.height else {}
            prefix = f"plan_wscell_{cell_id}"
            shown = {"status": "target"} | {n: row[n] for n in ("status", "opportunity_id", "note") if row}
            if shown.get("opportunity_id") not in opportunities:
                shown["opportunity_id"] = None
            version, _ = opened(prefix, row.get("version", 0), shown)
            with st.form(f"plan_form_ws_{cell_id}", border=False):
                a, b = st.columns(2)
                a.selectbox("Status *", c.WHITESPACE_STATUSES, key=f"{prefix}_status", format_func=words)
                b.selectbox(
                    "Opportunity (for pipeline)",
                    [None, *opportunities],
                    key=f"{prefix}_opportunity_id",
                    format_func=lambda o: "–" if o is None else f"{o} {opportunities[o]}",
                )
                st.text_input("Note", key=f"{prefix}_note")
                saved = st.form_submit_button("Save the cell", type="primary", icon=":material/save:")
                removed = bool(row) and st.form_submit_button("Remove the cell", icon=":material/delete:")
            fields = {
                "offering": offering,
                "business_unit": unit,
                **{n: st.session_state.get(f"{prefix}_{n}") for n in ("status", "opportunity_id", "note")},
            }
            for pressed, change in (
                (saved, plans.Change("whitespace", cell_id, fields, version)),
                (removed, plans.Change("whitespace", cell_id, None, version)),
            ):
                if pressed:
                    save(
                        lambda change=change: plans.save_items(
                            data.db(), user=user, account_id=account["account_id"], changes=[change]
                        ),
                        done=f"Whitespace {widgets.plain(cell_id)} saved.",
                        reset="plan_wscell_",
                    )


def action_columns() -> dict:
    """The action plan's columns beyond the general labels."""
    cc = st.column_config
    return {
        "description": cc.TextColumn("Description", width="large"),
        "from_survey": cc.CheckboxColumn("Survey"),
        "shared": cc.CheckboxColumn("Shared"),
        "overdue": cc.CheckboxColumn("Overdue"),
    }


def action_plan(user: User, account: dict, reviews, plan: plans.Plan, *, editable: bool, today: date) -> None:
    """The Actions data of the account: the same list as the Loyalty page's closed loop."""
    actions = plan.actions
    account_id = account["account_id"]
    with st.container(border=True):
        section_header(user, account, reviews, "actions", editable=editable)
        st.caption(
            "The account's actions: from surveys (the Loyalty page's closed loop), reviews and the plan. "
            "Shared actions appear in the customer version."
        )
        show_closed = st.toggle("Show done and dropped actions", key="plan_actions_closed")
        shown = (
            actions if show_closed else actions.filter(~pl.col("status").is_in(list(edits.CLOSED_STATUSES)))
        )
        if shown.is_empty():
            st.caption("No open actions.")
        else:
            widgets.table(
                shown,
                width="stretch",
                key="plan_actions_table",
                height=fmt.rows_height(shown.height, 420),
                config=dates(shown) | action_columns(),
            )
        can_update = can(
            user, "update_action", account_id=account_id, account_manager=account["account_manager"]
        )
        can_add = can(user, "add_action", account_id=account_id, account_manager=account["account_manager"])
        if can_update and actions.height:
            with st.expander("Update an action: done, dropped, shared"):
                labels = {
                    r["action_id"]: f"{r['action_id']} · {r['description']} ({r['status'].replace('_', ' ')})"
                    for r in actions.iter_rows(named=True)
                }
                chosen = st.selectbox(
                    "Action", list(labels), format_func=labels.__getitem__, key="plan_pick_action"
                )
                row = actions.filter(pl.col("action_id") == chosen).row(0, named=True)
                prefix = f"plan_action_{chosen}"
                shared_version = plans.current_version(data.db(), account_id, "shared_actions", chosen)
                version, seen = opened(
                    prefix, shared_version, {"status": row["status"], "shared": row["shared"]}
                )
                seen_status = seen["status"]
                cols = st.columns(4)
                for col, (status, label, icon) in zip(
                    cols,
                    (
                        ("done", "Mark done", ":material/check:"),
                        ("dropped", "Mark dropped", ":material/block:"),
                        ("open", "Reopen", ":material/undo:"),
                    ),
                    strict=False,
                ):
                    if col.button(
                        label, key=f"plan_action_{status}", icon=icon, disabled=row["status"] == status
                    ):
                        save(
                            lambda status=status: edits.set_action_status(
                                data.db(),
                                user=user,
                                action_id=chosen,
                                status=status,
                                expected_status=seen_status,
                                today=today,
                            ),
                            done=f"Action {widgets.plain(chosen)} is {status} now.",
                            reset=f"{prefix}_",
                        )
                shared = cols[3].toggle(
                    "Shared", key=f"{prefix}_shared", help="Shown in the customer version."
                )
                if shared != row["shared"] and st.button("Save sharing", key="plan_action_share"):
                    save(
                        lambda: plans.save_items(
                            data.db(),
                            user=user,
                            account_id=account_id,
                            changes=[plans.Change("shared_actions", chosen, {"shared": shared}, version)],
                        ),
                        done=f"Action {widgets.plain(chosen)} is {'' if shared else 'no longer '}shared with "
                        "the customer.",
                        reset=f"{prefix}_",
                    )
        if can_add:
            with st.expander("Add an action"):
                with st.form("plan_add_action", clear_on_submit=True, border=False):
                    description = st.text_input("Action *", key="plan_new_action_description")
                    left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
                    owner = left.text_input("Owner *", value=user.name, key="plan_new_action_owner")
                    due = middle.date_input(
                        "Due",
                        value=None,
                        min_value=today,
                        key="plan_new_action_due",
                        format=widgets.DATE_INPUT,
                    )
                    shared = right.checkbox("Shared with the customer", key="plan_new_action_shared")
                    added = st.form_submit_button("Add the action", type="primary", icon=":material/add:")
                if added:

                    def add() -> None:
                        action_id = edits.add_action(
                            data.db(),
                            user=user,
                            account_id=account_id,
                            description=description,
                            owner=owner,
                            due=due,
                            today=today,
                            source="account plan",
                        )
                        if shared:
                            plans.save_items(
                                data.db(),
                                user=user,
                                account_id=account_id,
                                changes=[plans.Change("shared_actions", action_id, {"shared": True}, 0)],
                            )

                    save(add, done="Action added.", reset="plan_new_action_none")


def sponsor_plan(
    user: User, account: dict, reviews, plan: plans.Plan, *, editable: bool, stakeholders: dict
) -> None:
    with st.container(border=True):
        section_header(user, account, reviews, "sponsor", editable=editable)
        st.caption(f"Executive sponsor: {widgets.plain(account['executive_sponsor'] or 'none')}.")
        for key, noun in (("commitments", "commitment"), ("contacts", "contact")):
            section = plans.SECTIONS_BY_KEY[key]
            st.markdown(f"**{section.title}**")
            item_table(section, plan.items[key], key=f"plan_table_{key}")
            if editable:
                with st.expander(f"Edit the {section.title.lower()}"):
                    item_editor(
                        user,
                        account["account_id"],
                        key,
                        plan.items[key],
                        noun=noun,
                        options={"stakeholder_id": stakeholders} if key == "contacts" else None,
                    )


def plan_sections(
    user: User,
    plan: plans.Plan,
    reviews: pl.DataFrame,
    *,
    editable: bool,
    today: date,
    offerings: tuple[str, ...],
    opportunities: dict[str, str],
    stakeholders: dict[str, str],
) -> None:
    """Every editable section of the plan, in the plan's order."""
    account = plan.account
    business(user, account, plan.items["business"], reviews, editable=editable)
    list_section(user, account, reviews, plan, "objectives", noun="objective", editable=editable)
    list_section(user, account, reviews, plan, "value", noun="value proposition", editable=editable)
    whitespace(
        user, account, reviews, plan, editable=editable, offerings=offerings, opportunities=opportunities
    )
    list_section(user, account, reviews, plan, "competitors", noun="competitor", editable=editable)
    action_plan(user, account, reviews, plan, editable=editable, today=today)
    sponsor_plan(user, account, reviews, plan, editable=editable, stakeholders=stakeholders)


def upload_conflicts(conflicts: pl.DataFrame) -> bool:
    """On the Data upload page: the values edited in the app that the upload would overwrite,
    and the user's choice. True: write the app's values again after the upload."""
    if conflicts.is_empty():
        return False
    n = conflicts.height
    st.warning(
        f"{n} value{'s' if n != 1 else ''} edited in the app after this file's data was taken would be "
        "overwritten by the upload.",
        icon=":material/sync_problem:",
    )
    widgets.table(
        conflicts,
        width="stretch",
        key="upload_edit_conflicts",
        config=dates(conflicts),
    )
    choice = st.radio(
        "Edits made in the app",
        ["keep", "file"],
        format_func={
            "keep": "Keep the app's edits (written again right after the upload, recorded as kept)",
            "file": "Take the file's values",
        }.__getitem__,
        key="upload_edit_choice",
    )
    return choice == "keep"
