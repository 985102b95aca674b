"""The Account plan page's other tabs: what the data says, people and meetings (living data
edited in the app), history (as of a date, compared, every change) and the outputs."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import streamlit as st

from sam_core.access.permissions import User, can
from sam_core.errors import SamError, ValidationFailed, WorkbookError
from sam_core.ingest import contract as c
from sam_core.metrics.relationship_map import ATTITUDE_LABELS
from sam_core.outputs import charts, formatting
from sam_core.outputs.plan_document import customer_pdf, customer_xlsx, plan_pdf
from sam_core.outputs.workbook import export_bytes
from sam_core.plans import edits
from sam_core.plans import plan as plans
from sam_core.plans.facts import Facts, plan_facts
from sam_core.plans.workbook import load_plan_files, plan_sheets
from ui import data, widgets
from ui import plan_format as fmt
from ui.plan import action_columns, dates, item_table, named_grid, opened, save, words

LEVELS = c.SHEETS_BY_NAME["Stakeholders"].column("level").allowed
BUYING_ROLES = c.SHEETS_BY_NAME["Stakeholders"].column("buying_role").allowed


# -- from the data --------------------------------------------------------------------------------


def from_the_data(facts: Facts, account_id: str) -> None:
    """The sections that fill themselves: never typed into the plan."""
    st.caption("Filled in from the uploaded data and the app's own records: never typed twice.")
    a, lo = facts.account or {}, facts.loyalty
    cols = st.columns(5)
    f = formatting
    cols[0].metric("Health", f.DASH if a.get("health") is None else f"{f.score(a['health'])} / 100")
    cols[0].markdown(widgets.health_badge(a.get("health_band")))
    cols[1].metric(
        "Loyalty index",
        f.DASH if lo is None else f.score(lo["loyalty_index"]),
        help=lo and f"wave {lo['wave']}",
    )
    cols[2].metric(  # 'NPS 0', never '+0' (the slides say 'NPS 0' of the same wave)
        "NPS",
        f.DASH if lo is None else f.nps(lo["nps"]),
        help=lo and f.count_of(lo["respondents"], "respondent"),
    )
    cols[3].metric(
        "Evidence momentum",
        f.signed(facts.momentum),
        help="Positive minus negative signals, last 90 days.",
    )
    cols[4].metric("Open survey actions", facts.survey_actions.height)
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Health and its parts**")
        data.chart(("plan health", account_id), lambda: charts.health_parts_chart(facts.health_parts))
    with right:
        st.markdown("**Cadence**")
        widgets.table(
            widgets.status_labels(facts.cadence, ["status"]),
            width="stretch",
            key="plan_cadence",
            config=dates(facts.cadence, status=widgets.status_column("Status", widgets.CADENCE_STATUSES)),
        )
        st.markdown("**Next 90-day reviews**")
        widgets.table(
            facts.next_reviews,
            width="stretch",
            key="plan_next_reviews",
            config=dates(facts.next_reviews),
        )
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Relationship gaps ({facts.gaps.height})**")
        if facts.gaps.is_empty():
            st.caption("No gaps found.")
        else:  # a list: a reason is a sentence, which a narrow table cut off
            st.markdown(
                "\n".join(
                    f"- **{widgets.plain(formatting.value_label(gap).capitalize())}**"
                    f"{f' · {widgets.plain(who)}' if who else ''}: {widgets.plain(reason)}"
                    for gap, who, reason in facts.gaps.select("gap", "who", "reason").iter_rows()
                )
            )
        st.markdown(f"**Open survey actions ({facts.survey_actions.height})**")
        if facts.survey_actions.is_empty():
            st.caption("Every low score's action is closed, or none was raised.")
        else:
            widgets.table(
                facts.survey_actions,
                width="stretch",
                key="plan_survey_actions",
                config=dates(facts.survey_actions),
            )
    with right:
        top_opportunities(facts)
        st.markdown("**Evidence, last 90 days**")
        widgets.table(
            fmt.words(facts.evidence, "signal"),
            width="stretch",
            key="plan_evidence",
            height=min(38 + 35 * max(facts.evidence.height, 1), 220),
            config=dates(facts.evidence),
        )
    fresh = facts.freshness or {}
    st.caption(
        f"Data freshness: {widgets.plain(fresh.get('stale') or 'nothing stale')}; last upload "
        f"{widgets.long_date(fresh.get('last_upload'))}, last held engagement "
        f"{widgets.long_date(fresh.get('last_engagement'))}."
    )
    links = st.columns(3)
    for col, (page, label) in zip(
        links,
        (
            ("pages/relationship_map.py", "Relationship map"),
            ("pages/sponsor_cadence.py", "Sponsor cadence"),
            ("pages/loyalty.py", "Loyalty"),
        ),
        strict=True,
    ):
        col.page_link(page, label=label, icon=":material/arrow_forward:")


def top_opportunities(facts: Facts) -> None:
    """The largest open opportunities by weighted value, with the probability used (its own, or
    the stage's default), and how much of the account's weighted pipeline they hold."""
    top, pipeline = facts.opportunities, facts.pipeline
    st.markdown("**Top opportunities**")
    if top.is_empty():
        st.caption("No open opportunities.")
        return
    shown, probability = fmt.percent(
        top.drop("opportunity_id"),
        "probability",
        "Probability",
        help="Its own probability; where it is empty, the stage's default (ticked in Stage default).",
    )
    widgets.table(
        shown,
        width="stretch",
        key="plan_opportunities",
        height=fmt.rows_height(shown.height),
        # the weighted figure and how it was reached in view at 1366 px
        order=["name", "weighted_pipeline", "probability", "amount", "stage", "stage_default", "close_date"],
        labels={"weighted_pipeline": "Weighted", "close_date": "Closes"},
        helps={"weighted_pipeline": "Amount x probability."},
        config=probability
        | {
            "name": st.column_config.TextColumn("Opportunity", width="medium"),
            "stage_default": st.column_config.CheckboxColumn(
                "Stage default", help="No probability given: the stage's default is used."
            ),
        },
    )
    n = pipeline.get("open_deals", top.height)
    st.caption(
        f"{'The' if n == top.height else f'The top {top.height} of'} "
        f"{formatting.count_of(n, 'open opportunity', 'open opportunities')}: "
        f"{widgets.money(float(top['weighted_pipeline'].sum()))} of the account's "
        f"{widgets.money(pipeline.get('weighted_pipeline'))} weighted pipeline."
    )


# -- people and meetings ------------------------------------------------------------------------------


def _attitude(value) -> str:
    return "–" if value is None else f"{value:+d} {ATTITUDE_LABELS[value]}"


def stakeholder_fields(prefix: str, people: dict[str, str], *, exclude: str | None = None) -> None:
    left, middle, right = st.columns(3)
    left.text_input("Name *", key=f"{prefix}_name")
    middle.text_input("Title", key=f"{prefix}_title")
    right.text_input("Department", key=f"{prefix}_department")
    left.selectbox("Level", [None, *LEVELS], key=f"{prefix}_level", format_func=words)
    middle.selectbox("Buying role", [None, *BUYING_ROLES], key=f"{prefix}_buying_role", format_func=words)
    bosses = [p for p in people if p != exclude]
    right.selectbox(
        "Reports to",
        [None, *bosses],
        key=f"{prefix}_reports_to",
        format_func=lambda s: "–" if s is None else f"{people[s]} ({s})",
    )
    left.selectbox("Influence", [None, 1, 2, 3, 4, 5], key=f"{prefix}_influence", format_func=words)
    middle.selectbox("Attitude", [None, -2, -1, 0, 1, 2], key=f"{prefix}_attitude", format_func=_attitude)
    right.text_input("E-mail", key=f"{prefix}_email")
    st.checkbox("Decision maker", key=f"{prefix}_decision_maker")


STAKEHOLDER_FIELDS = (
    "name",
    "title",
    "department",
    "level",
    "buying_role",
    "reports_to",
    "influence",
    "attitude",
    "email",
    "decision_maker",
)


def people_and_meetings(user: User, account: dict, *, today: date) -> None:
    """The account's stakeholders and engagements, kept in the app like an upload would."""
    account_id, manager = account["account_id"], account["account_manager"]
    people = data.cached(edits.rows_as_of, sheet_name="Stakeholders", account_id=account_id, at=None)
    people = people.sort("name")
    names = dict(zip(people["stakeholder_id"], people["name"], strict=True))
    st.markdown(f"#### Stakeholders ({people.height})")
    widgets.table(
        people.drop("account_id").with_columns(
            pl.col("reports_to").replace_strict(names, default=pl.col("reports_to"), return_dtype=pl.String)
        ),
        width="stretch",
        key="plan_people_table",
        height=min(38 + 35 * max(people.height, 1), 320),
        config={"attitude": st.column_config.NumberColumn("Attitude", format="%d")},  # never '+0'
    )
    if can(user, "edit_stakeholder", account_id=account_id, account_manager=manager):
        with st.expander("Add a stakeholder"):
            prefix = "plan_new_person"
            opened(prefix, 0, dict.fromkeys(STAKEHOLDER_FIELDS) | {"decision_maker": False})
            with st.form("plan_add_person", border=False):
                stakeholder_fields(prefix, names)
                added = st.form_submit_button(
                    "Add the stakeholder", type="primary", icon=":material/person_add:"
                )
            if added:
                values = {n: st.session_state.get(f"{prefix}_{n}") for n in STAKEHOLDER_FIELDS}
                save(
                    lambda: edits.add_stakeholder(data.db(), user=user, account_id=account_id, values=values),
                    done=f"{widgets.plain(values['name'] or 'The stakeholder')} added.",
                    reset=f"{prefix}_",
                )
        if names:
            with st.expander("Edit a stakeholder"):
                chosen = st.selectbox(
                    "Stakeholder", list(names), format_func=widgets.labelled(names), key="plan_pick_person"
                )
                row = people.filter(pl.col("stakeholder_id") == chosen).row(0, named=True)
                prefix = f"plan_person_{chosen}"
                _, seen = opened(prefix, 0, {n: row[n] for n in STAKEHOLDER_FIELDS})
                with st.form(f"plan_edit_person_{chosen}", border=False):
                    stakeholder_fields(prefix, names, exclude=chosen)
                    saved = st.form_submit_button(
                        "Save the stakeholder", type="primary", icon=":material/save:"
                    )
                if saved:
                    now = {n: st.session_state.get(f"{prefix}_{n}") for n in STAKEHOLDER_FIELDS}
                    changes = {n: v for n, v in now.items() if v != seen[n]}
                    save(
                        lambda: edits.edit_stakeholder(
                            data.db(),
                            user=user,
                            stakeholder_id=chosen,
                            expected={n: seen[n] for n in changes},
                            changes=changes,
                        ),
                        done=f"Stakeholder {widgets.plain(chosen)} saved.",
                        reset=f"{prefix}_",
                    )
    engagements(user, account, today=today)


def engagements(user: User, account: dict, *, today: date) -> None:
    account_id, manager = account["account_id"], account["account_manager"]
    rows = data.cached(edits.rows_as_of, sheet_name="Engagements", account_id=account_id, at=None)
    window = rows.filter(pl.col("date") >= today - timedelta(days=365)).sort("date", descending=True)
    st.markdown("#### Engagements, last 12 months and planned")
    widgets.table(
        window.drop("account_id"),
        width="stretch",
        key="plan_engagements_table",
        height=min(38 + 35 * max(window.height, 1), 320),
        config=dates(window),
    )
    if not can(user, "record_engagement", account_id=account_id, account_manager=manager):
        return
    with st.expander("Record an engagement"):
        with st.form("plan_record_engagement", clear_on_submit=True, border=False):
            left, middle, right = st.columns(3)
            day = left.date_input(
                "Date *", value=today, key="plan_new_meeting_date", format=widgets.DATE_INPUT
            )
            kind = middle.selectbox(
                "Type *", c.ENGAGEMENT_TYPES, format_func=words, key="plan_new_meeting_type"
            )
            status = right.selectbox(
                "Status *", ("planned", "held", "cancelled"), key="plan_new_meeting_status"
            )
            sponsor = st.checkbox("The executive sponsor attends (attended)", key="plan_new_meeting_sponsor")
            attendees = st.text_input("Customer attendees", key="plan_new_meeting_attendees")
            notes = st.text_area("Notes", key="plan_new_meeting_notes", height=70)
            recorded = st.form_submit_button("Record the engagement", type="primary", icon=":material/event:")
        if recorded:
            values = {
                "date": day,
                "type": kind,
                "status": status,
                "sponsor_attended": sponsor,
                "customer_attendees": attendees,
                "notes": notes,
            }
            save(
                lambda: edits.record_engagement(data.db(), user=user, account_id=account_id, values=values),
                done="Engagement recorded.",
                reset="plan_none",
            )
    planned = rows.filter(pl.col("status") == "planned").sort("date")
    if planned.height:
        with st.expander("Update a planned engagement"):
            labels = {
                r["engagement_id"]: f"{r['date']} · {r['type'].replace('_', ' ')}"
                for r in planned.iter_rows(named=True)
            }
            chosen = st.selectbox(
                "Engagement", list(labels), format_func=labels.__getitem__, key="plan_pick_meeting"
            )
            prefix = f"plan_meeting_{chosen}"
            _, seen = opened(prefix, 0, {"status": "planned"})
            cols = st.columns(2)
            for col, status, label in (
                (cols[0], "held", "Mark held"),
                (cols[1], "cancelled", "Mark cancelled"),
            ):
                if col.button(label, key=f"plan_meeting_{status}"):
                    save(
                        lambda status=status: edits.update_engagement(
                            data.db(),
                            user=user,
                            engagement_id=chosen,
                            expected={"status": seen["status"]},
                            changes={"status": status},
                        ),
                        done=f"Engagement {widgets.plain(chosen)} marked {status}.",
                        reset=f"{prefix}_",
                    )


# -- history ----------------------------------------------------------------------------------------


def read_only_plan(plan: plans.Plan, offerings: tuple[str, ...]) -> None:
    """The plan's sections as tables (a past state)."""
    business = plan.items["business"]
    st.markdown("**The customer's business**")
    if business.is_empty():
        st.caption("Not written yet.")
    else:
        b = business.row(0, named=True)
        st.text(
            "\n".join(
                f"{k.replace('_', ' ').capitalize()}: {b[k] or '–'}"
                for k in ("goals", "strategy", "market_dynamics", "buying")
            )
        )
    for key in ("objectives", "value", "competitors", "commitments", "contacts"):
        section = plans.SECTIONS_BY_KEY[key]
        st.markdown(f"**{section.title}**")
        item_table(section, plan.items[key], key=f"plan_asof_{key}")
    st.markdown("**Whitespace**")
    grid = named_grid(plan.items["whitespace"], offerings, plan.account["account_id"])
    widgets.table(
        grid.fill_null(""), width="stretch", key="plan_asof_ws", height=fmt.rows_height(grid.height)
    )
    st.markdown("**Action plan**")
    widgets.table(
        plan.actions,
        width="stretch",
        key="plan_asof_actions",
        height=fmt.rows_height(plan.actions.height, 420),
        config=dates(plan.actions) | action_columns(),
    )


def history(account_id: str, *, today: date, offerings: tuple[str, ...]) -> None:
    st.markdown("#### What changed")
    since_options = data.cached(plans.milestones, account_id=account_id, as_of=today) | {
        "30 days ago": today - timedelta(days=30),
        "90 days ago": today - timedelta(days=90),
    }
    left, right = st.columns([2, 1])
    since_label = left.selectbox("Since", list(since_options), key="plan_since")
    since = right.date_input(
        "or since the end of",
        value=since_options[since_label],
        max_value=today,
        key=f"plan_since_date_{since_label}",
        format=widgets.DATE_INPUT,
    )
    changed = data.cached(plans.compare, account_id=account_id, since=since, until=None)
    if changed.is_empty():
        st.caption(f"Nothing changed in the plan since {widgets.long_date(since)}.")
    else:
        widgets.table(fmt.people(changed, "changed_by"), width="stretch", key="plan_compare")
        st.caption(
            f"{changed.height} change{'s' if changed.height != 1 else ''} since the end of "
            f"{widgets.long_date(since)}."
        )
    st.markdown("#### The plan as of a date")
    at = st.date_input(
        "Show the plan as it was at the end of",
        value=since,
        max_value=today,
        key="plan_as_of",
        format=widgets.DATE_INPUT,
    )
    read_only_plan(data.cached(plans.account_plan, account_id=account_id, at=at, today=at), offerings)
    st.markdown("#### Every change")
    st.caption(
        "Plan sections (who, when, via the app, a workbook or the demo) and review stamps; below, the "
        "living data edited in the app."
    )
    changes = data.cached(plans.changes, account_id=account_id)
    widgets.table(
        fmt.people(changes, "changed_by"),
        width="stretch",
        key="plan_changes",
        height=fmt.rows_height(changes.height, 300),
        config=dates(changes),
    )
    living = data.cached(edits.data_edits, account_id=account_id)
    if living.is_empty():
        st.caption("No stakeholder, engagement or action of this account was edited in the app yet.")
        return
    widgets.table(
        fmt.people(living, "edited_by"),
        width="stretch",
        key="plan_data_edits",
        height=fmt.rows_height(living.height, 240),
        config=dates(living),
    )


# -- outputs ----------------------------------------------------------------------------------------


def _built(build):
    """A download built when clicked, on its own cursor (it runs beside the script)."""

    def run() -> bytes:
        con = data.connection().cursor()
        try:
            return build(con)
        finally:
            con.close()

    return run


def outputs(user: User, account: dict, *, today: date, currency: str, review_days: int) -> None:
    account_id = account["account_id"]
    key = data.data_key()
    stem = f"plan-{account_id}-{today}"

    def internal(con) -> bytes:
        plan = plans.account_plan(con, account_id, today=today)
        facts = plan_facts(con, data.overview_at(key, today, False, con), account_id, as_of=today)
        reviews = plans.section_reviews(con, account_id, as_of=today, review_days=review_days)
        status = plans.plan_status(con, as_of=today, review_days=review_days).filter(
            pl.col("account_id") == account_id
        )
        reason = status["reason"][0] if status.height else None
        return plan_pdf(
            plan,
            facts,
            reviews,
            as_of=today,
            currency=currency,
            status=f"STALE: {reason}" if reason else None,
        )

    st.markdown("#### This plan")
    cols = st.columns(4)
    cols[0].download_button(
        "Plan (PDF, internal)",
        _built(internal),
        f"{stem}.pdf",
        icon=":material/picture_as_pdf:",
        key="plan_pdf",
        on_click="ignore",
    )
    cols[1].download_button(
        "Customer version (PDF)",
        _built(
            lambda con: customer_pdf(
                plans.account_plan(con, account_id, today=today), as_of=today, currency=currency
            )
        ),
        f"{stem}-customer.pdf",
        icon=":material/handshake:",
        key="plan_customer_pdf",
        on_click="ignore",
    )
    cols[2].download_button(
        "Customer version (Excel)",
        _built(lambda con: customer_xlsx(plans.account_plan(con, account_id, today=today))),
        f"{stem}-customer.xlsx",
        icon=":material/table:",
        key="plan_customer_xlsx",
        on_click="ignore",
    )
    cols[3].download_button(
        "Plan sheets (Excel)",
        _built(lambda con: export_bytes(plan_sheets(con, [account_id]))),
        f"{stem}.xlsx",
        icon=":material/table_view:",
        key="plan_xlsx",
        on_click="ignore",
    )
    st.caption(
        "The customer version holds only the objectives, value propositions and actions marked shared, "
        "with their "
        "customer fields: nothing internal (health, competitors, evidence, whitespace, people)."
    )
    st.markdown("#### Plans in bulk")
    all_ids = data.cached(plans.plan_accounts)["account_id"].to_list()
    st.download_button(
        f"All {len(all_ids)} plans (Excel, the plan sheets of the template)",
        _built(lambda con: export_bytes(plan_sheets(con, all_ids))),
        f"plans-{today}.xlsx",
        icon=":material/download:",
        key="plan_bulk_export",
        on_click="ignore",
    )
    if not can(user, "load_plans"):
        return
    st.caption(
        "Load plan sheets (as exported here, or the template's Plan sheets): items are added and changed, "
        "none "
        "removed; a row whose item was changed in the app since its export keeps the app's version."
    )
    uploaded = st.file_uploader(
        "Plan workbook",
        type=["xlsx", "xlsm", "xls", "ods"],
        key=f"plan_bulk_file_{st.session_state.get('plan_bulk_round', 0)}",
    )
    if uploaded is None:
        return
    files = [(uploaded.name, uploaded.getvalue())]
    try:
        checked = load_plan_files(data.db(), files, user=user, apply=False)
    except (ValidationFailed, WorkbookError) as exc:
        st.error(widgets.plain(str(exc)))
        if getattr(exc, "report", None) is not None:
            widgets.table(exc.report, width="stretch", key="plan_bulk_report")
        return
    widgets.table(checked.counts, key="plan_bulk_counts")
    if checked.report.filter(pl.col("severity") != "info").height:
        widgets.table(checked.report, width="stretch", key="plan_bulk_warnings")
    if st.button("Load the plans", type="primary", key="plan_bulk_load", icon=":material/cloud_upload:"):
        try:
            loaded = load_plan_files(data.db(), files, user=user)
        except SamError as exc:
            st.error(widgets.plain(str(exc)))
            return
        saved = int(loaded.counts["saved"].sum())
        st.session_state["plan_done"] = f"{saved} plan items loaded from {widgets.plain(uploaded.name)}."
        st.session_state["plan_bulk_round"] = st.session_state.get("plan_bulk_round", 0) + 1
        st.rerun()
