"""Benchmark: how long each page of the dashboard takes to compute, with cold and warm caches.

Every page (Home, Partnership at a glance, Trends, Measures, Similar areas, Data) is run under Streamlit's
``AppTest`` (the whole app: ``app.py``'s router and sidebar, then the page) on two stores:

- ``demo``: the synthetic Avonmere demo store (``lib.demo.build_demo_store``): about 160,000 incidents over
  36 months in 5 CSPs. Built afresh on each run, so it always matches the current demo code.
- ``big``: about 1,000,000 incidents: 36 months (2016-04 to 2019-03) of synthetic police.uk rows over the real
  LSOAs of Sussex, Suffolk and West Mercia (22 CSPs), with the real ONS lookups, LSOA boundaries and CSP
  populations, and four targets for Eastbourne (see ``benchmarks/big_store.py``). Built once and kept in
  $CSP_BENCH_DIR (default /tmp/csp-bench); ``--rebuild`` builds it again (about 20 s on 2 cores).

    python benchmarks/pages.py [--rebuild] [--only demo|big] [--runs 5] [--profile [--profile-lines 25]]

What the figures mean:

- **cold s**: the first run of the page after ``st.cache_data.clear()``: every cached loader in ``ui/``
  reads the store again (the sidebar's as well as the page's). Python modules are already imported and the
  store file is in the OS page cache (one untimed pass over all pages comes first), so this is the cost of a
  first visit after an import or a server start, without the disk.
- **warm s**: the median of ``--runs`` reruns of the same ``AppTest`` once its caches are filled: what a user
  waits for after touching a widget that changes nothing the loaders are keyed on. **warm max** is the
  slowest of those reruns. The goal is a warm rerun under 0.5 s.
- Overview, Trends and Measures are measured for one CSP (``?area=``: Castlebury X22000002 on the demo,
  Eastbourne E22000295 on the big store); Home, Similar areas and Data for the default area (the county or
  force area first in the picker). The ``area`` column shows the area the sidebar ended up on.

Times are wall-clock and include AppTest's own work (running the script in a thread, building the element
tree), which a browser session replaces with sending deltas over the websocket. On a small shared machine
they are noisy: compare runs on the same machine, and look at warm max as well as the median.

When the slowest warm page is over 0.5 s (or with ``--profile``), one more warm rerun of it is profiled with
cProfile and the top functions by cumulative time are printed, then those in ``lib/`` and ``ui/``;
``--profile`` also profiles a cold run of the slowest cold page. Profiled runs are slower than the timed ones.
The script exits non-zero if any page raises an exception.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import streamlit as st  # noqa: E402
import streamlit.logger  # noqa: E402
from streamlit import config  # noqa: E402
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks.big_store import BENCH_DIR, BIG_CSP, ensure_big_store  # noqa: E402
from lib.store.db import open_store  # noqa: E402

APP = REPO / "app.py"
GOAL_S = 0.5
TIMEOUT_S = 600
DEMO_CSP = "X22000002"  # Castlebury
PAGE_AREA = "the page's usual area"  # new_app's default: the store's CSP for the per-CSP pages, else the default
PAGES = {  # page file -> (title on the page, measured for one CSP)
    "pages/home.py": ("Safer Communities Dashboard", False),
    "pages/overview.py": ("Partnership at a glance", True),
    "pages/trends.py": ("Trends", True),
    "pages/measures.py": ("Measures", True),
    "pages/similar.py": ("Similar areas", False),
    "pages/hotspots.py": ("Hotspots", False),
    # Predicting next month's hotspots is computed only when their outline is switched on.
    "pages/hotspots.py?predicted=true": ("Hotspots", False),
    "pages/priorities.py": ("Priority matrix", False),
    "pages/actions.py": ("Action plan", False),
    "pages/present.py": ("Where we are", False),  # the guided sequence's first step
    "pages/pack.py": ("Committee pack", False),  # the page only: the PDF is built on the button (committee_pack.py)
    "pages/data.py": ("Data", False),
}


@dataclass
class StoreUnderTest:
    name: str
    path: Path
    csp: str
    incidents: int = 0
    megabytes: float = 0.0
    build_s: float | None = None


@dataclass
class Result:
    store: StoreUnderTest
    page: str
    area: str
    cold: float
    warm: list[float]

    @property
    def warm_median(self) -> float:
        return statistics.median(self.warm)


class PageFailed(Exception):
    """A page raised, timed out or did not land where it should."""


# --- Stores ---------------------------------------------------------------------------------------------


def describe(store: StoreUnderTest) -> StoreUnderTest:
    db = open_store(store.path)
    store.incidents = db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
    db.close()
    files = [store.path, store.path.with_name(store.path.name + "-wal")]
    store.megabytes = sum(f.stat().st_size for f in files if f.exists()) / 1e6
    return store


def demo_store(folder: Path) -> StoreUnderTest:
    from lib.demo import build_demo_store

    path = folder / "demo.db"
    clock = time.perf_counter()
    build_demo_store(path).close()
    return describe(StoreUnderTest("demo", path, DEMO_CSP, build_s=time.perf_counter() - clock))


def big_store(rebuild: bool) -> StoreUnderTest:
    print(f"big store: {'building' if rebuild else 'reusing or building'} in {BENCH_DIR}", flush=True)
    path, seconds = ensure_big_store(rebuild, log=lambda line: print(line, flush=True))
    return describe(StoreUnderTest("big", path, BIG_CSP, build_s=seconds))


# --- Running pages --------------------------------------------------------------------------------------


def page_area(store: StoreUnderTest, page: str, area: str | None = PAGE_AREA) -> str | None:
    """The ``?area=`` to open a page on: the store's CSP for the pages measured for one CSP, None for the rest
    (the picker's default area, the first county or force area), unless an area code (or None) is given."""
    if area == PAGE_AREA:
        return store.csp if PAGES[page][1] else None
    return area


def new_app(store: StoreUnderTest, page: str, area: str | None = PAGE_AREA) -> AppTest:
    """A fresh AppTest on the store, with ``?area=`` set as ``page_area`` says."""
    os.environ["CSP_DB"] = str(store.path)
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    code = page_area(store, page, area)
    if code:
        app.query_params["area"] = code
    app.query_params.update(parse_qsl(page.partition("?")[2]))
    return app


def page_file(page: str) -> str:
    """The script of a measured page ('pages/hotspots.py?predicted=true' -> 'pages/hotspots.py')."""
    return page.partition("?")[0]


def checked(app: AppTest, page: str, what: str) -> AppTest:
    """The app after a run, or PageFailed if the run raised or did not show the page."""
    if app.exception:
        details = "\n".join(f"    {e.message}\n    {''.join(e.stack_trace)}" for e in app.exception)
        raise PageFailed(f"{page} ({what}) raised:\n{details}")
    title = PAGES[page][0]
    if not any(t.value == title for t in app.title):
        raise PageFailed(f"{page} ({what}) did not show its title {title!r}: {[t.value for t in app.title]}")
    return app


def timed(run) -> float:
    clock = time.perf_counter()
    run()
    return time.perf_counter() - clock


def measure_page(store: StoreUnderTest, page: str, runs: int, area: str | None = PAGE_AREA) -> Result:
    """Cold: the page's first run after clearing every cache; warm: ``runs`` reruns once the caches are full.

    ``area`` is the ``?area=`` code to open the page on (None: the picker's default); see ``page_area``.
    """
    app = new_app(store, page, area)
    checked(app.run(), "pages/home.py", "first run")
    st.cache_data.clear()
    cold = timed(lambda: app.switch_page(page_file(page)).run())
    checked(app, page, "cold")
    warm = []
    for number in range(runs):
        warm.append(timed(app.run))
        checked(app, page, f"warm rerun {number + 1}")
    area = app.selectbox(key="sidebar_area").value
    return Result(store, page, area, cold, warm)


def warm_up(store: StoreUnderTest, area: str | None = PAGE_AREA) -> None:
    """One untimed pass over every page: imports every module and brings the store into the OS page cache."""
    app = new_app(store, "pages/overview.py", area)
    checked(app.run(), "pages/home.py", "warm-up")
    for page in PAGES:
        checked(app.switch_page(page_file(page)).run(), page, "warm-up")


def profile_run(store: StoreUnderTest, page: str, cold: bool, lines: int, area: str | None = PAGE_AREA) -> str:
    """cProfile of one run of the page, cold (caches cleared first) or warm.

    The script runs in AppTest's own thread, and cProfile sees only the thread it is enabled in, so the
    profiler is switched on inside ``ScriptRunner._run_script``.
    """
    app = new_app(store, page, area)
    checked(app.run(), "pages/home.py", "first run")
    checked(app.switch_page(page_file(page)).run(), page, "profile: first run")
    if cold:
        st.cache_data.clear()
    profiler = cProfile.Profile()
    original = ScriptRunner._run_script

    def profiled(self, *args, **kwargs):
        profiler.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            profiler.disable()

    ScriptRunner._run_script = profiled
    try:
        checked(app.run(), page, "profiled run")
    finally:
        ScriptRunner._run_script = original
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    out.write(f"top {lines} functions by cumulative time:\n")
    stats.print_stats(lines)
    out.write("the same, only those in lib/ and ui/:\n")
    stats.print_stats(rf"{REPO}/(lib|ui)/", lines)
    return out.getvalue()


def quiet_streamlit() -> None:
    """Outside a server, clearing the caches and each AppTest run log harmless "no runtime" warnings."""
    config.get_config_options()  # parse the config now, or parsing it later resets the level
    config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("error")


# --- Report ---------------------------------------------------------------------------------------------


def machine() -> str:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (
        f"machine: {cores} CPUs ({usable} usable), {platform.machine()}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, Streamlit {st.__version__}; load average {load}"
    )


def table(results: list[Result]) -> str:
    header = (f"{'store':<6} {'incidents':>10} {'page':<18} {'area':<10} {'cold s':>7} {'warm s':>7} "
              f"{'warm max':>8}  warm < {GOAL_S} s")
    rows = [header, "-" * len(header)]
    for r in results:
        ok = "yes" if r.warm_median < GOAL_S else "NO"
        rows.append(f"{r.store.name:<6} {r.store.incidents:>10,} {r.page:<18} {r.area:<10} {r.cold:>7.2f} "
                    f"{r.warm_median:>7.3f} {max(r.warm):>8.3f}  {ok}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the big store again")
    parser.add_argument("--only", choices=("demo", "big"), help="benchmark one store only")
    parser.add_argument("--runs", type=int, default=5, help="warm reruns per page (the median is reported)")
    parser.add_argument("--profile", action="store_true",
                        help="profile the slowest warm page even under the goal, and the slowest cold page")
    parser.add_argument("--profile-lines", type=int, default=25, help="functions to list in each profile")
    args = parser.parse_args()
    quiet_streamlit()

    print(machine(), flush=True)
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="csp-pages-"))
    results: list[Result] = []
    failures: list[str] = []
    try:
        stores = []
        if args.only in (None, "demo"):
            stores.append(demo_store(scratch))
        if args.only in (None, "big"):
            stores.append(big_store(args.rebuild))
        for store in stores:
            built = f"built in {store.build_s:.1f} s" if store.build_s is not None else "reused"
            print(f"{store.name} store: {store.incidents:,} incidents, {store.megabytes:,.0f} MB, {built} "
                  f"({store.path})", flush=True)
            try:
                warm_up(store)
            except PageFailed as error:
                failures.append(f"{store.name}: {error}")
                continue
            for page in PAGES:
                try:
                    result = measure_page(store, page, args.runs)
                except (PageFailed, RuntimeError) as error:
                    failures.append(f"{store.name}: {error}")
                    print(f"  {page}: FAILED", flush=True)
                    continue
                results.append(result)
                print(f"  {page:<18} cold {result.cold:6.2f} s  warm {result.warm_median:6.3f} s", flush=True)

        print()
        print(machine())
        print(table(results))
        for store in stores:
            mine = [r for r in results if r.store is store]
            if not mine:
                continue
            slowest = max(mine, key=lambda r: r.warm_median)
            if slowest.warm_median >= GOAL_S or args.profile:
                print(f"\nprofile: {store.name}, {slowest.page}, one warm rerun "
                      f"(median {slowest.warm_median:.3f} s)")
                print(profile_run(store, slowest.page, False, args.profile_lines))
            if args.profile:
                slowest = max(mine, key=lambda r: r.cold)
                print(f"\nprofile: {store.name}, {slowest.page}, one cold run ({slowest.cold:.2f} s)")
                print(profile_run(store, slowest.page, True, args.profile_lines))
        print(f"total time {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if failures:
        print("\nFAILED:\n" + "\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
