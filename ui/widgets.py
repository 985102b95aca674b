"""Shared pieces of every page: the header, figures formatted for people, and the account table."""

from __future__ import annotations

from datetime import time

import polars as pl
import streamlit as st

from sam_core.outputs import formatting
from ui.run import settings


def header(title: str, caption: str | None = None) -> None:
    """Page title and what the page is for (the demo badge is in the sidebar)."""
    st.title(title)
    if caption:
        st.caption(caption)


def labelled(names: dict[str, str]):
    """A selectbox's format_func: 'Name (id)'. Streamlit keeps a widget's format_func with the
    session; a lambda written in a page would keep the page's every frame alive with it."""
    return lambda key: f"{names[key]} ({key})"


def account_choice(label: str, names: dict[str, str], *, key: str, where=st) -> str | None:
    """A select box of accounts that starts on the account chosen on another page
    (`sam_account`, e.g. a Portfolio row), keeps the user's own choice, and shares it back."""
    if not names:
        return None
    if st.session_state.get(key) not in names:
        wanted = st.session_state.get("sam_account")
        st.session_state[key] = wanted if wanted in names else next(iter(names))
    account = where.selectbox(label, list(names), format_func=labelled(names), key=key)
    st.session_state["sam_account"] = account
    return account


def money(value: float | None) -> str:
    """Money in the configured currency, e.g. '€12.3m'."""
    return formatting.money(value, settings().currency)


def money_label(label: str) -> str:
    """A money column's label with the currency symbol: 'Revenue T12M (€)'."""
    return f"{label} ({formatting.symbol(settings().currency)})"


percent = formatting.percent


plain = formatting.plain


long_date = formatting.long_date


def metric(where, label: str, value, delta: str | None = None, *, inverse: bool = False, **kwargs) -> None:
    """`st.metric` whose delta comes from `formatting.change`: a change that rounds to zero
    shows 'no change' in grey without an arrow (never a red '-0.0 pts' or a green '+0 pts')."""
    if delta == formatting.NO_CHANGE:
        kwargs |= {"delta_color": "off", "delta_arrow": "off"}
    elif inverse:
        kwargs.setdefault("delta_color", "inverse")
    where.metric(label, value, delta, **kwargs)


def _column(column: str, dtype, values: pl.Series, currency: str, kind: str | None = None):
    """(the column as shown, its column_config) by its kind (formatting.column_kind, unless given)."""
    cc, name = st.column_config, formatting.label(column)
    kind, digits = kind or formatting.column_kind(column, dtype), formatting.digits(column)
    if kind == "money":
        unit = formatting.money_unit(values.to_list())
        return values / unit.divisor, cc.NumberColumn(name, format=formatting.money_format(unit, currency))
    if kind == "percent":
        return values * 100, cc.NumberColumn(name, format=formatting.percent_format(digits))
    if kind == "score":
        return values, cc.NumberColumn(name, format=f"%.{digits}f")
    if kind == "signed" and "change" in column:  # 'no change', never '+0' or '-0.0'
        text = [formatting.change(v, digits=digits) for v in values.to_list()]
        return pl.Series(column, text, dtype=pl.String), cc.TextColumn(name)
    if kind == "signed":  # numbers, so the column sorts; a zero is '0', never '+0' or '-0'
        return signed_values(values, digits), cc.NumberColumn(name, format=f"%.{digits}f")
    if kind == "count":
        return values, cc.NumberColumn(name, format="%,d")
    if kind == "number":
        return values, cc.NumberColumn(name, format=f"%,.{digits}f")
    if kind == "date":
        return values, cc.DateColumn(name, format=DATE_FORMAT)
    if kind == "datetime":
        if (values.drop_nulls().dt.time() == time(0)).all():  # no time of day: a date
            return values.dt.date(), cc.DateColumn(name, format=DATE_FORMAT)
        return values, cc.DatetimeColumn(name, format=f"{DATE_FORMAT}, HH:mm")
    if kind == "bool":
        return values, cc.CheckboxColumn(name)
    if column in formatting.CODE_COLUMNS and dtype == pl.String:
        return values.map_elements(formatting.value_label, return_dtype=pl.String), cc.TextColumn(name)
    return values, cc.TextColumn(name) if kind == "text" else name


def signed_values(values: pl.Series, digits: int) -> pl.Series:
    """A column of signed figures rounded to their digits, with a value that rounds to zero a plain
    0 (printf writes -0.4 as '-0' and '%+' a zero as '+0'; a column format cannot leave out the
    sign of a zero alone, so the column is written without a forced '+')."""
    rounded = values.cast(pl.Float64).round(digits)
    return pl.select(pl.when(rounded == 0).then(0.0).otherwise(rounded).alias(values.name)).to_series()


DATE_FORMAT = "D MMM YYYY"  # 7 Oct 2026, as formatting.long_date writes it
DATE_INPUT = "DD/MM/YYYY"  # every date input's format (st.date_input offers no month name)


def table(
    frame: pl.DataFrame,
    *,
    config: dict | None = None,
    order: list[str] | None = None,
    pinned: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
    helps: dict[str, str] | None = None,
    bars: tuple[str, ...] = (),
    money: tuple[str, ...] = (),
    where=st,
    **kwargs,
):
    """`st.dataframe` through the formatting layer: every column labelled for people, money
    with the currency symbol in one magnitude per column, percentages and scores with fixed
    decimals, counts with thousands separators, dates without a time, codes as words, empty
    cells as a dash. `config` entries replace a column's own (their data is left as it is);
    `pinned` columns stay in view when the table scrolls sideways; `labels` and `helps` name
    and explain columns where the general label is not enough; `bars` are shares (0-1) drawn
    as bars with their percentage; `money` are money columns beyond the data's own
    (formatting.MONEY_COLUMNS), such as a plan's value a year. Returns the selection event where
    one is asked for (`on_select`)."""
    currency = settings().currency
    given = config or {}
    shown, column_config = [], {}
    for column, dtype in frame.schema.items():
        if column in given:
            shown.append(pl.col(column))
            column_config[column] = given[column]
            continue
        if column in bars:
            values = frame[column] * 100
            conf = st.column_config.ProgressColumn(
                formatting.label(column), format="%.0f%%", min_value=0, max_value=100
            )
        else:
            values, conf = _column(
                column, dtype, frame[column], currency, "money" if column in money else None
            )
        shown.append(values.alias(column))
        column_config[column] = conf
    for column, conf in column_config.items():
        if conf is None:  # a column hidden by the caller's config stays hidden
            continue
        if not isinstance(conf, dict):
            conf = column_config[column] = {"label": conf}
        if column in pinned:
            conf["pinned"] = True
        if column in (labels or {}):
            conf["label"] = labels[column]
        if column in (helps or {}):
            conf["help"] = helps[column]
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    return where.dataframe(
        frame.select(shown),
        column_config=column_config,
        column_order=order,
        placeholder=formatting.DASH,
        **kwargs,
    )


# The Portfolio's table: what matters for risk first, so that at 1366 px the account, its
# revenue, growth, health and cadence are in view without scrolling sideways.
ACCOUNT_TABLE_COLUMNS = [
    "rank",
    "account_name",
    "revenue",
    "growth",
    "health",
    "health_band",
    "cadence",
    "financials",
    "tier",
    "margin",
    "share_of_wallet",
    "revenue_trend",
    "open_pipeline",
    "weighted_pipeline",
    "won_value",
    "win_rate_count",
    "loyalty_index",
    "nps",
    "respondents",
    "coverage",
    "single_threaded",
    "momentum",
    "open_actions",
    "overdue_actions",
    "stale",
    "plan",
    "account_manager",
    "executive_sponsor",
]
ACCOUNT_TABLE_LABELS = {
    "rank": "#",
    "revenue": "Revenue T12M",
    "open_pipeline": "Pipeline",
    "weighted_pipeline": "Weighted",
    "won_value": "Won T12M",
    "loyalty_index": "Loyalty",
    "respondents": "Resp.",
    "overdue_actions": "Overdue",
    "stale": "Stale data",
    "plan": "Stale plan",
}
ACCOUNT_TABLE_HELP = {
    "open_pipeline": "Open opportunities.",
    "weighted_pipeline": "Open amount x probability (stage default if empty).",
    "win_rate_count": "Won / closed deals in the 12 months to the data-through month.",
    "respondents": "Respondents in the latest wave; under 3 is thin.",
    "coverage": "Key stakeholders with a relationship of strength 3+.",
    "momentum": "Positive minus negative evidence, last 90 days.",
    "plan": "The account plan was not reviewed within the review period (SAM_PLAN_REVIEW_DAYS), or not "
    "since the last 90-day review; the Account plan page says which sections.",
}


# Status labels as coloured pills: sent as data, far cheaper per run than a pandas Styler,
# which turns every cell of the table into a display string.
HEALTH_BANDS = ("healthy", "watch", "at risk")


CADENCE_STATUSES = ("compliant", "due soon", "overdue", "not applicable")


FINANCIALS_STATUSES = ("reported", "not reported", "no financials", "won deals")


_STATUS_COLOURS = {
    "healthy": "#2e7d32",
    "watch": "#b26a00",
    "at risk": "#c62828",
    "compliant": "#2e7d32",
    "due soon": "#b26a00",
    "overdue": "#c62828",
    "not applicable": "#757575",
    "reported": "#2e7d32",
    "not reported": "#b26a00",
    "no financials": "#757575",
    "won deals": "#1565c0",
}


def status_labels(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Status columns as one-item lists, for `status_column`."""
    return frame.with_columns(
        pl.when(pl.col(c).is_null()).then(None).otherwise(pl.concat_list(c)).alias(c) for c in columns
    )


def status_column(label: str, statuses: tuple[str, ...], help: str | None = None):
    """A column of statuses shown as coloured labels (the column's values from `status_labels`)."""
    return st.column_config.MultiselectColumn(
        label, options=statuses, color=[_STATUS_COLOURS[s] for s in statuses], help=help
    )


def health_badge(band: str | None) -> str:
    colour = {"healthy": "green", "watch": "orange", "at risk": "red"}.get(band or "", "gray")
    return f":{colour}-badge[{band or 'no data'}]"


def account_table_config() -> dict:
    """The columns of the account table that are more than a figure (labels, a sparkline, a
    bar, statuses); the others are formatted by `table`."""
    cc = st.column_config
    return {
        "rank": cc.NumberColumn("#", width="small", format="%d", pinned=True),
        "account_name": cc.TextColumn("Account", width="medium", pinned=True),
        "tier": cc.TextColumn("Tier", width="small"),
        "financials": status_column(
            "Financials",
            FINANCIALS_STATUSES,
            help="Empty when the account reported the data-through month; else not reported (no row for that "
            "month), no financials in the 12 months, or revenue from won deals (setting).",
        ),
        "revenue_trend": cc.LineChartColumn("Revenue, 12 months", width="small"),
        "health": cc.ProgressColumn("Health", format="%.0f", min_value=0, max_value=100, width="small"),
        "health_band": status_column("Health band", HEALTH_BANDS),
        "cadence": status_column("Cadence", CADENCE_STATUSES),
    }


def account_table(table: pl.DataFrame) -> pl.DataFrame:
    """The account table as the Portfolio shows it (health band and cadence as labels)."""
    shown = table.select([*ACCOUNT_TABLE_COLUMNS, "account_id"]).with_columns(
        # only what differs from a full report stands out
        pl.when(pl.col("financials") != "reported").then(pl.col("financials")).alias("financials")
    )
    return status_labels(shown, ["health_band", "cadence", "financials"]).with_columns(
        pl.col("financials").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )


def drawn(tab, edits: bool) -> bool:
    """Whether to draw a tab of lazy tabs (`st.tabs(..., on_change="rerun")`): when it is open,
    or always when the user edits in it, so that what they typed and did not save yet survives
    a look at another tab (a tab not drawn forgets its widgets)."""
    return bool(tab.open) or edits
