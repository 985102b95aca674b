"""Meeting outputs on the hand-worked program (tests/support/portfolio_fixture.py): the brief PDF
checked as a rendered page (text boxes and pixels), the deck's layouts, charts and notes, the
company template, the decisions and asks, and the projector's slides.

A1 (Alpha), as of 15 Jun 2026, data through Jun 2026: T12M revenue 12 x 100 = 1200 against
12 x 80 = 960 (+25.0%); health parts (score x weight / 100, all six parts have data): revenue
trend 100 x 25 = 25.0, loyalty 81.1 x 20 = 16.2, cadence 3 of 4 rules not overdue 75 x 20 = 15.0,
coverage 1 of 2 key people 50 x 15 = 7.5, momentum +1 -> 60 x 10 = 6.0, overdue actions one ->
50 x 10 = 5.0: 74.7, shown 75. Open opportunities: Expansion 200, Renewal 100 (by value).
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile

import polars as pl
import pypdf
import pytest
from pdf_layout import overlapping, poppler, text_lines
from PIL import Image
from portfolio_fixture import AS_OF, SHEETS
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.opc.constants import RELATIONSHIP_TYPE as RT

from sam_core.access.permissions import User
from sam_core.errors import PermissionDenied, ValidationFailed
from sam_core.ingest.uploads import load_files
from sam_core.metrics.headline import headline
from sam_core.metrics.health import account_overview
from sam_core.outputs import slides, templates
from sam_core.outputs.brief import account_brief
from sam_core.outputs.brief_pdf import MARGIN, PAPERS, brief_pdf
from sam_core.outputs.deck import deck_pptx
from sam_core.outputs.meeting import ask_line, meeting

ADMIN = User("admin", "Admin", "admin")
MM = 72 / 25.4  # points per millimetre


@pytest.fixture
def program(db, make_workbook):
    load_files(db, [("program.xlsx", make_workbook(SHEETS))], user=ADMIN)
    return db, account_overview(db, as_of=AS_OF)


@pytest.fixture
def top2(program):
    con, overview = program
    return meeting(con, overview, headline(con, overview, as_of=AS_OF, n=2), as_of=AS_OF, n=2)


def long_brief(brief):
    """Every list long and every name far too long for its box."""
    words = "Extraordinarily long name of a department that never ends " * 3
    return brief.__class__(
        **{
            **brief.__dict__,
            "account": {**brief.account, "account_name": "Alpha " + words, "executive_sponsor": words},
            "actions": brief.actions.sample(40, with_replacement=True, seed=1).with_columns(
                pl.lit(words).alias("description")
            ),
            "opportunities": brief.opportunities.sample(5, with_replacement=True, seed=2).with_columns(
                pl.lit(words).alias("name")
            ),
            "comments": pl.DataFrame(
                {
                    "survey_date": [AS_OF] * 3,
                    "respondent": [words] * 3,
                    "recommend_score": [3] * 3,
                    "comment": [words * 3] * 3,
                }
            ),
        }
    )


@pytest.mark.parametrize("paper", list(PAPERS))
@pytest.mark.parametrize("long", [False, True], ids=["as loaded", "long lists and names"])
def test_no_text_of_the_brief_runs_past_a_margin_or_overlaps_another(program, tmp_path, paper, long):
    con, overview = program
    brief = account_brief(con, overview, "A1", as_of=AS_OF)
    (width, height), lines = text_lines(
        brief_pdf(long_brief(brief) if long else brief, currency="EUR", paper=paper), tmp_path
    )
    assert len(lines) > 60
    # the area A4 and Letter share (210 x 279.4 mm) is centred; the margin is 12 mm inside it
    left, top = (width / MM - 210) / 2 + MARGIN, (height / MM - 279.4) / 2 + MARGIN
    box = (left * MM, top * MM, (left + 210 - 2 * MARGIN) * MM, (top + 279.4 - 2 * MARGIN) * MM)
    outside = [
        t
        for t in lines
        if t[0] < box[0] - 0.5 or t[1] < box[1] - 0.5 or t[2] > box[2] + 0.5 or t[3] > box[3] + 0.5
    ]
    assert outside == []
    assert overlapping(lines) == []


@pytest.mark.parametrize("paper", list(PAPERS))
def test_the_rendered_brief_leaves_its_margins_blank(program, tmp_path, paper):
    con, overview = program
    source = tmp_path / "brief.pdf"
    source.write_bytes(
        brief_pdf(long_brief(account_brief(con, overview, "A1", as_of=AS_OF)), currency="EUR", paper=paper)
    )
    subprocess.run(
        [poppler("pdftoppm"), "-r", "50", "-png", "-singlefile", str(source), str(tmp_path / "page")],
        check=True,
    )
    image = Image.open(tmp_path / "page.png").convert("L")
    px = 50 / 25.4
    width_mm, height_mm = PAPERS[paper]
    left, top = (width_mm - 210) / 2 + MARGIN, (height_mm - 279.4) / 2 + MARGIN
    inner = (
        int((left - 1) * px),
        int((top - 1) * px),
        int((width_mm - left + 1) * px),
        int((height_mm - top + 1) * px),
    )
    ink = [
        (x, y)
        for x in range(image.width)
        for y in range(image.height)
        if not (inner[0] <= x < inner[2] and inner[1] <= y < inner[3]) and image.getpixel((x, y)) < 245
    ]
    assert ink == []
    inside = image.crop(inner)
    assert min(inside.getdata()) < 100  # the page has content (a test that cannot fail is no test)


def test_the_brief_shows_the_apps_figures_with_health_as_points(program, tmp_path):
    con, overview = program
    _, lines = text_lines(
        brief_pdf(account_brief(con, overview, "A1", as_of=AS_OF), currency="EUR"), tmp_path
    )
    texts = [t[4] for t in lines]
    joined = " ".join(texts)
    for expected in (
        "Alpha",
        "As of 15 Jun 2026 · money in EUR (€), data through Jun 2026",
        "Executive sponsor: Sam Sponsor · Account manager: Ann AM",
        "€1.2k",
        "+25.0% on the prior 12 months",
        "75 / 100",
        "81",
        "NPS +33 · 3 respondents",
        "€170",
        "Coverage 50% of key stakeholders (1 of 2)",
        "Plan stale: no plan yet",
    ):
        assert expected in joined, expected
    points = [t for t in texts if re.fullmatch(r"\d+\.\d", t)]
    assert points == ["25.0", "16.2", "15.0", "7.5", "6.0", "5.0"]
    assert texts.index("Expansion") < texts.index("Renewal")  # largest first
    assert any(t.startswith("overdue 1 Jun 2026") for t in texts)


def test_the_brief_embeds_its_font(program):
    con, overview = program
    reader = pypdf.PdfReader(
        io.BytesIO(brief_pdf(account_brief(con, overview, "A1", as_of=AS_OF), currency="EUR"))
    )
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [
        fonts[f].get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"] for f in fonts
    ]
    assert descriptors and all("/FontFile2" in d for d in descriptors)
    assert all("DejaVu" in str(d["/FontName"]) for d in descriptors)


def deck_of(m, **kwargs) -> Presentation:
    return Presentation(io.BytesIO(deck_pptx(m, currency="EUR", **kwargs)))


def test_every_slide_has_a_layout_with_a_title_placeholder_and_speaker_notes(top2):
    deck = deck_of(top2)
    assert (deck.slide_width, deck.slide_height) == templates.WIDE  # 16:9
    titles = [s.shapes.title.text for s in deck.slides]
    assert titles == [
        "Strategic accounts: the top 2",
        "Top 2 accounts: 83% of revenue",  # 1800 / 2160
        "1. Alpha",
        "2. Beta",
        "Decisions and asks",
    ]
    assert [s.slide_layout.name for s in deck.slides] == [
        "Title Slide",
        "Title Only",
        "Title Only",
        "Title Only",
        "Title and Content",
    ]
    assert all(s.has_notes_slide and s.notes_slide.notes_text_frame.text.strip() for s in deck.slides)
    assert not [sh for s in deck.slides for sh in s.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]


def charts(slide) -> dict[str, object]:
    return {sh.chart.chart_title.text_frame.text: sh.chart for sh in slide.shapes if sh.has_chart}


def test_the_deck_has_native_charts_of_concentration_trends_and_health_with_the_apps_figures(top2):
    deck = deck_of(top2)
    portfolio, alpha, beta = deck.slides[1], deck.slides[2], deck.slides[3]
    shares = charts(portfolio)["Share of revenue, last 12 months"].plots[0]
    assert list(shares.categories) == ["Alpha", "Beta", "The other 2 accounts"]
    assert [round(v, 3) for v in shares.series[0].values] == [0.556, 0.278, 0.167]  # 1200, 600, 360 of 2160
    assert "Revenue per month (€)" in charts(portfolio)
    health = charts(alpha)["Health 75 / 100: points"].plots[0]
    assert list(health.series[0].values) == [25.0, 16.2, 15.0, 7.5, 6.0, 5.0]
    assert list(charts(alpha)["Revenue per month (€)"].plots[0].series[0].values) == [100.0] * 12
    # one axis for every account slide: A2's parts (27.8 and 31.1) set it for both
    axes = {
        c.value_axis.maximum_scale
        for s in (alpha, beta)
        for t, c in charts(s).items()
        if t.startswith("Health")
    }
    assert axes == {top2.scales.health_points} == {50.0}
    tiles = [sh.text_frame.text for sh in alpha.shapes if sh.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE]
    assert "Revenue, 12 months\n€1.2k\n+25.0% on the prior 12 months" in tiles
    assert "Weighted pipeline\n€170\n€300 open in 2 deals" in tiles
    assert "As of 15 Jun 2026 · money in EUR (€), data through Jun 2026" in [
        sh.text_frame.text for sh in alpha.shapes if sh.has_text_frame
    ]


def test_the_closing_slide_asks_for_the_overdue_items(top2):
    # A1: 90-day review last held 1 Feb 2026, due by 2 May 2026; action "Call back" due 1 Jun 2026.
    assert [ask_line(r) for r in top2.asks.iter_rows(named=True)] == [
        "Ann AM: hold and plan the 90-day reviews of Alpha (overdue since 2 May 2026)",
        "Ann AM: Alpha: Call back (overdue since 1 Jun 2026)",
    ]
    body = next(p for p in deck_of(top2).slides[-1].placeholders if p.placeholder_format.idx != 0)
    assert body.text_frame.text.splitlines() == [ask_line(r) for r in top2.asks.iter_rows(named=True)]


def company_template() -> bytes:
    """A template as a company makes one: its own layout names and theme fonts, and a sample slide."""
    deck = Presentation(io.BytesIO(templates.built_in_template()))
    names = {"Title Slide": "Acme cover", "Title Only": "Acme headline", "Title and Content": "Acme list"}
    for layout in deck.slide_layouts:
        layout.name = names.get(layout.name, f"Acme {layout.name}")
    deck.slides.add_slide(deck.slide_layouts[0]).shapes.title.text = "Sample slide of the template"
    out = io.BytesIO()
    deck.save(out)
    content = out.getvalue()
    theme = "ppt/theme/theme1.xml"
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as z:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == theme:
                data = data.replace(b'typeface="Calibri"', b'typeface="Acme Sans"')
            z.writestr(item, data)
    return target.getvalue()


def as_potx(content: bytes) -> bytes:
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as z:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(templates.PRESENTATION_TYPE.encode(), templates.TEMPLATE_TYPE.encode())
            z.writestr(item, data)
    return target.getvalue()


@pytest.mark.parametrize(("name", "convert"), [("acme.pptx", lambda c: c), ("acme.potx", as_potx)])
def test_an_uploaded_company_template_gives_the_deck_its_layouts_and_fonts(program, top2, name, convert):
    con, _ = program
    templates.save_template(con, user=ADMIN, file_name=name, content=convert(company_template()))
    stored = templates.current_template(con)
    assert (stored.file_name, stored.uploaded_by) == (name, "admin")
    deck = deck_of(top2, template=stored.content)
    assert [s.slide_layout.name for s in deck.slides] == [
        "Acme cover",
        "Acme headline",
        "Acme headline",
        "Acme headline",
        "Acme list",
    ]
    assert "Sample slide of the template" not in [s.shapes.title.text for s in deck.slides]
    theme = deck.slide_master.part.part_related_by(RT.THEME).blob
    assert b'typeface="Acme Sans"' in theme
    templates.use_built_in_template(con, user=ADMIN)
    assert templates.current_template(con) is None
    assert templates.template_history(con)["template"].to_list() == ["built-in template", name]


@pytest.mark.parametrize("role", ["executive", "account_manager", "coach"])
def test_only_an_admin_may_change_the_deck_template(program, role):
    con, _ = program
    with pytest.raises(PermissionDenied, match="cannot manage deck template"):
        templates.save_template(
            con, user=User("u", "U", role), file_name="a.pptx", content=company_template()
        )
    assert templates.template_history(con).is_empty()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("deck.pdf", b"%PDF-1.4", "is not a PowerPoint file: upload a .pptx or .potx"),
        ("deck.pptx", b"not a zip at all", "cannot be opened as a PowerPoint file"),
        ("deck.pptx", None, "holds no presentation"),
    ],
)
def test_a_file_that_is_no_template_is_refused_with_a_reason_and_nothing_stored(
    program, name, content, message
):
    con, _ = program
    if content is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("word/document.xml", "<w/>")
        content = out.getvalue()
    with pytest.raises(ValidationFailed, match=re.escape(message)):
        templates.save_template(con, user=ADMIN, file_name=name, content=content)
    assert templates.template_history(con).is_empty()


def test_every_account_slide_of_the_projector_uses_the_same_health_axis(top2):
    domains = {
        re.search(r'data-chart="health" data-domain="([^"]+)"', slides.slide(top2, i, "EUR")).group(1)
        for i in range(1, slides.slide_count(top2) - 1)
    }
    assert domains == {"0,50"}


def test_the_projector_slides_show_names_on_the_chart_and_text_as_typed(program):
    con, overview = program
    overview = overview.with_columns(
        pl.when(pl.col("account_id") == "A2")
        .then(pl.lit("<b>Beta</b> & Co"))
        .otherwise("account_name")
        .alias("account_name")
    )
    m = meeting(con, overview, headline(con, overview, as_of=AS_OF, n=2), as_of=AS_OF, n=2)
    first = slides.slide(m, 0, "EUR")
    assert "Alpha</span>" in first and "&lt;b&gt;Beta&lt;/b&gt; &amp; Co" in first and "<b>Beta" not in first
    assert "<h1>2. &lt;b&gt;Beta&lt;/b&gt; &amp; Co</h1>" in slides.slide(m, 2, "EUR")
    assert "Decisions and asks" in slides.slide(m, 3, "EUR")
