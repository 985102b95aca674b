"""Shared pieces of every page: the header, figures formatted for people, and the account table."""

from __future__ import annotations

import polars as pl
import streamlit as st

from sam_core.outputs import formatting
from ui.run import settings


def header(title: str, caption: str | None = None) -> None:
    """Page title, with the demo badge when running on demo data."""
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.title(title)
    if settings().demo:
        right.markdown(":orange-badge[Demo data]")
    if caption:
        st.caption(caption)


def labelled(names: dict[str, str]):
    """A selectbox's format_func: 'Name (id)'. Streamlit keeps a widget's format_func with the
    session; a lambda written in a page would keep the page's every frame alive with it."""
    return lambda key: f"{names[key]} ({key})"


def money(value: float | None) -> str:
    """Money in the configured currency, e.g. '€12.3m'."""
    return formatting.money(value, settings().currency)


def money_label(label: str) -> str:
    """A money column's label with the currency symbol: 'Revenue T12M (€)'."""
    return f"{label} ({formatting.symbol(settings().currency)})"


percent = formatting.percent


plain = formatting.plain


long_date = formatting.long_date


ACCOUNT_TABLE_COLUMNS = [
    "rank",
    "account_name",
    "tier",
    "revenue",
    "financials",
    "growth",
    "margin",
    "share_of_wallet",
    "revenue_trend",
    "open_pipeline",
    "weighted_pipeline",
    "won_value",
    "win_rate_count",
    "health",
    "health_band",
    "loyalty_index",
    "nps",
    "respondents",
    "cadence",
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
    cc = st.column_config
    return {
        "rank": cc.NumberColumn("#", width="small"),
        "account_name": cc.TextColumn("Account", width="medium"),
        "tier": cc.TextColumn("Tier", width="small"),
        "revenue": cc.NumberColumn(money_label("Revenue T12M"), format="compact"),
        "financials": status_column(
            "Financials",
            FINANCIALS_STATUSES,
            help="Empty when the account reported the data-through month; else not reported (no row for that "
            "month), no financials in the 12 months, or revenue from won deals (setting).",
        ),
        "growth": cc.NumberColumn("Growth", format="percent"),
        "margin": cc.NumberColumn("Margin", format="percent"),
        "share_of_wallet": cc.NumberColumn("Wallet share", format="percent"),
        "revenue_trend": cc.LineChartColumn("Revenue, 12 months", width="small"),
        "open_pipeline": cc.NumberColumn(
            money_label("Pipeline"), format="compact", help="Open opportunities."
        ),
        "weighted_pipeline": cc.NumberColumn(
            money_label("Weighted"),
            format="compact",
            help="Open amount x probability (stage default if empty).",
        ),
        "won_value": cc.NumberColumn(money_label("Won T12M"), format="compact"),
        "win_rate_count": cc.NumberColumn(
            "Win rate",
            format="percent",
            help="Won / closed deals in the 12 months to the data-through month.",
        ),
        "health": cc.ProgressColumn("Health", format="%.0f", min_value=0, max_value=100, width="small"),
        "health_band": status_column("Health band", HEALTH_BANDS),
        "loyalty_index": cc.NumberColumn("Loyalty", format="%.0f"),
        "nps": cc.NumberColumn("NPS", format="%+.0f"),
        "respondents": cc.NumberColumn("Resp.", help="Respondents in the latest wave; under 3 is thin."),
        "cadence": status_column("Cadence", CADENCE_STATUSES),
        "coverage": cc.NumberColumn(
            "Coverage", format="percent", help="Key stakeholders with a relationship of strength 3+."
        ),
        "single_threaded": cc.CheckboxColumn("Single-threaded"),
        "momentum": cc.NumberColumn(
            "Momentum", format="%+d", help="Positive minus negative evidence, last 90 days."
        ),
        "open_actions": cc.NumberColumn("Open actions"),
        "overdue_actions": cc.NumberColumn("Overdue"),
        "stale": cc.TextColumn("Stale data"),
        "plan": cc.TextColumn(
            "Stale plan",
            help="The account plan was not reviewed within the review period (SAM_PLAN_REVIEW_DAYS), or not "
            "since the last 90-day review; the Account plan page says which sections.",
        ),
        "account_manager": cc.TextColumn("Account manager"),
        "executive_sponsor": cc.TextColumn("Sponsor"),
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
