"""What the browser tests share: the Chromium they launch, a Streamlit server, and a page that collects its errors.

The ``browser`` fixture itself is in tests/conftest.py, so every browser test file has it without importing it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page

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
DRAWN_OR_FAILED = '[data-testid="stMainBlockContainer"] h1, [data-testid="stException"]'


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
        self.page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                                    timeout=RUN_TIMEOUT_MS)
        self.page.wait_for_selector(DRAWN_OR_FAILED, timeout=RUN_TIMEOUT_MS)
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
