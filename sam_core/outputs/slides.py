"""The projector's slides as HTML: the portfolio, one per top account, the decisions and asks.

Each slide is one 16:9 box sized in `--u` (a hundredth of the box's width: the largest 16:9
box the window holds), so it fills 1280x720 and 1920x1080 alike with nothing to scroll; type
is large. Charts are bars drawn in HTML with account and part names on them; every account
slide uses the same axis (`Meeting.scales`), written on the chart as `data-domain`. Text from
workbooks is escaped (shown as typed). Figures go through the formatting layer.
"""

from __future__ import annotations

import re
from html import escape

import polars as pl

from sam_core.outputs import wording
from sam_core.outputs.brief import Brief
from sam_core.outputs.formatting import (
    as_of_line,
    fit,
    growth,
    money,
    nps,
    percent,
    points,
    score,
)
from sam_core.outputs.meeting import Meeting, ask_line

NAMED_BARS = 10
ASKS_SHOWN = 7
BAND_CLASS = {"healthy": "good", "watch": "warn", "at risk": "bad"}
STATUS_CLASS = {"overdue": "bad", "due soon": "warn", "compliant": "good"}

# Text wraps onto a second line rather than being cut mid-word on a projector; only text longer than
# two lines (a workbook's long description) ends in an ellipsis, at its second line. A column whose
# lines do not all fit leaves its last ones out whole (they wrap into a second column, out of view),
# never half a line at the bottom.
WRAP = (
    "white-space: normal; overflow-wrap: break-word; overflow: hidden; display: -webkit-box; "
    "-webkit-box-orient: vertical; -webkit-line-clamp: 2;"
)

STYLE = """
.sam-slide {--u: min(1vw, 1.7778vh); position: fixed; z-index: 100; box-sizing: border-box;
  left: calc((100vw - 100 * var(--u)) / 2); top: calc((100vh - 56.25 * var(--u)) / 2);
  width: calc(100 * var(--u)); height: calc(56.25 * var(--u)); overflow: hidden; background: #fff;
  padding: calc(2.2 * var(--u)) calc(3 * var(--u)) calc(3.6 * var(--u)); color: #212121;
  font-family: "Source Sans", "Source Sans Pro", sans-serif; font-size: calc(1.7 * var(--u)); line-height:
  1.3;
  display: flex; flex-direction: column; gap: calc(1.1 * var(--u));}
.sam-slide h1 {font-size: calc(3.1 * var(--u)); line-height: 1.2; margin: 0; padding: 0; font-weight: 700;
  flex: none; WRAP}
.sam-sub {font-size: calc(1.45 * var(--u)); color: #555; WRAP margin-top: calc(-0.6 * var(--u)); flex: none;}
.sam-tiles {display: flex; gap: calc(1 * var(--u)); flex: none;}
.sam-tile {flex: 1 1 0; min-width: 0; background: #eef3f9; border-left: calc(0.35 * var(--u)) solid #1f5fa8;
  padding: calc(0.7 * var(--u)) calc(1 * var(--u));}
.sam-tile .label {font-size: calc(1.35 * var(--u)); color: #555; WRAP}
.sam-tile .value {font-size: calc(3.1 * var(--u)); font-weight: 700; line-height: 1.15; white-space: nowrap;}
.sam-tile .detail {font-size: calc(1.3 * var(--u)); color: #555; WRAP}
.sam-body {display: flex; gap: calc(2.4 * var(--u)); flex: 1 1 auto; min-height: 0;}
.sam-col {flex: 1 1 0; min-width: 0; display: flex; flex-direction: column; gap: calc(0.35 * var(--u));
  overflow: hidden; flex-wrap: wrap; align-content: flex-start; column-gap: calc(10 * var(--u));}
.sam-col > * {width: 100%; box-sizing: border-box;}
.sam-col.wide {flex: 1.5 1 0;}
.sam-keep {display: flex; flex-direction: column; gap: calc(0.35 * var(--u));}
.sam-col h2 {font-size: calc(1.7 * var(--u)); margin: calc(0.6 * var(--u)) 0 calc(0.3 * var(--u));
  padding: 0 0 calc(0.2 * var(--u)); border-bottom: calc(0.15 * var(--u)) solid #1f5fa8; color: #1f3a5f;
  font-weight: 700; flex: none; WRAP}
.sam-line {flex: none; WRAP}
.sam-bars {display: flex; flex-direction: column; gap: calc(0.45 * var(--u));}
.sam-bar {display: grid; grid-template-columns: 33% 1fr calc(13 * var(--u)); align-items: center;
  gap: calc(0.6 * var(--u)); font-size: calc(1.6 * var(--u));}
.sam-bar .name {line-height: 1.1; WRAP}
.sam-bar .track {height: calc(1.9 * var(--u)); background: #f0f0f0;}
.sam-bar .fill {height: 100%; background: #1f5fa8;}
.sam-bar .fill.rest {background: #9fb8d6;}
.sam-bar .val {white-space: nowrap; font-weight: 600;}
.sam-health {gap: calc(0.8 * var(--u));}
.sam-health .sam-bar {grid-template-columns: 40% 1fr calc(5.5 * var(--u)); font-size: calc(1.7 * var(--u));}
.sam-health .sam-bar .track {height: calc(2.4 * var(--u));}
.good {color: #2e7d32;} .warn {color: #b26a00;} .bad {color: #c62828;} .muted {color: #777;}
.fill.good {background: #2e7d32;} .fill.warn {background: #f9a825;} .fill.bad {background: #c62828;}
.sam-axis {font-size: calc(1.2 * var(--u)); color: #777; margin-top: calc(0.4 * var(--u));}
.sam-foot {position: absolute; left: calc(3 * var(--u)); bottom: calc(1.1 * var(--u));
  font-size: calc(1.1 * var(--u)); color: #777; white-space: nowrap;}
.nw {white-space: nowrap;}
.sam-asks {font-size: calc(2 * var(--u)); display: flex; flex-direction: column; gap: calc(0.9 * var(--u));}
""".replace("WRAP", WRAP)


# Pieces a line must not break inside: a short aside '(3 of 4)', a date '31 Oct 2026', a hyphenated
# word '90-day', and a figure at the end with the word before it ('under 40').
_WHOLE = re.compile(
    r"\([^()<>]{1,24}\)|(?:(?:since|by|on) )?\d{1,2} [A-Z][a-z]{2} \d{4}|[^\s<>()]+-[^\s<>()]+(?: \w+$)?"
    r"|\S+ [+-]?\d[\d.,]*%?$"
)


def _e(text) -> str:
    """Text escaped (shown as typed), with the pieces that must stay on one line kept together."""
    escaped = escape("–" if text is None else str(text))
    return _WHOLE.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', escaped)


def _tiles(tiles: list[tuple[str, str, str, str]]) -> str:
    return (
        '<div class="sam-tiles">'
        + "".join(
            f'<div class="sam-tile"><div class="label">{_e(label)}</div><div class="value">{_e(value)}</div>'
            f'<div class="detail {cls}">{_e(detail)}</div></div>'
            for label, value, detail, cls in tiles
        )
        + "</div>"
    )


def _slide(kind: str, inner: str, foot: str) -> str:
    return f'<div class="sam-slide" data-slide="{kind}">{inner}<div class="sam-foot">{_e(foot)}</div></div>'


def portfolio_slide(m: Meeting, currency: str) -> str:
    """Headline figures, concentration by account name, and the risks."""
    h, c, p = m.headline, m.headline.concentration, m.headline.pipeline
    tiles = _tiles(
        [
            ("Revenue, 12 months", money(h.revenue.value, currency), f"{growth(h.growth.value)} growth", ""),
            (
                f"Share of the top {c.n}",
                percent(h.top_share.value),
                f"{c.effective_accounts:.1f} effective accounts",
                "",
            ),
            (
                "Weighted pipeline",
                money(p.weighted_pipeline, currency),
                f"won {money(p.won_value, currency)}",
                "",
            ),
            ("Loyalty index", score(h.loyalty_index.value), f"NPS {nps(h.nps.value)}", ""),
            (
                "Cadence compliance",
                percent(h.cadence_compliance.value),
                f"{h.accounts_overdue} accounts overdue",
                "",
            ),
            (
                f"At risk in the top {c.n}",
                str(h.at_risk),
                "at risk, or health under 40",
                "bad" if h.at_risk else "",
            ),
        ]
    )
    named = m.top.head(min(m.n, NAMED_BARS))
    bars = [
        (fit(r["account_name"], 40), r["share"], r["revenue"], False) for r in named.iter_rows(named=True)
    ]
    rest = m.top.slice(named.height, max(0, m.n - named.height))
    if rest.height:
        bars.append(
            (
                f"Accounts {named.height + 1}-{named.height + rest.height}",
                rest["share"].sum(),
                rest["revenue"].sum(),
                True,
            )
        )
    others = m.top.slice(m.n)
    if others.height:
        bars.append(
            (f"The other {others.height:,} accounts", others["share"].sum(), others["revenue"].sum(), True)
        )
    high = max((b[1] for b in bars), default=1) or 1
    chart = "".join(
        f'<div class="sam-bar"><span class="name">{_e(name)}</span><span class="track">'
        f'<span class="fill{" rest" if rest_bar else ""}" '
        f'style="display:block;width:{share / high * 100:.1f}%"></span>'
        f'</span><span class="val">{share:.0%} · {_e(money(revenue, currency))}</span></div>'
        for name, share, revenue, rest_bar in bars
    )
    at_risk = m.top.head(m.n).filter(pl.col("at_risk"))
    risks = [f"<div class='sam-line bad'>{_e(flag)}</div>" for flag in c.flags] or [
        "<div class='sam-line good'>No concentration flag.</div>"
    ]
    if at_risk.height:
        names = ", ".join(at_risk["account_name"].head(4).to_list())
        more = f" and {at_risk.height - 4} more" if at_risk.height > 4 else ""
        risks.append(f"<div class='sam-line'>At risk: {_e(names + more)}</div>")
    if h.not_reported.height:
        risks.append(
            f"<div class='sam-line'>{h.not_reported.height} accounts have not reported "
            f"{_e(m.through and f'{m.through:%b %Y}')}</div>"
        )
    if h.accounts_overdue:
        risks.append(
            f"<div class='sam-line'>{h.accounts_overdue} strategic accounts overdue on sponsor cadence</div>"
        )
    body = (
        '<div class="sam-body"><div class="sam-col wide"><h2>Share of revenue, last 12 months</h2>'
        f'<div class="sam-bars" data-chart="concentration">{chart}</div></div>'
        f'<div class="sam-col"><h2>Risks</h2>{"".join(risks)}</div></div>'
    )
    inner = f"<h1>Top {c.n} accounts: {c.top_share:.0%} of revenue</h1>{tiles}{body}"
    return _slide("portfolio", inner, as_of_line(m.as_of, m.through, currency))


def account_slide(m: Meeting, brief: Brief, currency: str) -> str:
    """Figures with their change, health parts (shared axis), coverage and gaps, cadence,
    loyalty, top opportunities and open actions of one account."""
    a = brief.account
    plan = (
        "no account plan"
        if brief.plan is None
        else ("plan STALE" if brief.plan["stale"] else "plan reviewed")
    )
    sub = (
        f"Sponsor {a['executive_sponsor'] or 'none'} · account manager {a['account_manager'] or 'none'} · "
        f"tier {a['tier'] or '–'} · {plan}"
    )
    tiles = _tiles(
        [
            ("Revenue, 12 months", wording.revenue_figure(a, currency), wording.revenue_change(a), ""),
            ("Health", wording.health_figure(a), a["health_band"], BAND_CLASS.get(a["health_band"], "muted")),
            ("Loyalty index", wording.loyalty_figure(a), wording.loyalty_detail(a), ""),
            (
                "Weighted pipeline",
                wording.pipeline_figure(a, currency),
                wording.pipeline_detail(a, currency),
                "",
            ),
            (
                "Relationship coverage",
                percent(a["coverage"]),
                f"{brief.gaps.height} gap{'s' if brief.gaps.height != 1 else ''}",
                "",
            ),
        ]
    )
    high = m.scales.health_points
    bars = "".join(
        f'<div class="sam-bar"><span class="name">{_e(p["part"].capitalize())}</span><span class="track">'
        + (
            f'<span class="fill {_score_class(p["score"])}" '
            f'style="display:block;width:{min(p["points"], high) / high * 100:.1f}%">'
            "</span></span>"
            f'<span class="val">{points(p["points"])}</span></div>'
            if p["score"] is not None
            else '</span><span class="val muted">–</span></div>'
        )
        for p in brief.health_parts.iter_rows(named=True)
    )
    health = (
        f"<h2>Health {_e(wording.health_figure(a))}: points per part</h2>"
        f'<div class="sam-bars sam-health" data-chart="health" data-domain="0,{high:g}">{bars}</div>'
        f'<div class="sam-axis">axis 0 to {high:g} points on every account slide</div>'
    )
    cadence = [
        f"<div class='sam-line'><b>{_e(r['rule'])}</b> <span "
        f"class='{STATUS_CLASS.get(r['status'], 'muted')}'>"
        f"{_e(wording.STATUS_LABELS.get(r['status'], r['status']))}</span> "
        f"{_e(wording.cadence_when(r, brief.as_of))}</div>"
        for r in brief.cadence.iter_rows(named=True)
    ] or ["<div class='sam-line muted'>Not a strategic account</div>"]
    cadence.append(
        "<div class='sam-line muted'>Last with the sponsor: "
        f"{_e(wording.touchpoint(brief.last_touchpoint))}</div>"
    )
    gaps = [
        f"<div class='sam-line{' bad' if g['gap'] in ('uncovered', 'detractor') else ''}'>"
        f"{_e(wording.gap_line(g))}</div>"
        for g in brief.gaps.head(3).iter_rows(named=True)
    ] or ["<div class='sam-line good'>No gaps</div>"]
    middle = _section(f"Sponsor cadence: {_e(a['cadence'])}", cadence) + _section(
        _e(wording.coverage_line(a)), gaps
    )
    opportunities = [
        f"<div class='sam-line'>{_e(o['name'])}: <b>{_e(money(o['amount'], currency))}</b>, "
        f"{_e(o['stage'] or 'no stage')}</div>"
        for o in brief.opportunities.head(3).iter_rows(named=True)
    ] or ["<div class='sam-line muted'>None open</div>"]
    actions = [
        f"<div class='sam-line{' bad' if x['overdue'] else ''}'>{'Overdue: ' if x['overdue'] else ''}"
        f"{_e(x['description'])} ({_e(x['owner'] or 'no owner')})</div>"
        for x in brief.actions.head(3).iter_rows(named=True)
    ] or ["<div class='sam-line muted'>None open</div>"]
    comment = brief.comments.head(1).to_dicts()
    loyalty = _section(
        f"Loyalty {_e(wording.loyalty_figure(a))}: {_e(wording.loyalty_detail(a))}",
        [f"<div class='sam-line'>“{_e(comment[0]['comment'])}”</div>"] if comment else [],
    )
    right = (  # the overdue actions before the opportunities: what a column leaves out is the last
        loyalty
        + _section(f"Open actions: {a['open_actions']}, overdue {a['overdue_actions']}", actions)
        + _section("Top opportunities", opportunities)
    )
    inner = (
        f"<h1>{_e(a['rank'])}. {_e(a['account_name'])}</h1><div class='sam-sub'>{_e(sub)}</div>{tiles}"
        f'<div class="sam-body"><div class="sam-col">{health}</div><div class="sam-col">{middle}</div>'
        f'<div class="sam-col">{right}</div></div>'
    )
    return _slide("account", inner, as_of_line(m.as_of, a["data_through"], currency))


def _section(heading: str, lines: list[str]) -> str:
    """A heading (escaped already) and its lines, the heading kept with the first line: a column
    that leaves out its last lines never leaves a heading alone at the bottom."""
    first = "".join(lines[:1])
    return f"<div class='sam-keep'><h2>{heading}</h2>{first}</div>" + "".join(lines[1:])


def _score_class(value: float | None) -> str:
    if value is None:
        return "muted"
    return "good" if value >= 70 else ("warn" if value >= 40 else "bad")


def closing_slide(m: Meeting, currency: str) -> str:
    """The decisions and asks drawn from the overdue items of the top accounts."""
    lines = [ask_line(r) for r in m.asks.head(ASKS_SHOWN).iter_rows(named=True)]
    if m.asks.height > ASKS_SHOWN:
        lines.append(f"and {m.asks.height - ASKS_SHOWN} more overdue items")
    if not lines:
        lines = [f"Nothing is overdue for the top {m.n}: no decision needed today."]
    items = "".join(f"<div class='sam-line'>{_e(line)}</div>" for line in lines)
    inner = (
        "<h1>Decisions and asks</h1>"
        f"<div class='sam-sub'>From the overdue items of the top {m.n}: sponsor cadence first, then "
        f"actions</div>"
        f"<div class='sam-asks'>{items}</div>"
    )
    return _slide("asks", inner, as_of_line(m.as_of, m.through, currency))


def slide_count(m: Meeting) -> int:
    return len(m.briefs) + 2


def slide(m: Meeting, index: int, currency: str) -> str:
    """Slide `index` (0: portfolio, 1..N: the accounts, N+1: decisions and asks)."""
    if index == 0:
        return portfolio_slide(m, currency)
    if index <= len(m.briefs):
        return account_slide(m, m.briefs[index - 1], currency)
    return closing_slide(m, currency)
