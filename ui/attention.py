"""Early warnings on the Streamlit side (issue 20): the user's attention list and its count in
the sidebar, the Attention page's views (needs attention, what changed, the weekly digest), and
the Portfolio's health columns, renewals and health trend. Every figure comes from
sam_core.attention and sam_core.metrics; acknowledgements are written by sam_core.attention.acks."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import streamlit as st

from sam_core.access.permissions import ADMIN, PAGES, User, can
from sam_core.attention.acks import (
    ACKNOWLEDGED,
    MAX_SNOOZE_DAYS,
    OPEN,
    REOPENED,
    SNOOZED,
    set_state,
    user_list,
)
from sam_core.attention.changes import default_dates, what_changed
from sam_core.attention.digest import build_digest, digest_files, write_digest
from sam_core.attention.rules import RULES, attention_items
from sam_core.attention.scope import Scope, scope_of
from sam_core.errors import SamError
from sam_core.metrics.contracts import RENEWAL_WINDOW_DAYS, renewals, with_health
from sam_core.metrics.health_history import (
    account_history,
    health_trend,
    part_movement,
    record_health,
)
from sam_core.outputs import charts, formatting, wording
from sam_core.outputs.attention import (
    account_lines,
    changes_pdf,
    digest_html,
    digest_pdf,
    figure_rows,
    part_rows,
)
from ui import data, widgets
from ui.run import settings

PAGE_TITLES = dict(PAGES)
DONE_KEY = "attention_done"  # the message of the last acknowledgement, shown after the rerun


# -- the list ------------------------------------------------------------------------------------


def scope(user: User, today: date) -> Scope:
    s = settings()
    return data.cached(scope_of, user=user, today=today, top_n=s.top_accounts, rules=s.revenue_rules)


def all_items(today: date) -> pl.DataFrame:
    """Every attention item of `today`, for all accounts (cached on the data version)."""
    s = settings()
    return data.cached(
        attention_items,
        today=today,
        rules=s.attention_rules,
        revenue_rules=s.revenue_rules,
        currency=s.currency,
    )


def user_items(user: User, today: date, user_scope: Scope) -> pl.DataFrame:
    """The user's own list with the state of each item (their acknowledgements read anew)."""
    return user_list(data.db(), user, all_items(today), today=today, scope=user_scope)


def sidebar_count(slot, user: User) -> None:
    """The number of open items on the user's list, linking to the Attention page."""
    try:
        today = date.today()
        n = user_items(user, today, scope(user, today)).filter(pl.col("state") == OPEN).height
    except SamError:
        return
    with slot.container():
        st.page_link(
            "pages/attention.py",
            label=f"{n} need{'s' if n == 1 else ''} attention" if n else "Nothing needs attention",
            icon=":material/notifications_active:" if n else ":material/notifications:",
        )


def _target(user: User, rule: str) -> str:
    """The page where the user acts on an item of `rule` (the Portfolio when theirs is closed)."""
    page = RULES[rule][1]
    return page if can(user, f"view:{page}") else "portfolio"


def _label(row: dict) -> str:
    return f"{row['title']} - {row['account_name'] or 'Portfolio'}"


def needs_attention(user: User, mine: pl.DataFrame, today: date, user_scope: Scope) -> None:
    """The open items (table), acting on one (open its page, acknowledge, snooze), and the
    acknowledged and snoozed ones (reopen)."""
    if st.session_state.get(DONE_KEY):
        st.success(st.session_state.pop(DONE_KEY), icon=":material/check:")
    open_items = mine.filter(pl.col("state") == OPEN)
    counts = open_items.group_by("rule").len()
    by_rule = dict(counts.iter_rows())
    st.markdown(
        " ".join(
            f":{'red' if by_rule.get(r) else 'gray'}-badge[{title}: {by_rule.get(r, 0)}]"
            for r, (title, _) in RULES.items()
        )
    )
    if open_items.is_empty():
        st.info(f"Nothing needs attention on {user.name}'s list ({user_scope.description}).")
    else:
        for rule, (title, _) in RULES.items():
            of_rule = open_items.filter(pl.col("rule") == rule)
            if of_rule.is_empty():
                continue
            where = PAGE_TITLES[_target(user, rule)]
            with st.expander(
                f"{title} ({of_rule.height}): act on the {where} page", expanded=of_rule.height <= 5
            ):
                st.markdown(
                    "\n".join(
                        f"- **{widgets.plain(r['account_name'] or 'Portfolio')}**: "
                        f"{widgets.plain(r['title'])}. {widgets.plain(r['why'])}"
                        + (f" *Since {widgets.long_date(r['since'])}.*" if r["since"] else "")
                        for r in of_rule.iter_rows(named=True)
                    )
                )
        _act(user, open_items, today, user_scope)
    _done(user, mine.filter(pl.col("state") != OPEN), today, user_scope)


def _act(user: User, open_items: pl.DataFrame, today: date, user_scope: Scope) -> None:
    st.subheader("Act on an item")
    rows = {r["key"]: r for r in open_items.iter_rows(named=True)}
    labels = {k: _label(r) for k, r in rows.items()}
    key = st.selectbox("Item", list(rows), format_func=labels.__getitem__, key="attention_item")
    if key is None:
        return
    row = rows[key]
    st.markdown(
        f"**{widgets.plain(row['title'])}** ({widgets.plain(row['account_name'] or 'Portfolio')}): "
        + widgets.plain(row["why"])
    )
    page = _target(user, row["rule"])
    if st.button(f"Open {PAGE_TITLES[page]}", key="attention_open", icon=":material/arrow_forward:"):
        if row["account_id"]:
            st.session_state["sam_account"] = row["account_id"]
        st.switch_page(f"pages/{page}.py")
    with st.form("attention_form", clear_on_submit=True, border=True):
        note_col, until_col = st.columns([3, 1])
        note = note_col.text_area(
            "Note",
            key="attention_note",
            placeholder="What was done, or why it can wait",
            max_chars=500,
            height=80,
        )
        until = until_col.date_input(
            "Snooze until",
            value=today + timedelta(days=7),
            min_value=today + timedelta(days=1),
            max_value=today + timedelta(days=MAX_SNOOZE_DAYS),
            key="attention_until",
            format=widgets.DATE_INPUT,
        )
        left, right, _ = st.columns([1, 1, 3])
        acknowledge = left.form_submit_button(
            "Acknowledge", icon=":material/done:", key="attention_acknowledge"
        )
        snooze = right.form_submit_button("Snooze", icon=":material/snooze:", key="attention_snooze")
    if acknowledge or snooze:
        state = ACKNOWLEDGED if acknowledge else SNOOZED
        try:
            set_state(
                data.db(),
                user=user,
                key=key,
                state=state,
                note=note,
                today=today,
                until=until,
                scope=user_scope,
            )
        except SamError as exc:
            st.error(str(exc))
            return
        what = "Acknowledged" if acknowledge else f"Snoozed until {formatting.long_date(until)}"
        st.session_state[DONE_KEY] = f"{what}: {labels[key]}."
        st.rerun()


def _state(row: dict) -> str:
    if row["state"] == SNOOZED:
        return f"Snoozed until {formatting.long_date(row['snoozed_until'])}"
    return "Acknowledged"


def _done(user: User, done: pl.DataFrame, today: date, user_scope: Scope) -> None:
    with st.expander(f"Acknowledged and snoozed ({done.height})"):
        if done.is_empty():
            st.caption("Nothing acknowledged or snoozed on this list.")
            return
        st.markdown(
            "\n".join(
                f"- **{_state(r)}** ({user.name}, {r['acted_at']:%d %b %Y %H:%M} UTC): "
                f"{widgets.plain(_label(r))}. Note: {widgets.plain(r['note'] or '-')}"
                for r in done.iter_rows(named=True)
            )
        )
        rows = {r["key"]: r for r in done.iter_rows(named=True)}
        key = st.selectbox(
            "Put back on the list",
            list(rows),
            format_func=lambda k: _label(rows[k]),
            key="attention_reopen_item",
        )
        if key and st.button("Reopen", key="attention_reopen", icon=":material/undo:"):
            try:
                set_state(
                    data.db(), user=user, key=key, state=REOPENED, note="", today=today, scope=user_scope
                )
            except SamError as exc:
                st.error(str(exc))
                return
            st.session_state[DONE_KEY] = f"Back on the list: {_label(rows[key])}."
            st.rerun()


# -- what changed ----------------------------------------------------------------------------------


def what_changed_section(user_scope: Scope, today: date) -> None:
    """Two dates (default the last two QBR months), the figures and each top account's changes,
    and the PDF for the meeting pack."""
    s = settings()
    ids = None if user_scope.accounts is None else tuple(sorted(user_scope.accounts))
    first, second = data.cached(default_dates, today=today, account_ids=ids)
    left, right, _ = st.columns([1, 1, 2])
    since = left.date_input(
        "From the end of", value=first, max_value=today, key="attention_since", format=widgets.DATE_INPUT
    )
    until = right.date_input(
        "To the end of", value=second, max_value=today, key="attention_until_day", format=widgets.DATE_INPUT
    )
    st.caption(
        "Defaults: the last days of the last two months with a QBR. Figures as the data stood at the end of "
        "each day (rows dated by then); stakeholder changes as uploads and edits made them."
    )
    try:
        changes = data.cached(
            what_changed,
            scope=user_scope,
            since=since,
            until=until,
            top_n=s.top_accounts,
            rules=s.revenue_rules,
        )
    except SamError as exc:
        st.error(str(exc))
        return
    st.download_button(
        "What changed (PDF for the meeting pack)",
        lambda: changes_pdf(changes, currency=s.currency),
        file_name=f"what-changed-{since}-to-{until}.pdf",
        icon=":material/picture_as_pdf:",
        key="attention_changes_pdf",
        on_click="ignore",
    )
    st.dataframe(
        pl.DataFrame(
            figure_rows(changes.figures, s.currency),
            schema=["figure", formatting.long_date(since), formatting.long_date(until), "change"],
            orient="row",
        ),
        hide_index=True,
        key="attention_changes_figures",
    )
    for flag in changes.new_flags:
        st.warning(f"New concentration flag: {widgets.plain(flag)}", icon=":material/warning:")
    for a in changes.accounts:
        lines = account_lines(a)
        summary = (
            f"{formatting.count_of(len(a.new_risks), 'new risk')}, "
            f"{formatting.count_of(a.new_actions.height, 'new action')}, "
            f"{formatting.count_of(a.closed_actions.height, 'closed action')}, "
            f"{formatting.count_of(a.people.height, 'stakeholder change')}"
        )
        with st.expander(f"{a.account_name} ({a.account_id}): {summary}"):
            figures, parts = st.columns(2)
            figures.dataframe(
                pl.DataFrame(
                    figure_rows(a.figures, s.currency),
                    schema=["figure", "then", "now", "change"],
                    orient="row",
                ),
                hide_index=True,
            )
            parts.dataframe(
                pl.DataFrame(
                    part_rows(a.parts), schema=["health part (points)", "then", "now", "change"], orient="row"
                ),
                hide_index=True,
            )
            for line in lines or ["No new risks, actions or stakeholder changes."]:
                st.text(line)


# -- the weekly digest -------------------------------------------------------------------------


def digest_section(user: User, user_scope: Scope, today: date) -> None:
    """The user's weekly digest: downloads (HTML e-mail body, PDF) and, into the outbox folder."""
    s = settings()

    def build():
        return build_digest(
            data.connection().cursor(),
            user=user,
            today=today,
            rules=s.attention_rules,
            revenue_rules=s.revenue_rules,
            currency=s.currency,
            scope=user_scope,
        )

    html_name, pdf_name = digest_files(user.username, today)
    st.markdown(
        f"The weekly digest of {widgets.plain(user.name)}: the open items of this list and what changed in "
        "the last seven days, as an e-mail body (HTML) and a PDF."
        + (  # how it is sent is the admin's business, not the reader's
            " A scheduler or mail relay sends the files of the outbox folder (setting `SAM_OUTBOX`), or run "
            f"`python -m sam_core digest --user {user.username}`."
            if user.role == ADMIN
            else " Your admin can have it sent to you each week."
        )
    )
    left, right, outbox = st.columns(3)
    left.download_button(
        "Digest (HTML e-mail)",
        lambda: digest_html(build(), currency=s.currency).encode("utf-8"),
        file_name=html_name,
        mime="text/html",
        icon=":material/mail:",
        key="attention_digest_html",
        on_click="ignore",
    )
    right.download_button(
        "Digest (PDF)",
        lambda: digest_pdf(build(), currency=s.currency),
        file_name=pdf_name,
        icon=":material/picture_as_pdf:",
        key="attention_digest_pdf",
        on_click="ignore",
    )
    if outbox.button("Put it in the outbox", key="attention_outbox", icon=":material/outbox:"):
        try:
            paths = write_digest(data.db(), build(), by=user, folder=s.outbox, currency=s.currency)
        except (SamError, OSError) as exc:
            st.error(str(exc))
            return
        st.success(f"Written to the outbox: {', '.join(p.name for p in paths)} ({s.outbox}).")


# -- the Portfolio's health columns, renewals and trend ---------------------------------------------


def _trend(con, *, as_of: date, today: date, rules) -> pl.DataFrame:
    record_health(con, today=today, rules=rules)
    return health_trend(con, as_of=as_of)


HEALTH_COLUMNS = ["health_trend", "change_30", "change_90"]


def with_health_columns(shown: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The Portfolio's table with the kept health: its sparkline and its change over 30 and 90 days."""
    trend = data.cached(_trend, as_of=as_of, today=date.today(), rules=settings().revenue_rules)
    changes = [  # whole points, and a change under half a point is 0 (never "-0")
        pl.when(pl.col(c).round(0) == 0).then(0.0).otherwise(pl.col(c).round(0)).alias(c)
        for c in HEALTH_COLUMNS[1:]
    ]
    return shown.join(trend.select("account_id", *HEALTH_COLUMNS), on="account_id", how="left").with_columns(
        changes
    )


def health_column_order(columns: list[str]) -> list[str]:
    """The table's columns with the health sparkline and changes right after the cadence, so that
    the account, revenue, growth, health and cadence stay in view at 1366 px."""
    at = columns.index("cadence") + 1 if "cadence" in columns else len(columns)
    return [*columns[:at], *HEALTH_COLUMNS, *columns[at:]]


def health_column_config() -> dict:
    """The sparkline's column; the changes are written by the formatting layer ('+3', 'no change')."""
    return {
        "health_trend": st.column_config.LineChartColumn(
            "Health, 12 months", y_min=0, y_max=100, width="small"
        )
    }


HEALTH_LABELS = {"change_30": "Health 30d", "change_90": "Health 90d"}
HEALTH_HELP = {
    "change_30": "Points since the health kept 30 days before.",
    "change_90": "Points since the health kept 90 days before.",
}


def renewals_section(as_of: date) -> None:
    """Contracts renewing in the next 180 days with each account's health and loyalty."""
    overview = data.overview(as_of, False)
    found = with_health(data.cached(renewals, as_of=as_of), overview)  # contracts: per data version
    st.subheader(f"Renewals in the next {RENEWAL_WINDOW_DAYS} days")
    if found.is_empty():
        st.caption("No contract renews in the next 180 days (Contracts sheet).")
        return
    in_notice = found.filter(pl.col("in_notice")).height
    st.caption(
        f"{found.height} contract{'s' if found.height != 1 else ''} worth "
        f"{widgets.money(found['annual_value'].sum())} a year, {in_notice} within the notice period already. "
        "Notice by = renewal date - notice period (90 days when not given)."
    )
    shown = found.select(  # the account's health and loyalty beside it, before the contract's details
        "renewal_date",
        "account_name",
        "health",
        "loyalty_index",
        "nps",
        "in_notice",
        "notice_by",
        "annual_value",
        "name",
        "auto_renew",
        "account_manager",
    )
    cc = st.column_config
    widgets.table(  # the formatting layer: '€41.0m' in the column as in the caption, one magnitude
        shown,
        key="portfolio_renewals",
        height=min(35 * (found.height + 1) + 3, 420),
        labels={
            "renewal_date": "Renews",
            "loyalty_index": "Loyalty",
            "in_notice": "In notice",
            "notice_by": "Notice by",
            "annual_value": widgets.money_label("Per year"),
            "name": "Contract",
            "auto_renew": "Auto-renew",
        },
        config={
            "account_name": cc.TextColumn("Account", width="medium"),
            "name": cc.TextColumn("Contract", width="medium"),
            "health": cc.ProgressColumn("Health", format="%.0f", min_value=0, max_value=100, width="small"),
        },
    )


def _kept_health(con, *, account_id: str, as_of: date, today: date, rules) -> tuple:
    """An account's kept health up to `as_of` and the parts that moved in the last 30 days, once
    today's health is kept (a new day keeps more: `today` is part of the cache key)."""
    record_health(con, today=today, rules=rules)
    return account_history(con, account_id, as_of=as_of), part_movement(con, account_id, as_of=as_of, days=30)


def health_trend_view(account_id: str, as_of: date) -> None:
    """One account's kept health over time (points of each part stacked) and the part that moved."""
    history, movement = data.cached(
        _kept_health, account_id=account_id, as_of=as_of, today=date.today(), rules=settings().revenue_rules
    )
    if history["as_of"].n_unique() < 2:
        st.caption("Health over time: kept from the first load on; not enough yet for a trend.")
        return
    st.markdown("**Health over time**")
    data.chart(("health_history", as_of, account_id), lambda: charts.health_history_chart(history))
    if not movement.is_empty():
        then, now = float(movement["then"].sum()), float(movement["now"].sum())
        st.caption(wording.health_move(movement["since"][0], then, now, movement))
