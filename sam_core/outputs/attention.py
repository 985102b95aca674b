"""The early warnings as documents: "what changed since" as a PDF for the meeting pack, and the
weekly digest as an HTML e-mail body and a PDF.

Text from the data is escaped in HTML (never markup) and written as text in PDFs (fpdf2's
built-in Helvetica, as the other documents).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import polars as pl

from sam_core.attention.changes import MONEY, NUMBER, PERCENT, SIGNED, AccountChange, Changes
from sam_core.attention.rules import RULES
from sam_core.outputs.formatting import long_date, money, percent
from sam_core.outputs.plan_document import _Document

if TYPE_CHECKING:
    from sam_core.attention.digest import Digest


def value_text(kind: str, value: float | None, currency: str = "EUR") -> str:
    """A figure of a changes table in words: money, percent, a number or a signed number."""
    if value is None:
        return "-"
    if kind == MONEY:
        return money(value, currency)
    if kind == PERCENT:
        return percent(value, 1)
    if kind == SIGNED:
        return f"{value:+.0f}"
    return f"{value:.1f}" if abs(value) < 20 and value != int(value) else f"{value:,.0f}"


def change_text(kind: str, then: float | None, now: float | None, currency: str = "EUR") -> str:
    """now - then: money with its sign, percentages in points, numbers with their sign."""
    if then is None or now is None:
        return "-" if then is None and now is None else ("new" if then is None else "gone")
    diff = now - then
    if abs(diff) < 1e-9:
        return "="
    if kind == MONEY:
        return ("+" if diff > 0 else "-") + money(abs(diff), currency)
    if kind == PERCENT:
        return f"{diff * 100:+.1f} pts"
    return f"{diff:+.1f}" if abs(diff) < 10 and diff != int(diff) else f"{diff:+,.0f}"


def figure_rows(figures: pl.DataFrame, currency: str = "EUR") -> list[list[str]]:
    """[figure, then, now, change] in words."""
    return [
        [f, value_text(k, a, currency), value_text(k, b, currency), change_text(k, a, b, currency)]
        for f, k, a, b in figures.iter_rows()
    ]


def part_rows(parts: pl.DataFrame) -> list[list[str]]:
    """[part, then, now, change] of health points, the largest move first."""
    moved = parts.with_columns((pl.col("now").fill_null(0) - pl.col("then").fill_null(0)).alias("d")).sort(
        pl.col("d").abs(), descending=True, maintain_order=True
    )
    return [
        [p, value_text(NUMBER, a), value_text(NUMBER, b), change_text(NUMBER, a, b)]
        for p, a, b, _ in moved.iter_rows()
    ]


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
