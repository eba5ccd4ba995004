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

This module holds the sections and builds the pack; the PDF layout (fonts, styles, tables, images, the contents page
and the footer) is ``lib.reports.pdf_layout``, what a pack is about ``lib.reports.pack_context``, and the sources
page ``lib.reports.pack_sources``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import pandas as pd
import sqlite_utils
from reportlab.platypus import Flowable, PageBreak, Spacer
from reportlab.platypus.tableofcontents import TableOfContents

from lib.core.areas import Area
from lib.core.attribution import DEMO_NOTICE
from lib.core.catalogue import (
    PPV_NOTE,
    PUBLIC_PLACE_VIOLENCE,
    Indicator,
    find_indicator,
    headline_indicators,
)
from lib.core.disclosure import PUBLIC_MODE_NOTE
from lib.core.export import download_name
from lib.core.periods import Period, is_whole_period, month_label, month_span
from lib.core.sql import placeholders
from lib.hotspots import gi_star, map_png, study_area
from lib.hotspots.views import hotspot_caption, hotspot_metrics, map_title, method_caption, ranked_table
from lib.performance.comparators import comparators_for
from lib.performance.measures import (
    RAG_ICONS,
    RAG_RULE,
    MeasureStatus,
    evaluate_measure,
    measure_basis,
    measure_figures,
    rag_counts,
)
from lib.performance.overview import COMPARATOR_NOTES, grid_frame, overview_cells
from lib.performance.targets import load_targets
from lib.performance.trend_labels import chart_labels, missing_values, target_line, trend_words
from lib.priorities import action_plan
from lib.priorities import tables as priority_tables
from lib.priorities.evidence import candidate_issues, evidence_by_issue, ranked_with_volume
from lib.priorities.scoring import POSITION_THRESHOLD, QUADRANTS, RISK_THRESHOLD
from lib.reports import pdf_layout as pdf
from lib.reports.charts import chart_png, priority_matrix_chart, trend_chart
from lib.reports.pack_context import Pack, PackAssessment, describe_assessment, open_pack
from lib.reports.pack_sources import sources_and_licence
from lib.stats.trends import monthly_trend, trend_lines
from lib.store.scope import AreaScope, area_scope
from lib.store.series import monthly_series, population_year, residents
from lib.store.summary import area_label, headline_counts, shown_change, shown_count

PACK_SECTIONS: tuple[str, ...] = (
    "Overview", "Measures", "Trends", "Hotspots", "Priority matrix", "Action plan", "Sources and licence",
)
PACK_TITLE = "Community safety committee pack"
PARTNERS_ONLY_NOTE = (
    "Partners only, not for publication: restricted partner indicators are included and small counts are "
    "shown as they are."
)
HOTSPOT_KEYS = ("anti-social-behaviour", PUBLIC_PLACE_VIOLENCE)
HOTSPOT_ROWS = 10
# The priority ranking's columns a printed page has room for, named as on the Priority matrix page.
RANKING_COLUMNS = ["Rank", "Issue", "Risk", "Position", "Priority score", "Matrix", "Chosen"]
MAP_DPI = 120  # about 175 dots per inch as printed: sharp on paper, with two thirds of the pixels of 150
CHART_SCALE = 1.5  # the same for the charts
MAP_HEIGHT = 0.6  # of the page width: leaves room for the table of places below the map
CHARTS_PER_PAGE = 2
GRID_AREAS_PER_TABLE = 6  # wider grids are split, so each column keeps room for "12.3 ▼ ✓ Better"
CHART_WIDTH_PX = 760
CONFIDENCE = "95"


def _csps(pack: Pack) -> list[Area]:
    """The CSPs the pack covers: the area itself, or the county's CSPs that hold incidents."""
    if pack.area.kind in ("county", "force"):
        return [a for a in pack.areas if a.kind == "csp"]
    return [pack.area]


# ---- The cover -------------------------------------------------------------------------------------------------


def _cover(pack: Pack) -> list[Flowable]:
    flowables = [
        pdf.text(PACK_TITLE, "title"),
        pdf.text(area_label(pack.area), "large"),
        pdf.text(pack.period.title, "large"),
        pdf.text(f"Generated {pack.today:%d %B %Y} by the Safer Communities Dashboard.", "body"),
    ]
    if pack.store.demo:
        flowables.append(pdf.text(DEMO_NOTICE, "notice"))
    flowables.append(pdf.text(PUBLIC_MODE_NOTE if pack.public else PARTNERS_ONLY_NOTE, "notice"))
    contents = TableOfContents(levelStyles=[pdf.styles()["toc"]], dotsMinLevel=0)
    return [*flowables, Spacer(1, 10), pdf.text("Contents", "subheading"), contents]


# ---- 1. Overview -----------------------------------------------------------------------------------------------


def _overview(pack: Pack, heading: str) -> list[Flowable]:
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
        pdf.heading(heading),
        pdf.text(f"Headline counts: {area_label(pack.area)}, {pack.period.title}", "subheading"),
        pdf.table(rows, [3, 2, 2.4, 2]),
        pdf.text(f"{comparison} Counts of 1 to 4 are shown as 'fewer than 5'. {PPV_NOTE}", "small"),
        *_grid(pack),
    ]


def _change_words(change: str | int | None) -> str:
    return "–" if change is None else ("no change" if change == 0 else str(change))


def _grid(pack: Pack) -> list[Flowable]:
    indicators = headline_indicators(pack.catalogue)
    # The first comparison the store can answer, as the overview page opens on, so a new store's grid is judged.
    held = comparators_for(pack.db, pack.areas[0], pack.areas[0], pack.period)
    cells = overview_cells(pack.db, pack.areas, indicators, pack.period, held.default)
    for indicator in indicators:
        pack.show(indicator)
    county, others = pack.areas[0], pack.areas[1:]
    flowables = [pdf.text(f"Partnership at a glance: {county.name} and its CSPs, {pack.period.span}", "subheading")]
    for start in range(0, max(len(others), 1), GRID_AREAS_PER_TABLE):
        areas = [county, *others[start:start + GRID_AREAS_PER_TABLE]]
        flowables += [pdf.table(grid_frame(cells, areas, indicators), [1.25, *([1.2] * len(areas))]), Spacer(1, 4)]
    flowables.append(pdf.text(
        "Each cell: the figure for the period (a rate per 1,000 residents where population is held, else a "
        "count), the recent trend (▲ rising, ▼ falling, ▶ no significant change; chi-squared test for trend on "
        f"the five latest months) and the judgement against {held.answerable.get(held.default, held.default)}: "
        "✓ Better, ✗ Worse, ≈ Similar, ↑ Higher, ↓ Lower (no direction is better), · not compared. "
        f"{COMPARATOR_NOTES[held.default]} "
        "* Public place violence is approximated.", "small"))
    return flowables


# ---- 2. Measures -----------------------------------------------------------------------------------------------


def _measures(pack: Pack, heading: str) -> list[Flowable]:
    statuses = {csp.code: _statuses(pack, csp) for csp in _csps(pack)}
    if len(statuses) == 1:
        csp = _csps(pack)[0]
        return [pdf.heading(heading), *_csp_measures(pack, csp, statuses[csp.code])]
    if not any(statuses.values()):
        return [pdf.heading(heading), pdf.text(f"No CSP in {pack.area.name} has measures with targets in the store"
                                               + (" that may be shown in public." if pack.public else "."), "body")]
    flowables = [pdf.heading(heading), pdf.text(f"Measures of the CSPs in {pack.area.name}, as at "
                                                f"{month_label(pack.period.end)}", "subheading")]
    flowables += [pdf.table(_rag_table(pack, statuses), [3, 1, 1, 1, 1, 1.2]), pdf.text(_RAG_RULE_TEXT, "small")]
    for csp in (c for c in _csps(pack) if statuses[c.code]):
        flowables += [PageBreak(), *_csp_measures(pack, csp, statuses[csp.code])]
    return flowables


_RAG_RULE_TEXT = "How the status is decided. " + RAG_RULE.replace("**", "")


def _statuses(pack: Pack, csp: Area) -> list[MeasureStatus]:
    """One CSP's measures the pack may show, as at the period's end."""
    shown = []
    for target in load_targets(pack.db, csp.code):
        indicator = find_indicator(pack.catalogue, target.indicator_key)
        if indicator is not None:
            pack.show(indicator)
        shown.append(evaluate_measure(pack.db, target, indicator, csp, pack.period.end))
    return shown


def _rag_table(pack: Pack, statuses: dict[str, list[MeasureStatus]]) -> pd.DataFrame:
    rows = []
    for csp in _csps(pack):
        counts = rag_counts(statuses[csp.code])
        rows.append({"CSP": csp.name, **{f"{RAG_ICONS[r]} {r}": n for r, n in counts.items()},
                     "Measures": sum(counts.values())})
    return pd.DataFrame(rows)


def _csp_measures(pack: Pack, csp: Area, statuses: list[MeasureStatus]) -> list[Flowable]:
    flowables = [pdf.text(f"{csp.name} CSP: measures as at {month_label(pack.period.end)}", "subheading")]
    if not statuses:
        flowables.append(pdf.text(f"{csp.name} has no measures with targets in the store.", "body"))
    else:
        counts = ", ".join(f"{n} {rag}" for rag, n in rag_counts(statuses).items() if n)
        flowables += [pdf.text(f"{len(statuses)} measures: {counts}.", "body"),
                      pdf.table(_measure_rows(statuses), [3.2, 3.2, 1.6, 2.4])]
    if pack.hidden:
        flowables.append(pdf.text("Measures on restricted partner indicators are for partners only and are not "
                                  "shown here.", "small"))
    if len(_csps(pack)) == 1:
        flowables.append(pdf.text(_RAG_RULE_TEXT, "small"))
    return flowables


def _measure_rows(statuses: list[MeasureStatus]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Measure": f"{s.target.measure}. {measure_basis(s)}",
        "Figures": pdf.cell_lines([f"{label}: {value}" for label, value in measure_figures(s)]),
        "Status": f"{RAG_ICONS[s.rag]} {s.rag}: {s.reason}",
        "Commentary": s.target.commentary or "",
    } for s in statuses])


# ---- 3. Trends -------------------------------------------------------------------------------------------------


def _trends(pack: Pack, heading: str) -> list[Flowable]:
    intro, indicators, restricted = _trend_choice(pack)
    if restricted:
        intro += (f" {restricted} chosen priority's figures come from a restricted partner indicator, for partners "
                  "only, so are not shown.")
    blocks = [_trend_block(pack, indicator) for indicator in indicators]
    if not blocks:
        return [pdf.heading(heading), pdf.text(intro, "body"), pdf.text("There is no indicator to chart.", "body")]
    pages = [blocks[i:i + CHARTS_PER_PAGE] for i in range(0, len(blocks), CHARTS_PER_PAGE)]
    flowables = [pdf.one_page([pdf.heading(heading), pdf.text(intro, "body"), *_joined(pages[0])])]
    for page in pages[1:]:
        flowables += [PageBreak(), pdf.one_page(_joined(page))]
    return flowables


def _joined(blocks: list[list[Flowable]]) -> list[Flowable]:
    return [flowable for block in blocks for flowable in (*block, Spacer(1, 8))]


def _trend_choice(pack: Pack) -> tuple[str, list[Indicator], int]:
    """The indicators to chart, why those, and how many were left out as restricted."""
    assessment = pack.assessment
    keys = [a.indicator_key for a in assessment.issues if a.chosen and a.indicator_key] if assessment else []
    if assessment and keys:  # keys come from the assessment, so it is there
        intro = f"The chosen priorities of {describe_assessment(assessment, pack.area)}"
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


def _trend_view(pack: Pack) -> str:
    # As the Trends page: rolling 12-month totals once a year is held, else the months themselves.
    return "rolling" if pack.store.months >= 12 else "monthly"


def _trend_block(pack: Pack, indicator: Indicator) -> list[Flowable]:
    pack.show(indicator)
    view, area = _trend_view(pack), pack.area
    labels = chart_labels(indicator, view, "count", CONFIDENCE)
    points = trend_lines(pack.db, indicator, [area], view, False, 0.95, pack.period.end)
    if points.empty:
        absent = missing_values(pack.db, indicator, [area])
        return [pdf.text(absent.words or f"{indicator.name}: no figures in this view: {labels.missing}", "body")]
    target = target_line(pack.db, indicator, area, view, "count")
    chart = trend_chart(points, f"{indicator.name} in {area.name}: {labels.view}", labels.y, f"{CONFIDENCE}% CI",
                        target=target.value if target else None, target_label=target.label if target else "",
                        baseline=target.baseline if target else None)
    # Thin out month labels that would overlap at paper width (the screen has room for them all).
    chart = chart.properties(width=CHART_WIDTH_PX).configure_axisX(labelOverlap="greedy", labelSeparation=6)
    width, height = pdf.frame_size()
    caption = (f"{indicator.name}. Source: {indicator.source}. {labels.caption} Shaded: {CONFIDENCE}% confidence "
               f"interval ({labels.method}). {_period_of(points)}."
               + (f" Target: {target.explanation}" if target else "") + _trend_sentence(pack, indicator))
    return [pdf.image(chart_png(chart, CHART_SCALE), width, height / CHARTS_PER_PAGE - 60), pdf.text(caption, "small")]


def _period_of(points: pd.DataFrame) -> str:
    first, last = points["period"].min(), points["period"].max()
    if len(first) == 7:
        return f"Months: {month_span(first, last)}"
    return f"Financial years {first} to {last}" if first != last else f"Financial year {first}"


def _trend_sentence(pack: Pack, indicator: Indicator) -> str:
    if indicator.frequency != "monthly":
        return ""
    monthly = monthly_series(pack.db, indicator, pack.area, end=pack.period.end)
    if monthly.empty:
        return ""
    people = residents(pack.db, pack.area, population_year(monthly["month"].iloc[-1])) if indicator.is_police else None
    return " Recent trend: " + trend_words(pack.area.name, monthly_trend(monthly, indicator.polarity, people)
                                           ).replace("**", "")


# ---- 4. Hotspots -----------------------------------------------------------------------------------------------


def _hotspots(pack: Pack, heading: str) -> list[Flowable]:
    indicators = [find_indicator(pack.catalogue, key) for key in HOTSPOT_KEYS]
    held = [i for i in indicators if i is not None]
    if not held:
        return [pdf.heading(heading), pdf.text("The store holds no anti-social behaviour or violence to map.", "body")]
    first, last = pack.store.first_month, pack.store.last_month
    if pack.public and not (first and last and is_whole_period(pack.period.start, pack.period.end, first, last)):
        return [pdf.heading(heading), pdf.text(gi_star.PUBLIC_PERIODS_ONLY + " Build the pack for one of them "
                                               "to include the maps.", "body")]
    scope = area_scope(pack.db, pack.area)  # resolved once for every map of the section
    resolution = study_area.suggested_resolution(pack.db, scope) if pack.unit == "h3" else None
    outlines = study_area.outlines(pack.db, scope)
    pages = [_hotspot_page(pack, scope, indicator, resolution, outlines) for indicator in held]
    flowables = [pdf.one_page([pdf.heading(heading), *pages[0]])]
    for page in pages[1:]:
        flowables += [PageBreak(), pdf.one_page(page)]
    return flowables


def _hotspot_page(pack: Pack, scope: AreaScope, indicator: Indicator, resolution: int | None,
                  outlines: dict) -> list[Flowable]:
    area, period = pack.area, pack.period
    result = gi_star.hotspot_cells(pack.db, scope, list(indicator.categories), period.start, period.end, pack.unit,
                                   resolution or gi_star.DEFAULT_RESOLUTION)
    polygons = study_area.cell_polygons(result, pack.db) if pack.unit == "lsoa" else None
    # Councillors read the pack: the map in plain words, the method after it for anyone checking the figures.
    caption = hotspot_caption(result, indicator, area, period, plain=True)
    # Title and caption are text on the page instead, so they can be searched and read aloud.
    png = map_png.hotspot_png(result.cells, pack.unit, outlines, layer="gi", polygons=polygons, dpi=MAP_DPI)
    width, _ = pdf.frame_size()
    figures = " · ".join(f"{label}: {value}" for label, value in hotspot_metrics(result))
    return [
        pdf.text(map_title(indicator, area, period), "subheading"),
        pdf.image(png, width, width * MAP_HEIGHT),
        pdf.text(figures, "small"),
        pdf.text(f"The top {HOTSPOT_ROWS} places", "subheading"),
        pdf.table(_hotspot_rows(result), [3.6, 1.5, 1.1, 1.1, 1.6, 1.4]),
        pdf.text(caption + (f" {PUBLIC_MODE_NOTE} Shares and changes are worked out from the rounded counts, and "
                            "left blank beside a count not shown." if pack.public else ""), "small"),
        pdf.text(f"How this is worked out: {method_caption(result, indicator, area, period)}", "small"),
        *[pdf.text(note, "small") for note in result.notes],
    ]


def _hotspot_rows(result: gi_star.HotspotResult) -> pd.DataFrame:
    """The ranked table as the page shows it (a public result's counts protected, as ``ranked_table`` says)."""
    table = ranked_table(result, HOTSPOT_ROWS).reset_index(drop=True)
    table["% of area total"] = [f"{v:.1f}%" if _known(v) else "" for v in table["% of area total"]]
    table["Change"] = [(f"{int(v):+,}" if v else "0") if _known(v) else "" for v in table["Change"]]
    return table.rename(columns={"% of area total": "% of total"})


def _known(value: object) -> bool:
    return value is not None and not pd.isna(value)


# ---- 5. Priority matrix ----------------------------------------------------------------------------------------


def _matrix(pack: Pack, heading: str) -> list[Flowable]:
    assessment = pack.assessment
    if assessment is None or not assessment.issues:
        return [pdf.heading(heading), pdf.text(f"{pack.area.name} has no threat, harm and risk assessment in the "
                                               "store, and nor has its county.", "body")]
    frame = _ranked_with_volume(pack, assessment)
    version, owner = assessment.version, assessment.owner
    chart = priority_matrix_chart(frame, "risk_position", (POSITION_THRESHOLD, RISK_THRESHOLD), QUADRANTS,
                                  f"{owner.name}: priorities for {version.year}", width=900)
    width, height = pdf.frame_size()
    page = [
        pdf.heading(heading),
        pdf.text(describe_assessment(assessment, pack.area), "body"),
        pdf.image(chart_png(chart, CHART_SCALE), width, height - 150),
        pdf.text("Numbers: each issue's rank, as in the ranked table overleaf (the key under the chart's title "
                 f"names them). Bubble size: volume in {pack.period.span} (police.uk street-level data and partner "
                 "returns). Shape: confidence in the evidence. Shading: each quadrant, named with what to do. "
                 f"Dashed lines: risk {RISK_THRESHOLD:g} and organisational "
                 f"position {POSITION_THRESHOLD:g}. Scores run from 0 to 100 (MoRiLE-style threat, harm and risk).",
                 "small"),
    ]
    ranking = pdf.table(_ranked_rows(frame), [0.8, 3, 1, 1.2, 1.2, 2.6, 1])
    return [pdf.one_page(page), PageBreak(), pdf.text("Ranked by priority score", "subheading"), ranking]


def _ranked_with_volume(pack: Pack, assessment: PackAssessment) -> pd.DataFrame:
    """The ranking with each issue's volume for the bubble sizes (none where its figures are restricted)."""
    names, keys = {a.issue for a in assessment.issues}, {a.indicator_key for a in assessment.issues}
    wanted = [c for c in candidate_issues(pack.catalogue) if c.name in names or c.indicator_key in keys]
    return ranked_with_volume(assessment.issues, evidence_by_issue(pack.db, wanted, assessment.owner, pack.period))


def _ranked_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The page's ranked list (``lib.priorities.tables.ranked_table``), in the columns a printed page has room for."""
    rows = priority_tables.ranked_table(frame)[RANKING_COLUMNS]
    scores = ["Risk", "Position", "Priority score"]
    return rows.assign(**{column: rows[column].map("{:.1f}".format) for column in scores})


# ---- 6. Action plan --------------------------------------------------------------------------------------------


def _actions(pack: Pack, heading: str) -> list[Flowable]:
    actions = _area_actions(pack)
    if not actions:
        return [pdf.heading(heading), pdf.text(f"No action plan for {pack.area.name} is held in the store.", "body")]
    overdue = [a for a in actions if action_plan.is_overdue(a, pack.today)]
    summary = action_plan.rag_summary(actions, pack.today).rename(columns={"priority": "Priority"})
    flowables = [
        pdf.heading(heading),
        pdf.text(f"RAG status of {len(actions)} actions by priority, as at {pack.today:%d %B %Y}", "subheading"),
        pdf.table(summary, [3.2, 1, 1, 1, 1.2, 1.2, 1]),
        pdf.text("RAG is the lead's own judgement of delivery. Total counts every action, including any not yet "
                 "rated. Overdue: the completion date has passed and the action is not complete.", "small"),
        pdf.text(f"Overdue actions ({len(overdue)})", "subheading"),
    ]
    if not overdue:
        return [*flowables, pdf.text(f"No action is overdue at {pack.today:%d %B %Y}.", "body")]
    return [*flowables, pdf.table(_overdue_rows(pack, overdue), [1.6, 2.7, 1.5, 1.3, 1.1, 1.1, 2.5])]


def _area_actions(pack: Pack) -> list[action_plan.Action]:
    """A CSP's own, its county's and partnership-wide actions; for a county, also every action of its CSPs."""
    if pack.area.kind == "csp":
        return action_plan.load_actions(pack.db, pack.area.code)
    codes = {pack.area.code, *(a.code for a in pack.areas)}
    return [a for a in action_plan.load_actions(pack.db) if a.area_code is None or a.area_code in codes]


def _overdue_rows(pack: Pack, overdue: list[action_plan.Action]) -> pd.DataFrame:
    names = _area_names(pack.db, {a.area_code for a in overdue if a.area_code})
    return pd.DataFrame([{
        "Priority": a.priority, "Action": a.action, "Lead": a.lead or "not named",
        "Area": names.get(a.area_code, a.area_code) if a.area_code else action_plan.PARTNERSHIP_WIDE,
        # An overdue action always has a completion date.
        "Due": f"{date.fromisoformat(a.completion_date or ''):%d %b %Y}", "RAG": a.rag or "Not rated",
        "Commentary": a.commentary or "",
    } for a in overdue])


def _area_names(db: sqlite_utils.Database, codes: Iterable[str]) -> dict[str, str]:
    codes = list(codes)
    marks = placeholders(codes)
    return dict(db.execute(f"SELECT code, name FROM areas WHERE code IN ({marks})", codes).fetchall()) if codes else {}


# ---- The document ----------------------------------------------------------------------------------------------

_SECTIONS: dict[str, Callable[[Pack, str], list[Flowable]]] = {
    "Overview": _overview, "Measures": _measures, "Trends": _trends, "Hotspots": _hotspots,
    "Priority matrix": _matrix, "Action plan": _actions, "Sources and licence": sources_and_licence,
}


def build_pack(
    db: sqlite_utils.Database, area: Area, period: Period, *, generated: date | None = None, unit: str = "h3",
) -> bytes:
    """The committee pack for an area and period, as PDF bytes, showing what ``db``'s viewer may see.

    Open the store with ``lib.store.access.open_for(path, PUBLIC)`` for published papers. ``generated`` is the date
    printed and the one actions are judged overdue against (today by default); ``unit`` is the hotspot maps'
    cells, "h3" hexagons sized to the area or "lsoa".
    """
    if unit not in gi_star.UNITS:
        raise ValueError(f"unit must be one of {gi_star.UNITS}, not {unit!r}")
    pack = open_pack(db, area, period, generated or date.today(), unit)
    story = _cover(pack)
    for heading in PACK_SECTIONS:
        story += [PageBreak(), *_SECTIONS[heading](pack, heading)]
    return pdf.render(story, title=f"{PACK_TITLE}: {pack.area.name}, {pack.period.span}", subject=pack.period.title,
                      footer=f"{PACK_TITLE} · {pack.area.name} · {pack.period.span}")


def pack_file_name(area: Area, period: Period) -> str:
    """'committee-pack_avonmere_2025-10-to-2026-09.pdf'."""
    return download_name("committee pack", area.name, f"{period.start} to {period.end}", suffix=".pdf")
