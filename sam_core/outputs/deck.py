"""The meeting deck as PowerPoint: a title slide, the portfolio, one slide per top account and
the decisions and asks, on the company template's layouts (or the built-in 16:9 one).

Every slide has its layout's title placeholder filled, native charts (editable in PowerPoint:
concentration, trends, health), figure tiles and speaker notes with the talking points. Text
and fills use the template's theme fonts and colours (no font or colour of our own but grey for
captions); figures go through the formatting layer, so they read as in the app.
"""

from __future__ import annotations

import io

import polars as pl
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

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
    symbol,
)
from sam_core.outputs.meeting import Meeting, ask_line
from sam_core.outputs.templates import layouts, open_template

GREY = RGBColor(0x6E, 0x6E, 0x6E)
NAMED_BARS = 8  # accounts named one by one on the concentration chart
ASKS_SHOWN = 8
TILE_HEIGHT = Inches(1.15)


class _Frame:
    """Where content goes on a slide of the title-only layout: below its title, inside the margins."""

    def __init__(self, deck, layout):
        self.width, self.height = deck.slide_width, deck.slide_height
        title = next(p for p in layout.placeholders if p.placeholder_format.idx == 0)
        self.left = max(Inches(0.4), Emu(min(title.left, self.width // 10)))
        self.right = self.width - self.left
        self.top = Emu(title.top + title.height + Inches(0.1))
        self.bottom = self.height - Inches(0.55)

    @property
    def inner(self) -> int:
        return self.right - self.left


def deck_pptx(m: Meeting, *, currency: str, template: bytes | None = None) -> bytes:
    """The deck of the meeting: `template` the company's (.pptx bytes, see templates), else built-in."""
    deck = open_template(template)
    lay = layouts(deck)
    frame = _Frame(deck, lay.title_only)
    footer = as_of_line(m.as_of, m.through, currency)
    _title_slide(deck, lay, m, currency, footer)
    _portfolio_slide(deck, lay, frame, m, currency, footer)
    for brief in m.briefs:
        _account_slide(deck, lay, frame, m, brief, currency, footer)
    _asks_slide(deck, lay, frame, m, footer)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _title(slide, text: str) -> None:
    slide.shapes.title.text = text


def _notes(slide, lines: list[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def _text(slide, left, top, width, height, paragraphs: list[tuple[str, int, bool]], *, grey: bool = False):
    """A text box of paragraphs (text, size in pt, bold), in the theme's body font."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, (text, size, bold) in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold
        if grey:
            run.font.color.rgb = GREY
    return box


def _footer(slide, frame: _Frame, text: str) -> None:
    _text(
        slide,
        frame.left,
        frame.bottom + Inches(0.08),
        frame.inner,
        Inches(0.35),
        [(text, 11, False)],
        grey=True,
    )


def _tiles(slide, frame: _Frame, top, tiles: list[tuple[str, str, str]], height: int = TILE_HEIGHT) -> None:
    """Figure tiles: label, figure, detail; filled with the theme's first accent, lightened."""
    gap = Inches(0.15)
    width = (frame.inner - gap * (len(tiles) - 1)) // len(tiles)
    for i, (label, value, detail) in enumerate(tiles):
        shape = slide.shapes.add_shape(
            MSO_SHAPE.RECTANGLE, frame.left + i * (width + gap), top, width, height
        )
        shape.fill.solid()
        shape.fill.fore_color.theme_color = MSO_THEME_COLOR.ACCENT_1
        shape.fill.fore_color.brightness = 0.8
        shape.line.fill.background()
        shape.shadow.inherit = False
        text = shape.text_frame
        text.word_wrap = True
        text.vertical_anchor = MSO_ANCHOR.TOP
        text.margin_left = text.margin_right = Inches(0.12)
        text.margin_top = Inches(0.06)
        big = 24 if len(tiles) <= 5 else 22
        for j, (content, size, bold) in enumerate(
            ((label, 12, False), (value, big, True), (detail, 11, False))
        ):
            paragraph = text.paragraphs[0] if j == 0 else text.add_paragraph()
            paragraph.alignment = PP_ALIGN.LEFT
            run = paragraph.add_run()
            run.text = content
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.color.theme_color = MSO_THEME_COLOR.TEXT_1


def _style_chart(chart, *, legend: bool = False, size: int = 12) -> None:
    chart.font.size = Pt(size)
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False


def _accent(series, accent=MSO_THEME_COLOR.ACCENT_1) -> None:
    fill = series.format.fill
    fill.solid()
    fill.fore_color.theme_color = accent


def _title_slide(deck, lay, m: Meeting, currency: str, footer: str) -> None:
    slide = deck.slides.add_slide(lay.title)
    _title(slide, f"Strategic accounts: the top {m.n}")
    subtitle = next((p for p in slide.placeholders if p.placeholder_format.idx != 0), None)
    if subtitle is not None:
        subtitle.text = footer
    _notes(
        slide,
        [
            f"This deck shows the top {m.n} accounts by revenue over the last 12 months.",
            f"{footer}. Every figure is the Portfolio page's for the same as-of month.",
        ],
    )


def _portfolio_slide(deck, lay, frame: _Frame, m: Meeting, currency: str, footer: str) -> None:
    h, c, p = m.headline, m.headline.concentration, m.headline.pipeline
    slide = deck.slides.add_slide(lay.title_only)
    _title(slide, f"Top {c.n} accounts: {c.top_share:.0%} of revenue")
    _tiles(
        slide,
        frame,
        frame.top,
        [
            ("Revenue, 12 months", money(h.revenue.value, currency), f"{growth(h.growth.value)} growth"),
            (
                f"Share of the top {c.n}",
                percent(h.top_share.value),
                f"{c.effective_accounts:.1f} effective accounts",
            ),
            (
                "Weighted pipeline",
                money(p.weighted_pipeline, currency),
                f"won {money(p.won_value, currency)}",
            ),
            ("Loyalty index", score(h.loyalty_index.value), f"NPS {nps(h.nps.value)}"),
            (
                "Cadence compliance",
                percent(h.cadence_compliance.value),
                f"{h.accounts_overdue} accounts overdue",
            ),
            (f"At risk in the top {c.n}", str(h.at_risk), "at risk, or health under 40"),
        ],
    )
    charts_top = frame.top + Inches(1.3)
    risks = list(c.flags)
    risk_h = Inches(0.35) * min(2, len(risks)) if risks else 0
    charts_h = frame.bottom - charts_top - risk_h
    half = (frame.inner - Inches(0.3)) // 2
    _concentration_chart(slide, frame.left, charts_top, half, charts_h, m, currency)
    _trend_chart(slide, frame.left + half + Inches(0.3), charts_top, half, charts_h, m, currency)
    if risks:
        _text(
            slide,
            frame.left,
            frame.bottom - risk_h,
            frame.inner,
            risk_h,
            [(f"Concentration risk: {fit(r, 120)}", 13, True) for r in risks[:2]],
        )
    _footer(slide, frame, footer)
    _notes(
        slide,
        [
            f"Revenue over the last 12 months: {money(h.revenue.value, currency)}, "
            f"{growth(h.growth.value)} on the "
            "12 months before.",
            f"The top {c.n} accounts hold {c.top_share:.0%} of revenue; the effective number of accounts is "
            f"{c.effective_accounts:.1f}.",
            *[f"Risk: {r}" for r in risks],
            f"Pipeline: {money(p.open_pipeline, currency)} open, {money(p.weighted_pipeline, currency)} "
            f"weighted; won "
            f"{money(p.won_value, currency)}, win rate {percent(p.win_rate_count)} of deals.",
            f"Loyalty index {score(h.loyalty_index.value)}, NPS {nps(h.nps.value)}; sponsor cadence "
            f"compliance "
            f"{percent(h.cadence_compliance.value)}, {h.accounts_overdue} strategic accounts overdue on "
            f"some rule.",
            f"{h.at_risk} of the top {c.n} are at risk.",
            footer,
        ],
    )


def _concentration_chart(slide, left, top, width, height, m: Meeting, currency: str) -> None:
    """Each top account's share of revenue by name (largest first), then the rest of the top N and
    everyone else together: a native bar chart."""
    top_rows = m.top.head(min(m.n, NAMED_BARS))
    names = [fit(n, 28) for n in top_rows["account_name"].to_list()]
    shares = top_rows["share"].to_list()
    rest_of_top = m.top.slice(top_rows.height, max(0, m.n - top_rows.height))
    if rest_of_top.height:
        names.append(f"Accounts {top_rows.height + 1}-{top_rows.height + rest_of_top.height}")
        shares.append(float(rest_of_top["share"].sum()))
    others = m.top.slice(m.n)
    if others.height:
        names.append(f"The other {others.height:,} accounts")
        shares.append(float(others["share"].sum()))
    data = CategoryChartData(number_format="0%")
    data.categories = names
    data.add_series("Share of revenue", shares)
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data).chart
    _style_chart(chart, size=11)
    chart.has_title = True
    chart.chart_title.text_frame.text = "Share of revenue, last 12 months"
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    category = chart.category_axis
    category.reverse_order = True  # largest on top
    _every_label(category)
    category.tick_labels.font.size = Pt(10)
    value = chart.value_axis
    value.has_major_gridlines = False
    value.visible = False
    value.minimum_scale = 0
    _labelled_bars(chart, number_format="0%", gap_width=40)


def _labelled_bars(chart, *, number_format: str, gap_width: int) -> None:
    """Bars in the accent colour with their values (11 pt) past their ends."""
    plot = chart.plots[0]
    plot.gap_width = gap_width
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = number_format
    labels.number_format_is_linked = False
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size = Pt(11)
    _accent(plot.series[0])


def _trend_chart(slide, left, top, width, height, m: Meeting, currency: str) -> None:
    """Monthly revenue of the top accounts against the others (24 months): a native line chart."""
    trend = m.trend
    if trend.is_empty():
        return
    months = trend["period"].unique().sort().to_list()
    data = CategoryChartData(number_format=f'"{symbol(currency)}"#,##0.0,,"m"')
    data.categories = [f"{d:%b %y}" for d in months]
    for group in ("Top accounts", "Other accounts"):
        rows = dict(trend.filter(pl.col("group") == group).select("period", "revenue").iter_rows())
        data.add_series(
            f"Top {m.n}" if group == "Top accounts" else "Other accounts", [rows.get(d) for d in months]
        )
    chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, left, top, width, height, data).chart
    _style_chart(chart, legend=True, size=11)
    chart.has_title = True
    chart.chart_title.text_frame.text = f"Revenue per month ({symbol(currency)})"
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    chart.value_axis.minimum_scale = 0
    chart.value_axis.has_major_gridlines = True
    chart.value_axis.tick_labels.font.size = Pt(10)
    _axis_format(chart.value_axis, _money_format(trend["revenue"].max(), currency))
    chart.category_axis.tick_labels.font.size = Pt(10)
    for series, accent in zip(
        chart.plots[0].series, (MSO_THEME_COLOR.ACCENT_1, MSO_THEME_COLOR.ACCENT_2), strict=True
    ):
        series.format.line.color.theme_color = accent
        series.format.line.width = Pt(2.5)
        series.smooth = False


def _account_slide(deck, lay, frame: _Frame, m: Meeting, brief: Brief, currency: str, footer: str) -> None:
    a = brief.account
    slide = deck.slides.add_slide(lay.title_only)
    _title(slide, f"{a['rank']}. {a['account_name']}")
    plan = "no plan" if brief.plan is None else ("plan STALE" if brief.plan["stale"] else "plan reviewed")
    _text(
        slide,
        frame.left,
        frame.top - Inches(0.05),
        frame.inner,
        Inches(0.4),
        [
            (
                f"Sponsor {a['executive_sponsor'] or 'none'} · account manager "
                f"{a['account_manager'] or 'none'} · "
                f"tier {a['tier'] or '–'} · {plan}",
                14,
                False,
            )
        ],
    )
    tiles_top = frame.top + Inches(0.42)
    _tiles(
        slide,
        frame,
        tiles_top,
        [
            ("Revenue, 12 months", wording.revenue_figure(a, currency), wording.revenue_change(a)),
            ("Health", wording.health_figure(a), a["health_band"]),
            ("Loyalty index", wording.loyalty_figure(a), wording.loyalty_detail(a)),
            (
                "Weighted pipeline",
                wording.pipeline_figure(a, currency),
                wording.pipeline_detail(a, currency),
            ),
            (
                "Relationship coverage",
                percent(a["coverage"]),
                f"{brief.gaps.height} gap{'s' if brief.gaps.height != 1 else ''} on the map",
            ),
        ],
        height=Inches(1.1),
    )
    body_top = tiles_top + Inches(1.25)
    body_h = frame.bottom - body_top
    third = (frame.inner - Inches(0.5)) // 3
    _health_chart(slide, frame.left, body_top, third, body_h, brief, m.scales.health_points)
    _account_trend_chart(slide, frame.left + third + Inches(0.25), body_top, third, body_h, brief, currency)
    column = _text(
        slide,
        frame.left + 2 * (third + Inches(0.25)),
        body_top,
        third,
        body_h,
        _account_lines(brief, currency),
    )
    for paragraph in column.text_frame.paragraphs[1:]:
        if paragraph.runs and paragraph.runs[0].font.bold:
            paragraph.space_before = Pt(8)
    _footer(slide, frame, footer)
    _notes(slide, _account_notes(brief, currency))


def _health_chart(slide, left, top, width, height, brief: Brief, high: float) -> None:
    """Points each part contributed (the app's health chart), on the axis every account slide shares."""
    parts = brief.health_parts
    data = CategoryChartData(number_format="0.0")
    data.categories = [p.capitalize() for p in parts["part"].to_list()]
    data.add_series("Points", [round(v, 1) for v in parts["points"].to_list()])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data).chart
    _style_chart(chart, size=11)
    chart.has_title = True
    total = "no data" if brief.account["health"] is None else f"{score(brief.account['health'])} / 100"
    chart.chart_title.text_frame.text = f"Health {total}: points"
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    chart.category_axis.reverse_order = True
    chart.category_axis.tick_labels.font.size = Pt(11)
    _every_label(chart.category_axis)
    value = chart.value_axis
    value.minimum_scale, value.maximum_scale = 0, high
    value.has_major_gridlines = True
    value.tick_labels.font.size = Pt(10)
    _labelled_bars(chart, number_format="0.0", gap_width=50)


def _account_trend_chart(slide, left, top, width, height, brief: Brief, currency: str) -> None:
    trend = brief.trend
    if trend.is_empty() or trend["revenue"].drop_nulls().is_empty():
        _text(
            slide,
            left,
            top,
            width,
            Inches(0.6),
            [("No monthly financials in the 12 months.", 13, False)],
            grey=True,
        )
        return
    data = CategoryChartData(number_format=_money_format(trend["revenue"].max(), currency))
    data.categories = [f"{d:%b}" for d in trend["month"].to_list()]
    data.add_series("Revenue", trend["revenue"].to_list())
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, left, top, width, height, data).chart
    _style_chart(chart, size=11)
    chart.has_title = True
    chart.chart_title.text_frame.text = f"Revenue per month ({symbol(currency)})"
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    chart.value_axis.minimum_scale = 0
    chart.value_axis.tick_labels.font.size = Pt(10)
    _axis_format(chart.value_axis, _money_format(trend["revenue"].max(), currency))
    chart.category_axis.tick_labels.font.size = Pt(10)
    chart.plots[0].gap_width = 40
    _accent(chart.plots[0].series[0], MSO_THEME_COLOR.ACCENT_2)


def _axis_format(axis, number_format: str) -> None:
    axis.tick_labels.number_format = number_format
    axis.tick_labels.number_format_is_linked = False


def _every_label(axis) -> None:
    """Label every category (LibreOffice and PowerPoint skip some when they find them crowded)."""
    element = axis._element
    skip = element.makeelement(qn("c:tickLblSkip"), {"val": "1"})
    anchor = element.find(qn("c:noMultiLvlLbl"))
    if anchor is not None:
        anchor.addprevious(skip)
    else:
        element.append(skip)


def _money_format(high: float | None, currency: str) -> str:
    """An Excel number format that reads like the formatting layer's money: €1.2m, €350k, €900."""
    mark = symbol(currency)
    mark = f'"{mark}"' if len(mark) == 1 else f'"{mark} "'
    if high and high >= 1e9:
        return f'{mark}#,##0.0,,,"bn"'
    if high and high >= 1e6:
        return f'{mark}#,##0.0,,"m"'
    if high and high >= 1e3:
        return f'{mark}#,##0.0,"k"'
    return f"{mark}#,##0"


def _account_lines(brief: Brief, currency: str) -> list[tuple[str, int, bool]]:
    """The right-hand column: cadence, gaps, the largest opportunities and open actions, short."""
    a = brief.account
    lines: list[tuple[str, int, bool]] = [(f"Sponsor cadence: {a['cadence']}", 14, True)]
    off_track = brief.cadence.filter(pl.col("status") != "compliant")
    lines += [
        (fit(f"{r['rule']}: {r['status']} {wording.cadence_when(r, brief.as_of)}", 48), 12, False)
        for r in off_track.head(2).iter_rows(named=True)
    ] or [("every rule on track" if brief.cadence.height else "not a strategic account", 12, False)]
    lines.append(
        (wording.coverage_line(a) if a["coverage"] is not None else "Relationships: none recorded", 14, True)
    )
    lines += [(fit(wording.gap_line(g), 48), 12, False) for g in brief.gaps.head(2).iter_rows(named=True)]
    lines.append(("Top opportunities", 14, True))
    lines += [
        (fit(f"{o['name']}: {money(o['amount'], currency)}, {o['stage'] or 'no stage'}", 48), 12, False)
        for o in brief.opportunities.head(2).iter_rows(named=True)
    ] or [("none open", 12, False)]
    lines.append((f"Open actions: {a['open_actions']} ({a['overdue_actions']} overdue)", 14, True))
    lines += [
        (
            fit(
                ("OVERDUE: " if x["overdue"] else "") + f"{x['description']} ({x['owner'] or 'no owner'})", 48
            ),
            12,
            False,
        )
        for x in brief.actions.head(2).iter_rows(named=True)
    ]
    return lines


def _account_notes(brief: Brief, currency: str) -> list[str]:
    a = brief.account
    parts = brief.health_parts.filter(pl.col("score").is_not_null()).sort("points")
    weakest = parts.row(0, named=True) if parts.height else None
    notes = [
        f"{a['account_name']}: revenue {wording.revenue_figure(a, currency)} over the last 12 months, "
        f"{wording.revenue_change(a)}.",
        f"Health {wording.health_figure(a)} ({a['health_band']})"
        + (
            f"; the weakest part is {weakest['part']} with {points(weakest['points'])} points."
            if weakest
            else "."
        ),
        f"Loyalty index {wording.loyalty_figure(a)}, {wording.loyalty_detail(a)}.",
        f"Pipeline {money(a['open_pipeline'], currency)} open, {money(a['weighted_pipeline'], currency)} "
        f"weighted.",
        wording.coverage_line(a) + ".",
    ]
    notes += [f"Gap: {g['reason']}" for g in brief.gaps.head(3).iter_rows(named=True)]
    notes += [
        f"Cadence: {r['rule']} {r['status']} {wording.cadence_when(r, brief.as_of)} ({r['detail']})."
        for r in brief.cadence.filter(pl.col("status") == "overdue").iter_rows(named=True)
    ]
    notes += [
        f"Opportunity: {wording.opportunity_line(o, currency)}."
        for o in brief.opportunities.head(3).iter_rows(named=True)
    ]
    notes += [f"Action: {wording.action_line(x)}." for x in brief.actions.iter_rows(named=True)]
    if brief.last_touchpoint or brief.next_touchpoint:
        notes.append(
            f"Last with the sponsor: {wording.touchpoint(brief.last_touchpoint)}; next planned: "
            f"{wording.touchpoint(brief.next_touchpoint)}."
        )
    return notes


def _asks_slide(deck, lay, frame: _Frame, m: Meeting, footer: str) -> None:
    slide = deck.slides.add_slide(lay.content)
    _title(slide, "Decisions and asks")
    lines = [ask_line(r) for r in m.asks.head(ASKS_SHOWN).iter_rows(named=True)]
    if m.asks.height > ASKS_SHOWN:
        lines.append(
            f"and {m.asks.height - ASKS_SHOWN} more overdue items: see the Sponsor cadence and Account "
            f"plan pages"
        )
    if not lines:
        lines = [f"Nothing is overdue for the top {m.n}: no decision needed today."]
    body = next((p for p in slide.placeholders if p.placeholder_format.idx != 0), None)
    if body is None:
        _text(
            slide,
            frame.left,
            frame.top,
            frame.inner,
            frame.bottom - frame.top,
            [(line, 18, False) for line in lines],
        )
    else:
        frame_text = body.text_frame
        for i, line in enumerate(lines):
            paragraph = frame_text.paragraphs[0] if i == 0 else frame_text.add_paragraph()
            paragraph.text = fit(line, 110)
            paragraph.font.size = Pt(18 if len(lines) <= 6 else 16)
    _footer(slide, frame, footer)
    _notes(
        slide,
        [
            "Drawn from the overdue items of the top accounts: sponsor cadence rules past their deadline "
            "and open "
            "actions past their due date, oldest first.",
            *[ask_line(r) for r in m.asks.iter_rows(named=True)],
            footer,
        ],
    )
