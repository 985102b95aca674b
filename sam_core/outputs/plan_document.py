"""The account plan as documents: the internal PDF for reviews (every section, the figures
from the data, the review stamps), and the customer version for the collaborative planning
meeting (PDF and Excel) holding only what is marked shared: objectives, value propositions
and actions, each with its customer fields (plan.customer_view).

fpdf2's built-in Helvetica, as the brief: no font is fetched at run time.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from sam_core.ingest import contract as c
from sam_core.outputs.exports import MARGIN, PAGE_WIDTH, _latin1
from sam_core.outputs.formatting import long_date, money, percent
from sam_core.outputs.workbook import export_bytes
from sam_core.plans.facts import Facts
from sam_core.plans.plan import REVIEW_TITLES, Plan, customer_view

WIDTH = PAGE_WIDTH - 2 * MARGIN
HEADING = FontFace(emphasis="BOLD", fill_color=(232, 238, 244))


class _Document(FPDF):
    def __init__(self, footer: str):
        super().__init__(format="A4", unit="mm")
        self._footer = footer
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font("Helvetica", "", 7)
        self.set_text_color(120, 120, 120)
        self.cell(WIDTH, 4, _latin1(f"{self._footer}  |  page {self.page_no()}"), align="C")
        self.set_text_color(0, 0, 0)

    def title_block(self, title: str, subtitle: str) -> None:
        self.add_page()
        self.set_font("Helvetica", "B", 17)
        self.multi_cell(WIDTH, 8, _latin1(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("Helvetica", "", 9)
        self.set_text_color(90, 90, 90)
        self.multi_cell(WIDTH, 5, _latin1(subtitle), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def heading(self, text: str, note: str = "") -> None:
        if self.get_y() > self.h - MARGIN - 30:
            self.add_page()
        self.ln(1.5)
        self.set_font("Helvetica", "B", 11)
        self.set_fill_color(31, 95, 168)
        self.set_text_color(255, 255, 255)
        self.cell(WIDTH, 6.5, _latin1(" " + text), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_fill_color(255, 255, 255)
        if note:
            self.set_font("Helvetica", "I", 8)
            self.set_text_color(90, 90, 90)
            self.multi_cell(WIDTH, 4.2, _latin1(note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_text_color(0, 0, 0)
        self.ln(1)

    def lines(self, lines: list[str]) -> None:
        self.set_font("Helvetica", "", 9)
        for line in lines:
            self.multi_cell(WIDTH, 4.6, _latin1(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, headers: list[str], rows: list[list], widths: tuple[float, ...], empty: str) -> None:
        if not rows:
            self.lines([empty])
            return
        self.set_font("Helvetica", "", 8)
        with self.table(
            col_widths=widths,
            width=WIDTH,
            text_align="LEFT",
            line_height=4.4,
            headings_style=HEADING,
            padding=0.8,
        ) as table:
            row = table.row()
            for h in headers:
                row.cell(_latin1(h))
            for values in rows:
                row = table.row()
                for v in values:
                    row.cell(_latin1(_cell(v)))
        self.ln(1)


# Allowed values of the plan's choices, shown in words ("on track", "not a fit").
_CHOICES = {v for sheet in (*c.SHEETS, *c.PLAN_SHEETS) for col in sheet.columns for v in col.allowed}


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return long_date(value)
    return value.replace("_", " ") if value in _CHOICES else str(value)


def _stamp(reviews: pl.DataFrame, section: str) -> str:
    row = reviews.filter(pl.col("section") == section)
    if row.is_empty():
        return ""
    r = row.row(0, named=True)
    when = f"reviewed {long_date(r['reviewed_on'])} by {r['reviewed_by']}" if r["reviewed_on"] else ""
    if r["stale"]:
        return f"STALE: {r['reason']}" + (f" (by {r['reviewed_by']})" if r["reviewed_by"] else "")
    return when.capitalize()


def plan_pdf(
    plan: Plan,
    facts: Facts,
    reviews: pl.DataFrame,
    *,
    as_of: date,
    currency: str,
    status: str | None = None,
) -> bytes:
    """The internal plan: header, status, what the data says, then every section with its
    review stamp (`reviews`: plan.section_reviews). Several pages."""
    a = plan.account

    def m(v):
        return money(v, currency, symbol=False)

    pdf = _Document(f"Account plan {a['account_name']} - INTERNAL - {long_date(as_of)}")
    pdf.set_title(_latin1(f"Account plan: {a['account_name']}"))
    when = "" if plan.at is None else f"shown as of {long_date(plan.at.date())}  |  "
    pdf.title_block(
        f"Account plan: {a['account_name']}",
        f"INTERNAL  |  {when}printed {long_date(as_of)}  |  account manager {a['account_manager']}  |  "
        f"executive sponsor {a['executive_sponsor'] or '-'}  |  "
        f"customer executive {a['customer_executive'] or '-'}",
    )
    pdf.lines([status or "Every section reviewed within the review period."])

    pdf.heading("From the data", "Filled in from the uploaded data; never typed into the plan.")
    acc = facts.account
    health = (
        "no financials"
        if acc is None or acc.get("health") is None
        else f"{acc['health']:.0f}/100 ({acc['health_band']})"
    )
    parts = facts.health_parts.filter(pl.col("score").is_not_null())
    lines = [
        f"Health {health}: "
        + (", ".join(f"{p['part']} {p['score']:.0f}" for p in parts.iter_rows(named=True)) or "-"),
    ]
    if acc is not None:
        lines.append(
            f"Revenue T12M {m(acc['revenue'])} ({percent(acc['growth'], 1)} growth), "
            f"margin {percent(acc['margin'], 1)}, share of wallet {percent(acc['share_of_wallet'])}, "
            f"tier {acc['tier']}."
        )
    lines.append(
        "Cadence: "
        + (
            "; ".join(f"{r['rule']} {r['status']}" for r in facts.cadence.iter_rows(named=True))
            or "not a strategic account"
        )
        + "."
    )
    lines.append(
        "Next 90-day reviews: "
        + (
            ", ".join(
                f"{long_date(r['date'])} ({r['status']})"
                for r in facts.next_reviews.head(4).iter_rows(named=True)
            )
            or "none"
        )
        + "."
    )
    lo = facts.loyalty
    lines.append(
        "Loyalty: no survey response yet."
        if lo is None
        else f"Loyalty ({lo['wave']}): index {lo['loyalty_index']:.0f}, NPS {lo['nps']:+.0f}, "
        f"{lo['respondents']} respondents" + (" (thin)." if lo["thin"] else ".")
    )
    lines.append(
        f"Open survey actions: {facts.survey_actions.height}; evidence momentum (90 days): "
        f"{'-' if facts.momentum is None else f'{facts.momentum:+d}'}."
    )
    fresh = facts.freshness or {}
    lines.append(f"Data freshness: {fresh.get('stale') or 'nothing stale'}.")
    pdf.lines(lines)
    if facts.gaps.height:
        pdf.grid(
            ["Relationship gap", "who", "reason"],
            [[r["gap"], r["who"], r["reason"]] for r in facts.gaps.head(8).iter_rows(named=True)],
            (30, 36, 110),
            "",
        )
    pdf.grid(
        ["Top opportunity", "stage", "amount", "probability", "closes"],
        [
            [o["name"], o["stage"], m(o["amount"]), percent(o["probability"]), o["close_date"]]
            for o in facts.opportunities.iter_rows(named=True)
        ],
        (70, 28, 28, 24, 36),
        "No open opportunities.",
    )

    business = plan.items["business"]
    pdf.heading(REVIEW_TITLES["business"], _stamp(reviews, "business"))
    if business.is_empty():
        pdf.lines(["Not written yet."])
    else:
        b = business.row(0, named=True)
        for label, key in (
            ("Goals", "goals"),
            ("Strategy", "strategy"),
            ("Market dynamics", "market_dynamics"),
            ("What they buy, from whom", "buying"),
        ):
            pdf.set_font("Helvetica", "B", 9)
            pdf.cell(WIDTH, 4.8, _latin1(label), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.lines([b[key] or "-"])

    o = plan.items["objectives"]
    pdf.heading(REVIEW_TITLES["objectives"], _stamp(reviews, "objectives"))
    pdf.grid(
        ["Objective", "measure", "target", "due", "status", "progress", "shared"],
        [
            [
                r["objective"],
                r["measure"],
                r["target"],
                r["due"],
                r["status"],
                _pct(r["progress"]),
                r["shared"],
            ]
            for r in o.iter_rows(named=True)
        ],
        (52, 30, 24, 22, 20, 16, 12),
        "No objectives yet.",
    )

    v = plan.items["value"]
    pdf.heading(REVIEW_TITLES["value"], _stamp(reviews, "value"))
    pdf.grid(
        ["Customer problem", "our offer", "value/yr", "investment", "ROI", "validated", "evidence", "shared"],
        [
            [
                r["problem"],
                r["offer"],
                m(r["value"]),
                m(r["investment"]),
                percent(r["roi"]),
                r["validated"],
                r["evidence"],
                r["shared"],
            ]
            for r in v.iter_rows(named=True)
        ],
        (36, 34, 18, 18, 14, 14, 30, 12),
        "No value propositions yet.",
    )

    pdf.heading(REVIEW_TITLES["whitespace"], _stamp(reviews, "whitespace"))
    grid = whitespace_grid(plan.items["whitespace"])
    pdf.grid(
        grid.columns,
        [list(r) for r in grid.iter_rows()],
        tuple([40] + [(WIDTH - 40) / max(1, grid.width - 1)] * (grid.width - 1)),
        "No whitespace cells yet.",
    )
    notes = plan.items["whitespace"].filter(pl.col("note").is_not_null())
    pdf.lines([f"{r['item_id']}: {r['note']}" for r in notes.iter_rows(named=True)])

    c = plan.items["competitors"]
    pdf.heading(REVIEW_TITLES["competitors"], _stamp(reviews, "competitors"))
    pdf.grid(
        ["Competitor", "area", "threat", "how the account is insulated"],
        [[r["competitor"], r["area"], r["threat"], r["insulation"]] for r in c.iter_rows(named=True)],
        (36, 40, 16, 94),
        "No competitors recorded.",
    )

    x = (
        plan.actions.filter(~pl.col("status").is_in(["done", "dropped"]))
        if plan.actions.height
        else plan.actions
    )
    pdf.heading(
        REVIEW_TITLES["actions"],
        _stamp(reviews, "actions")
        + f"  |  {x.height} open of {plan.actions.height} (closed ones in the app's history)",
    )
    pdf.grid(
        ["Action", "owner", "due", "status", "source", "shared"],
        [
            [
                r["description"] + (" (OVERDUE)" if r["overdue"] else ""),
                r["owner"],
                r["due"],
                r["status"],
                "survey " + r["source"] if r["from_survey"] else r["source"],
                r["shared"],
            ]
            for r in x.iter_rows(named=True)
        ],
        (70, 30, 22, 20, 32, 12),
        "No open actions.",
    )

    pdf.heading(REVIEW_TITLES["sponsor"], _stamp(reviews, "sponsor"))
    pdf.grid(
        ["Sponsor commitment", "start", "completion", "status"],
        [
            [r["commitment"], r["start"], r["completion"], r["status"]]
            for r in plan.items["commitments"].iter_rows(named=True)
        ],
        (100, 28, 28, 30),
        "No commitments yet.",
    )
    pdf.grid(
        ["Customer executive", "our contact", "how often", "next contact", "purpose"],
        [
            [r["executive"], r["our_contact"], r["frequency"], r["next_contact"], r["purpose"]]
            for r in plan.items["contacts"].iter_rows(named=True)
        ],
        (44, 34, 24, 26, 58),
        "No contact plan yet.",
    )
    return bytes(pdf.output())


def _pct(value) -> str:
    return "-" if value is None else f"{value}%"


def whitespace_grid(cells: pl.DataFrame, offerings: tuple[str, ...] = ()) -> pl.DataFrame:
    """Offerings (rows) x the customer's business units (columns), each cell its status
    ('pipeline OPP-1' for a pipeline cell); offerings of the setting without a cell are listed too."""
    known = list(dict.fromkeys([*offerings, *cells["offering"].to_list()]))
    units = list(dict.fromkeys(cells["business_unit"].to_list()))
    shown = cells.with_columns(
        pl.when(pl.col("opportunity_id").is_not_null())
        .then(pl.format("{} {}", pl.col("status"), pl.col("opportunity_id")))
        .otherwise(pl.col("status"))
        .str.replace_all("_", " ")
        .alias("cell")
    )
    lookup = {(r["offering"], r["business_unit"]): r["cell"] for r in shown.iter_rows(named=True)}
    return pl.DataFrame(
        [{"offering": o, **{u: lookup.get((o, u)) for u in units}} for o in known],
        schema={"offering": pl.String, **dict.fromkeys(units, pl.String)},
    )


def customer_pdf(plan: Plan, *, as_of: date, currency: str) -> bytes:
    """The customer version: the shared objectives, value propositions and actions, nothing else."""
    view = customer_view(plan)
    name = plan.account["account_name"]

    def m(v):
        return money(v, currency, symbol=False)

    pdf = _Document(f"Joint account plan with {name} - {long_date(as_of)}")
    pdf.set_title(_latin1(f"Joint account plan: {name}"))
    pdf.title_block(f"Our joint plan with {name}", f"For our planning meeting, {long_date(as_of)}")
    pdf.heading("Objectives we share")
    pdf.grid(
        ["Objective", "measure", "target", "due", "status", "progress"],
        [
            [r["objective"], r["measure"], r["target"], r["due"], r["status"], _pct(r["progress"])]
            for r in view["Objectives"].iter_rows(named=True)
        ],
        (64, 36, 28, 22, 20, 16),
        "None yet.",
    )
    pdf.heading("The value we create together")
    pdf.grid(
        ["Your challenge", "our offer", "value per year", "investment", "ROI", "validated"],
        [
            [r["problem"], r["offer"], m(r["value"]), m(r["investment"]), percent(r["roi"]), r["validated"]]
            for r in view["Value propositions"].iter_rows(named=True)
        ],
        (52, 50, 24, 22, 16, 22),
        "None yet.",
    )
    pdf.heading("Actions we agreed")
    pdf.grid(
        ["Action", "owner", "due", "status"],
        [
            [r["description"], r["owner"], r["due"], r["status"]]
            for r in view["Actions"].iter_rows(named=True)
        ],
        (100, 40, 24, 22),
        "None yet.",
    )
    return bytes(pdf.output())


def customer_xlsx(plan: Plan) -> bytes:
    """The customer version as a workbook: the same three lists as the PDF."""
    return export_bytes(customer_view(plan))
