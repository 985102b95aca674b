"""How figures are written for people: the one place that turns a value into text (app, brief
PDF, deck, Excel).

Each kind of value has one function and one style everywhere:

- money: `money(12_345_678, "EUR")` is '€12.3m' (symbol, one decimal, k / m / bn); a currency
  without a symbol of its own shows its code ('CHF 12.3m'). A table column of money uses one
  magnitude for all its rows (`money_unit`, `money_format`), so '€213.0m' in a tile is
  '€213.0m' in the table too, and the column still sorts as numbers.
- percentages: `percent(0.3843, 1)` is '38.4%', always with the digits asked for (a figure keeps
  its digits in tiles, tables and exports: `PERCENT_DIGITS`).
- changes: `change(0.012, unit="pts", scale=100)` is '+1.2 pts'; a change that rounds to zero
  is `NO_CHANGE` ('no change'), never '-0.0 pts' or '+0 pts'.
- counts: `count(1413)` is '1,413'; `count_of(1, "account")` is '1 account', `count_of(2,
  "account")` '2 accounts'.
- dates: `long_date(date(2026, 10, 7))` is '7 Oct 2026' (a datetime at midnight too: never
  '00:00:00'), `date_time` adds the time when there is one, `month` is 'Oct 2026'.
- labels: `label("single_threaded")` is 'Single-threaded', `value_label("devils_advocate")`
  "devil's advocate": no snake_case reaches a person.
- empty: `DASH` ('–') wherever a value is missing, never 'None'.

`column_kind(name, dtype)` says which of these a table column is; the app's tables
(ui.widgets.table) and the Excel exports (outputs.workbook) both format by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

import polars as pl

DASH = "–"
NO_CHANGE = "no change"
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
# Shares and rates held as fractions (0.25 = 25%), with the digits each is written with.
PERCENT_DIGITS = {
    "growth": 1,
    "margin": 1,
    "share": 1,
    "cumulative_share": 1,
    "share_of_wallet": 0,
    "coverage": 0,
    "compliance": 0,
    "cadence_compliance": 0,
    "win_rate_count": 0,
    "win_rate_value": 0,
    "promoters": 0,
    "passives": 0,
    "detractors": 0,
    "key_stakeholders_answered": 0,
    "qbr_attendance": 0,
    "top_share": 0,
    "rest_share": 0,
    "feedback_coverage": 0,
    "share_with_action": 0,
    "Executive visits": 0,
    "Internal reviews": 0,
    "QBRs": 0,
    "90-day reviews": 0,
}
# Scores on 0-100 (or a question's own scale) and the digits they are written with.
SCORE_DIGITS = {
    "loyalty_index": 0,
    "previous_index": 0,
    "respondent_index": 0,
    "health": 0,
    "overall": 0,
    "score": 0,
    "before": 0,
    "after": 0,
    "mean": 1,
    "recommend_score": 0,  # a survey's answers are whole numbers
    "satisfaction": 0,
    "continue_score": 0,
    "points": 1,
    "progress": 0,
}
# Figures with a sign: a change, or a net figure such as NPS.
SIGNED_DIGITS = {
    "nps": 0,
    "previous_nps": 0,
    "nps_change": 0,
    "change": 1,
    "momentum": 0,
    "change_30": 0,  # the kept health over 30 and 90 days, in whole points
    "change_90": 0,
}

# Column labels people read; any other column becomes its words in sentence case.
LABELS = {
    "account_id": "Account ID",
    "account_name": "Account",
    "account_manager": "Account manager",
    "executive_sponsor": "Sponsor",
    "sponsor": "Sponsor",
    "business_unit": "Business unit",
    "revenue": "Revenue",
    "share_of_wallet": "Wallet share",
    "open_pipeline": "Pipeline",
    "weighted_pipeline": "Weighted pipeline",
    "won_value": "Won T12M",
    "win_rate_count": "Win rate",
    "win_rate_value": "Win rate (value)",
    "health_band": "Health band",
    "loyalty_index": "Loyalty index",
    "previous_index": "Previous loyalty index",
    "respondent_index": "Loyalty index",
    "nps": "NPS",
    "previous_nps": "Previous NPS",
    "nps_change": "NPS change",
    "change": "Change",
    "respondents": "Respondents",
    "single_threaded": "Single-threaded",
    "executive_aligned": "Executive alignment",
    "open_actions": "Open actions",
    "overdue_actions": "Overdue actions",
    "key_answered": "Key stakeholders who answered",
    "key_stakeholders": "Key stakeholders",
    "key_stakeholders_answered": "Key stakeholders who answered",
    "recommend_score": "Recommend (0-10)",
    "satisfaction": "Satisfaction (1-5)",
    "continue_score": "Continue buying (1-5)",
    "survey_date": "Survey date",
    "response_id": "Response",
    "action_id": "Action",
    "stakeholder_id": "Stakeholder ID",
    "reports_to": "Reports to",
    "decision_maker": "Decision maker",
    "buying_role": "Buying role",
    "last_contact": "Last contact",
    "strongest": "Strongest relationship",
    "played_by": "Played by",
    "planning_roles": "Planning roles",
    "visits_12m": "Visits (12 months)",
    "qbr_attendance": "QBR attendance",
    "planned_now": "Planned now",
    "suggested": "Suggested date",
    "last": "Last held",
    "scale_max": "Scale (max)",
    "mean": "Mean score",
    "thin": "Thin (under 3)",
    "loop_open": "Loop open",
    "due": "Due",
    "closed": "Closed",
    "wave": "Wave",
    "T12M": "T12M",
    "compliance": "Compliance",
    "changed_at": "Changed at",
    "changed_by": "Changed by",
    "edited_at": "Edited at",
    "edited_by": "Edited by",
    "no manager": "No manager",
    "no executive pairing": "No executive pairing",
    "single-threaded": "Single-threaded",
}
# Codes from the contract shown as words.
VALUE_LABELS = {
    "devils_advocate": "devil's advocate",
    "in_progress": "in progress",
    "ninety_day_review": "90-day review",
    "qbr": "QBR",
    "core_team": "core team",
}
# Text columns that hold such codes.
CODE_COLUMNS = frozenset({"role", "buying_role", "status", "type", "planning_roles", "level"})
_ACRONYMS = {"nps": "NPS", "qbr": "QBR", "qbrs": "QBRs", "t12m": "T12M", "id": "ID", "roi": "ROI", "bu": "BU"}


def symbol(currency: str) -> str:
    """'€' for EUR; the code itself for a currency without a symbol of its own."""
    return SYMBOLS.get(currency, currency)


def _mark(currency: str, use_symbol: bool = True) -> str:
    return SYMBOLS.get(currency, currency + " ") if use_symbol else currency + " "


def money(value: float | None, currency: str = "EUR", *, symbol: bool = True) -> str:
    """12_345_678 -> '€12.3m'; 1_500_000_000 -> '€1.5bn'; 950 -> '€950'; None -> '–'
    ('EUR 12.3m' without symbols, for fonts that lack them)."""
    if value is None:
        return DASH
    unit = money_unit([value])
    return money_in(value, unit, currency, use_symbol=symbol)


@dataclass(frozen=True)
class MoneyUnit:
    """One magnitude for a set of money figures: divide by `divisor`, write `suffix`."""

    divisor: float
    suffix: str
    digits: int


UNITS = (MoneyUnit(1e9, "bn", 1), MoneyUnit(1e6, "m", 1), MoneyUnit(1e3, "k", 1))
ONES = MoneyUnit(1, "", 0)


def money_unit(values) -> MoneyUnit:
    """The magnitude of the largest figure among `values` (None ignored): a table column of
    money is written in it, so its rows compare at a glance ('€213.0m' over '€11.4m')."""
    largest = max((abs(v) for v in values if v is not None), default=0)
    # 999,960 is '€1.0m', not '€1,000.0k'
    return next((u for u in UNITS if round(largest / u.divisor, u.digits) >= 1), ONES)


def money_in(value: float | None, unit: MoneyUnit, currency: str = "EUR", *, use_symbol: bool = True) -> str:
    """A money figure in a given magnitude: (12_345_678, m) -> '€12.3m'."""
    if value is None:
        return DASH
    sign = "-" if round(value / unit.divisor, unit.digits) < 0 else ""
    return f"{sign}{_mark(currency, use_symbol)}{abs(value) / unit.divisor:,.{unit.digits}f}{unit.suffix}"


def money_format(unit: MoneyUnit, currency: str = "EUR") -> str:
    """The printf format of a table column of money whose values were divided by
    `unit.divisor` (Streamlit's column_config): '€%.1fm'."""
    mark = _mark(currency).replace("%", "%%")
    return f"{mark}%,.{unit.digits}f{unit.suffix}"


def money_header(column: str, currency: str) -> str:
    """A money column's header with its currency: 'revenue (€)'."""
    return f"{column} ({symbol(currency)})"


def with_money_headers(frame: pl.DataFrame, currency: str) -> pl.DataFrame:
    """The frame with every money column's header naming the currency (for exports)."""
    return frame.rename({c: money_header(c, currency) for c in frame.columns if c in MONEY_COLUMNS})


def month(d: date | None) -> str:
    """date(2026, 10, 1) -> 'Oct 2026'."""
    return f"{d:%b %Y}" if d else DASH


def data_through(d: date | None) -> str:
    """What every money view and export states: 'data through Oct 2026'."""
    return f"data through {month(d)}"


def percent(value: float | None, digits: int = 0) -> str:
    """A fraction as a percentage with exactly `digits` decimals: (0.3843, 1) -> '38.4%',
    (0.5, 0) -> '50%'; None -> '–'."""
    if value is None:
        return DASH
    return f"{0:.{digits}f}%" if round(value * 100, digits) == 0 else f"{value:.{digits}%}"


def percent_format(digits: int = 0) -> str:
    """The printf format of a table column of percentages whose values were multiplied by 100."""
    return f"%.{digits}f%%"


SINGULAR = {"pts": "pt", "points": "point"}


def change(value: float | None, *, digits: int = 1, unit: str = "", scale: float = 1.0) -> str | None:
    """A change with its sign: (0.012, unit="pts", scale=100) -> '+1.2 pts'; (-3, digits=0)
    -> '-3'; (0.01, unit="pts", scale=100, digits=0) -> '+1 pt'; a change that rounds to zero ->
    'no change'; None -> None (nothing to compare)."""
    if value is None:
        return None
    scaled = round(value * scale, digits)
    if scaled == 0:
        return NO_CHANGE
    if abs(scaled) == 1 and digits == 0 and unit in SINGULAR:  # '+1 pt', '-1 point'; '+1.0 pts'
        unit = SINGULAR[unit]
    return f"{scaled:+,.{digits}f}" + (f" {unit}" if unit else "")


def change_between(
    then: float | None, now: float | None, *, digits: int = 1, unit: str = "", scale: float = 1.0
) -> str | None:
    """`change` of the two figures as they are written with `digits`, so that the change shown
    is the difference of the figures shown: 68.4 -> 69.6 (written 68 and 70, digits=0) is '+2',
    never '+1' or '+1.2'; None when either is missing."""
    if then is None or now is None:
        return None
    return change(round(now * scale, digits) - round(then * scale, digits), digits=digits, unit=unit)


def signed(value: float | None, digits: int = 0) -> str:
    """A figure with its sign (NPS): 13 -> '+13', -4.5 -> '-4.5' (digits=1), 0 -> '0'."""
    if value is None:
        return DASH
    rounded = round(value, digits)
    return f"{0:.{digits}f}" if rounded == 0 else f"{rounded:+,.{digits}f}"


def number(value: float | None, digits: int = 0) -> str:
    """A figure with thousands separators and fixed decimals: (71.875, 1) -> '71.9'."""
    if value is None:
        return DASH
    return f"{0:.{digits}f}" if round(value, digits) == 0 else f"{value:,.{digits}f}"


def count(n: int | None) -> str:
    """1413 -> '1,413'."""
    return DASH if n is None else f"{n:,}"


def plural(n: int, noun: str, many: str | None = None) -> str:
    """The noun for n of it: (1, 'account') -> 'account', (2, 'account') -> 'accounts'."""
    return noun if n == 1 else (many or noun + "s")


def count_of(n: int, noun: str, many: str | None = None) -> str:
    """(1, 'account') -> '1 account'; (1413, 'error') -> '1,413 errors'; (2, 'reply', 'replies')."""
    return f"{n:,} {plural(n, noun, many)}"


def long_date(d: date | datetime | None) -> str:
    """date(2026, 10, 7) -> '7 Oct 2026' (a datetime too: the day only)."""
    return f"{d.day} {d:%b %Y}" if d else DASH


def date_time(d: date | datetime | None) -> str:
    """A moment: '7 Oct 2026, 14:05'; at midnight, or a date, the day only ('7 Oct 2026')."""
    if not d:
        return DASH
    if isinstance(d, datetime) and d.time() != time(0, 0):
        return f"{long_date(d)}, {d:%H:%M}"
    return long_date(d)


def label(column: str) -> str:
    """A column's label for people: 'single_threaded' -> 'Single-threaded', 'nps' -> 'NPS',
    'last_contact' -> 'Last contact'."""
    if column in LABELS:
        return LABELS[column]
    words = [_ACRONYMS.get(w.lower(), w) for w in re.split(r"[_\s]+", str(column).strip()) if w]
    if not words:
        return str(column)
    first = words[0]
    words[0] = first if first.isupper() or first in _ACRONYMS.values() else first[:1].upper() + first[1:]
    return " ".join(words)


def labels(frame: pl.DataFrame, currency: str | None = None) -> pl.DataFrame:
    """The frame with labels for people as headers; money headers name the currency when
    given ('Revenue T12M (€)')."""
    return frame.rename({c: column_label(c, frame.schema[c], currency) for c in frame.columns})


def column_label(column: str, dtype=None, currency: str | None = None) -> str:
    """`label`, with the currency for a money column: 'Revenue T12M (€)'."""
    text = label(column)
    if currency and column_kind(column, dtype) == "money":
        return money_header(text, currency)
    return text


def value_label(value) -> str:
    """A code from the data as words: 'devils_advocate' -> "devil's advocate", 'in_progress'
    -> 'in progress'; None -> '–'."""
    if value is None:
        return DASH
    text = str(value)
    return VALUE_LABELS.get(text, text.replace("_", " "))


def yes_no(value: bool | None) -> str:
    return DASH if value is None else ("yes" if value else "no")


def column_kind(column: str, dtype=None) -> str:
    """What a table column holds, by its name and type: 'money', 'percent', 'score',
    'signed', 'count', 'number', 'date', 'datetime', 'bool', 'list' or 'text'."""
    if dtype is not None:
        if dtype == pl.Boolean:
            return "bool"
        if isinstance(dtype, pl.List | pl.Array | pl.Struct):
            return "list"
        if dtype == pl.Date:
            return "date"
        if isinstance(dtype, pl.Datetime):
            return "datetime"
        if not dtype.is_numeric():
            return "text"
    if column in MONEY_COLUMNS:
        return "money"
    if column in PERCENT_DIGITS:
        return "percent"
    if column in SCORE_DIGITS:
        return "score"
    if column in SIGNED_DIGITS:
        return "signed"
    if dtype is not None and dtype.is_integer():
        return "count"
    return "number" if dtype is not None else "text"


def digits(column: str) -> int:
    """The decimals a numeric column is written with."""
    for table in (PERCENT_DIGITS, SCORE_DIGITS, SIGNED_DIGITS):
        if column in table:
            return table[column]
    return 1


def cell(value, column: str = "", currency: str = "EUR") -> str:
    """Any value of a table as text, formatted by its column's kind (for PDF and slide tables)."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime):
        return date_time(value)
    if isinstance(value, date):
        return long_date(value)
    if isinstance(value, int | float):
        kind = column_kind(column, pl.Int64 if isinstance(value, int) else pl.Float64)
        if kind == "money":
            return money(value, currency)
        if kind == "percent":
            return percent(value, digits(column))
        if kind == "signed":
            return signed(value, digits(column))
        if kind == "count":
            return count(value)
        return number(value, digits(column))
    if isinstance(value, list | tuple):
        return ", ".join(cell(v, column, currency) for v in value) or DASH
    return str(value)


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
    return number(value, 1)


def score(value: float | None) -> str:
    """A 0-100 score as the app shows it (health, loyalty index): 74.72 -> '75'."""
    return number(value, 0)


def nps(value: float | None) -> str:
    """Net promoter score with its sign, as the app shows it: 33.3 -> '+33'; -0.4 -> '0'."""
    return signed(value, 0)


def growth(value: float | None) -> str:
    """Growth with its sign, one decimal, as the app's headline delta: 0.25 -> '+25.0%'; a growth
    that rounds to zero has no sign ('0.0%', never '+0.0%' or '-0.0%')."""
    if value is None:
        return DASH
    return f"{0:.1f}%" if round(value * 100, 1) == 0 else f"{value:+.1%}"


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
