"""Benchmark: what a person waits for in a real browser, page by page, and with many people at once.

Runs ``python3 -m streamlit run app.py`` on a store (``$CSP_DB``) and opens the app in headless Chromium
(``/usr/bin/chromium``, 1366x768), as ``tests/test_browser.py`` does. Every page of ``app.py``'s ``st.navigation``
is measured at its default area (the first in the picker: the county or force area), and Hotspots instead at
county, CSP and force level, each with hexagons (``unit=h3``) and with LSOAs (``unit=lsoa``): 16 views on the
demo store.

    python3 benchmarks/browser.py [--db PATH] [--no-cold] [--sessions 20] [--only hotspots,home]
                                  [--timeout 120] [--json PATH] [--screenshots] [--strict]

``--db`` defaults to the repository's store, ``data/csp.db`` (``python3 -m lib.cli --db PATH demo`` builds the
demo there, or anywhere). ``--only`` measures the views whose label or URL contains one of the words.

What the figures mean (seconds, from the moment the browser is asked to go until the view is drawn):

- **cold s**: the first visit of the view on a freshly started server (one server per view, stopped after it), in
  a new browser context: the first script run imports the app's modules and fills every cache it touches, and the
  browser fetches Streamlit's JavaScript over HTTP. ``--no-cold`` skips it (it starts a server per view).
- **first s**: the first visit with warm caches: a new browser context (a new session, an empty HTTP cache) opens
  the view after it has been visited once on the same server.
- **reload s**: a full reload (``page.reload``) in the same context: a new session, with the JavaScript cached.
- **rerun s**: a widget change in the same session: the sidebar's Period picker moved from the period shown to the
  next one it offers (every page has it). That period's figures were computed once beforehand (the untimed visit
  that warms the caches makes the same change), so this is a warm rerun whose numbers, charts and maps change,
  timed from the click on the option (its ``pointerdown``).
- **MB**: bytes received over the websocket (Playwright's ``framereceived``, payloads summed) during the first
  visit (``first MB``) and the rerun (``rerun MB``): Streamlit's messages, not the JavaScript and fonts, which come
  over HTTP. The JSON has the bytes of every measurement.

"Drawn" is decided in the page, by a watcher installed before any of the page's scripts run (``WATCH_JS``):

1. a script run has started since the timing began (``stApp``'s ``data-test-script-state`` seen ``running``) and
   has finished (``notRunning``): the state that drives Streamlit's running indicator
   ``[data-testid="stStatusWidget"]``, read at the source, so the indicator's 200 ms fade-out is not counted;
2. nothing is still loading: no ``stSkeleton`` (an element whose code is still being fetched: Streamlit loads each
   kind of element's JavaScript over HTTP when first needed), ``stSkeletonElement``, ``stAppSkeleton`` or
   ``stSpinner`` (a cached loader's spinner), no element left stale from the run before (``data-stale="true"``),
   and the main block holds at least one element;
3. every visible Vega chart has its marks (``svg.marks`` or ``canvas.marks``), and every visible deck.gl map
   (``stDeckGlJsonChart``) has a canvas that WebGL has drawn on: the page's WebGL draw calls (``drawArrays``,
   ``drawElements`` and their instanced forms) are counted per canvas;
4. all that has held for 500 ms with no further WebGL draw call (for at most 10 s). The time reported is when it
   first held or the map's last draw call, whichever is later: a map that draws after the script has finished is
   waited for. The 500 ms of quiet are not counted.

The JSON keeps, for each measurement, what the page was waiting for and from when (``trail``: no app yet, the
script has not started, script running, still loading, a map not drawn yet), so a slow view can be read.

Each view has ``--timeout`` seconds (default 120) to be drawn; one that is not is reported, with what it was still
waiting for, and the run goes on. A view that shows an exception box (``stException``) or the app's own failure
message is marked ``!`` in the table.

**Many people at once**: ``--sessions`` browser contexts (default 20) in one browser each open a view at the same
moment (each page is set to navigate by a timer of its own, to the same millisecond), spread over the app's pages
and its picker's areas (page ``i % pages``, area ``i % areas``), on the server already warmed by the per-view
measurements (so the default area's views are cached, most other page and area pairs are computed for the first
time). Reported: each session's time to drawn, the slowest, and whether every
session drew without an exception box; and for each session when the app's page was up (``app s``: Streamlit's
JavaScript loaded and started), when its script run started (``run s``) and finished (``ran s``). The browsers run
on the same machine as the server: on a small machine their own work (20 copies of Streamlit's JavaScript to parse,
20 maps to draw in software) competes with the server's, which ``app s`` shows.

The goal checks printed at the end (PASS/FAIL; the exit status is non-zero only with ``--strict``): warm full reload
< 1 s, first visit after a server start < 3 s, websocket payload < 2 MB per page view, 20 sessions all drawn < 10 s.
The figures are also written as JSON to ``--json`` (default ``$CSP_ARTIFACTS/browser-<store>.json``, else in the
temporary folder); ``--screenshots`` saves each view's first-visit screen beside it.

The server runs with ``--server.fileWatcherType none``: a file edited while the benchmark runs does not put
Streamlit's "File change" prompt in the status widget or rerun anything. The maps are drawn by SwiftShader
(software WebGL), so they draw more slowly than on a machine with a GPU. Times are wall-clock on whatever else the
machine is doing: compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import Browser, WebSocket, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lib.store.db import READ, open_store  # noqa: E402
from lib.store.summary import picker_areas  # noqa: E402
from tests.browser_support import CHROMIUM, STILL_LOADING  # noqa: E402
from tests.browser_support import CHROMIUM_ARGS as TEST_CHROMIUM_ARGS  # noqa: E402
from tests.streamlit_server import Server, ServerFailed, running_streamlit  # noqa: E402

APP = REPO / "app.py"
DEFAULT_DB = REPO / "data" / "csp.db"
# The tests' Chromium, except that it may use a GPU where the machine has one, as a person's browser would (on a
# machine without one, WebGL falls back to software either way).
CHROMIUM_ARGS = [arg for arg in TEST_CHROMIUM_ARGS if arg != "--disable-gpu"]
VIEWPORT = {"width": 1366, "height": 768}
WARM_UP_SECONDS = 600  # a big store on a busy machine: minutes
QUIET_MS = 500  # no WebGL draw call for this long once the rest holds: the map has finished drawing
CAP_MS = 10_000  # ... or this long after it first held, for a map that never stops drawing
BUSY_MS = 250  # a gap this long between the watcher's 20 ms ticks: the page's main thread was busy
HOTSPOTS = "pages/hotspots.py"
LEVELS = {"county": "county", "csp": "CSP", "force": "force"}  # area kind -> label
UNITS = {"h3": "hexagons", "lsoa": "LSOAs"}  # pages/hotspots.py's ``unit`` choice (lib.hotspots.views.CELL_UNITS)
FAILURE_WORDS = "this page could not be shown"  # ui.shell.failing_plainly's message
MB = 1e6
SESSIONS_LEAD_MS = 1000  # the sessions start together this long (and 100 ms a session) after they are told

GOAL_RELOAD_S = 1.0
GOAL_COLD_S = 3.0
GOAL_PAYLOAD_MB = 2.0
GOAL_SESSIONS, GOAL_SESSIONS_S = 20, 10.0

# Installed in every document before its own scripts (Playwright's add_init_script). ``__csp.arm()`` starts a timing;
# a navigation arms it by itself. ``__csp.doneAt`` is set (epoch ms) once the page is drawn; ``reason`` says why not.
WATCH_JS = """
(() => {
  if (window.__csp || !location.protocol.startsWith('http')) return;
  const QUIET_MS = $QUIET_MS, CAP_MS = $CAP_MS, BUSY_MS = $BUSY_MS;
  const now = () => performance.timeOrigin + performance.now();
  const w = window.__csp = {runs: 0, runsAtArm: 0, draws: 0, lastDraw: 0, armedAt: 0, inputAt: null, metAt: null,
                            doneAt: null, capped: false, reason: 'not armed', trail: [], busy: [], lastTick: 0,
                            appAt: null, timer: null, app: null};
  const hook = proto => {
    if (!proto) return;
    for (const name of ['drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced',
                        'drawRangeElements']) {
      const original = proto[name];
      if (typeof original !== 'function') continue;
      proto[name] = function (...args) {
        w.draws++;
        w.lastDraw = now();
        if (this.canvas) this.canvas.__cspDraws = (this.canvas.__cspDraws || 0) + 1;
        return original.apply(this, args);
      };
    }
  };
  hook(window.WebGLRenderingContext && WebGLRenderingContext.prototype);
  hook(window.WebGL2RenderingContext && WebGL2RenderingContext.prototype);
  const STATE = 'data-test-script-state';
  const watchApp = () => {
    if (w.app) return w.app;
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return null;
    w.app = app;
    w.appAt = now();
    if (app.getAttribute(STATE) === 'running') w.runs++;
    new MutationObserver(records => {
      const states = records.map(r => r.oldValue);
      states.push(app.getAttribute(STATE));
      for (let i = 1; i < states.length; i++) if (states[i] === 'running' && states[i - 1] !== 'running') w.runs++;
    }).observe(app, {attributes: true, attributeFilter: [STATE], attributeOldValue: true});
    return app;
  };
  const shown = el => el.getClientRects().length > 0 && el.offsetWidth > 0 && el.offsetHeight > 0;
  const notDrawn = () => {
    const app = watchApp();
    if (!app) return 'no app yet';
    if (w.runs <= w.runsAtArm) return 'the script has not started';
    const state = app.getAttribute(STATE);
    if (state !== 'notRunning') return 'script ' + state;
    const loading = document.querySelector('$STILL_LOADING');
    if (loading) {
      const box = loading.closest('[data-testid="stElementContainer"]');
      const key = box && [...box.classList].find(name => name.startsWith('st-key-'));
      return 'still loading (' + loading.dataset.testid + (key ? ' in ' + key : '') + ')';
    }
    if (document.querySelector('[data-stale="true"]')) return 'elements of the run before still shown';
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (!main || !main.querySelector('[data-testid="stElementContainer"]')) return 'nothing in the page yet';
    for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
      if (shown(chart) && !chart.querySelector('svg.marks, canvas.marks')) return 'a chart without its marks';
    }
    for (const map of document.querySelectorAll('[data-testid="stDeckGlJsonChart"]')) {
      if (!shown(map)) continue;
      const canvases = [...map.querySelectorAll('canvas')];
      if (!canvases.length) return 'a map without its canvas';
      if (!canvases.some(c => c.width > 0 && c.__cspDraws > 0)) return 'a map not drawn yet';
    }
    return null;
  };
  const tick = () => {
    const before = now();
    // The watcher ticks every 20 ms unless the page's main thread is busy: a long gap is the browser's own work.
    const gap = before - w.lastTick;
    if (w.lastTick && gap > BUSY_MS && w.busy.length < 40) w.busy.push([w.lastTick, gap]);
    w.lastTick = before;
    const why = notDrawn();
    const t = now();
    if (why) {
      if (why !== w.reason && w.trail.length < 40) w.trail.push([t, why]);
      w.reason = why;
      w.metAt = null;
      return;
    }
    if (w.metAt === null) w.metAt = t;
    const last = Math.max(w.metAt, w.lastDraw);
    if (t - last >= QUIET_MS || t - w.metAt >= CAP_MS) {
      w.capped = t - last < QUIET_MS;
      w.doneAt = last;
      w.reason = 'drawn';
      clearInterval(w.timer);
      w.timer = null;
    }
  };
  w.arm = () => {
    if (w.timer) clearInterval(w.timer);
    Object.assign(w, {runsAtArm: w.runs, lastDraw: 0, armedAt: now(), inputAt: null, metAt: null, doneAt: null,
                      capped: false, reason: 'armed', trail: [], busy: [], lastTick: 0});
    w.timer = setInterval(tick, 20);
  };
  for (const kind of ['pointerdown', 'keydown']) {
    document.addEventListener(kind, () => { if (w.inputAt === null) w.inputAt = now(); }, true);
  }
  w.arm();
})();
""".replace("$STILL_LOADING", STILL_LOADING).replace("$QUIET_MS", str(QUIET_MS)).replace("$CAP_MS", str(CAP_MS)) \
    .replace("$BUSY_MS", str(BUSY_MS))
GO_JS = "([url, at]) => setTimeout(() => { location.href = url; }, at - performance.timeOrigin - performance.now())"
DONE_JS = "() => window.__csp && window.__csp.doneAt"
STATUS_JS = """() => window.__csp ? {doneAt: __csp.doneAt, metAt: __csp.metAt, lastDraw: __csp.lastDraw,
  inputAt: __csp.inputAt, origin: performance.timeOrigin, draws: __csp.draws, capped: __csp.capped,
  reason: __csp.reason, trail: __csp.trail, busy: __csp.busy, appAt: __csp.appAt}
  : null"""


# --- What is measured -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """One page of the app, opened at a URL path with query parameters."""

    label: str
    path: str  # the page's URL path ('' for the default page)
    query: tuple[tuple[str, str], ...] = ()
    page: str = ""  # the page's script, as app.py names it

    def url(self, base: str) -> str:
        query = f"?{urlencode(self.query)}" if self.query else ""
        return f"{base}/{self.path}{query}"

    @property
    def link(self) -> str:
        return self.url("")


@dataclass
class Measurement:
    """One timing: seconds to drawn, bytes over the websocket, and what went wrong if anything did."""

    seconds: float | None = None
    ws_bytes: int = 0
    script_done_s: float | None = None  # when everything but the maps' quiet period first held
    last_draw_s: float | None = None  # the last WebGL draw call, if after the timing began
    gl_draws: int = 0
    still_drawing: bool = False  # the map was still drawing CAP_MS after the rest held
    error: str | None = None  # a timeout or a failed step
    exception: str | None = None  # an exception box or the app's failure message on the drawn page
    page_errors: list[str] = field(default_factory=list)
    note: str = ""
    # What the page was waiting for, from when: [seconds, reason] each time the reason changed (the last one until
    # script_done_s).
    trail: list[tuple[float, str]] = field(default_factory=list)
    # A page load's app up (Streamlit's JavaScript loaded and its page drawn: seen by the watcher's 20 ms ticks), and
    # from the trail, the script run's start and end (None when not seen: a run shorter than a tick, or one that
    # started while the page's main thread was busy).
    app_s: float | None = None
    # When the page's main thread was busy (no watcher tick for over BUSY_MS): [from s, for s].
    busy: list[tuple[float, float]] = field(default_factory=list)
    nav_start_s: float | None = None  # the page load's navigation start (the document's timeOrigin)
    run_start_s: float | None = None
    run_end_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.seconds is not None and self.error is None and self.exception is None

    @property
    def mb(self) -> float:
        return self.ws_bytes / MB


@dataclass
class ViewResult:
    view: View
    warm_up_s: float | None = None  # the cold server's warm-up, before the cold visit
    cold: Measurement | None = None
    first: Measurement | None = None
    reload: Measurement | None = None
    rerun: Measurement | None = None


@dataclass
class SessionResult:
    number: int
    view: str
    area: str
    url: str
    measurement: Measurement


def phases(m: Measurement) -> None:
    """Read the script run's start and end off a measurement's trail."""
    running = [i for i, (_, why) in enumerate(m.trail) if why == "script running"]
    if running:
        m.run_start_s = m.trail[running[0]][0]
        later = m.trail[running[-1] + 1:]
        m.run_end_s = later[0][0] if later else m.script_done_s


# --- The pages and the areas ----------------------------------------------------------------------------


def _literal(node: ast.expr | None) -> object:
    try:
        return None if node is None else ast.literal_eval(node)
    except ValueError:
        return None


def app_pages(app: Path = APP) -> list[View]:
    """The pages of app.py's ``st.navigation``, in its order: each ``st.Page(script, title=, url_path=, default=)``.

    As Streamlit does, a page's URL path is its ``url_path`` or else its script's name (without a leading number
    and underscore), and the default page is at the root.
    """
    calls = [node for node in ast.walk(ast.parse(app.read_text()))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Page"]
    pages = []
    for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
        script = _literal(call.args[0]) if call.args else None
        if not isinstance(script, str):
            continue
        options = {k.arg: _literal(k.value) for k in call.keywords}
        stem = re.sub(r"^[0-9]+_", "", Path(script).stem)
        path = "" if options.get("default") else str(options.get("url_path") or stem)
        pages.append(View(str(options.get("title") or stem), path, page=script))
    if not pages:
        raise SystemExit(f"found no st.Page in {app}")
    return pages


def store_areas(store: Path) -> list[tuple[str, str, str]]:
    """The store's picker areas, in the picker's order: (code, name, kind)."""
    db = open_store(store, READ)
    try:
        return [(a.code, a.name, a.kind) for a in picker_areas(db)]
    finally:
        db.close()


def incidents_in(store: Path) -> int:
    db = open_store(store, READ)
    try:
        return db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
    finally:
        db.close()


def measured_views(pages: list[View], areas: list[tuple[str, str, str]]) -> tuple[list[View], list[str]]:
    """Every page at its default area; Hotspots at each level the store holds, with each kind of cell.

    Returns the views and notes on levels the store does not offer.
    """
    views, notes = [], []
    for page in pages:
        if page.page != HOTSPOTS:
            views.append(page)
            continue
        for kind, level in LEVELS.items():
            first = next((a for a in areas if a[2] == kind), None)
            if first is None:
                notes.append(f"{page.label} at {level} level: the store offers no {level} area")
                continue
            code, name, _ = first
            for unit, cells in UNITS.items():
                views.append(View(f"{page.label}: {level} ({name}), {cells}", page.path,
                                  (("area", code), ("unit", unit)), page=page.page))
    return views, notes


def session_views(pages: list[View], areas: list[tuple[str, str, str]], count: int) -> list[tuple[View, str]]:
    """``count`` views for the sessions at once: page ``i % pages`` at area ``i % areas`` (different pairs)."""
    chosen = []
    for i in range(count):
        page = pages[i % len(pages)]
        code, name, _ = areas[i % len(areas)]
        chosen.append((View(page.label, page.path, (("area", code),), page=page.page), name))
    return chosen


# --- The server -----------------------------------------------------------------------------------------


@contextmanager
def streamlit_server(store: Path, log: Path, warm_up: bool) -> Iterator[Server]:
    """Serve the store on a free port; yield the server once it answers (and, with ``warm_up``, once it has warmed
    the standard views); always stop it.

    With ``warm_up`` it starts as ``make run`` does (``python -m ui.serve``); without, as a plain ``streamlit run``
    with ``CSP_WARM_UP=off``: the app before it warmed anything.
    """
    env = {} if warm_up else {"CSP_WARM_UP": "off"}
    with running_streamlit(store, log, extra_args=["--server.fileWatcherType", "none"], served=warm_up,
                           env=env) as server:
        if warm_up:
            server.wait_until_warm(WARM_UP_SECONDS)
        yield server


# --- The browser ----------------------------------------------------------------------------------------


class Session:
    """One browser context (one person, one Streamlit session per page load) with one page, its websocket bytes
    counted and its uncaught errors collected."""

    def __init__(self, browser: Browser, timeout_s: float):
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.add_init_script(WATCH_JS)
        self.context.set_default_timeout(timeout_s * 1000)
        self.page = self.context.new_page()
        self.timeout_s = timeout_s
        self.ws_bytes = 0
        self.errors: list[str] = []
        self.page.on("websocket", self._websocket)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)[:300]))

    def _websocket(self, ws: WebSocket) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        self.ws_bytes += len(payload)

    def close(self) -> None:
        try:
            self.context.close()
        except PlaywrightError:
            pass

    # Starting a timing ----------------------------------------------------------------------------------

    def start(self, act: Callable[[], None], arm: bool) -> tuple[float, int, int]:
        """Do ``act`` (``arm``: first reset the page's watcher, for a rerun in the same document);
        return (its start, epoch ms; the websocket bytes and page errors so far)."""
        if arm:
            self.page.evaluate("() => window.__csp.arm()")
        before, errors = self.ws_bytes, len(self.errors)
        started = time.time() * 1000
        act()
        return started, before, errors

    def finish(self, started: float, before: int, errors: int, deadline: float) -> Measurement:
        """Wait (until ``deadline``, monotonic) for the page to be drawn; the measurement from ``started``."""
        result = Measurement()
        try:
            remaining = max(deadline - time.monotonic(), 0.1)
            self.page.wait_for_function(DONE_JS, timeout=remaining * 1000, polling=50)
            status = self.page.evaluate(STATUS_JS)
        except PlaywrightTimeoutError:
            status = self._status()
            why = status["reason"] if status else "the page never loaded"
            result.error = f"not drawn within {self.timeout_s:.0f} s (still: {why})"
        except PlaywrightError as error:
            result.error = f"browser error: {str(error).splitlines()[0]}"
            status = None
        if status and status.get("inputAt"):
            started = status["inputAt"]  # a rerun: from the click itself
        if status and status.get("doneAt"):
            result.seconds = (status["doneAt"] - started) / 1000
            result.script_done_s = (status["metAt"] - started) / 1000 if status.get("metAt") else None
            if status.get("lastDraw") and status["lastDraw"] > started:
                result.last_draw_s = (status["lastDraw"] - started) / 1000
            result.still_drawing = bool(status.get("capped"))
        if status:
            if not status.get("inputAt") and status.get("origin"):
                result.nav_start_s = round((status["origin"] - started) / 1000, 3)
            result.gl_draws = status.get("draws") or 0
            result.trail = [(round((t - started) / 1000, 3), why) for t, why in status.get("trail") or []]
            result.busy = [(round((t - started) / 1000, 3), round(ms / 1000, 3)) for t, ms in status.get("busy") or []]
            phases(result)
            if result.nav_start_s is not None and status.get("appAt"):
                result.app_s = round((status["appAt"] - started) / 1000, 3)
        result.ws_bytes = self.ws_bytes - before
        result.page_errors = self.errors[errors:]
        if result.seconds is not None:
            result.exception = self.failure_shown()
        return result

    def _status(self) -> dict | None:
        try:
            return self.page.evaluate(STATUS_JS)
        except PlaywrightError:
            return None

    def failure_shown(self) -> str | None:
        """The first exception box or failure message on the page, if any."""
        try:
            boxes = self.page.locator('[data-testid="stException"]')
            if boxes.count():
                return "exception box: " + boxes.first.inner_text()[:200]
            failed = self.page.get_by_text(FAILURE_WORDS, exact=False)
            if failed.count():
                return "failure message: " + failed.first.inner_text()[:200]
        except PlaywrightError as error:
            return f"could not read the page: {str(error).splitlines()[0]}"
        return None

    def measure(self, act: Callable[[], None], arm: bool = False) -> Measurement:
        try:
            started, before, errors = self.start(act, arm)
        except PlaywrightError as error:
            return Measurement(error=f"could not start: {str(error).splitlines()[0]}")
        return self.finish(started, before, errors, time.monotonic() + self.timeout_s)

    # The actions ----------------------------------------------------------------------------------------

    def visit(self, url: str) -> Measurement:
        return self.measure(lambda: self.page.goto(url, wait_until="commit"))

    def reload(self) -> Measurement:
        return self.measure(lambda: self.page.reload(wait_until="commit"))

    def change_period(self) -> Measurement:
        """Move the sidebar's Period picker to the next period it offers (the option after the one shown)."""
        try:
            picker = self.page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Period")
            shown = picker.input_value()
            picker.click()
            options = self.page.get_by_role("option")
            options.first.wait_for()
            labels = [label.strip() for label in options.all_inner_texts()]
            later = labels[labels.index(shown) + 1:] if shown in labels else labels
            choice = next((label for label in later + labels if label != shown), None)
            if choice is None:
                self.page.keyboard.press("Escape")
                return Measurement(error=f"the Period picker offers nothing but {shown!r}")
        except PlaywrightError as error:
            return Measurement(error=f"could not open the Period picker: {str(error).splitlines()[0]}")
        option = self.page.get_by_role("option", name=choice, exact=True)
        measured = self.measure(option.click, arm=True)
        measured.note = f"period {shown} -> {choice}"
        return measured

    def screenshot(self, path: Path) -> None:
        try:
            self.page.screenshot(path=str(path))
        except PlaywrightError as error:
            print(f"    screenshot failed: {str(error).splitlines()[0]}", flush=True)


# --- Running the measurements ---------------------------------------------------------------------------


def show(label: str, m: Measurement) -> None:
    """One measurement as it is taken."""
    if m.seconds is None:
        print(f"    {label:<7} FAILED: {m.error}", flush=True)
        return
    extra = []
    if m.script_done_s is not None and m.last_draw_s is not None and m.last_draw_s > m.script_done_s:
        extra.append(f"map drawn {m.last_draw_s - m.script_done_s:.2f} s after the rest")
    if m.still_drawing:
        extra.append("map still drawing")
    if m.exception:
        extra.append(m.exception.splitlines()[0])
    if m.page_errors:
        extra.append(f"{len(m.page_errors)} page error(s): {m.page_errors[0]}")
    if m.run_start_s is not None:
        extra.append(f"app up {seconds(m.app_s)}, script {seconds(m.run_start_s)}-{seconds(m.run_end_s)} s")
    if m.note:
        extra.append(m.note)
    print(f"    {label:<7} {m.seconds:6.2f} s  {m.mb:6.2f} MB  {'; '.join(extra)}", flush=True)


def measure_cold(browser: Browser, store: Path, views: list[View], timeout_s: float, logs: Path,
                 results: dict[View, ViewResult], warm_up: bool) -> None:
    """Each view's first visit on a server of its own, started for it (and, with ``warm_up``, warmed)."""
    for number, view in enumerate(views, 1):
        print(f"  cold {number}/{len(views)}: {view.label}  {view.link}", flush=True)
        try:
            with streamlit_server(store, logs / f"streamlit-cold-{number:02d}.log", warm_up) as server:
                if server.warmed:
                    results[view].warm_up_s = server.warmed[1]
                session = Session(browser, timeout_s)
                try:
                    results[view].cold = session.visit(view.url(server.url))
                finally:
                    session.close()
        except ServerFailed as error:
            results[view].cold = Measurement(error=str(error).splitlines()[0])
        show("cold", results[view].cold)


def measure_warm(browser: Browser, server: Server, views: list[View], timeout_s: float, shots: Path | None,
                 results: dict[View, ViewResult]) -> None:
    """Each view visited once (and its period changed once), untimed; then a new session's first visit, a reload
    and the same period change, timed."""
    url = server.url
    for number, view in enumerate(views, 1):
        server.check()
        print(f"  warm {number}/{len(views)}: {view.label}  {view.link}", flush=True)
        warming = Session(browser, timeout_s)
        try:
            first = warming.visit(view.url(url))
            if first.ok:
                warming.change_period()
            else:
                print(f"    warming visit: {first.error or first.exception}", flush=True)
        finally:
            warming.close()
        session = Session(browser, timeout_s)
        result = results[view]
        try:
            result.first = session.visit(view.url(url))
            show("first", result.first)
            if shots is not None:
                session.screenshot(shots / f"{slug(view.label)}.png")
            result.reload = session.reload()
            show("reload", result.reload)
            result.rerun = session.change_period()
            show("rerun", result.rerun)
        finally:
            session.close()


def measure_sessions(browser: Browser, server: Server, chosen: list[tuple[View, str]],
                     timeout_s: float) -> tuple[list[SessionResult], float]:
    """All the sessions open their views at once; each is timed from its own start to its own drawn page.

    Returns the sessions' results and the seconds between the first session's start and the last one's.
    """
    server.check()
    sessions = [Session(browser, timeout_s) for _ in chosen]
    try:
        # Every page is told to go at the same moment (epoch ms), a little ahead, by a timer of its own: asking
        # them one after another would spread the starts over seconds on a busy machine.
        go_at = time.time() * 1000 + SESSIONS_LEAD_MS + 100 * len(sessions)
        started: list[tuple[float, int, int] | str] = []
        for session, (view, _) in zip(sessions, chosen, strict=True):
            try:
                started.append(session.start(partial(session.page.evaluate, GO_JS, [view.url(server.url), go_at]),
                                             arm=False))
            except PlaywrightError as error:
                started.append(f"could not start: {str(error).splitlines()[0]}")
        deadline = time.monotonic() + timeout_s + (go_at - time.time() * 1000) / 1000
        results = []
        for number, (session, (view, area), start) in enumerate(zip(sessions, chosen, started, strict=True), 1):
            if isinstance(start, str):
                measured = Measurement(error=start)
            else:
                measured = session.finish(go_at, *start[1:], deadline)
            results.append(SessionResult(number, view.label, area, view.link, measured))
        starts = [r.measurement.nav_start_s for r in results if r.measurement.nav_start_s is not None]
        return results, max(starts) - min(starts) if starts else 0.0
    finally:
        for session in sessions:
            session.close()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --- Report ---------------------------------------------------------------------------------------------


def machine(browser_version: str) -> str:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (f"machine: {cores} CPUs ({usable} usable), {platform.machine()}, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, Streamlit {version('streamlit')}, Playwright "
            f"{version('playwright')}, Chromium {browser_version}; load average {load}")


def warmed(server: Server) -> str:
    if server.warmed is None:
        return "not warmed (--no-warm-up)"
    return f"warmed the opening views of {server.warmed[0]} areas in {server.warmed[1]:.1f} s"


def cell(m: Measurement | None, what: str = "seconds") -> str:
    if m is None:
        return "-"
    if m.seconds is None:
        if what != "seconds":
            return "-"
        return "TIMEOUT" if m.error and m.error.startswith("not drawn") else "ERROR"
    value = f"{m.seconds:.2f}" if what == "seconds" else f"{m.mb:.2f}"
    return value + ("!" if m.exception else "")


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table(results: list[ViewResult]) -> str:
    width = max([len("view"), *(len(r.view.label) for r in results)])
    header = (f"{'view':<{width}} {'warm-up s':>9} {'cold s':>7} {'first s':>8} {'reload s':>9} {'rerun s':>8} "
              f"{'first MB':>9} {'rerun MB':>9}")
    rows = [header, "-" * len(header)]
    for r in results:
        rows.append(f"{r.view.label:<{width}} {seconds(r.warm_up_s):>9} {cell(r.cold):>7} {cell(r.first):>8} "
                    f"{cell(r.reload):>9} {cell(r.rerun):>8} {cell(r.first, 'mb'):>9} {cell(r.rerun, 'mb'):>9}")
    return "\n".join(rows)


def sessions_table(results: list[SessionResult]) -> str:
    width = max([len("view"), *(len(r.view) for r in results)])
    area_width = max([len("area"), *(len(r.area) for r in results)])
    header = (f"{'#':>3} {'view':<{width}} {'area':<{area_width}} {'app s':>6} {'run s':>6} {'ran s':>6} "
              f"{'drawn s':>8} {'MB':>6}  problem")
    rows = [header, "-" * len(header)]
    for r in results:
        m = r.measurement
        problem = m.error or m.exception or ""
        rows.append(f"{r.number:>3} {r.view:<{width}} {r.area:<{area_width}} {seconds(m.app_s):>6} "
                    f"{seconds(m.run_start_s):>6} {seconds(m.run_end_s):>6} {cell(m):>8} {m.mb:>6.2f}  "
                    f"{problem.splitlines()[0] if problem else ''}")
    return "\n".join(rows)


def sessions_summary(results: list[SessionResult]) -> dict:
    drawn = [r.measurement.seconds for r in results if r.measurement.seconds is not None]
    return {
        "sessions": len(results),
        "all_drawn": len(drawn) == len(results),
        "drawn": len(drawn),
        "no_exception": all(r.measurement.exception is None for r in results),
        "all_ok": all(r.measurement.ok for r in results),
        "max_s": max(drawn) if drawn else None,
        "median_s": statistics.median(drawn) if drawn else None,
    }


def _worst(results: list[ViewResult], attr: str, key: Callable[[Measurement], float]) -> tuple[list, list]:
    """(measured (value, label) pairs, labels that failed) of one kind of measurement over the views."""
    values, failed = [], []
    for r in results:
        m = getattr(r, attr)
        if m is None:
            continue
        if m.seconds is None or m.exception:
            failed.append(r.view.label)
        if m.seconds is not None:
            values.append((key(m), r.view.label))
    return values, failed


def goal_line(name: str, values: list, failed: list, limit: float, unit: str, skipped: str = "") -> dict:
    if skipped:
        return {"goal": name, "status": "SKIP", "detail": skipped}
    if not values and not failed:
        return {"goal": name, "status": "SKIP", "detail": "nothing measured"}
    status = "PASS" if not failed and values and max(values)[0] < limit else "FAIL"
    parts = []
    if values:
        worst, label = max(values)
        parts.append(f"worst {worst:.2f} {unit} ({label}); {sum(v >= limit for v, _ in values)} of "
                     f"{len(values) + len(failed)} at or over {limit:g} {unit}")
    if failed:
        parts.append(f"not drawn or failed: {', '.join(failed)}")
    return {"goal": name, "status": status, "detail": "; ".join(parts)}


def goals(results: list[ViewResult], sessions: dict | None, cold: bool, count: int) -> list[dict]:
    lines = []
    values, failed = _worst(results, "reload", lambda m: m.seconds)
    lines.append(goal_line(f"warm full reload < {GOAL_RELOAD_S:g} s", values, failed, GOAL_RELOAD_S, "s"))
    values, failed = _worst(results, "cold", lambda m: m.seconds)
    lines.append(goal_line(f"first visit after a server start < {GOAL_COLD_S:g} s", values, failed, GOAL_COLD_S,
                           "s", skipped="" if cold else "not measured (--no-cold)"))
    payloads = []
    for attr in ("cold", "first", "reload", "rerun"):
        payloads += [(v, f"{label}, {attr}") for v, label in _worst(results, attr, lambda m: m.mb)[0]]
    lines.append(goal_line(f"websocket payload < {GOAL_PAYLOAD_MB:g} MB per page view", payloads, [],
                           GOAL_PAYLOAD_MB, "MB"))
    name = f"{GOAL_SESSIONS} sessions all drawn < {GOAL_SESSIONS_S:g} s"
    if sessions is None:
        lines.append({"goal": name, "status": "SKIP", "detail": "not measured (--sessions 0)"})
    else:
        ok = sessions["all_ok"] and sessions["max_s"] is not None and sessions["max_s"] < GOAL_SESSIONS_S
        detail = (f"{sessions['drawn']} of {sessions['sessions']} drawn, "
                  f"{'none' if sessions['no_exception'] else 'some'} with an exception box or failure message, "
                  + (f"slowest {sessions['max_s']:.2f} s" if sessions["max_s"] is not None else "none drawn"))
        if count != GOAL_SESSIONS:
            detail += f" (measured with {count} sessions, not {GOAL_SESSIONS})"
        lines.append({"goal": name, "status": "PASS" if ok else "FAIL", "detail": detail})
    return lines


def default_json(store: Path) -> Path:
    folder = Path(os.environ.get("CSP_ARTIFACTS") or tempfile.gettempdir())
    return folder / f"browser-{store.stem}.json"


def as_json(view_results: list[ViewResult], session_results: list[SessionResult], summary: dict | None,
            goal_lines: list[dict], header: dict) -> dict:
    def measurement(m: Measurement | None) -> dict | None:
        return None if m is None else {**asdict(m), "mb": round(m.mb, 4)}

    return {
        **header,
        "views": [{"view": r.view.label, "url": r.view.link, "page": r.view.page, "warm_up_s": r.warm_up_s,
                   **{k: measurement(getattr(r, k)) for k in ("cold", "first", "reload", "rerun")}}
                  for r in view_results],
        "sessions": None if summary is None else {
            **summary, "each": [{"number": s.number, "view": s.view, "area": s.area, "url": s.url,
                                 **measurement(s.measurement)} for s in session_results]},
        "goals": goal_lines,
    }


# --- Main -----------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"the store to serve (default {DEFAULT_DB})")
    parser.add_argument("--cold", action=argparse.BooleanOptionalAction, default=True,
                        help="measure each view's first visit on a freshly started server (one server per view)")
    parser.add_argument("--warm-up", action=argparse.BooleanOptionalAction, default=True,
                        help="serve as `make run` does (python -m ui.serve: the standard views are warmed at start) "
                             "and time each server's first visit after its warm-up has finished; --no-warm-up: a "
                             "plain `streamlit run` with CSP_WARM_UP=off (the app before it warmed anything)")
    parser.add_argument("--sessions", type=int, default=GOAL_SESSIONS,
                        help="how many sessions open a page at once (0: skip)")
    parser.add_argument("--only", help="comma-separated words: measure only the views whose label or URL has one")
    parser.add_argument("--timeout", type=float, default=120, help="seconds each view has to be drawn")
    parser.add_argument("--json", type=Path, help="where to write the figures (default "
                                                  "$CSP_ARTIFACTS/browser-<store>.json, else in the temporary folder)")
    parser.add_argument("--screenshots", action="store_true", help="save each view's first-visit screen beside "
                                                                   "the JSON")
    parser.add_argument("--strict", action="store_true", help="exit non-zero if a goal fails or a view is not drawn")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    store = args.db.resolve()
    if not store.is_file():
        print(f"No store at {store}. Build the demo store there with:\n    python3 -m lib.cli --db {store} demo",
              file=sys.stderr)
        sys.exit(2)
    # A `kill` stops the servers too: SystemExit runs the finally blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    json_path = (args.json or default_json(store)).resolve()
    json_path.parent.mkdir(parents=True, exist_ok=True)
    shots = json_path.parent / f"browser-{store.stem}-screens" if args.screenshots else None
    if shots is not None:
        shots.mkdir(exist_ok=True)

    pages = app_pages()
    areas = store_areas(store)
    if not areas:
        print(f"{store} holds no incidents: nothing to draw", file=sys.stderr)
        sys.exit(2)
    views, notes = measured_views(pages, areas)
    if args.only:
        words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
        views = [v for v in views if any(w in v.label.lower() or w in v.link.lower() for w in words)]
        if not views:
            raise SystemExit(f"no view matches --only {args.only!r}")
    results = {view: ViewResult(view) for view in views}
    chosen = session_views(pages, areas, args.sessions) if args.sessions > 0 else []
    logs = Path(tempfile.mkdtemp(prefix="csp-browser-bench-"))
    started = time.perf_counter()
    session_results: list[SessionResult] = []
    summary = None
    server_failure = ""

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        chromium = browser.version
        try:
            print(machine(chromium), flush=True)
            print(f"store: {store} ({incidents_in(store):,} incidents); {len(views)} views; server logs in {logs}",
                  flush=True)
            for note in notes:
                print(f"note: {note}", flush=True)
            if args.cold:
                print("cold: a server started for each view", flush=True)
                measure_cold(browser, store, views, args.timeout, logs, results, args.warm_up)
            try:
                with streamlit_server(store, logs / "streamlit-warm.log", args.warm_up) as server:
                    print(f"warm: one server ({server.url}); {warmed(server)}", flush=True)
                    measure_warm(browser, server, views, args.timeout, shots, results)
                    if chosen:
                        print(f"sessions: {len(chosen)} at once on the same server", flush=True)
                        session_results, spread = measure_sessions(browser, server, chosen, args.timeout)
                        summary = {**sessions_summary(session_results), "start_spread_s": round(spread, 3)}
            except ServerFailed as error:
                server_failure = f"the warm server failed: {error}"
                print(server_failure, file=sys.stderr, flush=True)
        finally:
            browser.close()

    view_results = list(results.values())
    goal_lines = goals(view_results, summary, args.cold, len(chosen))
    print()
    print(machine(chromium))
    print(f"store: {store}; rerun = the sidebar's Period picker moved to the next period it offers; "
          "! = an exception box or failure message on the drawn page")
    print(table(view_results))
    failures = [(r.view.label, kind, m.error or m.exception) for r in view_results
                for kind, m in (("cold", r.cold), ("first", r.first), ("reload", r.reload), ("rerun", r.rerun))
                if m is not None and not m.ok]
    for label, kind, problem in failures:
        print(f"  {label}, {kind}: {problem.splitlines()[0]}")
    if summary is not None:
        print()
        print(f"{summary['sessions']} sessions at once: {summary['drawn']} drawn; "
              f"{'no' if summary['no_exception'] else 'some'} exception box or failure message; "
              + (f"slowest {summary['max_s']:.2f} s, median {summary['median_s']:.2f} s"
                 if summary["max_s"] is not None else "none drawn")
              + f"; all started within {summary['start_spread_s']:.2f} s")
        print(sessions_table(session_results))
    print()
    for line in goal_lines:
        print(f"{line['status']}  {line['goal']}: {line['detail']}")
    header = {"machine": machine(chromium), "store": str(store), "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "seconds": round(time.perf_counter() - started, 1), "cold_measured": args.cold, "notes": notes,
              "served": "python -m ui.serve, timed after its warm-up" if args.warm_up else
                        "streamlit run app.py with CSP_WARM_UP=off",
              "server_failure": server_failure or None,
              "rerun": "the sidebar's Period picker moved to the next period it offers",
              "drawn": "script run finished, nothing loading or stale, charts with marks, maps drawn by WebGL, "
                       f"then {QUIET_MS} ms without a WebGL draw call (not counted)"}
    json_path.write_text(json.dumps(as_json(view_results, session_results, summary, goal_lines, header), indent=2))
    print(f"figures written to {json_path}" + (f"; screens in {shots}" if shots else ""))
    print(f"total time {time.perf_counter() - started:.0f} s")
    if server_failure:
        print(f"\nFAILED: {server_failure.splitlines()[0]} (its log: {logs / 'streamlit-warm.log'})")
    if args.strict and (failures or server_failure or any(line["status"] == "FAIL" for line in goal_lines)
                        or (summary is not None and not summary["all_ok"])):
        sys.exit(1)


if __name__ == "__main__":
    main()
