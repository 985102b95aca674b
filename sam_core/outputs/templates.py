"""The company's PowerPoint template for the meeting deck, kept in the database.

An admin uploads a .pptx or .potx; the deck then uses its slide layouts (title slide, title
only, title and content), its theme fonts and its theme colours. Every upload is kept with who
and when (table `deck_templates`); the latest is in force, and a row without content means
"back to the built-in template" (python-pptx's default, laid out at 16:9).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import duckdb
import polars as pl
from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.util import Emu, Inches, Pt

from sam_core.access.permissions import User, ensure
from sam_core.errors import ValidationFailed
from sam_core.store import WRITE_LOCK, transaction

MAX_BYTES = 30 * 1024 * 1024  # a template with its pictures; larger is refused
MAX_UNPACKED = 200 * 1024 * 1024  # what its parts may unpack to (a zip bomb is refused)
WIDE = (Inches(13.333), Inches(7.5))
PRESENTATION_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
TEMPLATE_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml"
_FOOTERS = {PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER}
_TITLES = {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE}


@dataclass(frozen=True)
class StoredTemplate:
    file_name: str
    uploaded_by: str
    uploaded_at: datetime
    content: bytes
    sha256: str


@dataclass(frozen=True)
class Layouts:
    """The template's layouts the deck uses: a title slide, title only (figures and charts),
    and title and content (the closing slide's list)."""

    title: object
    title_only: object
    content: object


def _as_presentation(content: bytes) -> bytes:
    """A .potx is a .pptx whose main part says 'template': the same file with that one word changed."""
    source = zipfile.ZipFile(io.BytesIO(content))
    types = source.read("[Content_Types].xml")
    if TEMPLATE_TYPE.encode() not in types:
        return content
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(TEMPLATE_TYPE.encode(), PRESENTATION_TYPE.encode())
            target.writestr(item, data)
    return out.getvalue()


def checked_template(file_name: str, content: bytes) -> bytes:
    """The template as a .pptx, or ValidationFailed saying what is wrong and what to do."""
    what = f"The template {file_name}"
    if not file_name.lower().endswith((".pptx", ".potx")):
        raise ValidationFailed(f"{what} is not a PowerPoint file: upload a .pptx or .potx.")
    if len(content) > MAX_BYTES:
        raise ValidationFailed(
            f"{what} is {len(content) / 1024 / 1024:.0f} MB; templates up to {MAX_BYTES // 1024 // 1024} "
            f"MB are "
            "accepted: remove large pictures from its slides and try again."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        unpacked = sum(i.file_size for i in archive.infolist())
        names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise ValidationFailed(
            f"{what} cannot be opened as a PowerPoint file (damaged, or another format under a PowerPoint "
            "name): save it again from PowerPoint as .pptx or .potx."
        ) from None
    if unpacked > MAX_UNPACKED:
        raise ValidationFailed(f"{what} unpacks to over {MAX_UNPACKED // 1024 // 1024} MB: it is refused.")
    if "ppt/presentation.xml" not in names:
        raise ValidationFailed(f"{what} holds no presentation: save it from PowerPoint as .pptx or .potx.")
    try:
        deck = Presentation(io.BytesIO(_as_presentation(content)))
    except Exception as exc:  # python-pptx raises many kinds on a damaged part
        raise ValidationFailed(
            f"{what} cannot be read ({type(exc).__name__}): save it again from PowerPoint as .pptx or .potx."
        ) from None
    if not any(_title(layout) is not None for layout in deck.slide_layouts):
        raise ValidationFailed(
            f"{what} has no slide layout with a title placeholder: the deck needs one (for example "
            "'Title Only'). Add one in the slide master and upload it again."
        )
    return _as_presentation(content)


def save_template(
    con: duckdb.DuckDBPyConnection, *, user: User, file_name: str, content: bytes, now: datetime | None = None
) -> StoredTemplate:
    """Keep the company template for the deck (admins only); it is in force from now on."""
    ensure(user, "manage_deck_template")
    checked = checked_template(file_name, content)
    at = now or datetime.now(UTC).replace(tzinfo=None)
    digest = hashlib.sha256(content).hexdigest()
    with WRITE_LOCK, transaction(con):
        con.execute(
            "INSERT INTO deck_templates VALUES (?, ?, ?, ?, ?)",
            [at, user.username, file_name, checked, digest],
        )
    return StoredTemplate(file_name, user.username, at, checked, digest)


def use_built_in_template(con: duckdb.DuckDBPyConnection, *, user: User, now: datetime | None = None) -> None:
    """Go back to the built-in template (admins only); the uploads stay on record."""
    ensure(user, "manage_deck_template")
    at = now or datetime.now(UTC).replace(tzinfo=None)
    with WRITE_LOCK, transaction(con):
        con.execute("INSERT INTO deck_templates VALUES (?, ?, NULL, NULL, NULL)", [at, user.username])


def current_template(con: duckdb.DuckDBPyConnection) -> StoredTemplate | None:
    """The template in force, or None for the built-in one."""
    rows = con.execute(
        """SELECT file_name, uploaded_by, uploaded_at, content, sha256 FROM deck_templates
           ORDER BY uploaded_at DESC, rowid DESC LIMIT 1"""
    ).fetchall()
    if not rows or rows[0][3] is None:
        return None
    name, by, at, content, digest = rows[0]
    return StoredTemplate(name, by, at, bytes(content), digest)


def template_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every change, newest first: when, by whom, the file (empty: back to the built-in template)."""
    return con.sql(
        """SELECT uploaded_at, uploaded_by, coalesce(file_name, 'built-in template') AS template, sha256
           FROM deck_templates ORDER BY uploaded_at DESC, rowid DESC"""
    ).pl()


@cache
def built_in_template() -> bytes:
    """python-pptx's default template laid out at 16:9 (13.33 x 7.5 in) with 32 pt titles."""
    deck = Presentation()
    ratio = WIDE[0] / deck.slide_width
    deck.slide_width, deck.slide_height = WIDE
    # layouts first: a layout placeholder without a position of its own reads its master's, unscaled yet
    for holder in [
        *(p for lay in deck.slide_layouts for p in lay.placeholders),
        *deck.slide_master.placeholders,
    ]:
        left, width = holder.left, holder.width
        if left is not None and width is not None:
            holder.left, holder.width = Emu(int(left * ratio)), Emu(int(width * ratio))
    for holder in deck.slide_master.placeholders:
        if holder.placeholder_format.type == PP_PLACEHOLDER.TITLE:
            holder.top, holder.height = Inches(0.3), Inches(0.9)
    for node in deck.slide_master.element.xpath("./p:txStyles/p:titleStyle/a:lvl1pPr/a:defRPr"):
        node.set("sz", str(int(Pt(32).pt * 100)))
    for layout in deck.slide_layouts:
        for holder in layout.placeholders:
            if holder.placeholder_format.type == PP_PLACEHOLDER.TITLE and layout.name != "Section Header":
                holder.top, holder.height = Inches(0.3), Inches(0.9)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def open_template(content: bytes | None):
    """A Presentation of the template (built-in when None) with its own slides removed."""
    deck = Presentation(io.BytesIO(content or built_in_template()))
    ids = deck.slides._sldIdLst
    for slide_id in list(ids):
        deck.part.drop_rel(slide_id.rId)
        ids.remove(slide_id)
    return deck


def _title(layout):
    return next((p for p in layout.placeholders if p.placeholder_format.type in _TITLES), None)


def _others(layout) -> list:
    return [
        p
        for p in layout.placeholders
        if p.placeholder_format.type not in _TITLES and p.placeholder_format.type not in _FOOTERS
    ]


def layouts(deck) -> Layouts:
    """The layouts to use, by their kind of placeholders (names differ between templates and
    languages): a centred title for the title slide; a title alone; a title and one body."""
    titled = [lay for lay in deck.slide_layouts if _title(lay) is not None]
    title_only = min(titled, key=lambda lay: (len(_others(lay)), lay.name.lower() != "title only"))
    title = next(
        (lay for lay in titled if _title(lay).placeholder_format.type == PP_PLACEHOLDER.CENTER_TITLE),
        title_only,
    )
    bodies = [
        lay
        for lay in titled
        if len(_others(lay)) == 1
        and _others(lay)[0].placeholder_format.type in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT)
    ]
    content = min(bodies, key=lambda lay: lay.name.lower() != "title and content", default=title_only)
    return Layouts(title=title, title_only=title_only, content=content)
