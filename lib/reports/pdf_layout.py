"""The committee pack's PDF layout: fonts, paragraph styles, tables, images, headings for the contents page, the
page footer, and rendering a story to PDF bytes with reportlab.

Text from data is always escaped, so '<' and '&' in a name print as themselves. Pictures are drawn only on the
second layout pass (the first finds each heading's page for the contents), and streams are written as plain binary.
"""

from __future__ import annotations

import functools
import io
import math
import numbers
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, Image, KeepInFrame, Paragraph, SimpleDocTemplate, Table, TableStyle

PAGE = A4
MARGIN = 16 * mm
FOOTER_Y = 9 * mm
_FONT_DIR = "fonts/ttf"
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_RENDERING = threading.Lock()


# ---- Fonts and styles ----------------------------------------------------------------------------------------


@functools.cache
def _fonts() -> str:
    """Register DejaVu Sans (shipped with matplotlib): it has ✓ ✗ ▲ ▼ ≈, which the PDF base fonts lack."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / _FONT_DIR
    faces = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
             "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf"}
    for name, file in faces.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold",
                                  italic="DejaVuSans-Oblique", boldItalic="DejaVuSans-BoldOblique")
    return "DejaVuSans"


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """The pack's paragraph styles by name (title, heading, subheading, body, large, notice, small, cell, header,
    toc), in DejaVu Sans."""
    font = _fonts()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=13.5, spaceAfter=5)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=f"{font}-Bold", fontSize=24, leading=30,
                                spaceAfter=14),
        # keepWithNext: a table longer than a page after the heading starts under it, not on a page of its own.
        "heading": ParagraphStyle("heading", parent=body, fontName=f"{font}-Bold", fontSize=18, leading=23,
                                  spaceAfter=8, keepWithNext=1),
        "subheading": ParagraphStyle("subheading", parent=body, fontName=f"{font}-Bold", fontSize=12.5,
                                     leading=16, spaceBefore=8, spaceAfter=5, keepWithNext=1),
        "body": body,
        "large": ParagraphStyle("large", parent=body, fontSize=13, leading=18),
        "notice": ParagraphStyle("notice", parent=body, fontName=f"{font}-Bold", borderColor=colors.black,
                                 borderWidth=0.8, borderPadding=6, spaceBefore=8, spaceAfter=12),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, textColor=colors.HexColor("#333333")),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "header": ParagraphStyle("header", parent=body, fontName=f"{font}-Bold", fontSize=8.5, leading=10.5,
                                 spaceAfter=0),
        "toc": ParagraphStyle("toc", parent=body, fontSize=12, leading=18),
    }


def text(text: object, style: str = "body") -> Paragraph:
    """A paragraph of plain text from data: escaped, so '<' and '&' in a name print as themselves."""
    return Paragraph(escape(str(text)), styles()[style])


def frame_size() -> tuple[float, float]:
    """The width and height a page's content may fill."""
    # The frame's own padding (6 pt a side) comes off what a page's content may fill.
    width, height = PAGE
    return width - 2 * MARGIN - 12, height - MARGIN - (MARGIN + 4 * mm) - 12


def one_page(flowables: list[Flowable]) -> KeepInFrame:
    """Content that must stay on one page (a chart with its caption): shrunk a little rather than split."""
    width, height = frame_size()
    return KeepInFrame(width, height - 1, flowables, mode="shrink")


class _Picture(Image):
    """An image drawn only once the contents page knows its page numbers.

    The document is laid out twice (the first pass finds the page of each section for the contents); encoding
    the charts and maps costs about half a second a pass, so the first pass leaves a blank of the same size.
    """

    def draw(self) -> None:
        document = getattr(self.canv, "_doctemplate", None)
        if getattr(document, "passes", 2) > 1:
            super().draw()


def image(png: bytes, max_width: float, max_height: float) -> Image:
    """A PNG scaled to fit a box, keeping its shape."""
    pixels_wide, pixels_high = ImageReader(io.BytesIO(png)).getSize()
    scale = min(max_width / pixels_wide, max_height / pixels_high)
    return _Picture(io.BytesIO(png), width=pixels_wide * scale, height=pixels_high * scale)


# ---- Tables ----------------------------------------------------------------------------------------------------


def _shown(value: object) -> str:
    """A cell as text: whole numbers with thousands separators, blank where nothing is known."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return str(value)


def table(frame: pd.DataFrame, widths: Sequence[float]) -> Table:
    """A table of text with a bold header row repeated on each page; ``widths`` are shares of the page width.

    Cells are escaped text, or paragraphs built by the caller (for lines kept apart).
    """
    sheet = styles()
    page_width, _ = frame_size()
    header = [Paragraph(escape(str(c)), sheet["header"]) for c in frame.columns]
    rows = [[v if isinstance(v, Flowable) else Paragraph(escape(_shown(v)), sheet["cell"]) for v in row]
            for row in frame.itertuples(index=False)]
    # splitInRow: a row of long text (commentary may be 2,000 characters in a narrow column) runs on to the next
    # page instead of refusing the whole pack for being taller than a page.
    table = Table([header, *rows], colWidths=[page_width * w / sum(widths) for w in widths], repeatRows=1,
                  splitByRow=1, splitInRow=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def cell_lines(lines: list[str]) -> Paragraph:
    """Lines of text in one table cell, each escaped."""
    return Paragraph("<br/>".join(escape(line) for line in lines), styles()["cell"])


# ---- Headings --------------------------------------------------------------------------------------------------


class Heading(Paragraph):
    """A section heading: the document lists it on the contents page with the page it lands on."""

    def __init__(self, text: str) -> None:
        super().__init__(escape(text), styles()["heading"])
        self.heading = text


def heading(text: str) -> Heading:
    """A section's heading, listed on the contents page."""
    return Heading(text)


# ---- The document ----------------------------------------------------------------------------------------------


class _PackDocument(SimpleDocTemplate):
    """Sends each section heading to the contents page, with the page it lands on, and counts its passes."""

    passes = 0

    def beforeDocument(self) -> None:
        self.passes += 1

    def afterFlowable(self, flowable: Flowable) -> None:
        for inner in getattr(flowable, "_content", None) or [flowable]:  # a heading may sit in a KeepInFrame
            if isinstance(inner, Heading):
                self.notify("TOCEntry", (0, escape(inner.heading), self.page))


def _footer_canvas(footer: str) -> type[canvas.Canvas]:
    """A canvas that draws 'Page N of M', the area and the period at the foot of every page.

    Pages are held back until the end, when M is known; the footer is drawn last on each page, so the
    section heading stays the first text of its page.
    """

    class FooterCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(_fonts(), 8)
                self.setFillColor(colors.HexColor("#333333"))
                self.drawString(MARGIN, FOOTER_Y, footer)
                self.drawRightString(PAGE[0] - MARGIN, FOOTER_Y, f"Page {number} of {len(self._pages)}")
                super().showPage()
            super().save()

    return FooterCanvas


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Write streams as plain binary: reportlab's pure-Python ASCII85 encoding of the images took seconds.

    The setting is reportlab's global, so two packs built at once (two users of the app) take turns.
    """
    with _RENDERING:
        before = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = before


def render(story: list[Flowable], *, title: str, subject: str, footer: str) -> bytes:
    """Lay out the story on A4 as PDF bytes: a contents page filled in from the headings, ``footer`` and the page
    number at the foot of every page, and ``title`` and ``subject`` in the document's properties."""
    buffer = io.BytesIO()
    document = _PackDocument(
        buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm, title=title, author="Safer Communities Dashboard", subject=subject,
        invariant=True,
    )
    with _binary_streams():
        document.multiBuild(story, canvasmaker=_footer_canvas(footer))
    if document.passes < 2:  # never: the contents always change after the first pass, which draws no pictures
        raise RuntimeError("the pack was saved from its first pass, without its pictures")
    return buffer.getvalue()


def page_count(pdf: bytes) -> int:
    """How many pages a PDF written by this module has (reportlab writes each page object plainly)."""
    return len(_PAGE_OBJECT.findall(pdf))
