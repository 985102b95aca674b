"""How figures are written for people: money in compact form with its currency symbol,
percentages, dates, and the "data through" month every money view states.

Money is shown in one place's way everywhere (app, brief PDF, deck, Excel headers):
`money(12_345_678, "EUR")` is '€12.3m'; a currency without a symbol of its own shows its
code ('CHF 12.3m').
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹", "KRW": "₩"}
# Columns that hold money in frames shown or exported; their headers name the currency.
MONEY_COLUMNS = frozenset(
    {
        "revenue",
        "revenue_previous",
        "revenue_previous_like",
        "revenue_with_profit",
        "revenue_previous_with_profit",
        "profit",
        "profit_previous",
        "ebitda",
        "plan_revenue",
        "wallet_estimate",
        "amount",
        "annual_value",
        "open_pipeline",
        "weighted_pipeline",
        "won_value",
        "closed_value",
        "money",
    }
)


def symbol(currency: str) -> str:
    """'€' for EUR; the code itself for a currency without a symbol of its own."""
    return SYMBOLS.get(currency, currency)


def money(value: float | None, currency: str = "EUR", *, symbol: bool = True) -> str:
    """12_345_678 -> '€12.3m' ('EUR 12.3m' without symbols, for fonts that lack them)."""
    if value is None:
        return "–"
    mark = SYMBOLS.get(currency, currency + " ") if symbol else currency + " "
    sign = "-" if value < 0 else ""
    value = abs(value)
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if value >= limit:
            return f"{sign}{mark}{value / limit:,.1f}{suffix}"
    return f"{sign}{mark}{value:,.0f}"


def money_header(column: str, currency: str) -> str:
    """A money column's header with its currency: 'revenue (€)'."""
    return f"{column} ({symbol(currency)})"


def with_money_headers(frame: pl.DataFrame, currency: str) -> pl.DataFrame:
    """The frame with every money column's header naming the currency (for exports)."""
    return frame.rename({c: money_header(c, currency) for c in frame.columns if c in MONEY_COLUMNS})


def month(d: date | None) -> str:
    """date(2026, 10, 1) -> 'Oct 2026'."""
    return f"{d:%b %Y}" if d else "–"


def data_through(d: date | None) -> str:
    """What every money view and export states: 'data through Oct 2026'."""
    return f"data through {month(d)}"


def percent(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def long_date(d: date | None) -> str:
    return f"{d.day} {d:%b %Y}" if d else "–"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")
# Markdown turns a bare address into a link (www.x.com, https://..., me@x.com) and Streamlit
# turns :material/name: into an icon, escaped or not: a word joiner (U+2060, invisible) after
# "www", the scheme, before "@" and after every ":" keeps them text.
WORD_JOINER = "\u2060"
_LINK_START = re.compile(r"(?i)(www|https?|ftp|mailto|file|javascript)(?=\\[.:])")


def plain(text) -> str:
    """Text from a workbook made safe to show where Streamlit renders Markdown: every
    character Markdown (or Streamlit's :directives:) would interpret is escaped, and bare
    addresses and icon shortcodes are broken up invisibly, so `**bold**`, `<img ...>`,
    `www.evil.example` or `:material/warning:` show exactly as typed."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    escaped = _LINK_START.sub(lambda m: m.group(1) + WORD_JOINER, escaped)
    return escaped.replace("@", WORD_JOINER + "@").replace("\\:", "\\:" + WORD_JOINER)


# --- Meeting outputs (issue 18: projector, brief PDF, deck) --------------------------------------
# Added at the end so that the formatting layer's own changes merge without conflict.


def points(value: float | None) -> str:
    """Points a health part contributed (the app's health chart): 16.2222 -> '16.2'."""
    return "–" if value is None else f"{value:.1f}"


def score(value: float | None) -> str:
    """A 0-100 score as the app shows it (health, loyalty index): 74.72 -> '75'."""
    return "–" if value is None else f"{value:.0f}"


def nps(value: float | None) -> str:
    """Net promoter score with its sign: 33.3 -> '+33'."""
    return "–" if value is None else f"{value:+.0f}"


def growth(value: float | None) -> str:
    """Growth with its sign, one decimal, as the app's headline delta: 0.25 -> '+25.0%'."""
    return "–" if value is None else f"{value:+.1%}"


def as_of_line(as_of: date, through: date | None, currency: str) -> str:
    """What every meeting output says it shows: 'As of 15 Jun 2026 · money in EUR (€), data through
    Jun 2026'."""
    return f"As of {long_date(as_of)} · money in {currency} ({symbol(currency)}), {data_through(through)}"


def fit(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word with an ellipsis when longer."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(",;:.- ") + "…"
