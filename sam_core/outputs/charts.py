"""Altair charts, built from small aggregated frames (never one mark per database row).

Used by the pages and, rendered to PNG without a browser, by the exports.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from sam_core.outputs.formatting import count_of, symbol

HEALTH_COLOURS = {"healthy": "#2e7d32", "watch": "#f9a825", "at risk": "#c62828", "no data": "#9e9e9e"}
TIER_COLOURS = {"A": "#1f5fa8", "B": "#6a9fd4", "C": "#c5d7ea"}


def pareto_window(n: int, accounts: int) -> int:
    """How many of the largest accounts the Pareto chart draws one by one."""
    return min(accounts, max(3 * n, 40))


def pareto_chart(
    revenue: pl.DataFrame, n: int, *, height: int = 320, currency: str = "EUR"
) -> alt.LayerChart:
    """Bars of T12M revenue for the largest accounts (coloured by tier), the cumulative
    share line, the top-N cut marked, and the share of the accounts beyond the window.
    Accounts without financials (no rank) are left out."""
    if "rank" in revenue.columns:
        revenue = revenue.filter(pl.col("rank").is_not_null())
    shown = pareto_window(n, revenue.height)
    data = (
        revenue.head(shown)
        .select("rank", "account_name", "revenue", "cumulative_share", "tier")
        .with_columns(pl.col("revenue") / 1e6)
    )
    base = alt.Chart(data).encode(
        x=alt.X(
            "rank:Q",
            title="Accounts, largest first",
            scale=alt.Scale(domain=[0.5, shown + 0.5], nice=False),
            axis=alt.Axis(format="d", tickMinStep=1),
        )
    )
    bars = base.mark_bar(size=max(2, min(24, 700 // max(1, shown)))).encode(
        y=alt.Y("revenue:Q", title=f"T12M revenue ({symbol(currency)} millions)"),
        color=alt.Color(
            "tier:N",
            scale=alt.Scale(domain=list(TIER_COLOURS), range=list(TIER_COLOURS.values())),
            title="Tier",
        ),
        tooltip=[
            "rank",
            "account_name",
            alt.Tooltip("revenue:Q", format=",.1f", title=f"revenue ({symbol(currency)}m)"),
            alt.Tooltip("cumulative_share:Q", format=".1%"),
            "tier",
        ],
    )
    line = base.mark_line(
        color="#333", strokeWidth=2, point=alt.OverlayMarkDef(size=18, color="#333")
    ).encode(
        y=alt.Y(
            "cumulative_share:Q",
            title="Cumulative share",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
    )
    cut_share = float(revenue.head(n)["share"].sum() or 0)
    rest = revenue.height - shown
    labels = [f"top {n} = {cut_share:.0%}"]
    cut = alt.Chart(pl.DataFrame({"rank": [n + 0.5], "label": labels}))
    rule = cut.mark_rule(color="#c62828", strokeDash=[6, 4], strokeWidth=2).encode(x="rank:Q")
    text = cut.mark_text(align="right", dx=-6, dy=-6, color="#c62828", fontSize=15, fontWeight="bold").encode(
        x="rank:Q", y=alt.value(14), text="label:N"
    )
    layers = [bars, line, rule, text]
    if rest > 0:
        beyond = float(revenue.slice(shown)["share"].sum() or 0)
        layers.append(
            # the accounts beyond the bars drawn, not beyond the top N (the sentence above the chart)
            alt.Chart(
                pl.DataFrame(
                    {
                        "rank": [shown],
                        "label": [f"not drawn: {count_of(rest, 'more account')} = {beyond:.1%}"],
                    }
                )
            )
            .mark_text(align="right", dy=-6, color="#555", fontSize=13)
            .encode(x="rank:Q", y=alt.value(40), text="label:N")
        )
    return alt.layer(*layers).resolve_scale(y="independent").properties(height=height)


def trend_chart(
    trend: pl.DataFrame, measure: str, *, height: int = 300, currency: str = "EUR"
) -> alt.LayerChart:
    """`measure` per period for the top accounts and the rest, with plan dashed (revenue);
    the legend names every line: the groups by colour, actual and plan by dash."""
    data = trend.with_columns(
        (pl.col(measure) / 1e6).alias("value"), (pl.col("plan_revenue") / 1e6).alias("plan")
    )
    with_plan = measure == "revenue" and data["plan"].is_not_null().any()
    long = pl.concat(
        [
            data.select("period", "group", "value", pl.lit("Actual").alias("line")),
            *(
                [data.select("period", "group", pl.col("plan").alias("value"), pl.lit("Plan").alias("line"))]
                if with_plan
                else []
            ),
        ]
    ).filter(pl.col("value").is_not_null())
    colour = alt.Color(
        "group:N",
        title=None,
        legend=alt.Legend(orient="top", symbolType="stroke", symbolStrokeWidth=3),
        scale=alt.Scale(domain=["Top accounts", "Other accounts"], range=["#1f5fa8", "#e07b39"]),
    )
    dash = alt.StrokeDash(
        "line:N",
        title=None,
        legend=alt.Legend(orient="top", symbolType="stroke", symbolStrokeColor="#555", symbolStrokeWidth=2)
        if with_plan
        else None,
        scale=alt.Scale(domain=["Actual", "Plan"], range=[[1, 0], [5, 4]]),
    )
    title = f"{measure.replace('_', ' ').capitalize()} ({symbol(currency)} millions)"
    base = alt.Chart(long).encode(
        x=alt.X("period:T", title=None),
        y=alt.Y("value:Q", title=title),
        color=colour,
        tooltip=[
            alt.Tooltip("period:T", format="%b %Y"),
            alt.Tooltip("group:N"),
            alt.Tooltip("line:N"),
            alt.Tooltip("value:Q", format=",.1f", title=f"{symbol(currency)} millions"),
        ],
    )
    # the dash only on the lines: a point layer sharing it leaves the legend's dash symbols blank
    lines = base.mark_line(strokeWidth=2.5).encode(strokeDash=dash, detail="line:N")
    points = base.transform_filter(alt.datum.line == "Actual").mark_point(filled=True, size=30)
    return alt.layer(lines, points).properties(height=height)


def health_parts_chart(parts: pl.DataFrame, *, height: int = 220) -> alt.Chart:
    """Horizontal bars: points each part contributed to the health score (parts: part,
    score, weight, points)."""
    return (
        alt.Chart(parts)
        .mark_bar()
        .encode(
            y=alt.Y("part:N", sort=None, title=None),
            x=alt.X("points:Q", title="Points contributed to health (sum = score)"),
            color=alt.Color(
                "score:Q",
                scale=alt.Scale(domain=[0, 50, 100], range=["#c62828", "#f9a825", "#2e7d32"]),
                legend=None,
            ),
            tooltip=[
                "part",
                alt.Tooltip("score:Q", format=".0f"),
                "weight",
                alt.Tooltip("points:Q", format=".1f"),
            ],
        )
        .properties(height=height)
    )


ATTITUDE_SCALE = alt.Scale(
    domain=[-2, -1, 0, 1, 2], range=["#c62828", "#ef9a9a", "#bdbdbd", "#a5d6a7", "#2e7d32"]
)


LABEL_STEP = 0.3  # influence units between two people of one cell (about 16 px at the default height)
DECISION_MAKER, OTHER = "decision maker", "other"


def power_grid_positions(stakeholders: pl.DataFrame) -> pl.DataFrame:
    """Where each stakeholder sits on the power grid: x = attitude, y = influence, with people
    who share a cell stacked one above the other (at most `LABEL_STEP` apart, closer only
    when more than three share it), so each name, written to the right of its dot, has a line
    of its own. `kind` is 'decision maker' or 'other' (the legend's words), `decision maker`
    'yes' or 'no' (the tooltip's)."""
    return (
        stakeholders.select(
            "name",
            "title",
            pl.col("influence").fill_null(0),
            pl.col("attitude").fill_null(0),
            pl.when(pl.col("decision_maker").fill_null(False))
            .then(pl.lit(DECISION_MAKER))
            .otherwise(pl.lit(OTHER))
            .alias("kind"),
        )
        .with_columns(
            pl.when(pl.col("kind") == DECISION_MAKER)
            .then(pl.lit("yes"))
            .otherwise(pl.lit("no"))
            .alias("decision maker"),
            pl.int_range(pl.len()).over("influence", "attitude").alias("k"),
            pl.len().over("influence", "attitude").alias("n"),
        )
        .with_columns(
            pl.col("attitude").cast(pl.Float64).alias("x"),
            (
                pl.col("influence")
                + (pl.col("k") - (pl.col("n") - 1) / 2)
                * pl.min_horizontal(pl.lit(LABEL_STEP), 0.9 / pl.col("n"))
            ).alias("y"),
        )
        .drop("k", "n")
    )


def power_grid(stakeholders: pl.DataFrame, *, height: int = 440) -> alt.LayerChart:
    """Influence (1-5) against attitude (-2..+2) per stakeholder; decision makers larger (the
    legend says 'decision maker' and 'other'); each name beside its dot, never on top of
    another. The top-left quadrant (high influence, negative attitude) is the danger zone."""
    data = power_grid_positions(stakeholders)
    danger = (
        alt.Chart(pl.DataFrame({"x": [-2.5], "x2": [-0.5], "y": [3.5], "y2": [5.5]}))
        .mark_rect(color="#fdecea")
        .encode(x="x:Q", x2="x2:Q", y="y:Q", y2="y2:Q")
    )
    x = alt.X(
        "x:Q",
        title="Attitude (detractor … champion)",
        scale=alt.Scale(domain=[-2.5, 2.7]),
        axis=alt.Axis(values=[-2, -1, 0, 1, 2]),
    )
    y = alt.Y(
        "y:Q", title="Influence", scale=alt.Scale(domain=[0.5, 5.5]), axis=alt.Axis(values=[1, 2, 3, 4, 5])
    )
    points = (
        alt.Chart(data)
        .mark_circle(opacity=0.9, stroke="#333", strokeWidth=0.5)
        .encode(
            x=x,
            y=y,
            color=alt.Color("attitude:Q", scale=ATTITUDE_SCALE, legend=None),
            size=alt.Size(
                "kind:N",
                scale=alt.Scale(domain=[DECISION_MAKER, OTHER], range=[260, 90]),
                title=None,
                legend=alt.Legend(orient="top"),
            ),
            tooltip=["name", "title", "influence", "attitude", "decision maker"],
        )
    )
    labels = (
        alt.Chart(data)
        .mark_text(align="left", dx=10, fontSize=11, limit=150)
        .encode(x="x:Q", y="y:Q", text="name:N")
    )
    return alt.layer(danger, points, labels).properties(height=height)


MATRIX_COLOURS = {
    "held": "#c8e6c9",
    "missed": "#ffcdd2",
    "due": "#fff3c4",
    "planned": "#dbe9f7",
    "empty": "#f5f5f5",
}


def cadence_matrix_chart(matrix: pl.DataFrame, *, as_of_month) -> alt.LayerChart:
    """Accounts (rows) by months (columns): colour = the month's internal-review state,
    text = engagement codes held, (planned), !missed."""
    base = alt.Chart(matrix).encode(
        x=alt.X("yearmonth(month):O", title=None, axis=alt.Axis(format="%b %y", labelAngle=-45)),
        y=alt.Y("account_name:N", title=None, sort=None, axis=alt.Axis(labelOverlap=False, labelLimit=200)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "state:N",
            scale=alt.Scale(domain=list(MATRIX_COLOURS), range=list(MATRIX_COLOURS.values())),
            legend=alt.Legend(orient="top", title="Internal review"),
        ),
        tooltip=["account_name", alt.Tooltip("month:T", format="%B %Y"), "label", "state"],
    )
    text = base.mark_text(fontSize=10).encode(text="label:N")
    now = (
        alt.Chart(pl.DataFrame({"month": [as_of_month]}))
        .mark_rule(color="#1f5fa8", strokeWidth=2)
        .encode(x=alt.X("yearmonth(month):O"))
    )
    return alt.layer(cells, text, now).properties(height=alt.Step(22))


LOYALTY_LINES = {"Loyalty index (0-100, left)": "#1f5fa8", "NPS (-100..100, right)": "#e07b39"}


def loyalty_trend_chart(trend: pl.DataFrame, *, height: int = 260) -> alt.LayerChart:
    """Loyalty index and NPS per wave (two lines, one axis each, a legend naming both), with
    respondent counts in the tooltip."""
    (index_name, index_colour), (nps_name, nps_colour) = LOYALTY_LINES.items()
    colour = alt.Scale(domain=list(LOYALTY_LINES), range=list(LOYALTY_LINES.values()))
    base = alt.Chart(trend).encode(x=alt.X("wave:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)))
    index = (
        base.transform_calculate(line=f"'{index_name}'")
        .mark_line(point=alt.OverlayMarkDef(color=index_colour, size=60), strokeWidth=3)
        .encode(
            y=alt.Y("loyalty_index:Q", title="Loyalty index (0-100)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "line:N", scale=colour, legend=alt.Legend(orient="top", title=None, labelLimit=300)
            ),
            tooltip=[
                "wave",
                alt.Tooltip("loyalty_index:Q", format=".1f", title="loyalty index"),
                "respondents",
            ],
        )
    )
    nps = (
        base.transform_calculate(line=f"'{nps_name}'")
        .mark_line(point=alt.OverlayMarkDef(color=nps_colour, size=60), strokeDash=[5, 3], strokeWidth=3)
        .encode(
            y=alt.Y("nps:Q", title="NPS (-100..100)", scale=alt.Scale(domain=[-100, 100])),
            color=alt.Color("line:N", scale=colour),
            tooltip=["wave", alt.Tooltip("nps:Q", format="+.0f", title="NPS"), "respondents"],
        )
    )
    return alt.layer(index, nps).resolve_scale(y="independent").properties(height=height)


def band_chart(trend: pl.DataFrame) -> alt.Chart:
    """Promoters, passives and detractors per wave as stacked shares."""
    data = trend.unpivot(
        index="wave", on=["promoters", "passives", "detractors"], variable_name="band", value_name="share"
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("wave:N", sort=None, title=None),
            x=alt.X("share:Q", stack="normalize", axis=alt.Axis(format="%"), title=None),
            color=alt.Color(
                "band:N",
                scale=alt.Scale(
                    domain=["promoters", "passives", "detractors"], range=["#2e7d32", "#bdbdbd", "#c62828"]
                ),
                legend=alt.Legend(orient="top", title=None),
            ),
            order=alt.Order("band_order:Q"),
            tooltip=["wave", "band", alt.Tooltip("share:Q", format=".0%")],
        )
        .transform_calculate(band_order="datum.band == 'promoters' ? 0 : datum.band == 'passives' ? 1 : 2")
        .properties(height=alt.Step(36))
    )


AXIS_LABEL_WIDTH = 14  # characters on one line of a radar's spoke label


def wrap(text: str, width: int) -> str:
    """Words on lines of at most `width` characters (a longer word keeps a line of its own),
    joined by newlines: ('Measurements and metrics', 14) -> 'Measurements\nand metrics'."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def _side(sin: float) -> str:
    """How a spoke's label is aligned: away from the centre ('left' on the right half)."""
    return "left" if sin > 0.1 else "right" if sin < -0.1 else "center"


def radar_chart(scores: pl.DataFrame, *, height: int = 380, axes: list[str] | None = None) -> alt.LayerChart:
    """Area scores (0-100) on one spoke per area, in the order of `axes` (every radar of the
    app passes the model's area order, so the same area is always on the same spoke; without
    it, the order of first appearance); one closed polygon per `series` (scores: series,
    area, score). The rings are labelled 25, 50, 75 and 100 along the first spoke."""
    import math

    present = scores["area"].unique(maintain_order=True).to_list()
    areas = [a for a in axes if a in present] + [a for a in present if a not in axes] if axes else present
    angle = {a: 2 * math.pi * i / len(areas) for i, a in enumerate(areas)}
    points = scores.with_columns(
        pl.col("area")
        .replace_strict({a: i for i, a in enumerate(areas)}, return_dtype=pl.Int32)
        .alias("order"),
        (
            pl.col("score")
            / 100
            * pl.col("area").replace_strict(
                {a: math.sin(t) for a, t in angle.items()}, return_dtype=pl.Float64
            )
        ).alias("x"),
        (
            pl.col("score")
            / 100
            * pl.col("area").replace_strict(
                {a: math.cos(t) for a, t in angle.items()}, return_dtype=pl.Float64
            )
        ).alias("y"),
    ).sort("series", "order")
    closed = pl.concat(
        [
            points,
            points.group_by("series", maintain_order=True)
            .first()
            .with_columns(pl.lit(len(areas)).cast(pl.Int32).alias("order")),
        ]
    )
    rings = pl.DataFrame(
        [
            {
                "ring": r,
                "order": i,
                "x": r / 100 * math.sin(2 * math.pi * i / len(areas)),
                "y": r / 100 * math.cos(2 * math.pi * i / len(areas)),
            }
            for r in (25, 50, 75, 100)
            for i in range(len(areas) + 1)
        ]
    )
    ring_values = pl.DataFrame(
        {"label": ["25", "50", "75", "100"], "x": [0.03] * 4, "y": [0.25, 0.5, 0.75, 1.0]}
    )
    labels = pl.DataFrame(
        {
            "area": areas,
            "x": [1.08 * math.sin(angle[a]) for a in areas],
            "y": [1.17 * math.cos(angle[a]) for a in areas],
            # written away from the centre: a label on the right starts at its spoke's end, one
            # on the left ends there, so a long name never runs over the plotted line
            "align": [_side(math.sin(angle[a])) for a in areas],
            "text": [wrap(a, AXIS_LABEL_WIDTH) for a in areas],
        }
    )
    scale = alt.Scale(domain=[-1.35, 1.35])
    axes_spec = {"axis": None, "scale": scale}
    grid = (
        alt.Chart(rings)
        .mark_line(color="#e0e0e0")
        .encode(x=alt.X("x:Q", **axes_spec), y=alt.Y("y:Q", **axes_spec), detail="ring:N", order="order:Q")
    )
    ring_text = (
        alt.Chart(ring_values)
        .mark_text(align="left", dy=-6, fontSize=10, color="#757575")
        .encode(x=alt.X("x:Q", **axes_spec), y=alt.Y("y:Q", **axes_spec), text="label:N")
    )
    shape = (
        alt.Chart(closed)
        .mark_line(strokeWidth=2.5, point=True)
        .encode(
            x=alt.X("x:Q", **axes_spec),
            y=alt.Y("y:Q", **axes_spec),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="top")),
            order="order:Q",
            tooltip=["series", "area", alt.Tooltip("score:Q", format=".0f")],
        )
    )
    text = alt.layer(
        *(
            alt.Chart(labels)
            .transform_filter(alt.datum.align == side)
            .mark_text(fontSize=11, align=side, lineBreak="\n", baseline="middle")
            .encode(x=alt.X("x:Q", **axes_spec), y=alt.Y("y:Q", **axes_spec), text="text:N")
            for side in ("left", "center", "right")
            if (labels["align"] == side).any()
        )
    )
    return alt.layer(grid, ring_text, shape, text).properties(height=height, width=height)


def month_step(first, last) -> int:
    """Months between two ticks of a time axis from `first` to `last`: every month up to a
    year and a half, then every quarter, every half year, every year."""
    months = (last.year - first.year) * 12 + last.month - first.month
    return next((step for step, most in ((1, 18), (3, 48), (6, 96)) if months <= most), 12)


def maturity_history_chart(overall: pl.DataFrame, *, height: int = 360) -> alt.Chart:
    """Overall maturity (%) per assessment over time, one line per scope (legend on top). The
    time axis is in UTC (as the dates are sent), with its ticks on the first of a month, each
    month once, so an assessment of 1 Sep sits on the 'Sep 2026' tick."""
    days = overall["assessed_on"].drop_nulls()
    step = month_step(days.min(), days.max()) if days.len() else 1
    return (
        alt.Chart(overall)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "assessed_on:T",
                title=None,
                scale=alt.Scale(type="utc", nice={"interval": "month", "step": 1}),
                axis=alt.Axis(
                    format="%b %Y",
                    tickCount={"interval": "month", "step": step},
                    labelOverlap=True,
                ),
            ),
            y=alt.Y("overall:Q", title="Overall maturity %", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("scope:N", title=None, legend=alt.Legend(orient="top", labelLimit=300)),
            tooltip=[
                "scope",
                alt.Tooltip("assessed_on:T", format="%-d %b %Y", formatType="utc", title="assessed on"),
                alt.Tooltip("overall:Q", format=".0f", title="overall %"),
            ],
        )
        .properties(height=height)
    )


def health_history_chart(history: pl.DataFrame, *, height: int = 220) -> alt.LayerChart:
    """Account health over time (health_history.account_history: as_of, health, part, points):
    the points of each part stacked (they add up to the health), and the health as a line."""
    parts = history.select("as_of", "part", pl.col("points").fill_null(0.0))
    health = history.unique("as_of", maintain_order=True).select("as_of", "health")
    x = alt.X("as_of:T", title=None, axis=alt.Axis(format="%b %y"))
    stacked = (
        alt.Chart(parts)
        .mark_area(opacity=0.75)
        .encode(
            x=x,
            y=alt.Y(
                "points:Q",
                stack="zero",
                title="Health (points)",
                scale=alt.Scale(domain=[0, 100]),
            ),
            color=alt.Color("part:N", sort=None, legend=alt.Legend(orient="bottom", title=None, columns=3)),
            order=alt.Order("part:N"),
            tooltip=[alt.Tooltip("as_of:T", title="as of"), "part", alt.Tooltip("points:Q", format=".1f")],
        )
    )
    line = (  # its own legend entry, so that the dark line reads as the health itself
        alt.Chart(health)
        .transform_calculate(series="'Health (sum of the parts)'")
        .mark_line(point=alt.OverlayMarkDef(color="#222"))
        .encode(
            x=x,
            y="health:Q",
            stroke=alt.Stroke(
                "series:N",
                scale=alt.Scale(range=["#222"]),
                legend=alt.Legend(orient="bottom", title=None, symbolType="stroke", symbolStrokeWidth=2),
            ),
            tooltip=[alt.Tooltip("as_of:T", title="as of"), alt.Tooltip("health:Q", format=".0f")],
        )
    )
    return alt.layer(stacked, line).properties(height=height)
