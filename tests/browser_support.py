"""What the browser tests share: the Chromium they launch, a Streamlit server, and a page that collects its errors.

The ``browser`` fixture itself is in tests/conftest.py, so every browser test file has it without importing it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.streamlit_server import running_streamlit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
RUN_TIMEOUT_MS = 60_000
# Opened at a page's own path, Streamlit's frontend first probes that path as a base URL for its health
# and host-config endpoints, then falls back to the root: two 404s it expects, not faults of ours.
EXPECTED_PROBES = re.compile(r"/[a-z_]+/_stcore/(health|host-config)$")
FAILURE_WORDS = "this page could not be shown"  # ui.shell.failing_plainly's message


@contextmanager
def streamlit_server(store: Path, log: Path, port: int | None = None, extra_args: Sequence[str] = ()) -> Iterator[str]:
    """``streamlit run app.py`` on a store (tests.streamlit_server); yield its URL; always stop it."""
    with running_streamlit(store, log, port=port, extra_args=extra_args) as server:
        yield server.url


# A page has drawn when its heading is there, and has failed when Streamlit shows an uncaught exception (which has no
# heading): waiting for either, a failed page fails the test at once, with its message, not after a timeout.
# Drawn means finished too: the run that drew the heading is over and no element is still loading. Streamlit fetches
# each kind of element's JavaScript (buttons, metrics, charts) when first needed and shows a skeleton meanwhile; on a
# busy machine that lasts seconds after the script has finished, so a button can be missing though the run is over.
# (The state reads notRunning before the first run starts too: the heading shows that a run has delivered.)
# What Streamlit shows while an element is still loading: a skeleton while its code is fetched, a cached loader's
# spinner. benchmarks/browser.py waits on the same.
STILL_LOADING = ('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], [data-testid="stAppSkeleton"], '
                 '[data-testid="stSpinner"]')
SETTLED_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stException"]')) return true;
  if (!document.querySelector('[data-testid="stMainBlockContainer"] h1')) return false;
  return !document.querySelector('$STILL_LOADING, [data-stale="true"]');
}
""".replace("$STILL_LOADING", STILL_LOADING)


def wait_until_settled(page: Page, timeout: int = RUN_TIMEOUT_MS) -> None:
    """Wait until the page has drawn (or failed) and nothing on it is still loading (``SETTLED_JS``)."""
    page.wait_for_function(SETTLED_JS, timeout=timeout)


class Watched:
    """A browser page with its console errors and uncaught page errors collected."""

    def __init__(self, page: Page):
        self.page, self.errors = page, []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        if "404" in message.text and EXPECTED_PROBES.search(message.location.get("url", "")):
            return
        self.errors.append(f"console: {message.text} at {message.location.get('url')}")

    def open(self, url: str) -> None:
        """Open a URL and wait for the app to finish its run."""
        self.page.goto(url)
        self.settle()

    def settle(self) -> None:
        """Wait until the script has run and the page has drawn."""
        wait_until_settled(self.page)
        self.page.wait_for_load_state("networkidle")

    def check(self, shot: Path) -> None:
        """Screenshot the page, then fail on any exception box or error seen so far."""
        self.page.screenshot(path=str(shot), full_page=True)
        boxes = self.page.locator('[data-testid="stException"]')
        assert 0 == boxes.count(), f"Streamlit exception on {self.page.url}: {boxes.first.inner_text()}"
        # The shipped config shows a failure as plain words (ui.shell.failing_plainly), not as an exception box.
        failed = self.page.get_by_text(FAILURE_WORDS, exact=False)
        assert 0 == failed.count(), f"the page failed: {self.page.url}: {failed.first.inner_text()}"
        assert [] == self.errors


def guided_step(page: Page) -> tuple[int, int]:
    """(this step, how many) from the 'Step 3 of 9' between the buttons."""
    text = page.get_by_text(re.compile(r"^Step \d+ of \d+$")).inner_text()
    number, count = re.findall(r"\d+", text)
    return int(number), int(count)


# Messages that once sent a viewer of a new store to a control they do not have (issue 18).
DEAD_ENDS = ("Import a targets file below", "Start one from the evidence", "Upload an indicator CSV")
JUDGED_CELL_JS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] [role="gridcell"]')]
  .some(cell => /(Better|Worse|Similar|Higher|Lower)\\s*$/.test(cell.textContent))"""
MARKS = '[data-testid="stVegaLiteChart"] svg.marks'


def what_the_page_does_not_answer(page: Page, path: str) -> list[str]:
    """What issue 18 asks of each page on a real store, as problems (none: it answers): the overview judges, the
    matrix draws, Measures shows statuses, and no message sends the viewer to a control they do not have. ``path``
    is the page's path ("" for Home), without its query."""
    text = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    problems = [f"points at an absent control: {dead_end!r}" for dead_end in DEAD_ENDS if dead_end in text]
    if path == "overview":
        # The grid draws on a canvas and fills its accessible cells after the script has finished: wait for a judged
        # one (the event), with the run's generous bound, and say what was there if none comes.
        try:
            page.wait_for_function(JUDGED_CELL_JS, timeout=RUN_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            cells = page.locator('[data-testid="stDataFrame"] [role="gridcell"]').all_inner_texts()
            problems.append(f"no judged cell in the overview grid: {cells[:8]}")
    elif path == "priorities":
        try:
            page.locator(MARKS).first.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            problems.append("the matrix has no marks")
    elif path == "measures" and not re.search(r"\b(Green|Amber|Red)\b", text):
        problems.append("Measures shows no status")
    return problems


def reddish_pixels(png: bytes) -> int:
    """Pixels clearly red (a hot spot's fill), in a screenshot."""
    import io

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((r > 150) & (r - g > 60) & (r - b > 60)).sum())
