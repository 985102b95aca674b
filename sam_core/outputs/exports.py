"""Downloads: the one-page account brief as PDF and Excel, and the meeting deck as PowerPoint.

The PDF uses fpdf2's built-in Helvetica (no font or binary is fetched at run time); it
fits the part of the page that A4 and Letter share (210 x 279 mm). Charts in the deck are
rendered to PNG by vl-convert, without a browser. Excel files hold text as text only.
"""

from __future__ import annotations

import io
import itertools

import altair as alt
import polars as pl
import vl_convert as vlc
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from sam_core.metrics.headline import Headline
from sam_core.outputs import wording
from sam_core.outputs.brief import Brief
from sam_core.outputs.charts import health_parts_chart, pareto_chart
from sam_core.outputs.formatting import (
    MONEY_COLUMNS,
    data_through,
    long_date,
    money,
    money_header,
    month,
    percent,
    score,
    symbol,
)
from sam_core.outputs.workbook import money_export_bytes

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 210, 279, 12  # mm: fits A4 and Letter


def _latin1(text) -> str:
    """Helvetica covers Windows-1252 (Latin-1 and €); anything else becomes '?' rather than failing."""
    return (
        str(text if text is not None else "–")
        .replace("–", "-")
        .replace("’", "'")
        .encode("cp1252", "replace")
        .decode("cp1252")
    )


def _revenue_line(a: dict, m) -> str:
    through = month(a["data_through"])
    if a["financials"] == "no financials":
        return f"No financials in the 12 months to {through}: left out of revenue, growth and margin."
    growth = {
        "not reported": (
            f"{percent(a['growth'], 1)} on the same months a year before; {through} not reported yet"
        ),
        "won deals": f"{percent(a['growth'], 1)}; revenue from won deals, the account has no financials",
    }.get(a["financials"], f"{percent(a['growth'], 1)} on the previous 12 months")
    return (
        f"T12M revenue {m(a['revenue'])} ({growth}), margin {percent(a['margin'], 1)}, "
        f"share of wallet {percent(a['share_of_wallet'])}, tier {a['tier'] or '-'}, rank {a['rank']}."
    )


def _brief_lines(brief: Brief, currency: str) -> dict[str, list[str]]:
    """The brief as short text lines per section (shared by PDF and slides)."""
    a = brief.account

    def m(v):
        return money(v, currency)

    health = "-" if a["health"] is None else f"{a['health']:.0f}/100 ({a['health_band']})"
    parts = brief.health_parts.filter(pl.col("score").is_not_null())
    why = ", ".join(f"{p['part']} {p['score']:.0f}" for p in parts.iter_rows(named=True))
    people = [
        f"{s['name']} - "
        f"{s['title'] or s['level'] or ''}{' (decision maker)' if s['decision_maker'] else ''}: "
        + (f"covered by {s['covered_by']}" if s["covered_by"] else "NOT COVERED")
        for s in brief.stakeholders.iter_rows(named=True)
    ]

    def touch(t) -> str:
        return "none" if t is None else f"{long_date(t['date'])}, {t['type'].replace('_', ' ')}"

    loyalty = (
        "no response in the latest wave"
        if a["loyalty_index"] is None
        else (
            f"loyalty index {a['loyalty_index']:.0f}, NPS {a['nps']:+.0f}, {a['respondents']} respondents"
            + (" (thin)" if a["thin"] else "")
        )
    )
    return {
        "Account plan": [plan_line(brief.plan)],
        "Revenue": [_revenue_line(a, m)],
        "Pipeline": [
            f"Open {m(a['open_pipeline'])} in {a['open_deals']} deals "
            f"({m(a['weighted_pipeline'])} weighted); won {m(a['won_value'])} in the 12 months to "
            f"{month(a['data_through'])}; win rate {percent(a['win_rate_count'])} of deals, "
            f"{percent(a['win_rate_value'])} of value."
        ],
        "Health": [f"{health}. Parts: {why or 'no data'}."],
        # issue 20: renewals in the next 180 days (layout: the brief's own)
        **(
            {"Renewals": [_renewal(r, currency) for r in brief.renewals.iter_rows(named=True)]}
            if _renews(brief)
            else {}
        ),
        "Key stakeholders": people or ["No stakeholders recorded."],
        "Sponsor touchpoints": [
            f"Last: {touch(brief.last_touchpoint)}.  Next: {touch(brief.next_touchpoint)}.  Cadence: "
            f"{a['cadence']}."
        ],
        "Loyalty": [loyalty]
        + [
            f'"{c["comment"]}" - {c["respondent"]}, {long_date(c["survey_date"])}'
            for c in brief.comments.iter_rows(named=True)
        ],
        "Open actions": [
            f"{x['description']} - {x['owner']}, due "
            f"{long_date(x['due'])}{' (OVERDUE)' if x['overdue'] else ''}"
            for x in brief.actions.iter_rows(named=True)
        ]
        or ["None open."],
        "Top opportunities": [
            f"{o['name']} - {o['stage']}, {m(o['amount'])}, closes {long_date(o['close_date'])}"
            for o in brief.opportunities.iter_rows(named=True)
        ]
        or ["None open."],
    }


def _renews(brief: Brief) -> bool:
    return brief.renewals is not None and not brief.renewals.is_empty()


def _renewal(r: dict, currency: str) -> str:
    """A contract renewing soon, with the account's health and loyalty."""
    beside = f"health {score(r['health'])}, loyalty {score(r['loyalty_index'])}"
    return f"{wording.renewal_line(r, currency)}; {beside}."


def plan_line(plan: dict | None) -> str:
    """The account plan's state in one line (plan: a row of plans.plan.plan_status)."""
    if plan is None:
        return "No plan: not a strategic account."
    if plan["stale"]:
        return f"STALE: {plan['reason']}."
    return f"Reviewed: every section since {long_date(plan['reviewed_on'])}."


def brief_pdf(brief: Brief, *, currency: str) -> bytes:
    """The brief on one page."""
    a = brief.account
    pdf = FPDF(format="A4", unit="mm")
    pdf.core_fonts_encoding = "windows-1252"  # the euro sign
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    pdf.set_title(_latin1(f"Account brief: {a['account_name']}"))
    width = PAGE_WIDTH - 2 * MARGIN
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(width, 9, _latin1(a["account_name"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(
        width,
        5,
        _latin1(
            f"Account brief, {long_date(brief.as_of)}  |  money in {currency}, "
            f"{data_through(a['data_through'])}  |  account manager {a['account_manager']}  |  "
            f"executive sponsor {a['executive_sponsor'] or '-'}"
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(0, 0, 0)
    _sparkline(pdf, brief.revenue_trend, x=PAGE_WIDTH - MARGIN - 50, y=MARGIN, w=50, h=12)
    pdf.ln(2)
    for section, lines in _brief_lines(brief, currency).items():
        if pdf.get_y() > PAGE_HEIGHT - MARGIN - 12:
            break  # one page: whatever does not fit is in the Excel brief
        pdf.set_font("Helvetica", "B", 11)
        pdf.set_fill_color(232, 238, 244)
        pdf.cell(width, 6, _latin1(section), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 9)
        for line in lines:
            if pdf.get_y() > PAGE_HEIGHT - MARGIN - 5:
                break
            pdf.multi_cell(width, 4.6, _latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)
    return bytes(pdf.output())


def _sparkline(pdf: FPDF, values: list[float], *, x: float, y: float, w: float, h: float) -> None:
    if len(values) < 2:
        return
    low, high = min(values), max(values)
    span = (high - low) or 1
    points = [(x + i * w / (len(values) - 1), y + h - (v - low) / span * h) for i, v in enumerate(values)]
    pdf.set_draw_color(31, 95, 168)
    pdf.set_line_width(0.5)
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        pdf.line(x1, y1, x2, y2)
    pdf.set_font("Helvetica", "", 7)
    pdf.set_xy(x, y + h + 0.5)
    pdf.cell(w, 3, "revenue, last 12 months", align="C")
    pdf.set_xy(MARGIN, MARGIN + 14)


def brief_xlsx(brief: Brief, *, currency: str) -> bytes:
    """The brief as a workbook: About (data through, currency), a summary sheet and one sheet
    per list, money headers naming the currency."""
    summary = pl.DataFrame(
        {
            "figure": [
                *(money_header(k, currency) if k in MONEY_COLUMNS else k for k in brief.account),
                "account plan",
            ],
            "value": [*(_cell(v) for v in brief.account.values()), plan_line(brief.plan)],
        }
    )
    return money_export_bytes(
        {
            "Summary": summary,
            "Health": brief.health_parts,
            "Stakeholders": brief.stakeholders,
            "Comments": brief.comments,
            "Open actions": brief.actions,
            "Opportunities": brief.opportunities,
            **({"Renewals": brief.renewals} if _renews(brief) else {}),  # issue 20: the next 180 days
            "Revenue trend": pl.DataFrame(
                {"month": list(range(-len(brief.revenue_trend) + 1, 1)), "revenue": brief.revenue_trend},
                schema={"month": pl.Int64, "revenue": pl.Float64},
            ),
        },
        currency=currency,
        through=brief.account["data_through"],
        as_of=brief.as_of,
    )


def _cell(value) -> str | None:
    if value is None or isinstance(value, list):
        return None
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def chart_png(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """An Altair chart as PNG, rendered without a browser."""
    return vlc.vegalite_to_png(chart.to_json(), scale=scale)


def deck_pptx(headline: Headline, overview: pl.DataFrame, briefs: list[Brief], *, currency: str) -> bytes:
    """A summary slide (headline figures and the Pareto chart), then one slide per brief."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    blank = deck.slide_layouts[6]
    c = headline.concentration
    slide = deck.slides.add_slide(blank)
    _text(
        slide,
        f"Top {c.n} accounts: {c.top_share:.0%} of revenue",
        Inches(0.5),
        Inches(0.3),
        Inches(12.3),
        Inches(0.8),
        32,
        bold=True,
    )
    p = headline.pipeline
    figures = [
        f"Money in {currency} ({symbol(currency)}), {data_through(headline.data_through.month)}",
        f"Revenue, last 12 months: {money(headline.revenue.value, currency)} "
        f"({percent(headline.growth.value, 1)} growth)",
        f"Profit margin: {percent(headline.margin.value, 1)} "
        f"({headline.margin_accounts} accounts report profit)",
        f"Pipeline: {money(p.open_pipeline, currency)} open, "
        f"{money(p.weighted_pipeline, currency)} weighted; "
        f"won {money(p.won_value, currency)}; win rate {percent(p.win_rate_count)} of deals, "
        f"{percent(p.win_rate_value)} of value",
        "Loyalty index: "
        f"{'-' if headline.loyalty_index.value is None else f'{headline.loyalty_index.value:.0f}'}; "
        f"NPS: {'-' if headline.nps.value is None else f'{headline.nps.value:+.0f}'}",
        f"Feedback revenue coverage: {percent(headline.feedback_coverage.value)}",
        f"Sponsor cadence compliance: {percent(headline.cadence_compliance.value)}",
        f"At risk in the top {c.n}: {headline.at_risk}",
        f"Effective number of accounts: {c.effective_accounts:.1f}",
        *list(c.flags),
    ]
    _text(slide, "\n".join(figures), Inches(0.5), Inches(1.3), Inches(4.6), Inches(5.8), 14)
    picture = io.BytesIO(
        chart_png(pareto_chart(overview, c.n, height=380, currency=currency).properties(width=620))
    )
    slide.shapes.add_picture(picture, Inches(5.3), Inches(1.3), width=Inches(7.6))
    for brief in briefs:
        a = brief.account
        slide = deck.slides.add_slide(blank)
        _text(
            slide,
            f"{a['rank']}. {a['account_name']}",
            Inches(0.5),
            Inches(0.3),
            Inches(12.3),
            Inches(0.7),
            28,
            bold=True,
        )
        lines = _brief_lines(brief, currency)
        left = [
            f"{k}: {' '.join(v[:1])}"
            for k, v in lines.items()
            if k in ("Revenue", "Pipeline", "Health", "Sponsor touchpoints", "Loyalty")
        ]
        right = (
            ["Key stakeholders:"]
            + [f"  {p}" for p in lines["Key stakeholders"][:5]]
            + ["Open actions:"]
            + [f"  {x}" for x in lines["Open actions"][:3]]
            + ["Top opportunities:"]
            + [f"  {o}" for o in lines["Top opportunities"][:3]]
        )
        _text(slide, "\n".join(left), Inches(0.5), Inches(1.1), Inches(6.0), Inches(3.0), 12)
        _text(
            slide,
            f"Money in {currency}, {data_through(a['data_through'])}",
            Inches(0.5),
            Inches(7.0),
            Inches(6.0),
            Inches(0.3),
            10,
        )
        _text(slide, "\n".join(right), Inches(6.8), Inches(1.1), Inches(6.1), Inches(6.0), 11)
        png = io.BytesIO(chart_png(health_parts_chart(brief.health_parts, height=180).properties(width=420)))
        slide.shapes.add_picture(png, Inches(0.5), Inches(4.3), width=Inches(6.0))
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _text(
    slide, text: str, left: Emu, top: Emu, width: Emu, height: Emu, size: int, *, bold: bool = False
) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
        paragraph.font.size = Pt(size)
        paragraph.font.bold = bold
