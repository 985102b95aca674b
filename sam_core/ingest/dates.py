"""Reading dates and periods from text cells without silent guessing.

A column's local text dates (`7/12/25`) are read in one order for the whole column:
the order its values allow (a 13 in the first place means day first), or, when every
value fits both, the configured default, and the report says which was used.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MONTH_FIRST = "month-first"
DAY_FIRST = "day-first"

_ISO = r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
# A local date, perhaps with a time of day (a CRM timestamp such as 7/14/25 9:30 PM).
_LOCAL = r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})(?:[ T]+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?$"
_SERIAL = r"^\d{5}(?:\.\d+)?$"  # an Excel day number that reached us as text
# How Excel date cells read as text ("2025-07-31 00:00:00"), and plain ISO text.
_PLAIN_ISO = r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?$"
_WORDY_FORMATS = (
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
)
_EXCEL_EPOCH = pl.date(1899, 12, 30)


@dataclass(frozen=True)
class DateColumn:
    """Parsed dates (null where the text is not a date) and a note on how local text was read."""

    values: pl.Series
    note: str | None
    ambiguous: bool = False  # the default order decided: the report warns


def _ymd(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    return pl.concat_str([y, m.str.zfill(2), d.str.zfill(2)], separator="-").str.to_date(
        "%Y-%m-%d", strict=False
    )


def _four_digit_year(y: pl.Expr) -> pl.Expr:
    # Two-digit years: 00-69 are 20xx, 70-99 are 19xx (Excel's own rule).
    short = y.cast(pl.Int32, strict=False)
    return (
        pl.when(y.str.len_chars() == 2)
        .then(pl.when(short < 70).then(short + 2000).otherwise(short + 1900))
        .otherwise(short)
        .cast(pl.String)
    )


def _plain_iso(text: pl.Series) -> pl.Series | None:
    """The dates when every value is an Excel date or plain ISO text (the common case, read
    without trying the other forms); None when any value needs the full parser."""
    if not text.str.contains(_PLAIN_ISO).fill_null(True).all():
        return None
    return text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias(text.name)


def parse_dates(text: pl.Series, *, default_order: str = MONTH_FIRST) -> DateColumn:
    """Parse a column of text dates: ISO (with or without time), Excel day numbers,
    `12 Jul 2025`-style and local `d/m/y` or `m/d/y` text, resolved per column."""
    plain = _plain_iso(text)
    if plain is not None:
        return DateColumn(plain, None)
    frame = pl.DataFrame({"t": text.str.strip_chars()})
    iso = pl.col("t").str.extract_groups(_ISO)
    local = pl.col("t").str.extract_groups(_LOCAL)
    frame = frame.with_columns(
        iso_date=_ymd(iso.struct.field("1"), iso.struct.field("2"), iso.struct.field("3")),
        a=local.struct.field("1").cast(pl.Int32),
        b=local.struct.field("2").cast(pl.Int32),
        y=_four_digit_year(local.struct.field("3")),
        serial=pl.when(pl.col("t").str.contains(_SERIAL))
        .then(
            _EXCEL_EPOCH + pl.duration(days=pl.col("t").cast(pl.Float64, strict=False).floor().cast(pl.Int64))
        )
        .otherwise(None)
        .cast(pl.Date),
        wordy=pl.coalesce([pl.col("t").str.to_date(f, strict=False) for f in _WORDY_FORMATS]),
    )
    is_local = frame["a"].is_not_null()
    note = None
    ambiguous = False
    order = default_order
    if is_local.any():
        a, b = frame.filter(is_local)["a"], frame.filter(is_local)["b"]
        month_first_fits = bool((a <= 12).all() and (b <= 31).all())
        day_first_fits = bool((b <= 12).all() and (a <= 31).all())
        if month_first_fits and not day_first_fits:
            order, why = MONTH_FIRST, "because a value has a day above 12 in the second place"
        elif day_first_fits and not month_first_fits:
            order, why = DAY_FIRST, "because a value has a day above 12 in the first place"
        elif month_first_fits and day_first_fits:
            why = "the values fit both orders, so the date order setting decided; check them"
            ambiguous = True
        else:
            why = "no single order fits every value; values that do not fit are reported"
        shape = "month/day/year" if order == MONTH_FIRST else "day/month/year"
        note = f"text dates read as {shape}: {why}."
    month, day = (pl.col("a"), pl.col("b")) if order == MONTH_FIRST else (pl.col("b"), pl.col("a"))
    frame = frame.with_columns(local_date=_ymd(pl.col("y"), month.cast(pl.String), day.cast(pl.String)))
    values = frame.select(
        pl.coalesce("iso_date", "local_date", "serial", "wordy").alias(text.name)
    ).to_series()
    return DateColumn(values, note, ambiguous)


_QUARTER_FIRST = r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$"
_QUARTER_LAST = r"^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$"
_YEAR_MONTH = r"^(\d{4})[-/.](\d{1,2})$"
_MONTH_YEAR = r"^(\d{1,2})[-/.](\d{4})$"


def parse_periods(text: pl.Series, *, default_order: str = MONTH_FIRST) -> DateColumn:
    """Parse periods: `2025-Q3`, `Q3 2025`, `2025-07`, `07/2025` or a date; each becomes
    the first day of its quarter or month."""
    plain = _plain_iso(text)
    if plain is not None:
        return DateColumn(plain.dt.month_start(), None)
    t = text.str.strip_chars()
    frame = pl.DataFrame({"t": t})
    qf = pl.col("t").str.extract_groups(_QUARTER_FIRST)
    ql = pl.col("t").str.extract_groups(_QUARTER_LAST)
    ym = pl.col("t").str.extract_groups(_YEAR_MONTH)
    my = pl.col("t").str.extract_groups(_MONTH_YEAR)

    def quarter(year: pl.Expr, q: pl.Expr) -> pl.Expr:
        return _ymd(year, ((q.cast(pl.Int32) - 1) * 3 + 1).cast(pl.String), pl.lit("1"))

    frame = frame.with_columns(
        p=pl.coalesce(
            quarter(qf.struct.field("1"), qf.struct.field("2")),
            quarter(ql.struct.field("2"), ql.struct.field("1")),
            _ymd(ym.struct.field("1"), ym.struct.field("2"), pl.lit("1")),
            _ymd(my.struct.field("2"), my.struct.field("1"), pl.lit("1")),
        )
    )
    dates = parse_dates(t.set(frame["p"].is_not_null(), None), default_order=default_order)
    values = frame.select(
        pl.coalesce("p", pl.Series(dates.values).dt.month_start()).alias(text.name)
    ).to_series()
    return DateColumn(values, dates.note, dates.ambiguous)
