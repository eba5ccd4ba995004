"""The shared screen (issue 17): every page and guided step in headless Chromium, as a room sees it on a projector.

On the demo county and on a real police.uk store (East Sussex's Eastbourne: no targets, no assessment, no sign-in),
each page and guided step is opened once in presentation mode (``present=1``) at 1366x768, measured, resized to
1280x720 and measured again; every page, and the guided presentation's first step, is then opened once in normal
mode (presentation_modes). Each page is measured for: where its main visual starts, what
scrolls sideways, the headings above the visual, the text on screen, the rendered font sizes, and axe-core's
findings (WCAG 2.2 A and AA). The checks asserted here, each over every page at once:

- no text on screen (and no dataframe cell the grid exposes) reads None, nan or a raw area code;
- chart axis and legend text and table text are at least 18 px on screen in presentation mode;
- in presentation mode, the main visual (map, chart, grid or table) starts in the first screen, nothing is wider
  than the screen, and a heading above the visual names the area;
- axe-core finds no serious or critical violation, in presentation and in normal mode;
- in normal mode, each page answers as issue 18 asks (the overview judges, the matrix draws, Measures shows
  statuses, no message points at an absent control) and, on Eastbourne, no page calls its real figures the demo
  and the hot spot map draws its hexagons (test_browser.py checks the same of the real Sussex county and Suffolk);
- no console or page error while any page was open.

The guided presentation driven by the keyboard alone (arrow keys, and Tab to the buttons) is in test_browser.py.

All pages are measured first (one server per store, one browser page reused); each test then reports every page
that fails its check for one store and one screen size, so one run says what fails where. Screenshots (the first
viewport of every page at every size) go to $CSP_ARTIFACTS, like the other browser tests.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.app_support import copy_store, demo_store_file
from tests.browser_support import (
    RUN_TIMEOUT_MS,
    Watched,
    guided_step,
    reddish_pixels,
    streamlit_server,
    what_the_page_does_not_answer,
)

STORE_AREAS = {"demo": "X10000001", "sussex": "E22000295"}  # the demo county; Eastbourne CSP
PAGES = ["home", "overview", "trends", "measures", "similar", "hotspots", "priorities", "actions", "pack", "data"]
PRESENT_SIZES = {"present 1366x768": (1366, 768), "present 1280x720": (1280, 720)}
NORMAL = "normal 1366x768"
MIN_PRESENT_PX = 18
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_BLOCKING = {"serious", "critical"}
# The bundled axe-core (4.4) still runs its two rules for WCAG 4.1.1 Parsing under "wcag2a". WCAG 2.2 removed 4.1.1
# (obsolete: browsers now parse markup the same way), and axe-core 4.8 deprecated both rules for that reason. They
# fire on the dataframe grid's hidden copy for screen readers, whose cell ids repeat from one grid to the next.
AXE_OBSOLETE_RULES = ("duplicate-id", "duplicate-id-active")
AXE_SECONDS = 45
# Rendered text that must never reach the screen: a missing value shown raw, or an area code instead of a name
# (X is the demo county's made-up prefix).
RAW_TEXT = {
    # "None of the ..." is a sentence and "0 None" a level of a score's scale; "None" alone is a missing value.
    "None": re.compile(r"(?<![0-9] )\bNone\b(?! [a-z])"),
    "nan": re.compile(r"\b(?:nan|NaN)\b"),
    "area code": re.compile(r"\b[EWSKX]\d{8}\b|pfa:"),
}

# What the page shows, measured in the page itself. Streamlit scrolls inside its own container, which the test
# never scrolls, so a bounding box's top is its distance from the top of the first screen.
MEASURE_JS = """
() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const main = document.querySelector('[data-testid="stMainBlockContainer"]') || document.body;
  const shown = el => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0';
  };
  const name = el => {
    const owner = el.closest('[data-testid]');
    const cls = String(el.getAttribute('class') || '').split(/\\s+/).filter(Boolean).slice(0, 2).join('.');
    const text = (el.textContent || '').trim().slice(0, 40);
    return el.tagName.toLowerCase() + (cls ? '.' + cls : '') + (owner ? ' in ' + owner.dataset.testid : '')
      + (text ? ` "${text}"` : '');
  };
  const first = selector => [...main.querySelectorAll(selector)].filter(shown)[0];
  const visual = first('[data-testid="stDeckGlJsonChart"], [data-testid="stVegaLiteChart"]')
    || first('[data-testid="stDataFrame"], [data-testid="stTable"]');
  const top = visual ? visual.getBoundingClientRect().top : null;
  const height = visual ? visual.getBoundingClientRect().height : null;

  const sideways = [];
  for (const el of document.querySelectorAll('*')) {
    const s = getComputedStyle(el);
    if ((s.overflowX === 'auto' || s.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1 && shown(el))
      sideways.push(`${name(el)} scrolls sideways: ${el.scrollWidth} px in ${el.clientWidth} px`);
  }
  const offRight = [];
  const leaves = 'svg text, svg, canvas, img, p, span, td, th, li, h1, h2, h3, h4, h5, h6, button, a, label';
  for (const el of main.querySelectorAll(leaves)) {
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 && shown(el)) offRight.push(`${name(el)} runs to x=${Math.round(r.right)}`);
  }

  const limit = visual ? top + 2 : vh;
  // A heading that starts above the visual's top edge (a two-line headline may sit a pixel or two into its box).
  const headings = [...main.querySelectorAll('h1, h2, h3, h4, h5, h6, [role="heading"]')]
    .filter(h => shown(h) && h.getBoundingClientRect().top < Math.min(limit, vh))
    .map(h => h.innerText.trim());

  const cells = [...document.querySelectorAll(
    '[data-testid="stDataFrame"] [role="gridcell"], [data-testid="stDataFrame"] [role="columnheader"], '
    + '[data-testid="stDataFrame"] td, [data-testid="stDataFrame"] th')].map(c => c.textContent.trim());

  const scaleOf = el => {
    const zoom = el.currentCSSZoom || 1;
    const r = el.getBoundingClientRect();
    const transform = el.offsetWidth ? r.width / el.offsetWidth : 1;
    return Math.max(zoom, transform);
  };
  const px = text => { const m = /([0-9.]+)px/.exec(text || ''); return m ? parseFloat(m[1]) : null; };
  const fonts = [];
  [...main.querySelectorAll('[data-testid="stVegaLiteChart"]')].filter(shown).forEach((chart, n) => {
    const title = (chart.querySelector('.role-title-text text') || {}).textContent || `chart ${n + 1}`;
    for (const role of ['axis-label', 'axis-title', 'legend-label', 'legend-title']) {
      const texts = [...chart.querySelectorAll(`.role-${role} text`)].filter(t => t.textContent.trim());
      if (!texts.length) continue;
      const sizes = texts.map(t => {
        const ctm = t.getScreenCTM();
        return parseFloat(getComputedStyle(t).fontSize) * (ctm ? Math.hypot(ctm.a, ctm.b) : 1);
      });
      const smallest = sizes.indexOf(Math.min(...sizes));
      fonts.push({where: `"${title.slice(0, 50)}" ${role.replace('-', ' ')}s`, px: sizes[smallest],
                  sample: texts[smallest].textContent.slice(0, 30)});
    }
  });
  [...main.querySelectorAll('[data-testid="stDataFrame"]')].filter(shown).forEach((grid, n) => {
    const probe = grid.querySelector('canvas') || grid;
    const style = getComputedStyle(probe);
    const scale = scaleOf(probe);
    for (const [part, variable] of [['cells', '--gdg-base-font-style'], ['headers', '--gdg-header-font-style']]) {
      const size = px(style.getPropertyValue(variable));
      fonts.push({where: `table ${n + 1} ${part}`, px: size === null ? null : size * scale, sample: variable});
    }
  });
  [...main.querySelectorAll('[data-testid="stTable"]')].filter(shown).forEach((table, n) => {
    const cells = [...table.querySelectorAll('td, th')].filter(shown);
    if (!cells.length) return;
    const sizes = cells.map(c => parseFloat(getComputedStyle(c).fontSize) * scaleOf(c));
    const smallest = sizes.indexOf(Math.min(...sizes));
    fonts.push({where: `table ${n + 1} (st.table) cells`, px: sizes[smallest],
                sample: cells[smallest].textContent.slice(0, 30)});
  });

  return {vw, vh, docWidth: document.documentElement.scrollWidth,
          visual: visual ? {kind: visual.dataset.testid, top, height} : null,
          sideways, offRight, headings, text: document.body.innerText, cells, fonts};
}
"""
# The presentation stylesheet has arrived: the sidebar is hidden.
PRESENTING_JS = """
() => { const bar = document.querySelector('[data-testid="stSidebar"]');
        return !bar || getComputedStyle(bar).display === 'none'; }
"""
# Every visible chart has its marks, every visible map its canvas, every visible grid its canvas.
DRAWN_JS = """
() => {
  const shown = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const all = selector => [...document.querySelectorAll(selector)].filter(shown);
  return all('[data-testid="stVegaLiteChart"]').every(c => c.querySelector('svg.marks'))
    && all('[data-testid="stDeckGlJsonChart"]').every(c => c.querySelector('canvas'))
    && all('[data-testid="stDataFrame"]').every(c => c.querySelector('canvas'));
}
"""
# The sizes of everything that could still be moving: stable twice running means the layout has settled.
LAYOUT_JS = """
() => JSON.stringify([document.documentElement.scrollWidth,
  ...[...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg, [data-testid="stDeckGlJsonChart"], '
      + '[data-testid="stDataFrame"], h1')].map(e => { const r = e.getBoundingClientRect();
        return [Math.round(r.top), Math.round(r.width), Math.round(r.height)]; })])
"""


@dataclass
class Survey:
    """What every page showed, per view: measurements, or why the page could not be measured."""

    store: str
    names: list[str]
    pages: list[str] = field(default_factory=list)
    measured: dict[tuple[str, str], dict] = field(default_factory=dict)
    broken: dict[tuple[str, str], str] = field(default_factory=dict)
    axe: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    answers: dict[str, list[str]] = field(default_factory=dict)  # what each page fails to answer, in normal mode
    errors: dict[str, list[str]] = field(default_factory=dict)  # console and page errors while each page was open


def area_names(store: Path, code: str) -> list[str]:
    """The area's name, its CSPs' (a county's measures are a CSP's) and its county's (a CSP's overview grid is its
    county's)."""
    query = ("SELECT name FROM areas WHERE code = :code OR (parent_code = :code AND kind = 'csp') "
             "OR code = (SELECT parent_code FROM areas WHERE code = :code AND kind = 'csp')")
    with closing(sqlite3.connect(f"file:{store}?mode=ro", uri=True)) as db:
        rows = db.execute(query, {"code": code}).fetchall()
    return [name for (name,) in rows]


def page_url(server: str, page: str, area: str, present: bool) -> str:
    path, _, query = {"home": ""}.get(page, page).partition("?")
    params = [p for p in [query, "present=1" if present else "", f"area={area}"] if p]
    return f"{server}/{path}?{'&'.join(params)}"


def wait_until_drawn(page: Page, present: bool) -> None:
    """The script has run, the presentation stylesheet is on, the visuals have drawn and the layout is still."""
    if present:
        page.wait_for_function(PRESENTING_JS, timeout=RUN_TIMEOUT_MS)
    page.wait_for_function(DRAWN_JS, timeout=RUN_TIMEOUT_MS)
    settle_layout(page)
    if page.locator('[data-testid="stDeckGlJsonChart"] canvas >> visible=true').count():
        page.wait_for_timeout(1500)  # WebGL paints after the canvas is laid out: only for the screenshot


def settle_layout(page: Page, polls: int = 40) -> None:
    """Wait (up to ``polls`` x 250 ms) until the charts, maps and grids have the same boxes twice running."""
    before = None
    for _ in range(polls):
        now = page.evaluate(LAYOUT_JS)
        if now == before:
            return
        before = now
        page.wait_for_timeout(250)


def axe_findings(axe: Axe, page: Page) -> list[str]:
    """Serious and critical violations of the WCAG 2 A/AA rules, one line each with an example element."""
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"],
               "rules": {rule: {"enabled": False} for rule in AXE_OBSOLETE_RULES}}
    page.evaluate(axe.axe_script)
    # Bounded in the page, so a slow audit fails this page instead of hanging the run.
    violations = page.evaluate(
        "options => Promise.race([axe.run(document, options).then(r => r.violations), new Promise((_, fail) => "
        f"setTimeout(() => fail(new Error('axe took over {AXE_SECONDS} s')), {AXE_SECONDS * 1000}))])", options)
    return [f"{v['impact']} {v['id']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']}): {v['help']}"
            for v in violations if v["impact"] in AXE_BLOCKING]


def exception_text(page: Page) -> str | None:
    boxes = page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
    return boxes.first.inner_text()[:200] if boxes.count() else None


def visit(watched: Watched, url: str, present: bool) -> None:
    """Open a page and wait until the script has run and drawn (not for an h1: a headline may be the heading)."""
    page = watched.page
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=RUN_TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] :is(h1, h2, h3)', timeout=RUN_TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    wait_until_drawn(page, present)


def measure(survey: Survey, page: Page, label: str, view: str, shot: Path) -> None:
    page.screenshot(path=str(shot))
    failed = exception_text(page)
    if failed:
        survey.broken[(label, view)] = f"the page shows an error: {failed}"
    # As a wait, so a page that never answers fails after RUN_TIMEOUT_MS instead of hanging the run.
    survey.measured[(label, view)] = page.wait_for_function(MEASURE_JS, timeout=RUN_TIMEOUT_MS).json_value()


def presentation_modes(label: str) -> tuple[bool, ...]:
    """Presentation mode for every page and step; normal mode too for every page and the guided presentation's first
    step. A later step in normal mode is that step's visual with the sidebar and top bar around it, which the pages'
    normal-mode visits check already, and each such visit costs seconds of two busy cores."""
    later_step = label.startswith("present?step=") and label != "present?step=1"
    return (True,) if later_step else (True, False)


def run_survey(survey: Survey, server: str, area: str, browser, folder: Path) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(RUN_TIMEOUT_MS)
    watched = Watched(context.new_page())
    page, axe = watched.page, Axe()
    visit(watched, page_url(server, "present?step=1", area, True), True)
    _, steps = guided_step(page)
    survey.pages = PAGES[:8] + [f"present?step={n}" for n in range(1, steps + 1)] + PAGES[8:]
    for label in survey.pages:
        shot = label.replace("?", "-").replace("=", "")
        errors_before = len(watched.errors)
        for present in presentation_modes(label):
            views = list(PRESENT_SIZES) if present else [NORMAL]
            try:
                page.set_viewport_size({"width": 1366, "height": 768})
                visit(watched, page_url(server, label, area, present), present)
                for number, size in enumerate(views):
                    if number:
                        width, height = PRESENT_SIZES[size]
                        page.set_viewport_size({"width": width, "height": height})
                        settle_layout(page)
                    measure(survey, page, label, size, folder / f"{survey.store}-{size.replace(' ', '-')}-{shot}.png")
                    if number == 0:
                        survey.axe[(label, size)] = axe_findings(axe, page)
                if not present:
                    survey.answers[label] = what_a_viewer_misses(page, survey.store, label)
            except PlaywrightError as error:  # a timeout too
                for size in views:
                    survey.broken.setdefault((label, size), f"did not finish drawing: {str(error).splitlines()[0]}")
        survey.errors[label] = watched.errors[errors_before:]
    context.close()


def what_a_viewer_misses(page: Page, store: str, label: str) -> list[str]:
    """What issue 18 asks of every page (``what_the_page_does_not_answer``) and, on a real store, that no page
    calls its figures the synthetic demo and the hot spot map has drawn its hexagons."""
    path = {"home": ""}.get(label, label.partition("?")[0])
    problems = what_the_page_does_not_answer(page, path)
    if store == "demo":
        return problems
    if page.locator('[data-testid="stAlert"]').filter(has_text="Synthetic demo data").count():
        problems.append("says its real figures are the synthetic demo")
    if path == "hotspots" and not hexagons_drawn(page):
        problems.append("no hot spot hexagons drawn on the map")
    return problems


def hexagons_drawn(page: Page, tries: int = 30) -> bool:
    """The map shows red hot spot cells: WebGL paints after the canvas is laid out, so look once a second, up to
    ``tries`` times."""
    chart = page.locator('[data-testid="stDeckGlJsonChart"]').first
    for _ in range(tries):
        if reddish_pixels(chart.screenshot()) > 50:
            return True
        page.wait_for_timeout(1000)
    return False


@pytest.fixture(scope="module", params=list(STORE_AREAS))
def survey(request, browser, artifacts, tmp_path_factory) -> Iterator[Survey]:
    name = request.param
    folder = tmp_path_factory.mktemp(f"projector-{name}")
    source = demo_store_file() if name == "demo" else request.getfixturevalue("sussex_store_path")
    store = copy_store(source, folder / f"{name}.db")
    result = Survey(name, area_names(store, STORE_AREAS[name]))
    with streamlit_server(store, folder / "streamlit.log") as url:
        run_survey(result, url, STORE_AREAS[name], browser, artifacts)
    # What was measured, beside the screenshots, for reading a failure against the picture.
    (artifacts / f"{name}-measurements.json").write_text(json.dumps(
        {f"{page} @ {view}": {**{k: v for k, v in seen.items() if k != "text"}, "cells": len(seen["cells"])}
         for (page, view), seen in result.measured.items()}, indent=1))
    yield result


def report(survey: Survey, view: str, check: str, problems: dict[str, list[str]]) -> None:
    """Fail with every page that fails, one line per problem; pages that could not be measured count as failing."""
    due = [page for page in survey.pages if (view != NORMAL) in presentation_modes(page)]
    lines = [f"{page}: {problem}" for page, found in problems.items() for problem in found]
    lines += [f"{page}: not measured, {survey.broken[(page, view)]}" for page in due if (page, view) in survey.broken]
    lines += [f"{page}: never opened" for page in due
              if (page, view) not in survey.broken and (page, view) not in survey.measured]
    assert not lines, (f"{check}: {len({line.split(':')[0] for line in lines})} of {len(due)} pages fail "
                       f"on {survey.store} at {view}:\n  " + "\n  ".join(lines))


def measured(survey: Survey, view: str) -> Iterator[tuple[str, dict]]:
    for page in survey.pages:
        if (page, view) in survey.measured and (page, view) not in survey.broken:
            yield page, survey.measured[(page, view)]


@pytest.mark.parametrize("view", [*PRESENT_SIZES, NORMAL])
def test_no_raw_values_or_area_codes_on_screen(survey, view):
    problems = {}
    for page, seen in measured(survey, view):
        found = []
        for what, pattern in RAW_TEXT.items():
            for source, text in [("text", seen["text"]), ("table cell", "\n".join(seen["cells"]))]:
                hits = [text[max(m.start() - 30, 0):m.end() + 20].replace("\n", " | ") for m in pattern.finditer(text)]
                if hits:
                    found.append(f"{what} in {source} ({len(hits)}x), e.g. {hits[:3]}")
        if found:
            problems[page] = found
    report(survey, view, "raw values on screen", problems)


def shown_px(size: float | None) -> str:
    return "unreadable" if size is None else f"{size:.1f} px"


@pytest.mark.parametrize("view", list(PRESENT_SIZES))
def test_chart_and_table_text_is_large_enough_to_read_from_the_back(survey, view):
    problems = {}
    for page, seen in measured(survey, view):
        small = [f"{f['where']} {shown_px(f['px'])} (e.g. {f['sample']!r})"
                 for f in seen["fonts"] if f["px"] is None or f["px"] < MIN_PRESENT_PX - 0.05]
        if small:
            problems[page] = small
    report(survey, view, f"chart or table text under {MIN_PRESENT_PX} px", problems)


# Enough of the visual to read on the first screen: its top edge in the first three-quarters of the viewport.
VISUAL_TOP_SHARE = 0.75


@pytest.mark.parametrize("view", list(PRESENT_SIZES))
def test_the_main_visual_starts_on_the_first_screen(survey, view):
    problems = {}
    for page, seen in measured(survey, view):
        visual = seen["visual"]
        if visual and visual["top"] > VISUAL_TOP_SHARE * seen["vh"]:
            problems[page] = [f"{visual['kind']} starts at y={visual['top']:.0f} on a {seen['vh']} px screen"]
    report(survey, view, "main visual below the fold", problems)


@pytest.mark.parametrize("view", list(PRESENT_SIZES))
def test_nothing_is_wider_than_the_screen(survey, view):
    problems = {}
    for page, seen in measured(survey, view):
        found = seen["sideways"] + seen["offRight"]
        if seen["docWidth"] > seen["vw"]:
            found.append(f"the page is {seen['docWidth']} px wide on a {seen['vw']} px screen")
        if found:
            problems[page] = found
    report(survey, view, "sideways scroll", problems)


# The Data page is about the whole store, not the area picked: its headline says what is held ("Data held in 1
# county, 5 CSPs, ...") rather than naming one area.
WHOLE_STORE_PAGES = {"data"}


@pytest.mark.parametrize("view", list(PRESENT_SIZES))
def test_the_page_names_its_area_above_the_visual(survey, view):
    problems = {}
    for page, seen in measured(survey, view):
        if page in WHOLE_STORE_PAGES:
            if not any(heading.startswith("Data held in ") for heading in seen["headings"]):
                problems[page] = [f"no headline saying what the store holds: {seen['headings']}"]
        elif not any(name in heading for heading in seen["headings"] for name in survey.names):
            problems[page] = [f"no heading above the visual names {' or '.join(survey.names[:2])}: {seen['headings']}"]
    report(survey, view, "area not named above the visual", problems)


@pytest.mark.parametrize("view", [list(PRESENT_SIZES)[0], NORMAL])
def test_axe_core_finds_no_serious_or_critical_violation(survey, view):
    problems = {page: survey.axe[(page, view)] for page in survey.pages if survey.axe.get((page, view))}
    report(survey, view, "axe-core serious or critical violations", problems)


def test_every_page_answers_in_normal_mode(survey):
    """Issue 18 on the demo county and on Eastbourne, a real CSP with no targets, no assessment and no sign-in: the
    overview judges, the matrix draws, Measures shows statuses, nothing points at an absent control; on Eastbourne,
    nothing calls its figures the demo and the hot spot map draws."""
    problems = {page: found for page, found in survey.answers.items() if found}
    report(survey, NORMAL, "a page does not answer", problems)


def test_the_browser_reports_no_error_on_any_page(survey):
    errors = [f"{page}: {error}" for page, found in survey.errors.items() for error in found]
    assert not errors, f"console or page errors on {survey.store}:\n  " + "\n  ".join(errors)
