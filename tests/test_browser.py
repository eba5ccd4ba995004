"""The app in a real browser: `streamlit run` on the demo store, every page opened in headless Chromium.

Fails on a Streamlit exception box, an uncaught page error or a console error. Screenshots go to
$CSP_ARTIFACTS (tests.conftest.ARTIFACTS), which the test run names at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.app_support import REPO, copy_store, demo_store_file
from tests.browser_support import (
    FAILURE_WORDS,
    RUN_TIMEOUT_MS,
    Watched,
    guided_step,
    reddish_pixels,
    streamlit_server,
    what_the_page_does_not_answer,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    with streamlit_server(copy_store(demo_store_file(), folder / "demo.db"), folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser_context(browser) -> Iterator[BrowserContext]:
    """One context for the file's tests: each test opens its own page (its own Streamlit session), and the app's
    scripts come from the context's cache after the first test instead of being fetched and compiled again."""
    # Tall enough that the whole page is in the screenshot (Streamlit scrolls inside its own container).
    context = browser.new_context(viewport={"width": 1600, "height": 2000})
    context.set_default_timeout(RUN_TIMEOUT_MS)
    yield context
    context.close()


def sidebar_choice(page: Page, label: str) -> str:
    """What a sidebar picker shows."""
    return page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name=label).input_value()


@pytest.fixture
def watched(browser_context) -> Iterator[Watched]:
    page = browser_context.new_page()
    yield Watched(page)
    page.close()


def test_home_renders(server, watched, artifacts):
    watched.open(f"{server}/")
    page = watched.page
    # expect() retries until the page gets there, so a slow draw is not a failure.
    expect(page.locator("h1").first).to_have_text("Safer Communities Dashboard")
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(5)
    expect(page.locator('[data-testid="stVegaLiteChart"] svg.marks .mark-line path')).to_have_count(4)
    expect(page.locator('[data-testid="stAlert"]').first).to_contain_text("Synthetic demo data")
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("Open Government Licence v3.0")
    watched.check(artifacts / "home.png")
    page.get_by_text("Show as a table").click()
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(1)  # the rerun has drawn the table
    watched.settle()
    watched.check(artifacts / "home-table.png")


def test_data_page_and_each_tab_render(server, watched, artifacts):
    watched.open(f"{server}/data?area=X22000002&period=2025/26")
    page = watched.page
    expect(page.locator("h1").first).to_have_text("Data")
    assert ("Castlebury (CSP)", "2025/26") == (sidebar_choice(page, "Area"), sidebar_choice(page, "Period"))
    for tab in ["Coverage", "Import log", "Rejected rows", "Indicators", "Upload or fetch", "Downloads"]:
        page.get_by_role("tab", name=tab).click()
        watched.settle()
        watched.check(artifacts / f"data-{tab.lower().replace(' ', '-')}.png")


def test_picking_an_area_changes_the_numbers_and_the_link(server, watched, artifacts):
    watched.open(f"{server}/")
    page = watched.page
    county = page.locator('[data-testid="stMetricValue"]').first.inner_text()
    page.get_by_role("combobox", name="Area").click()
    page.get_by_role("option", name="Castlebury (CSP)").click()
    page.wait_for_url(re.compile(r"area=X22000002"))
    expect(page.locator('[data-testid="stMetricValue"]').first).not_to_have_text(county)
    watched.settle()
    watched.check(artifacts / "home-castlebury.png")
    # The choice follows to the next page, opened from the top bar's Store menu.
    page.locator('[data-testid="stTopNav"]').get_by_text("Store", exact=True).click()
    page.get_by_role("menuitem", name="Data").click()
    page.wait_for_url(re.compile(r"/data\?.*area=X22000002"))
    watched.settle()
    assert "Castlebury (CSP)" == sidebar_choice(page, "Area")
    watched.check(artifacts / "data-castlebury.png")


def test_a_link_to_a_page_works_on_a_freshly_started_server(tmp_path, browser):
    store = copy_store(demo_store_file(), tmp_path / "demo.db")
    with streamlit_server(store, tmp_path / "streamlit.log") as url:
        page = browser.new_page()
        watched = Watched(page)
        watched.open(f"{url}/data?area=X22000002")
        # One area picker, not none and not two: waited for (the sidebar may draw after the page's heading).
        expect(page.get_by_role("combobox", name="Area", exact=True)).to_have_count(1, timeout=RUN_TIMEOUT_MS)
        page.close()


def test_overview_grid_and_a_cell_opens_trends(server, watched, artifacts):
    watched.open(f"{server}/overview")
    page = watched.page
    expect(page.locator("h1").first).to_have_text("Partnership at a glance")
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    watched.check(artifacts / "overview.png")
    page.get_by_text("Avonmere (the county)", exact=True).click()
    page.wait_for_url(re.compile(r"compare=county"))
    watched.settle()
    watched.check(artifacts / "overview-county.png")
    # The grid is drawn on a canvas: click the third data row (an indicator) in the last column (Saltcliffe).
    box = grid.bounding_box()
    cell = (box["x"] + box["width"] * 0.95, box["y"] + 36 + 44 * 2 + 22)
    page.mouse.move(*cell)  # the canvas grid wants a hover before it takes a click
    page.wait_for_timeout(500)
    page.mouse.click(*cell)
    page.wait_for_url(re.compile(r"/trends\?.*area=X22000005"))
    watched.settle()
    expect(page.locator("h1").first).to_have_text("Trends")
    assert re.search(r"indicator=[a-z-]+", page.url)
    watched.check(artifacts / "overview-cell-to-trends.png")


def test_trends_tabs_render_with_charts(server, watched, artifacts):
    watched.open(f"{server}/trends?area=X22000002&indicator=public-place-violence,burglary&view=years&measure=rate")
    page = watched.page
    expect(page.locator("h1").first).to_have_text("Trends")
    # Two indicators: two trend charts, each drawn with a line per area and a shaded interval.
    expect(page.locator('[data-testid="stVegaLiteChart"]').first.locator("svg.marks")).to_be_visible()
    watched.check(artifacts / "trends.png")
    for tab in ["Year to date and rolling 12 months", "Same month in earlier years", "Harm-weighted"]:
        page.get_by_role("tab", name=tab).click()
        watched.settle()
        watched.check(artifacts / f"trends-{tab.split()[0].lower()}.png")


def test_measures_and_similar_areas_render(server, watched, artifacts):
    watched.open(f"{server}/measures?area=X22000005")
    page = watched.page
    expect(page.locator("h1").first).to_have_text("Measures")
    expect(page.get_by_text("Saltcliffe CSP: measures up to")).to_be_visible()
    watched.check(artifacts / "measures.png")
    watched.open(f"{server}/similar?area=X22000002")
    expect(page.locator("h1").first).to_have_text("Similar areas")
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(4)
    watched.check(artifacts / "similar.png")


@pytest.fixture(scope="module")
def sussex_server(sussex_store_path, tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-sussex")
    with streamlit_server(copy_store(sussex_store_path, folder / "sussex.db"), folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def suffolk_server(suffolk_store_path, tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-suffolk")
    with streamlit_server(copy_store(suffolk_store_path, folder / "suffolk.db"), folder / "streamlit.log") as url:
        yield url


# Eastbourne (a real CSP) and the demo county are checked the same way, page by page, by the projector survey
# (tests/test_projector.py), which opens every page of both in normal mode anyway.
REAL_VIEWS = {"sussex-county": ("sussex_server", "E10000011"), "suffolk-ipswich": ("suffolk_server", "E22000273"),
              "suffolk-county": ("suffolk_server", "E10000029")}


@pytest.mark.parametrize("path", ["", "overview", "trends", "measures", "similar", "hotspots", "priorities",
                                  "actions", "present", "pack", "data"])
@pytest.mark.parametrize("view", list(REAL_VIEWS))
def test_every_page_answers_on_a_real_store_at_csp_and_county_level(request, watched, artifacts, view, path):
    """Issue 18: the overview judges by default, the matrix draws, Measures shows statuses, and nothing points at an
    absent control, on the real Sussex county and the real Suffolk store (a second force), CSP and county."""
    fixture, area = REAL_VIEWS[view]
    watched.open(f"{request.getfixturevalue(fixture)}/{path}?area={area}")
    page = watched.page
    expect(page.locator("h1").first).to_be_visible()
    problems = what_the_page_does_not_answer(page, path)
    assert not problems, f"{view} {path}: {problems}"
    watched.check(artifacts / f"real-{view}-{path or 'home'}.png")


def test_priority_matrix_and_action_plan_render(server, watched, artifacts):
    watched.open(f"{server}/priorities?area=X10000001")
    page = watched.page
    expect(page.locator("h1").first).to_have_text("Priority matrix")
    expect(page.locator('[data-testid="stVegaLiteChart"]').first.locator("svg.marks")).to_be_visible()
    watched.check(artifacts / "priorities.png")
    for tab in ["This year against last", "All the evidence", "How the scores work"]:
        page.get_by_role("tab", name=tab).click()
        watched.settle()
    watched.check(artifacts / "priorities-tabs.png")
    watched.open(f"{server}/priorities?area=X10000001&year=2026/27&axes=harm_likelihood")
    expect(page.get_by_text("Saved versions cannot be changed")).to_be_visible()
    watched.check(artifacts / "priorities-agreed.png")
    watched.open(f"{server}/actions?area=X10000001")
    expect(page.locator("h1").first).to_have_text("Action plan")
    # The badge on an overdue action's card (the summary table's hidden header cell says "Overdue" too).
    expect(page.locator("text=Overdue >> visible=true").first).to_be_visible()
    watched.check(artifacts / "actions.png")


def test_without_sign_in_real_sussex_pages_offer_no_editing(sussex_server, watched, artifacts):
    # No sign-in is set up on this server, so editing is off: the evidence shows, the start form does not.
    watched.open(f"{sussex_server}/priorities?area=E22000295")
    page = watched.page
    expect(page.get_by_text("Editing is off: sign-in is not set up").first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Start the .* assessment"))).to_have_count(0)
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()  # the evidence table
    watched.check(artifacts / "sussex-priorities-read-only.png")
    watched.open(f"{sussex_server}/data?area=E22000295&tab=Upload+or+fetch")
    expect(page.get_by_text("Editing is off: sign-in is not set up").first).to_be_visible()
    expect(page.locator('[data-testid="stFileUploader"]')).to_have_count(0)
    watched.check(artifacts / "sussex-data-read-only.png")


def test_hotspot_map_draws_its_hexagons(server, watched, artifacts):
    watched.open(f"{server}/hotspots?area=X22000005&indicator=public-place-violence")
    page = watched.page
    expect(page.locator("h1").first).to_have_text("Hotspots")
    chart = page.locator('[data-testid="stDeckGlJsonChart"]')
    expect(chart.locator("canvas").first).to_be_visible()
    page.wait_for_timeout(3000)  # WebGL draws after the element appears
    shot = chart.screenshot(path=str(artifacts / "hotspots-map.png"))
    assert reddish_pixels(shot) > 200, "no hot spot hexagons drawn on the map"
    watched.check(artifacts / "hotspots.png")
    page.get_by_text("LSOAs (neighbourhoods)", exact=True).click()
    page.wait_for_url(re.compile(r"unit=lsoa"))
    watched.settle()
    watched.check(artifacts / "hotspots-lsoa.png")


# Presentation mode, the guided sequence and deep links ------------------------------------------------------


def _wait_for_drawing(page: Page) -> None:
    """Charts and maps draw after the script has finished: wait for their marks."""
    # Every chart on the page now has its marks: asked of the page as it is each time, since a chart of the step
    # before may still be there when the wait starts and then go, which a locator taken from it would wait on for ever.
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        ".every(chart => chart.querySelector('svg.marks'))",
        timeout=RUN_TIMEOUT_MS,
    )
    if page.locator('[data-testid="stDeckGlJsonChart"]').count():
        expect(page.locator('[data-testid="stDeckGlJsonChart"] canvas').first).to_be_visible()
        page.wait_for_timeout(2000)  # WebGL draws after the element appears


def test_the_guided_sequence_walks_with_the_keyboard(server, browser, artifacts):
    # A projector's shape: 1920 x 1080.
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.set_default_timeout(RUN_TIMEOUT_MS)
    watched = Watched(context.new_page())
    page = watched.page
    watched.open(f"{server}/present?present=1&area=X10000001")
    # Large type: the stylesheet arrives with the page's elements, so wait for it rather than read at once.
    page.wait_for_function("getComputedStyle(document.documentElement).fontSize === '24px'", timeout=RUN_TIMEOUT_MS)
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    expect(page.get_by_text("Public mode:")).to_be_visible()  # on by default when presenting, and said
    number, count = guided_step(page)
    assert 1 == number and count >= 5
    titles = []
    for step in range(1, count + 1):
        page.wait_for_url(re.compile(rf"step={step}(&|$)"))
        watched.settle()
        _wait_for_drawing(page)
        assert (step, count) == guided_step(page)
        assert 0 == page.locator("[data-testid=stSelectbox], [data-testid=stMultiSelect] >> visible=true").count()
        titles.append(page.locator("h1").first.inner_text())
        watched.check(artifacts / f"present-step-{step:02d}.png")
        page.keyboard.press("ArrowRight")
    assert "Where we are" == titles[0] and "What we are doing about it" == titles[-1]
    assert any(t.endswith("Where it happens") for t in titles) and any(t.endswith("How it is going") for t in titles)
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(rf"step={count - 1}(&|$)"))
    watched.settle()
    assert titles[-2] == page.locator("h1").first.inner_text()
    page.get_by_role("button", name="Leave presentation mode").click()
    watched.settle()
    expect(page.locator('[data-testid="stSidebar"]')).to_be_visible()
    assert "present=" not in page.url
    context.close()


def test_a_pasted_link_reopens_the_same_view_in_the_browser(server, watched, artifacts):
    link = f"{server}/trends?area=X22000002&period=2024/25&indicator=burglary&view=monthly&tab=Harm-weighted"
    watched.open(link)
    page = watched.page
    expect(page.get_by_role("tab", name="Harm-weighted")).to_have_attribute("aria-selected", "true")
    assert ("Castlebury (CSP)", "2024/25") == (sidebar_choice(page, "Area"), sidebar_choice(page, "Period"))
    expect(page.locator('[data-testid="stMultiSelect"]').first).to_contain_text("Burglary")
    for part in ["area=X22000002", "period=2024%2F25", "indicator=burglary", "view=monthly", "tab=Harm-weighted"]:
        assert part in page.url or part.replace("%2F", "/") in page.url, part
    watched.check(artifacts / "deep-link-trends.png")
    watched.open(f"{server}/hotspots?area=X22000005&indicator=drugs&unit=lsoa&layer=counts&public=1")
    expect(page.get_by_role("radio", name="LSOAs (neighbourhoods)", exact=True)).to_have_attribute(
        "aria-checked", "true")
    expect(page.get_by_role("radio", name="Number of incidents", exact=True)).to_have_attribute("aria-checked", "true")
    expect(page.get_by_text("Public mode:").first).to_be_visible()
    expect(page.get_by_role("switch", name="Public mode")).to_be_checked()
    watched.check(artifacts / "deep-link-hotspots-public.png")


def test_the_committee_pack_button_downloads_the_pdf(server, watched, artifacts):
    from pypdf import PdfReader

    from lib.reports.committee_pack import PACK_SECTIONS

    watched.open(f"{server}/pack?area=X22000005&period=2025/26&public=1")
    page = watched.page
    expect(page.locator("h1").first).to_have_text("Committee pack")
    watched.check(artifacts / "pack.png")
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Build and download the committee pack (PDF)").click()
    path = artifacts / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".pdf" and "saltcliffe" in path.name
    reader = PdfReader(path)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= len(PACK_SECTIONS) + 1  # a cover, then each section from a new page
    for section in PACK_SECTIONS:
        assert section in text
    assert "Saltcliffe" in text and "Open Government Licence" in text
    assert "Domestic abuse incidents reported to police" not in text  # restricted, and the pack is public


def test_the_step_buttons_work_from_the_keyboard_alone(server, watched, artifacts):
    watched.open(f"{server}/present?area=X10000001&step=1")
    page = watched.page
    page.locator("h1").first.click()  # start from the page, not the address bar
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.innerText")
        if focused and focused.strip().startswith("Next"):
            break
    else:
        pytest.fail("Tab never reached the Next button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"step=2(&|$)"))
    watched.settle()
    assert "Priority 1 of" in page.locator("h1").first.inner_text()
    watched.check(artifacts / "present-keyboard.png")


def test_hostile_names_and_commentary_stay_text_in_the_browser(tmp_path, browser, artifacts):
    import sqlite3

    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    store = copy_store(demo_store_file(), tmp_path / "hostile.db")
    with sqlite3.connect(store) as db:
        db.execute("UPDATE areas SET name = ? WHERE code = 'X22000002'", [f"Castlebury {hostile}"])
        db.execute("UPDATE actions SET commentary = ?", [hostile])
    with streamlit_server(store, tmp_path / "streamlit.log") as url:
        page = browser.new_page(viewport={"width": 1600, "height": 2000})
        dialogs = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        watched = Watched(page)
        for path in ["", "actions", "hotspots", "present?present=1"]:
            joiner = "&" if "?" in path else "?"
            watched.open(f"{url}/{path}{joiner}area=X22000002")
            page.wait_for_timeout(1000)  # time for an injected handler to fire, if one had got in
            assert 0 == page.locator("img[src='x']").count()
            assert [] == dialogs
            watched.check(artifacts / f"hostile-{path.split('?')[0] or 'home'}.png")
        expect(page.get_by_text(hostile, exact=False).first).to_be_attached()  # shown as text, on the last page
        page.close()


TRACE_MARKS = ("Traceback", "File \"", "site-packages", str(REPO), "sqlite3.OperationalError", "no such table",
               ".py\"", "line ")


def test_a_failing_page_tells_the_viewer_in_plain_words_and_shows_no_traceback(tmp_path, browser, artifacts):
    """With the shipped config (client.showErrorDetails "none"), whatever fails, the browser gets no trace: no
    server paths, package locations or error text, only plain words; the trace is in the server's log."""
    import sqlite3

    store = copy_store(demo_store_file(), tmp_path / "broken.db")
    with sqlite3.connect(store) as db:
        db.execute("DROP TABLE actions")  # the Action plan page fails inside the page
    log = tmp_path / "streamlit.log"
    with streamlit_server(store, log) as url:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{url}/actions")
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=RUN_TIMEOUT_MS)
        expect(page.get_by_text(FAILURE_WORDS, exact=False)).to_be_visible(timeout=RUN_TIMEOUT_MS)
        text = page.locator('[data-testid="stApp"]').inner_text()
        page.screenshot(path=str(artifacts / "failing-page.png"))
        assert not [mark for mark in TRACE_MARKS if mark in text], text[-600:]
        reference = re.search(r"reference ([0-9a-f]{8})", text)[1]
        page.close()
    logged = log.read_text()
    assert f"reference {reference}" in logged and "Traceback" in logged and "no such table: actions" in logged


def test_a_failure_before_any_page_shows_no_traceback_either(tmp_path, browser, artifacts):
    import sqlite3

    store = copy_store(demo_store_file(), tmp_path / "broken.db")
    with sqlite3.connect(store) as db:
        db.execute("DROP TABLE csp_monthly_counts")  # the shared sidebar fails, before the page runs
    with streamlit_server(store, tmp_path / "streamlit.log") as url:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{url}/")
        expect(page.get_by_text(FAILURE_WORDS, exact=False)).to_be_visible(timeout=RUN_TIMEOUT_MS)
        text = page.locator('[data-testid="stApp"]').inner_text()
        page.screenshot(path=str(artifacts / "failing-app.png"))
        assert not [mark for mark in TRACE_MARKS if mark in text], text[-600:]
        page.close()
