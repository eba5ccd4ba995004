"""The committee pack: one PDF of an area's figures for committee papers.

For an area (a county or one CSP) and a period: a cover, then the overview (headline counts and the
partnership grid), the measures against their targets, trend charts of the chosen priorities, hotspot maps,
the priority matrix, the action plan and the sources. Each section starts on a new page with its heading as
the page's first text, and every figure is text, not a picture of text, so the pack can be searched, read
aloud and checked. Charts and maps are PNGs drawn without a browser (vl-convert and matplotlib), since WebGL
maps often print blank.

The pack shows what the connection it is built from may show (``lib.store.access``): on a connection narrowed for the
public view (the command line's default, and every viewer of the dashboard but a signed-in partner with public mode
off) restricted partner indicators are not there to show, and hotspot counts are the protected ones
(``lib.core.disclosure``), fit for published papers.
"""

from __future__ import annotations

import functools
import io
import math
import numbers
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import sqlite_utils
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepInFrame,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from lib.core.areas import Area
from lib.core.catalogue import (
    PPV_NOTE,
    PUBLIC_PLACE_VIOLENCE,
    Indicator,
    find_indicator,
    headline_indicators,
    indicator_catalogue,
)
from lib.core.disclosure import PUBLIC_MODE_NOTE
from lib.core.export import download_name
from lib.core.periods import Period, is_month, is_whole_period, month_label, month_span
from lib.core.sql import placeholders
from lib.hotspots import gi_star as hotspots
from lib.hotspots import maps
from lib.hotspots.views import hotspot_caption, hotspot_metrics, map_title, ranked_table
from lib.performance.measures import (
    RAG_ICONS,
    RAG_RULE,
    MeasureStatus,
    evaluate_measure,
    measure_basis,
    measure_figures,
    rag_counts,
)
from lib.performance.overview import COMPARATOR_NOTES, grid_frame, overview_areas, overview_cells
from lib.performance.targets import load_targets
from lib.performance.trend_labels import chart_labels, missing_values, target_line, trend_words
from lib.priorities import action_plan
from lib.priorities.assessments import SAVED, AssessmentVersion, list_versions, load_version
from lib.priorities.evidence import all_evidence, candidate_issues, ranked_with_volume
from lib.priorities.scoring import POSITION_THRESHOLD, QUADRANTS, RISK_THRESHOLD, Assessment
from lib.reports.charts import chart_png, priority_matrix_chart, trend_chart
from lib.stats.trends import monthly_trend, trend_lines
from lib.store.access import hidden_indicator_keys, is_public
from lib.store.series import monthly_series, population_year, residents
from lib.store.summary import StoreOverview, area_label, headline_counts, shown_change, shown_count
from lib.store.summary import store_overview as read_store_overview

PACK_SECTIONS: tuple[str, ...] = (
    "Overview", "Measures", "Trends", "Hotspots", "Priority matrix", "Action plan", "Sources and licence",
)
PACK_TITLE = "Community safety committee pack"
# The same words as the dashboard's (ui.py), copied because lib must not import the UI.
OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
OS_COPYRIGHT = "Boundaries contain OS data © Crown copyright and database right."
DEMO_NOTICE = "Synthetic demo data: the Avonmere county is generated, not real."
PARTNERS_ONLY_NOTE = (
    "Partners only, not for publication: restricted partner indicators are included and small counts are "
    "shown as they are."
)
HOTSPOT_KEYS = ("anti-social-behaviour", PUBLIC_PLACE_VIOLENCE)
HOTSPOT_ROWS = 10
MAP_DPI = 120  # about 175 dots per inch as printed: sharp on paper, with two thirds of the pixels of 150
CHART_SCALE = 1.5  # the same for the charts
MAP_HEIGHT = 0.6  # of the page width: leaves room for the table of places below the map
CHARTS_PER_PAGE = 2
GRID_AREAS_PER_TABLE = 6  # wider grids are split, so each column keeps room for "12.3 ▼ ✓ Better"
CHART_WIDTH_PX = 760
COMPARATOR = "last_year"
CONFIDENCE = "95"
PARTNERSHIP_WIDE = "Partnership-wide"

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
def _styles() -> dict[str, ParagraphStyle]:
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


def _text(text: object, style: str = "body") -> Paragraph:
    """A paragraph of plain text from data: escaped, so '<' and '&' in a name print as themselves."""
    return Paragraph(escape(str(text)), _styles()[style])


def _frame_size() -> tuple[float, float]:
    # The frame's own padding (6 pt a side) comes off what a page's content may fill.
    width, height = PAGE
    return width - 2 * MARGIN - 12, height - MARGIN - (MARGIN + 4 * mm) - 12


def _one_page(flowables: list[Flowable]) -> KeepInFrame:
    """Content that must stay on one page (a chart with its caption): shrunk a little rather than split."""
    width, height = _frame_size()
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


def _image(png: bytes, max_width: float, max_height: float) -> Image:
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


def _table(frame: pd.DataFrame, widths: Sequence[float]) -> Table:
    """A table of text with a bold header row repeated on each page; ``widths`` are shares of the page width.

    Cells are escaped text, or paragraphs built by the caller (for lines kept apart).
    """
    styles = _styles()
    page_width, _ = _frame_size()
    header = [Paragraph(escape(str(c)), styles["header"]) for c in frame.columns]
    rows = [[v if isinstance(v, Flowable) else Paragraph(escape(_shown(v)), styles["cell"]) for v in row]
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


# ---- What the pack is about ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Assessment:
    version: AssessmentVersion
    owner: Area  # whose assessment it is: the area's own, or its county's
    issues: list[Assessment]


@dataclass
class _Pack:
    """The area, period and mode, what the store holds, and the sources the sections have used."""

    db: sqlite_utils.Database
    area: Area
    period: Period
    public: bool
    today: date
    unit: str
    store: StoreOverview
    catalogue: list[Indicator]  # what this pack's viewer may see
    hidden: set[str]  # keys of the restricted indicators hidden from it
    areas: list[Area]  # the overview's: the county first, then its CSPs
    used: dict[str, Indicator] = field(default_factory=dict)  # partner indicators shown, for the sources

    def show(self, indicator: Indicator) -> None:
        """Note an indicator as shown, so the sources page lists it."""
        if not indicator.is_police:
            self.used[indicator.key] = indicator

    @functools.cached_property
    def assessment(self) -> _Assessment | None:
        """The area's latest agreed (saved) assessment, else its working draft; a CSP without one uses its
        county's. Agreed first: a committee is shown what the partnership decided, not a draft in progress."""
        for owner in (self.area, _county_of(self.db, self.area)):
            versions = list_versions(self.db, owner.code) if owner else []
            if versions:
                version = next((v for v in versions if v.status == SAVED), versions[0])
                return _Assessment(version, owner, load_version(self.db, version.id))
        return None


def _open_pack(db: sqlite_utils.Database, area: Area, period: Period, today: date, unit: str) -> _Pack:
    return _Pack(db, area, period, is_public(db), today, unit, read_store_overview(db), indicator_catalogue(db),
                 hidden_indicator_keys(db), overview_areas(db, area))


def _csps(pack: _Pack) -> list[Area]:
    """The CSPs the pack covers: the area itself, or the county's CSPs that hold incidents."""
    if pack.area.kind in ("county", "force"):
        return [a for a in pack.areas if a.kind == "csp"]
    return [pack.area]


def _county_of(db: sqlite_utils.Database, area: Area) -> Area | None:
    if not area.parent_code:
        return None
    row = db.execute("SELECT code, name, kind, parent_code FROM areas WHERE code = ? AND kind = 'county'",
                     [area.parent_code]).fetchone()
    return Area(*row) if row else None


def _describe(assessment: _Assessment, area: Area) -> str:
    version = assessment.version
    whose = "" if assessment.owner == area else f" ({area.name} has none of its own, so the county's is used)"
    state = (f"saved {(version.saved_at or '')[:10]} by {version.saved_by}" if version.status == SAVED
             else "a working draft, not yet agreed")
    return f"{assessment.owner.name}'s assessment for {version.year}, “{version.name}” ({state}){whose}."


# ---- The cover -------------------------------------------------------------------------------------------------


def _cover(pack: _Pack) -> list[Flowable]:
    flowables = [
        _text(PACK_TITLE, "title"),
        _text(area_label(pack.area), "large"),
        _text(pack.period.title, "large"),
        _text(f"Generated {pack.today:%d %B %Y} by the Safer Communities Dashboard.", "body"),
    ]
    if pack.store.demo:
        flowables.append(_text(DEMO_NOTICE, "notice"))
    flowables.append(_text(PUBLIC_MODE_NOTE if pack.public else PARTNERS_ONLY_NOTE, "notice"))
    contents = TableOfContents(levelStyles=[_styles()["toc"]], dotsMinLevel=0)
    return [*flowables, Spacer(1, 10), _text("Contents", "subheading"), contents]


# ---- 1. Overview -----------------------------------------------------------------------------------------------


def _overview(pack: _Pack, heading: str) -> list[Flowable]:
    headlines = headline_counts(pack.db, pack.area, pack.period)
    earlier = headlines[0].previous_period
    rows = pd.DataFrame({
        "Measure": [h.group.label for h in headlines],
        pack.period.span: [shown_count(h.count) for h in headlines],
        f"A year earlier ({earlier.span})": [shown_count(h.previous) if h.previous is not None else "not held"
                                             for h in headlines],
        "Change": [_change_words(shown_change(h)) for h in headlines],
    })
    comparison = (f"Compared with the same months a year earlier ({earlier.span})." if headlines[0].previous
                  is not None else f"No comparison: the store does not hold the same months a year earlier "
                                   f"({earlier.span}).")
    return [
        _heading(heading),
        _text(f"Headline counts: {area_label(pack.area)}, {pack.period.title}", "subheading"),
        _table(rows, [3, 2, 2.4, 2]),
        _text(f"{comparison} Counts of 1 to 4 are shown as 'fewer than 5'. {PPV_NOTE}", "small"),
        *_grid(pack),
    ]


def _change_words(change: str | int | None) -> str:
    return "–" if change is None else ("no change" if change == 0 else str(change))


def _grid(pack: _Pack) -> list[Flowable]:
    indicators = headline_indicators(pack.catalogue)
    cells = overview_cells(pack.db, pack.areas, indicators, pack.period, COMPARATOR)
    for indicator in indicators:
        pack.show(indicator)
    county, others = pack.areas[0], pack.areas[1:]
    flowables = [_text(f"Partnership at a glance: {county.name} and its CSPs, {pack.period.span}", "subheading")]
    for start in range(0, max(len(others), 1), GRID_AREAS_PER_TABLE):
        areas = [county, *others[start:start + GRID_AREAS_PER_TABLE]]
        flowables += [_table(grid_frame(cells, areas, indicators), [1.25, *([1.2] * len(areas))]), Spacer(1, 4)]
    flowables.append(_text(
        "Each cell: the figure for the period (a rate per 1,000 residents where population is held, else a "
        "count), the recent trend (▲ rising, ▼ falling, ▶ no significant change; chi-squared test for trend on "
        "the five latest months) and the judgement against the same period last year: ✓ Better, ✗ Worse, "
        f"≈ Similar, ↑ Higher, ↓ Lower (no direction is better), · not compared. {COMPARATOR_NOTES[COMPARATOR]} "
        "* Public place violence is approximated.", "small"))
    return flowables


class _Heading(Paragraph):
    """A section heading: the document lists it on the contents page with the page it lands on."""

    def __init__(self, text: str) -> None:
        super().__init__(escape(text), _styles()["heading"])
        self.heading = text


def _heading(text: str) -> _Heading:
    return _Heading(text)


# ---- 2. Measures -----------------------------------------------------------------------------------------------


def _measures(pack: _Pack, heading: str) -> list[Flowable]:
    statuses = {csp.code: _statuses(pack, csp) for csp in _csps(pack)}
    if len(statuses) == 1:
        csp = _csps(pack)[0]
        return [_heading(heading), *_csp_measures(pack, csp, statuses[csp.code])]
    if not any(statuses.values()):
        return [_heading(heading), _text(f"No CSP in {pack.area.name} has measures with targets in the store"
                                         + (" that may be shown in public." if pack.public else "."), "body")]
    flowables = [_heading(heading), _text(f"Measures of the CSPs in {pack.area.name}, as at "
                                          f"{month_label(pack.period.end)}", "subheading")]
    flowables += [_table(_rag_table(pack, statuses), [3, 1, 1, 1, 1, 1.2]), _text(_RAG_RULE_TEXT, "small")]
    for csp in (c for c in _csps(pack) if statuses[c.code]):
        flowables += [PageBreak(), *_csp_measures(pack, csp, statuses[csp.code])]
    return flowables


_RAG_RULE_TEXT = "How the status is decided. " + RAG_RULE.replace("**", "")


def _statuses(pack: _Pack, csp: Area) -> list[MeasureStatus]:
    """One CSP's measures the pack may show, as at the period's end."""
    shown = []
    for target in load_targets(pack.db, csp.code):
        indicator = find_indicator(pack.catalogue, target.indicator_key)
        if indicator is not None:
            pack.show(indicator)
        shown.append(evaluate_measure(pack.db, target, indicator, csp, pack.period.end))
    return shown


def _rag_table(pack: _Pack, statuses: dict[str, list[MeasureStatus]]) -> pd.DataFrame:
    rows = []
    for csp in _csps(pack):
        counts = rag_counts(statuses[csp.code])
        rows.append({"CSP": csp.name, **{f"{RAG_ICONS[r]} {r}": n for r, n in counts.items()},
                     "Measures": sum(counts.values())})
    return pd.DataFrame(rows)


def _csp_measures(pack: _Pack, csp: Area, statuses: list[MeasureStatus]) -> list[Flowable]:
    flowables = [_text(f"{csp.name} CSP: measures as at {month_label(pack.period.end)}", "subheading")]
    if not statuses:
        flowables.append(_text(f"{csp.name} has no measures with targets in the store.", "body"))
    else:
        counts = ", ".join(f"{n} {rag}" for rag, n in rag_counts(statuses).items() if n)
        flowables += [_text(f"{len(statuses)} measures: {counts}.", "body"),
                      _table(_measure_rows(statuses), [3.2, 3.2, 1.6, 2.4])]
    if pack.hidden:
        flowables.append(_text("Measures on restricted partner indicators are for partners only and are not "
                               "shown here.", "small"))
    if len(_csps(pack)) == 1:
        flowables.append(_text(_RAG_RULE_TEXT, "small"))
    return flowables


def _measure_rows(statuses: list[MeasureStatus]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Measure": f"{s.target.measure}. {measure_basis(s)}",
        "Figures": _lines([f"{label}: {value}" for label, value in measure_figures(s)]),
        "Status": f"{RAG_ICONS[s.rag]} {s.rag}: {s.reason}",
        "Commentary": s.target.commentary or "",
    } for s in statuses])


def _lines(lines: list[str]) -> Paragraph:
    """Lines of text in one table cell, each escaped."""
    return Paragraph("<br/>".join(escape(line) for line in lines), _styles()["cell"])


# ---- 3. Trends -------------------------------------------------------------------------------------------------


def _trends(pack: _Pack, heading: str) -> list[Flowable]:
    intro, indicators, restricted = _trend_choice(pack)
    if restricted:
        intro += (f" {restricted} chosen priority's figures come from a restricted partner indicator, for partners "
                  "only, so are not shown.")
    blocks = [_trend_block(pack, indicator) for indicator in indicators]
    if not blocks:
        return [_heading(heading), _text(intro, "body"), _text("There is no indicator to chart.", "body")]
    pages = [blocks[i:i + CHARTS_PER_PAGE] for i in range(0, len(blocks), CHARTS_PER_PAGE)]
    flowables = [_one_page([_heading(heading), _text(intro, "body"), *_joined(pages[0])])]
    for page in pages[1:]:
        flowables += [PageBreak(), _one_page(_joined(page))]
    return flowables


def _joined(blocks: list[list[Flowable]]) -> list[Flowable]:
    return [flowable for block in blocks for flowable in (*block, Spacer(1, 8))]


def _trend_choice(pack: _Pack) -> tuple[str, list[Indicator], int]:
    """The indicators to chart, why those, and how many were left out as restricted."""
    assessment = pack.assessment
    keys = [a.indicator_key for a in assessment.issues if a.chosen and a.indicator_key] if assessment else []
    if keys:
        intro = f"The chosen priorities of {_describe(assessment, pack.area)}"
    else:
        keys = [i.key for i in headline_indicators(pack.catalogue)]
        intro = ("No chosen priorities with an indicator are held for this area, so the headline indicators "
                 "are charted.")
    found = [i for i in (find_indicator(pack.catalogue, k) for k in dict.fromkeys(keys)) if i is not None]
    restricted = len(set(keys) & pack.hidden)
    missing = len(set(keys)) - len(found) - restricted
    if missing:
        intro += f" {missing} chosen priority indicator(s) have no figures in the store."
    return intro + f" Up to {month_label(pack.period.end)}.", found, restricted


def _trend_view(pack: _Pack) -> str:
    # As the Trends page: rolling 12-month totals once a year is held, else the months themselves.
    return "rolling" if pack.store.months >= 12 else "monthly"


def _trend_block(pack: _Pack, indicator: Indicator) -> list[Flowable]:
    pack.show(indicator)
    view, area = _trend_view(pack), pack.area
    labels = chart_labels(indicator, view, "count", CONFIDENCE)
    points = trend_lines(pack.db, indicator, [area], view, False, 0.95, pack.period.end)
    if points.empty:
        absent = missing_values(pack.db, indicator, [area])
        return [_text(absent.words or f"{indicator.name}: no figures in this view: {labels.missing}", "body")]
    target = target_line(pack.db, indicator, area, view, "count")
    chart = trend_chart(points, f"{indicator.name} in {area.name}: {labels.view}", labels.y, f"{CONFIDENCE}% CI",
                        target=target.value if target else None, target_label=target.label if target else "",
                        baseline=target.baseline if target else None)
    # Thin out month labels that would overlap at paper width (the screen has room for them all).
    chart = chart.properties(width=CHART_WIDTH_PX).configure_axisX(labelOverlap="greedy", labelSeparation=6)
    width, height = _frame_size()
    caption = (f"{indicator.name}. Source: {indicator.source}. {labels.caption} Shaded: {CONFIDENCE}% confidence "
               f"interval ({labels.method}). {_period_of(points)}."
               + (f" Target: {target.explanation}" if target else "") + _trend_sentence(pack, indicator))
    return [_image(chart_png(chart, CHART_SCALE), width, height / CHARTS_PER_PAGE - 60), _text(caption, "small")]


def _period_of(points: pd.DataFrame) -> str:
    first, last = points["period"].min(), points["period"].max()
    if len(first) == 7:
        return f"Months: {month_span(first, last)}"
    return f"Financial years {first} to {last}" if first != last else f"Financial year {first}"


def _trend_sentence(pack: _Pack, indicator: Indicator) -> str:
    if indicator.frequency != "monthly":
        return ""
    monthly = monthly_series(pack.db, indicator, pack.area, end=pack.period.end)
    if monthly.empty:
        return ""
    people = residents(pack.db, pack.area, population_year(monthly["month"].iloc[-1])) if indicator.is_police else None
    return " Recent trend: " + trend_words(pack.area.name, monthly_trend(monthly, indicator.polarity, people)
                                           ).replace("**", "")


# ---- 4. Hotspots -----------------------------------------------------------------------------------------------


def _hotspots(pack: _Pack, heading: str) -> list[Flowable]:
    indicators = [find_indicator(pack.catalogue, key) for key in HOTSPOT_KEYS]
    held = [i for i in indicators if i is not None]
    if not held:
        return [_heading(heading), _text("The store holds no anti-social behaviour or violence to map.", "body")]
    first, last = pack.store.first_month, pack.store.last_month
    if pack.public and not (first and last and is_whole_period(pack.period.start, pack.period.end, first, last)):
        return [_heading(heading), _text(hotspots.PUBLIC_PERIODS_ONLY + " Build the pack for one of them to "
                                         "include the maps.", "body")]
    resolution = hotspots.suggested_resolution(pack.db, pack.area) if pack.unit == "h3" else None
    outlines = hotspots.outlines(pack.db, pack.area)
    pages = [_hotspot_page(pack, indicator, resolution, outlines) for indicator in held]
    flowables = [_one_page([_heading(heading), *pages[0]])]
    for page in pages[1:]:
        flowables += [PageBreak(), _one_page(page)]
    return flowables


def _hotspot_page(pack: _Pack, indicator: Indicator, resolution: int | None, outlines: dict) -> list[Flowable]:
    area, period = pack.area, pack.period
    result = hotspots.hotspot_cells(pack.db, area, list(indicator.categories), period.start, period.end, pack.unit,
                                    resolution or hotspots.DEFAULT_RESOLUTION)
    polygons = hotspots.cell_polygons(result, pack.db) if pack.unit == "lsoa" else None
    caption = hotspot_caption(result, indicator, area, period)
    # Title and caption are text on the page instead, so they can be searched and read aloud.
    png = maps.hotspot_png(result.cells, pack.unit, outlines, layer="gi", polygons=polygons, dpi=MAP_DPI)
    width, _ = _frame_size()
    figures = " · ".join(f"{label}: {value}" for label, value in hotspot_metrics(result))
    return [
        _text(map_title(indicator, area, period), "subheading"),
        _image(png, width, width * MAP_HEIGHT),
        _text(figures, "small"),
        _text(f"The top {HOTSPOT_ROWS} places", "subheading"),
        _table(_hotspot_rows(result), [3.6, 1.5, 1.1, 1.1, 1.6, 1.4]),
        _text(caption + (f" {PUBLIC_MODE_NOTE} Shares and changes are worked out from the rounded counts, and left "
                         "blank beside a count not shown." if pack.public else ""), "small"),
        *[_text(note, "small") for note in result.notes],
    ]


def _hotspot_rows(result: hotspots.HotspotResult) -> pd.DataFrame:
    """The ranked table as the page shows it (a public result's counts protected, as ``ranked_table`` says)."""
    table = ranked_table(result, HOTSPOT_ROWS).reset_index(drop=True)
    table["% of area total"] = [f"{v:.1f}%" if _known(v) else "" for v in table["% of area total"]]
    table["Change"] = [(f"{int(v):+,}" if v else "0") if _known(v) else "" for v in table["Change"]]
    return table.rename(columns={"% of area total": "% of total"})


def _known(value: object) -> bool:
    return value is not None and not pd.isna(value)


# ---- 5. Priority matrix ----------------------------------------------------------------------------------------


def _matrix(pack: _Pack, heading: str) -> list[Flowable]:
    assessment = pack.assessment
    if assessment is None or not assessment.issues:
        return [_heading(heading), _text(f"{pack.area.name} has no threat, harm and risk assessment in the store, "
                                         "and nor has its county.", "body")]
    frame = _ranked_with_volume(pack, assessment)
    version, owner = assessment.version, assessment.owner
    chart = priority_matrix_chart(frame, "risk_position", (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS,
                                  f"{owner.name}: priorities for {version.year}", width=900)
    width, height = _frame_size()
    page = [
        _heading(heading),
        _text(_describe(assessment, pack.area), "body"),
        _image(chart_png(chart, CHART_SCALE), width, height - 150),
        _text(f"Bubble size: volume in {pack.period.span} (police.uk street-level data and partner returns). Shape: "
              f"confidence in the evidence. Dashed lines: risk {RISK_THRESHOLD:g} and organisational position "
              f"{POSITION_THRESHOLD:g}. Scores run from 0 to 100 (MoRiLE-style threat, harm and risk).", "small"),
    ]
    ranking = _table(_ranked_rows(frame), [0.8, 3, 1, 1.2, 1.2, 2.6, 1])
    return [_one_page(page), PageBreak(), _text("Ranked by priority score", "subheading"), ranking]


def _ranked_with_volume(pack: _Pack, assessment: _Assessment) -> pd.DataFrame:
    """The ranking with each issue's volume for the bubble sizes (none where its figures are restricted)."""
    names, keys = {a.issue for a in assessment.issues}, {a.indicator_key for a in assessment.issues}
    wanted = [c for c in candidate_issues(pack.catalogue) if c.name in names or c.indicator_key in keys]
    evidence = all_evidence(pack.db, wanted, assessment.owner, pack.period)
    return ranked_with_volume(assessment.issues, {e.issue: e for e in evidence})


def _ranked_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Rank": frame["rank_label"], "Issue": frame["issue"], "Risk": frame["risk"].map("{:.1f}".format),
        "Position": frame["position"].map("{:.1f}".format), "Priority": frame["priority"].map("{:.1f}".format),
        "Quadrant": frame["quadrant"], "Chosen": frame["chosen"].map({True: "Chosen", False: ""}),
    })


# ---- 6. Action plan --------------------------------------------------------------------------------------------


def _actions(pack: _Pack, heading: str) -> list[Flowable]:
    actions = _area_actions(pack)
    if not actions:
        return [_heading(heading), _text(f"No action plan for {pack.area.name} is held in the store.", "body")]
    overdue = [a for a in actions if action_plan.is_overdue(a, pack.today)]
    summary = action_plan.rag_summary(actions, pack.today).rename(columns={"priority": "Priority"})
    flowables = [
        _heading(heading),
        _text(f"RAG status of {len(actions)} actions by priority, as at {pack.today:%d %B %Y}", "subheading"),
        _table(summary, [3.2, 1, 1, 1, 1.2, 1.2, 1]),
        _text("RAG is the lead's own judgement of delivery. Total counts every action, including any not yet "
              "rated. Overdue: the completion date has passed and the action is not complete.", "small"),
        _text(f"Overdue actions ({len(overdue)})", "subheading"),
    ]
    if not overdue:
        return [*flowables, _text(f"No action is overdue at {pack.today:%d %B %Y}.", "body")]
    return [*flowables, _table(_overdue_rows(pack, overdue), [1.6, 2.7, 1.5, 1.3, 1.1, 1.1, 2.5])]


def _area_actions(pack: _Pack) -> list[action_plan.Action]:
    """A CSP's own, its county's and partnership-wide actions; for a county, also every action of its CSPs."""
    if pack.area.kind == "csp":
        return action_plan.load_actions(pack.db, pack.area.code)
    codes = {pack.area.code, *(a.code for a in pack.areas)}
    return [a for a in action_plan.load_actions(pack.db) if a.area_code is None or a.area_code in codes]


def _overdue_rows(pack: _Pack, overdue: list[action_plan.Action]) -> pd.DataFrame:
    names = _area_names(pack.db, {a.area_code for a in overdue if a.area_code})
    return pd.DataFrame([{
        "Priority": a.priority, "Action": a.action, "Lead": a.lead or "not named",
        "Area": names.get(a.area_code, a.area_code) if a.area_code else PARTNERSHIP_WIDE,
        "Due": f"{date.fromisoformat(a.completion_date):%d %b %Y}", "RAG": a.rag or "Not rated",
        "Commentary": a.commentary or "",
    } for a in overdue])


def _area_names(db: sqlite_utils.Database, codes: Iterable[str]) -> dict[str, str]:
    codes = list(codes)
    marks = placeholders(codes)
    return dict(db.execute(f"SELECT code, name FROM areas WHERE code IN ({marks})", codes).fetchall()) if codes else {}


# ---- 7. Sources and licence ------------------------------------------------------------------------------------


def _sources(pack: _Pack, heading: str) -> list[Flowable]:
    rows = [*_police_rows(pack), *_ons_rows(pack.db), *_partner_rows(pack), *_plan_rows(pack)]
    return [
        _heading(heading),
        *([_text(DEMO_NOTICE, "notice")] if pack.store.demo else []),
        _text(f"Every source this pack draws on, with the period used. Generated {pack.today:%d %B %Y}.", "body"),
        _table(pd.DataFrame(rows, columns=["Source", "Used for", "Period"]), [3.2, 2.4, 2.8]),
        _text("Licence", "subheading"),
        _text(OGL, "body"),
        _text(f"police.uk street-level crime data: Home Office. Lookups, population estimates and boundaries: "
              f"Office for National Statistics. {OS_COPYRIGHT}", "body"),
        _text("Methods", "subheading"),
        _text(METHODS, "small"),
    ]


METHODS = (
    "Counts and rates have Byar's 95% confidence intervals (exact Poisson below 10). A change on a year earlier "
    "is judged by the exact conditional test for two counts at 95%; the recent trend by the chi-squared test for "
    "trend on the five latest months (p below 0.002). Hot and cold spots: incidents are counted in each hexagon "
    "or LSOA of the area and tested with the Getis-Ord Gi* statistic against "
    f"{hotspots.DEFAULT_PERMUTATIONS:,} random rearrangements, with the Benjamini-Hochberg false discovery rate "
    "correction at 90%, 95% and 99%; a hot spot is a cluster of busy cells, not one busy cell. The trajectory "
    "compares the same test on the same number of months just before. Priority scores follow the "
    "MoRiLE-style formula on the dashboard's Priority matrix page. " + PPV_NOTE
)


def _police_rows(pack: _Pack) -> list[tuple[str, str, str]]:
    source = ("Synthetic demo data shaped like police.uk street-level data (not real)" if pack.store.demo
              else "police.uk street-level crime and anti-social behaviour data (Home Office)")
    first = pack.store.first_month or pack.period.start
    return [(source, "Headline counts, overview, hotspots, trends, measures",
             f"{pack.period.span}; trends and measures from {month_label(first)}")]


def _ons_rows(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    rows = [(f"ONS mid-year population estimates ({file})", "Rates per 1,000 residents",
             f"{first} to {last} (each year's estimate for its financial year, nearest held)")
            for file, first, last in db.execute(
                "SELECT source, MIN(year), MAX(year) FROM population GROUP BY source ORDER BY source")]
    lookups = [r[0] for r in db.execute("SELECT DISTINCT file_name FROM import_log WHERE kind = 'lookup'")]
    if lookups:
        rows.append((f"ONS area lookups ({', '.join(lookups)})", "Which CSP and county each place is in", "as held"))
    for (file,) in db.execute("SELECT DISTINCT source FROM boundaries WHERE source IS NOT NULL"):
        rows.append((f"ONS boundaries ({file})", "Map outlines, LSOA neighbours", "as held"))
    return rows


def _partner_rows(pack: _Pack) -> list[tuple[str, str, str]]:
    rows = []
    for indicator in sorted(pack.used.values(), key=lambda i: i.name):
        first, last = pack.db.execute("SELECT MIN(period), MAX(period) FROM observations WHERE indicator_key = ?",
                                      [indicator.key]).fetchone()
        held = f"{_held(first)} to {_held(last)}" if first and first != last else _held(first or "none held")
        rows.append((f"{indicator.source}: {indicator.name}", "Partner indicator", held))
    return rows


def _held(period: str) -> str:
    return month_label(period) if is_month(period) else period


def _plan_rows(pack: _Pack) -> list[tuple[str, str, str]]:
    rows = []
    changed = pack.db.execute("SELECT MAX(updated_at) FROM targets").fetchone()[0]
    if changed or pack.db.execute("SELECT 1 FROM targets LIMIT 1").fetchone():
        rows.append(("CSP targets held in the dashboard", "Measures", f"last changed {(changed or '')[:10]}"))
    assessment = pack.assessment
    if assessment:
        version = assessment.version
        rows.append((f"Threat, harm and risk assessment “{version.name}” ({assessment.owner.name})",
                     "Priority matrix, trends chosen", f"{version.year}; evidence {version.evidence_period or ''}"))
    updated = pack.db.execute("SELECT MAX(last_updated) FROM actions").fetchone()[0]
    if updated:
        rows.append(("Partnership action plan held in the dashboard", "Action plan",
                     f"last updated {updated[:10]}; overdue as at {pack.today:%d %b %Y}"))
    return rows


# ---- The document ----------------------------------------------------------------------------------------------

_SECTIONS: dict[str, Callable[[_Pack, str], list[Flowable]]] = {
    "Overview": _overview, "Measures": _measures, "Trends": _trends, "Hotspots": _hotspots,
    "Priority matrix": _matrix, "Action plan": _actions, "Sources and licence": _sources,
}


class _PackDocument(SimpleDocTemplate):
    """Sends each section heading to the contents page, with the page it lands on, and counts its passes."""

    passes = 0

    def beforeDocument(self) -> None:
        self.passes += 1

    def afterFlowable(self, flowable: Flowable) -> None:
        for inner in getattr(flowable, "_content", None) or [flowable]:  # a heading may sit in a KeepInFrame
            if isinstance(inner, _Heading):
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


def _render(story: list[Flowable], pack: _Pack) -> bytes:
    buffer = io.BytesIO()
    document = _PackDocument(
        buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm, title=f"{PACK_TITLE}: {pack.area.name}, {pack.period.span}",
        author="Safer Communities Dashboard", subject=pack.period.title, invariant=True,
    )
    footer = f"{PACK_TITLE} · {pack.area.name} · {pack.period.span}"
    with _binary_streams():
        document.multiBuild(story, canvasmaker=_footer_canvas(footer))
    if document.passes < 2:  # never: the contents always change after the first pass, which draws no pictures
        raise RuntimeError("the pack was saved from its first pass, without its pictures")
    return buffer.getvalue()


def build_pack(
    db: sqlite_utils.Database, area: Area, period: Period, *, generated: date | None = None, unit: str = "h3",
) -> bytes:
    """The committee pack for an area and period, as PDF bytes, showing what ``db``'s viewer may see.

    Open the store with ``lib.store.access.open_for(path, PUBLIC)`` for published papers. ``generated`` is the date
    printed and the one actions are judged overdue against (today by default); ``unit`` is the hotspot maps'
    cells, "h3" hexagons sized to the area or "lsoa".
    """
    if unit not in hotspots.UNITS:
        raise ValueError(f"unit must be one of {hotspots.UNITS}, not {unit!r}")
    pack = _open_pack(db, area, period, generated or date.today(), unit)
    story = _cover(pack)
    for heading in PACK_SECTIONS:
        story += [PageBreak(), *_SECTIONS[heading](pack, heading)]
    return _render(story, pack)


def pack_file_name(area: Area, period: Period) -> str:
    """'committee-pack_avonmere_2025-10-to-2026-09.pdf'."""
    return download_name("committee pack", area.name, f"{period.start} to {period.end}", suffix=".pdf")


def page_count(pdf: bytes) -> int:
    """How many pages a PDF written by this module has (reportlab writes each page object plainly)."""
    return len(_PAGE_OBJECT.findall(pdf))

