"""The one-page account brief as a designed PDF page (A4 or Letter).

Everything is laid out in boxes of the area A4 and Letter share (210 x 279.4 mm, centred on
the page), 12 mm inside it: a header band (account, sponsor, manager, as of and data through),
figure tiles, the revenue trend, the health parts as points contributed (the numbers of the
app's chart), the relationship map as a thumbnail with its gaps, the sponsor cadence, loyalty,
the top opportunities by value and the open actions. Every text is cut to its box (with an
ellipsis), so nothing overlaps or runs past a margin. The font (DejaVu Sans Condensed, in
fonts/ with its licence) is embedded, so the euro sign and any name print everywhere.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from fpdf import FPDF

from sam_core.metrics.relationships import KEY_INFLUENCE, STRONG
from sam_core.outputs import wording
from sam_core.outputs.brief import Brief
from sam_core.outputs.formatting import as_of_line, long_date, money, percent, points, score, symbol
from sam_core.outputs.meeting import nice_ceiling

FONTS = Path(__file__).parent / "fonts"
PAPERS = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
BOX_W, BOX_H, MARGIN = 210.0, 279.4, 12.0  # the area both papers share, and the margin inside it
FONT = "DejaVu"

NAVY, BLUE, GREY, DARK, LIGHT = (31, 58, 95), (31, 95, 168), (110, 110, 110), (33, 33, 33), (238, 243, 249)
RED, AMBER, GREEN = (198, 40, 40), (230, 145, 0), (46, 125, 50)
STATUS_COLOURS = {"overdue": RED, "due soon": AMBER, "compliant": GREEN}
BAND_COLOURS = {"healthy": GREEN, "watch": AMBER, "at risk": RED}


class _Page:
    """Drawing in millimetres from the top left of the shared area's margin box."""

    def __init__(self, paper: str):
        if paper not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
        width, height = PAPERS[paper]
        self.pdf = FPDF(format=(width, height), unit="mm")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(0, 0, 0)
        self.pdf.c_margin = 0  # text starts at its box (the default pads cells by 1 mm each side)
        self.pdf.add_font(FONT, "", str(FONTS / "DejaVuSansCondensed.ttf"))
        self.pdf.add_font(FONT, "B", str(FONTS / "DejaVuSansCondensed-Bold.ttf"))
        self.pdf.add_page()
        self.x0 = (width - BOX_W) / 2 + MARGIN
        self.y0 = (height - BOX_H) / 2 + MARGIN
        self.width, self.height = BOX_W - 2 * MARGIN, BOX_H - 2 * MARGIN

    def font(self, size: float, bold: bool = False, colour=DARK) -> None:
        self.pdf.set_font(FONT, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def fitted(self, text: str, w: float) -> str:
        """The text cut at a word (or a character) with an ellipsis so that it fits `w` mm."""
        text = " ".join(str(text).split())
        if self.pdf.get_string_width(text) <= w:
            return text
        words = text.split(" ")
        while len(words) > 1 and self.pdf.get_string_width(" ".join(words) + "…") > w:
            words.pop()
        cut = " ".join(words)
        while cut and self.pdf.get_string_width(cut + "…") > w:
            cut = cut[:-1]
        return cut.rstrip(",;:·- ") + "…"

    def text(self, x: float, y: float, w: float, h: float, text: str, *, align: str = "L") -> None:
        """One line in the box (x, y, w, h), cut to fit."""
        self.pdf.set_xy(self.x0 + x, self.y0 + y)
        self.pdf.cell(w, h, self.fitted(text, w - 0.4), align=align)

    def lines(self, x: float, y: float, w: float, line_h: float, text: str, max_lines: int) -> int:
        """Text wrapped at words onto at most `max_lines` lines (the last cut to fit); returns lines used."""
        words, rows, current = " ".join(str(text).split()).split(" "), [], ""
        for word in words:
            trial = f"{current} {word}".strip()
            if self.pdf.get_string_width(trial) <= w - 0.4 or not current:
                current = trial
            else:
                rows.append(current)
                current = word
        rows.append(current)
        if len(rows) > max_lines:
            rows = [*rows[: max_lines - 1], " ".join(rows[max_lines - 1 :])]
        for i, row in enumerate(rows):
            self.text(x, y + i * line_h, w, line_h, row)
        return len(rows)

    def rect(
        self, x: float, y: float, w: float, h: float, *, fill=None, draw=None, width: float = 0.2
    ) -> None:
        style = ("F" if fill else "") + ("D" if draw else "")
        if fill:
            self.pdf.set_fill_color(*fill)
        if draw:
            self.pdf.set_draw_color(*draw)
            self.pdf.set_line_width(width)
        self.pdf.rect(self.x0 + x, self.y0 + y, w, h, style=style or "D")

    def line(self, x1: float, y1: float, x2: float, y2: float, colour=GREY, width: float = 0.2) -> None:
        self.pdf.set_draw_color(*colour)
        self.pdf.set_line_width(width)
        self.pdf.line(self.x0 + x1, self.y0 + y1, self.x0 + x2, self.y0 + y2)

    def dot(self, x: float, y: float, r: float, colour) -> None:
        self.pdf.set_fill_color(*colour)
        self.pdf.circle(x=self.x0 + x, y=self.y0 + y, radius=r, style="F")

    def heading(self, x: float, y: float, w: float, title: str) -> None:
        self.font(9, True, NAVY)
        self.text(x, y, w, 4.5, title)
        self.line(x, y + 4.8, x + w, y + 4.8, colour=BLUE, width=0.35)


def brief_pdf(brief: Brief, *, currency: str, paper: str = "A4") -> bytes:
    """The brief on one designed page: `paper` A4 or Letter."""
    a = brief.account
    page = _Page(paper)
    page.pdf.set_title(f"Account brief: {a['account_name']}")
    page.pdf.set_author("Strategic accounts")
    half = (page.width - 4) / 2
    right = half + 4
    _header(page, brief, currency)
    _tiles(page, brief, currency, y=28)
    _trend(page, brief, currency, x=0, y=52, w=half, h=46)
    _health(page, brief, x=right, y=52, w=half, h=46)
    _relationship_map(page, brief, x=0, y=102, w=half, h=56)
    _gaps(page, brief, x=right, y=102, w=half, h=56)
    _cadence(page, brief, x=0, y=162, w=half, h=36)
    _loyalty(page, brief, x=right, y=162, w=half, h=36)
    renews = brief.renewals is not None and not brief.renewals.is_empty()
    rows = 4 if renews else 5  # a renewals strip takes the room of the fifth row
    _opportunities(page, brief, currency, x=0, y=202, w=half, h=47, rows=rows)
    _actions(page, brief, x=right, y=202, w=half, h=47, rows=rows)
    if renews:
        _renewals(page, brief, currency, x=0, y=239.5, w=page.width)
    page.font(6.5, False, GREY)
    page.text(
        0,
        page.height - 3.4,
        page.width,
        3.4,
        f"Account brief of {a['account_name']} ({a['account_id']}) · "
        f"{as_of_line(brief.as_of, a['data_through'], currency)}"
        " · the figures of the Portfolio page for the same as-of month",
    )
    return bytes(page.pdf.output())


def _plan_short(plan: dict | None) -> str:
    if plan is None:
        return "No account plan: not strategic"
    if plan["stale"]:
        return f"Plan stale: {plan['reason']}"
    return f"Plan reviewed {long_date(plan['reviewed_on'])}"


def _header(page: _Page, brief: Brief, currency: str) -> None:
    a = brief.account
    page.rect(0, 0, page.width, 24, fill=NAVY)
    left_w, right_x = page.width - 62, page.width - 58
    page.font(17, True, (255, 255, 255))
    page.text(4, 2.2, left_w, 8, a["account_name"])
    page.font(9, False, (255, 255, 255))
    page.text(
        4,
        11,
        left_w,
        4.5,
        f"Executive sponsor: {a['executive_sponsor'] or 'none'} · Account manager: "
        f"{a['account_manager'] or 'none'}",
    )
    page.font(8, False, (200, 214, 232))
    page.text(4, 16.8, left_w, 4, as_of_line(brief.as_of, a["data_through"], currency))
    page.font(7.5, True, (200, 214, 232))
    page.text(right_x, 2.6, 54, 4, "ACCOUNT BRIEF", align="R")
    page.font(8, False, (255, 255, 255))
    rank = f"Rank {a['rank']}" if a["rank"] is not None else "Not ranked"
    page.text(right_x, 7.6, 54, 4, f"{rank} · Tier {a['tier'] or '–'}", align="R")
    stale = bool(brief.plan and brief.plan["stale"]) or brief.plan is None
    page.font(7.5, True, (255, 213, 128) if stale else (200, 230, 201))
    page.text(right_x, 12.6, 54, 4, _plan_short(brief.plan), align="R")
    page.font(7.5, False, (200, 214, 232))
    page.text(right_x, 17, 54, 4, f"Business unit {a['business_unit'] or '–'}", align="R")


def _tiles(page: _Page, brief: Brief, currency: str, *, y: float) -> None:
    a = brief.account
    tiles = [
        ("Revenue, 12 months", wording.revenue_figure(a, currency), wording.revenue_change(a), None),
        ("Profit margin", percent(a["margin"], 1), f"share of wallet {percent(a['share_of_wallet'])}", None),
        ("Health", wording.health_figure(a), a["health_band"], BAND_COLOURS.get(a["health_band"], GREY)),
        ("Loyalty index", wording.loyalty_figure(a), wording.loyalty_detail(a), None),
        (
            "Weighted pipeline",
            wording.pipeline_figure(a, currency),
            wording.pipeline_detail(a, currency),
            None,
        ),
        ("Won, 12 months", money(a["won_value"], currency), wording.won_detail(a), None),
    ]
    gap = 2.4
    w = (page.width - gap * (len(tiles) - 1)) / len(tiles)
    for i, (label, value, detail, colour) in enumerate(tiles):
        x = i * (w + gap)
        page.rect(x, y, w, 20, fill=LIGHT)
        page.rect(x, y, 1.1, 20, fill=colour or BLUE)
        page.font(6.8, False, GREY)
        page.text(x + 2.4, y + 1.6, w - 3.4, 3.6, label)
        page.font(14, True, DARK)
        page.text(x + 2.4, y + 5.8, w - 3.4, 7, value)
        page.font(6.8, False, colour or GREY)
        page.lines(x + 2.4, y + 13, w - 3.4, 3.2, detail, 2)


def _trend(page: _Page, brief: Brief, currency: str, *, x: float, y: float, w: float, h: float) -> None:
    page.heading(x, y, w, f"Revenue per month ({symbol(currency)})")
    months = brief.trend
    top, bottom = y + 12, y + h - 5
    if months.is_empty() or months["revenue"].drop_nulls().is_empty():
        page.font(8, False, GREY)
        page.text(x, top, w, 4, "No monthly financials in the 12 months.")
        return
    values = months["revenue"].to_list()
    high = nice_ceiling(max(v for v in values if v is not None))
    axis_w = 13
    page.font(6.5, False, GREY)
    page.text(x, top - 1.6, axis_w - 1, 3.2, money(high, currency), align="R")
    page.text(x, bottom - 1.6, axis_w - 1, 3.2, money(0, currency), align="R")
    page.line(x + axis_w, top, x + w, top, colour=(225, 225, 225))
    page.line(x + axis_w, bottom, x + w, bottom, colour=GREY)
    slot = (w - axis_w) / len(values)
    for i, (m, v) in enumerate(zip(months["month"].to_list(), values, strict=True)):
        bx = x + axis_w + i * slot
        if v is None:
            page.font(6, False, RED)
            page.text(bx, bottom - 4, slot, 3, "n/r", align="C")
        elif v > 0:
            bar = (bottom - top) * min(v, high) / high
            page.rect(bx + slot * 0.18, bottom - bar, slot * 0.64, bar, fill=BLUE)
        page.font(6, False, GREY)
        page.text(bx, bottom + 0.6, slot, 3, f"{m:%b}"[:3], align="C")
    last = next((v for v in reversed(values) if v is not None), None)
    page.font(6.5, False, DARK)
    page.text(x + axis_w, y + 6.6, w - axis_w, 3, f"latest month {money(last, currency)}", align="R")


def _health(page: _Page, brief: Brief, *, x: float, y: float, w: float, h: float) -> None:
    a = brief.account
    total = "no data" if a["health"] is None else f"{score(a['health'])} / 100, {a['health_band']}"
    page.heading(x, y, w, f"Health: points each part contributed ({total})")
    parts = brief.health_parts
    high = nice_ceiling(max([p or 0 for p in parts["points"].to_list()] + [1]))
    label_w, value_w = 24, 10
    bar_w = w - label_w - value_w
    row_h = (h - 14) / max(1, parts.height)
    for i, p in enumerate(parts.iter_rows(named=True)):
        ry = y + 8 + i * row_h
        page.font(7.5, False, DARK)
        page.text(x, ry, label_w, row_h, p["part"].capitalize())
        page.rect(x + label_w, ry + row_h * 0.2, bar_w, row_h * 0.6, fill=(240, 240, 240))
        if p["score"] is None:
            page.font(6.5, False, GREY)
            page.text(x + label_w + 1, ry, bar_w - 1, row_h, "no data: left out, the other weights rescaled")
            continue
        colour = GREEN if p["score"] >= 70 else (AMBER if p["score"] >= 40 else RED)
        page.rect(
            x + label_w, ry + row_h * 0.2, bar_w * min(p["points"], high) / high, row_h * 0.6, fill=colour
        )
        page.font(7.5, True, DARK)
        page.text(x + label_w + bar_w, ry, value_w, row_h, points(p["points"]), align="R")
    page.font(6.3, False, GREY)
    page.text(
        x,
        y + h - 5.5,
        w,
        3,
        f"Points = weight x part score / weights used; they add up to the health score (axis 0-{high:g}).",
    )


def _relationship_map(page: _Page, brief: Brief, *, x: float, y: float, w: float, h: float) -> None:
    page.heading(x, y, w, "Relationship map")
    m = brief.relationship_map
    if m is None or m.stakeholders.is_empty():
        page.font(8, False, GREY)
        page.text(x, y + 8, w, 4, "No stakeholders recorded.")
        return
    people = (
        m.stakeholders.with_columns(
            (
                pl.col("decision_maker").fill_null(False)
                | (pl.col("influence").fill_null(0) >= KEY_INFLUENCE)
            ).alias("key")
        )
        .sort(["key", "influence"], descending=True, nulls_last=True)
        .head(12)
    )
    strong = m.relationships.filter(pl.col("strength") >= STRONG)
    covered = set(strong["stakeholder_id"].to_list())
    levels = ["executive", "senior", "manager", "staff"]
    people = people.with_columns(
        pl.col("level")
        .replace_strict({lv: i for i, lv in enumerate(levels)}, default=len(levels))
        .alias("row")
    ).sort("row", "name")
    rows = [r.head(4) for r in people.partition_by("row", maintain_order=True)]
    shown_people = sum(r.height for r in rows)
    team = m.team["member"].head(6).to_list() if not m.team.is_empty() else []
    for r in m.relationships["member"].to_list():
        if r not in team and len(team) < 6:
            team.append(r)
    area_top, area_bottom = y + 8, y + h - 6
    team_w = 24
    customer_w = w - team_w - 6
    row_h = min(12.0, (area_bottom - area_top) / max(1, len(rows)))
    where: dict[str, tuple[float, float]] = {}
    boxes = []
    for ri, row in enumerate(rows):
        count = row.height
        bw = min(30.0, (customer_w - (count - 1) * 1.5) / count)
        by = area_top + ri * row_h
        for ci, s in enumerate(row.iter_rows(named=True)):
            bx = x + ci * (bw + 1.5)
            where[s["stakeholder_id"]] = (bx + bw, by + (row_h - 1.5) / 2)
            boxes.append((bx, by, bw, row_h - 1.5, s))
    member_h = min(9.0, (area_bottom - area_top) / max(1, len(team)))
    tx = x + w - team_w
    member_at = {}
    for i, member in enumerate(team):
        my = area_top + i * member_h
        member_at[member] = (tx, my + (member_h - 1.5) / 2)
    for r in m.relationships.iter_rows(named=True):
        if r["stakeholder_id"] in where and r["member"] in member_at:
            (sx, sy), (mx, my) = where[r["stakeholder_id"]], member_at[r["member"]]
            colour = BLUE if r["strength"] >= STRONG else (176, 190, 197)
            page.line(sx, sy, mx, my, colour=colour, width=0.15 + 0.15 * r["strength"])
    for bx, by, bw, bh, s in boxes:
        gap = s["key"] and s["stakeholder_id"] not in covered
        page.rect(
            bx,
            by,
            bw,
            bh,
            fill=(253, 236, 234) if gap else (245, 245, 245),
            draw=RED if gap else GREY,
            width=0.5 if gap else 0.2,
        )
        page.font(6.2, bool(s["decision_maker"]), RED if gap else DARK)
        page.text(bx + 0.6, by + bh / 2 - 3.4, bw - 1.2, 3.2, s["name"])
        page.font(5.4, False, GREY)
        page.text(bx + 0.6, by + bh / 2, bw - 1.2, 3.0, s["title"] or s["level"] or "")
    for member, (mx, my) in member_at.items():
        page.rect(mx, my - (member_h - 1.5) / 2, team_w, member_h - 1.5, fill=(227, 238, 250), draw=BLUE)
        page.font(6.2, False, NAVY)
        page.text(mx + 0.6, my - (member_h - 1.5) / 2, team_w - 1.2, member_h - 1.5, member)
    page.font(6, False, GREY)
    more = m.stakeholders.height - shown_people
    page.text(
        x,
        y + h - 4.5,
        w,
        3,
        "Red: key person without a strong relationship · blue lines: strength 3+"
        + (f" · {more} more people" if more > 0 else ""),
    )


def _gaps(page: _Page, brief: Brief, *, x: float, y: float, w: float, h: float) -> None:
    a = brief.account
    page.heading(x, y, w, "Relationship coverage and gaps")
    page.font(8, True, DARK)
    page.text(x, y + 7, w, 4.2, wording.coverage_line(a))
    gaps = brief.gaps
    top = y + 12.5
    if gaps.is_empty():
        page.font(8, False, GREEN)
        page.text(x, top, w, 4, "No gaps.")
        return
    line_h, room = 4.2, int((h - 14) // 4.2) * 1
    shown = gaps.head(room if gaps.height <= room else room - 1)
    for i, g in enumerate(shown.iter_rows(named=True)):
        page.font(7.3, True, RED if g["gap"] in ("uncovered", "detractor") else DARK)
        label = wording.GAP_LABELS.get(g["gap"], g["gap"])
        page.text(x, top + i * line_h, 30, line_h, label)
        page.font(7.3, False, DARK)
        reason = g["reason"] if g["reason"].startswith(g["who"]) else f"{g['who']}: {g['reason']}"
        page.text(x + 30, top + i * line_h, w - 30, line_h, reason)
    if gaps.height > shown.height:
        page.font(7, False, GREY)
        page.text(
            x,
            top + shown.height * line_h,
            w,
            line_h,
            f"and {gaps.height - shown.height} more on the Relationship map",
        )


def _cadence(page: _Page, brief: Brief, *, x: float, y: float, w: float, h: float) -> None:
    a = brief.account
    page.heading(x, y, w, f"Sponsor cadence: {a['cadence']}")
    line_h = 4.4
    top = y + 7.5
    if brief.cadence.is_empty():
        page.font(8, False, GREY)
        page.text(x, top, w, line_h, "Not a strategic account: no cadence policy applies.")
        top += line_h
    for i, rule in enumerate(brief.cadence.iter_rows(named=True)):
        ry = top + i * line_h
        page.dot(x + 1.4, ry + line_h / 2, 1.1, STATUS_COLOURS.get(rule["status"], GREY))
        page.font(7.8, True, DARK)
        page.text(x + 3.6, ry, 26, line_h, rule["rule"])
        page.font(7.8, False, STATUS_COLOURS.get(rule["status"], GREY))
        page.text(x + 30, ry, 16, line_h, wording.STATUS_LABELS.get(rule["status"], rule["status"]))
        page.font(7.8, False, DARK)
        page.text(x + 46, ry, w - 46, line_h, wording.cadence_when(rule, brief.as_of))
    after = top + max(brief.cadence.height, 1) * line_h + 1
    page.font(7.3, False, GREY)
    page.text(x, after, w, line_h, f"Last with the sponsor: {wording.touchpoint(brief.last_touchpoint)}")
    page.text(
        x, after + line_h - 0.4, w, line_h, f"Next planned: {wording.touchpoint(brief.next_touchpoint)}"
    )


def _loyalty(page: _Page, brief: Brief, *, x: float, y: float, w: float, h: float) -> None:
    a = brief.account
    page.heading(x, y, w, "Loyalty (latest survey wave)")
    page.font(8, True, DARK)
    index = "–" if a["loyalty_index"] is None else score(a["loyalty_index"])
    page.text(x, y + 7.5, w, 4.4, f"Loyalty index {index} · {wording.loyalty_detail(a)}")
    top = y + 13
    bottom = y + h
    for c in brief.comments.head(2).iter_rows(named=True):
        if top + 3.8 > bottom:
            break
        page.font(7.3, False, DARK)
        used = page.lines(x, top, w, 3.6, f"“{c['comment']}”", 2)
        page.font(6.5, False, GREY)
        page.text(
            x, top + used * 3.6, w, 3.2, f"{c['respondent'] or 'respondent'}, {long_date(c['survey_date'])}"
        )
        top += used * 3.6 + 4.4
    if brief.comments.is_empty():
        page.font(7.3, False, GREY)
        page.text(x, top, w, 4, "No comments.")


def _table(
    page: _Page, x: float, y: float, columns: list[tuple[str, float, str]], rows: list[list], colours=None
) -> None:
    """A small table: columns (header, width, align); rows of texts."""
    line_h = 4.6
    page.font(6.8, True, GREY)
    cx = x
    for header, cw, align in columns:
        page.text(cx, y, cw, 3.6, header, align=align)
        cx += cw
    page.line(x, y + 3.9, cx, y + 3.9, colour=(200, 200, 200))
    for i, row in enumerate(rows):
        cx = x
        colour = (colours or [DARK] * len(rows))[i]
        for (_, cw, align), value in zip(columns, row, strict=True):
            page.font(7.5, False, colour)
            page.text(cx, y + 4.4 + i * line_h, cw, line_h, value, align=align)
            cx += cw


def _opportunities(
    page: _Page, brief: Brief, currency: str, *, x: float, y: float, w: float, h: float, rows: int = 5
) -> None:
    page.heading(x, y, w, "Top opportunities, largest first")
    o = brief.opportunities.head(rows)
    if o.is_empty():
        page.font(8, False, GREY)
        page.text(x, y + 8, w, 4, "None open.")
        return
    columns = [("Opportunity", w - 58, "L"), ("Stage", 20, "L"), ("Value", 16, "R"), ("Closes", 22, "R")]
    lines = [
        [r["name"], r["stage"] or "–", money(r["amount"], currency), long_date(r["close_date"])]
        for r in o.iter_rows(named=True)
    ]
    _table(page, x, y + 7, columns, lines)
    page.font(6.5, False, GREY)
    page.text(
        x,
        y + 12 + len(lines) * 4.6,
        w,
        3,
        f"Open pipeline {money(brief.account['open_pipeline'], currency)} in "
        f"{brief.account['open_deals']} deals",
    )


def _actions(page: _Page, brief: Brief, *, x: float, y: float, w: float, h: float, rows: int = 5) -> None:
    a = brief.account
    page.heading(x, y, w, f"Open actions: {a['open_actions']}, overdue: {a['overdue_actions']}")
    acts = brief.actions.head(rows)
    if acts.is_empty():
        page.font(8, False, GREY)
        page.text(x, y + 8, w, 4, "None open.")
        return
    columns = [("Action", w - 54, "L"), ("Owner", 24, "L"), ("Due", 30, "R")]
    rows = [
        [r["description"], r["owner"] or "–", ("overdue " if r["overdue"] else "") + long_date(r["due"])]
        for r in acts.iter_rows(named=True)
    ]
    _table(page, x, y + 7, columns, rows, [RED if r["overdue"] else DARK for r in acts.iter_rows(named=True)])


def _renewals(page: _Page, brief: Brief, currency: str, *, x: float, y: float, w: float) -> None:
    """Issue 20: the contracts renewing in the next 180 days on one line, the account's health
    and loyalty in the heading; one in its notice period in red."""
    a, found = brief.account, brief.renewals
    page.heading(
        x,
        y,
        w,
        f"Renewals in the next 180 days · health {score(a['health'])}, loyalty {score(a['loyalty_index'])}",
    )
    first = found.row(0, named=True)
    more = f" · and {found.height - 1} more on the Portfolio page" if found.height > 1 else ""
    page.font(7.5, bool(first["in_notice"]), RED if first["in_notice"] else DARK)
    line = wording.renewal_line(first, currency)
    more_w = page.pdf.get_string_width(more) + 1 if more else 0.0
    line_w = min(page.pdf.get_string_width(line) + 1, w - more_w)
    page.text(x, y + 6.2, line_w, 4, line)  # cut to leave room for how many more
    if more:
        page.font(7.5, False, GREY)
        page.text(x + line_w, y + 6.2, more_w, 4, more)
