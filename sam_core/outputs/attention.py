"""The early warnings as documents: "what changed since" as a PDF for the meeting pack, and the
weekly digest as an HTML e-mail body and a PDF.

Text from the data is escaped in HTML (never markup) and written as text in PDFs (fpdf2's
built-in Helvetica, as the other documents).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import polars as pl

from sam_core.attention.changes import MONEY, PERCENT, SIGNED, AccountChange, Changes
from sam_core.attention.rules import RULES
from sam_core.outputs.formatting import (
    DASH,
    NO_CHANGE,
    change_between,
    long_date,
    money,
    number,
    percent,
    points,
    signed,
)
from sam_core.outputs.plan_document import _Document

if TYPE_CHECKING:
    from sam_core.attention.digest import Digest


def row_digits(kind: str, then: float | None, now: float | None) -> int:
    """The decimals a row of a changes table is written with, the same for then, now and the
    change: whole NPS points, one decimal of a percentage, and a number's decimal only when one
    of its two values is small and not whole (13.9 effective accounts; 71 average health)."""
    if kind == SIGNED:
        return 0
    if kind == PERCENT:
        return 1
    return int(any(v is not None and abs(v) < 20 and v != int(v) for v in (then, now)))


def value_text(kind: str, value: float | None, currency: str = "EUR", digits: int | None = None) -> str:
    """A figure of a changes table in words: money, percent, a number or a signed number."""
    if value is None:
        return DASH
    d = row_digits(kind, value, value) if digits is None else digits
    if kind == MONEY:
        return money(value, currency)
    if kind == PERCENT:
        return percent(value, d)
    if kind == SIGNED:
        return signed(value, d)
    return number(value, d)


def change_text(kind: str, then: float | None, now: float | None, currency: str = "EUR") -> str:
    """now - then as the two figures are written (the change of '+8' to '+13' is '+5', of '93.1%'
    to '93.1%' 'no change', never '+0.0 pts'): money with its sign, percentages in points,
    numbers with their sign and the row's decimals."""
    if then is None or now is None:
        return DASH if then is None and now is None else ("new" if then is None else "gone")
    if kind == MONEY:
        diff = now - then
        if abs(diff) < 0.5:
            return NO_CHANGE
        return ("+" if diff > 0 else "-") + money(abs(diff), currency)
    percentage = kind == PERCENT
    d = row_digits(kind, then, now)
    return change_between(
        then, now, digits=d, unit="pts" if percentage else "", scale=100 if percentage else 1
    )


def figure_rows(figures: pl.DataFrame, currency: str = "EUR") -> list[list[str]]:
    """[figure, then, now, change] in words, each row with one number of decimals."""
    rows = []
    for f, k, a, b in figures.iter_rows():
        d = row_digits(k, a, b)
        rows.append(
            [f, value_text(k, a, currency, d), value_text(k, b, currency, d), change_text(k, a, b, currency)]
        )
    return rows


def part_rows(parts: pl.DataFrame) -> list[list[str]]:
    """[part, then, now, change] of health points with one decimal (as the app's health chart),
    the largest move first."""
    moved = parts.with_columns((pl.col("now").fill_null(0) - pl.col("then").fill_null(0)).alias("d")).sort(
        pl.col("d").abs(), descending=True, maintain_order=True
    )
    return [
        [p, points(a), points(b), DASH if a is None and b is None else _points_change(a, b)]
        for p, a, b, _ in moved.iter_rows()
    ]


def _points_change(then: float | None, now: float | None) -> str:
    if then is None or now is None:
        return "new" if then is None else "gone"
    return change_between(then, now, digits=1)


def account_lines(a: AccountChange) -> list[str]:
    """Risks, actions and people of one account's changes, as short lines."""
    lines = [f"New risk: {r}" for r in a.new_risks] + [f"Resolved: {r}" for r in a.resolved_risks]
    lines += [
        f"New action {x['action_id']}: {x['description']} ({x['owner']}, due {long_date(x['due'])})"
        for x in a.new_actions.iter_rows(named=True)
    ]
    lines += [
        f"Action {x['status']} on {long_date(x['closed'])}: {x['description']} ({x['owner']})"
        for x in a.closed_actions.iter_rows(named=True)
    ]
    lines += [
        f"Stakeholder {p['change']}: {p['name']}" + (f" ({p['detail']})" if p["detail"] else "")
        for p in a.people.iter_rows(named=True)
    ]
    return lines


def _period(changes: Changes) -> str:
    return f"from {long_date(changes.since)} to {long_date(changes.until)}"


def _changes_into(doc: _Document, changes: Changes, currency: str) -> None:
    doc.heading("Figures", f"{changes.scope}; figures as the data stood at the end of each day")
    doc.grid(
        ["figure", long_date(changes.since), long_date(changes.until), "change"],
        figure_rows(changes.figures, currency),
        (70, 38, 38, 40),
        "No figures.",
    )
    if changes.new_flags:
        doc.lines([f"New concentration flag: {f}" for f in changes.new_flags])
    for a in changes.accounts:
        doc.heading(f"{a.account_name} ({a.account_id})", f"account manager {a.account_manager or '-'}")
        doc.grid(
            ["figure", "then", "now", "change"],
            figure_rows(a.figures, currency),
            (70, 38, 38, 40),
            "No figures.",
        )
        doc.grid(["health part (points)", "then", "now", "change"], part_rows(a.parts), (70, 38, 38, 40), "")
        doc.lines(account_lines(a) or ["No new risks, actions or stakeholder changes."])


def _doc(footer: str) -> _Document:
    doc = _Document(footer)
    doc.core_fonts_encoding = "windows-1252"  # the euro sign
    return doc


def changes_pdf(changes: Changes, *, currency: str = "EUR") -> bytes:
    """What changed between the two dates, for the meeting pack."""
    doc = _doc(f"What changed {_period(changes)}")
    doc.title_block(f"What changed {_period(changes)}", f"{changes.scope}. Money in {currency}.")
    _changes_into(doc, changes, currency)
    return bytes(doc.output())


def _item_rows(items: pl.DataFrame) -> list[list[str]]:
    return [
        [RULES[r["rule"]][0], r["account_name"] or "Portfolio", r["title"], r["why"]]
        for r in items.iter_rows(named=True)
    ]


def digest_pdf(digest: Digest, *, currency: str = "EUR") -> bytes:
    """The digest as a PDF: the open items, then what changed in the week."""
    doc = _doc(f"Weekly digest of {digest.user.name}, {long_date(digest.today)}")
    doc.title_block(
        f"Needs attention: {digest.items.height} item{'s' if digest.items.height != 1 else ''}",
        f"{digest.user.name}, week of {long_date(digest.week_of)}: {digest.scope}. "
        f"{digest.snoozed} snoozed and {digest.acknowledged} acknowledged not shown.",
    )
    doc.heading("Needs attention")
    doc.grid(
        ["rule", "account", "what", "why"],
        _item_rows(digest.items),
        (30, 32, 38, 86),
        "Nothing needs attention.",
    )
    doc.heading(f"What changed in the last seven days ({_period(digest.changes)})")
    _changes_into(doc, digest.changes, currency)
    return bytes(doc.output())


_CELL = 'style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top"'


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th {_CELL}>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td {_CELL}>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows
    )
    return f'<table style="border-collapse:collapse;font-size:13px"><tr>{head}</tr>{body}</table>'


def digest_html(digest: Digest, *, currency: str = "EUR", base_url: str | None = None) -> str:
    """The digest as an HTML e-mail body (inline styles only, every value escaped); with
    `base_url` each item links to its page in the app."""
    e = html.escape
    items = []
    for r in digest.items.iter_rows(named=True):
        where = RULES[r["rule"]][1].replace("_", " ")
        link = (
            f' <a href="{e(base_url.rstrip("/"))}/{e(RULES[r["rule"]][1])}">Open {e(where)}</a>'
            if base_url
            else f" <i>(act on the {e(where)} page)</i>"
        )
        items.append(
            f"<li><b>{e(r['title'])}</b> - {e(r['account_name'] or 'Portfolio')}: {e(r['why'])}{link}</li>"
        )
    listing = f"<ol>{''.join(items)}</ol>" if items else "<p>Nothing needs attention this week.</p>"
    changes = digest.changes
    accounts = "".join(
        f"<h3>{e(a.account_name)} ({e(a.account_id)})</h3>"
        + _table(["figure", "then", "now", "change"], figure_rows(a.figures, currency))
        + (
            "<ul>" + "".join(f"<li>{e(line)}</li>" for line in account_lines(a)) + "</ul>"
            if account_lines(a)
            else ""
        )
        for a in changes.accounts
    )
    flags = "".join(f"<p><b>New concentration flag:</b> {e(f)}</p>" for f in changes.new_flags)
    totals = _table(
        ["figure", long_date(changes.since), long_date(changes.until), "change"],
        figure_rows(changes.figures, currency),
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{e(digest.subject)}</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;color:#222;max-width:820px">
<h1 style="font-size:20px">{e(digest.subject)}</h1>
<p>{e(digest.user.name)}: {e(digest.scope)}. {digest.snoozed} snoozed and {digest.acknowledged} acknowledged
item(s) are not listed. Money in {e(currency)}.</p>
<h2 style="font-size:17px">Needs attention</h2>
{listing}
<h2 style="font-size:17px">What changed {e(_period(changes))}</h2>
{totals}
{flags}
{accounts}
<p style="color:#777;font-size:11px">Written {e(long_date(digest.today))} by the strategic accounts
dashboard.</p>
</body></html>
"""
