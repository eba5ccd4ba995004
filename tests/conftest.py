"""Shared fixtures: the real open data (which must be present) and stores built from it."""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from playwright.sync_api import Browser, expect, sync_playwright
from streamlit import config as streamlit_config
from streamlit.components.v2 import manifest_scanner

from lib.store.db import memory_store, open_store
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, RUN_TIMEOUT_MS

# In CI the property tests replay the same examples every run, so a red build always means a change broke
# something; on a developer's machine they draw new examples each time and keep looking for new failures.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The shipped config shows a failing page's plain message only (ui.shell.failing_plainly); the tests run AppTest with a
# developer's setting, so every failure is raised into app.exception, where the tests look for it.
streamlit_config.set_option("client.showErrorDetails", "full")

# Every new AppTest scans all installed distributions for Streamlit components (0.1 to 0.2 s each, hundreds of times
# a run); the installed packages cannot change during a run, so each test process scans once.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)

# No test reaches the internet: a page or command that would ask police.uk (the Data page's fetch, for an editor)
# meets a local port nothing listens on, unless the test serves its own stand-in there.
os.environ["CSP_POLICE_UK_URL"] = "http://127.0.0.1:9"
# Nor does every test's store get its opening views warmed in the background (ui.warmup), in vain and competing for
# the cores: the tests of the warm-up, and the servers that measure it, turn it on.
os.environ["CSP_WARM_UP"] = "off"

REPO = Path(__file__).resolve().parent.parent
REAL_DATA = Path(os.environ.get("CSP_REAL_DATA") or REPO.parent / "shared" / "data" / "real")
SUSSEX_FILE = REAL_DATA / "police_uk" / "sussex-street_2018-10_2019-02.csv.gz"
SUFFOLK_POLICE = "police_uk/suffolk-street_2018-10_2019-02.csv.gz"
EAST_SUSSEX_CSPS = {
    "E22000295": "Eastbourne",
    "E22000296": "Hastings",
    "E22000298": "Lewes",
    "E22000300": "Rother",
    "E22000301": "Wealden",
}


# Screenshots, and figures a test measures but does not judge (how long pages took while others shared the server).
ARTIFACTS = Path(os.environ.get("CSP_ARTIFACTS") or Path(tempfile.gettempdir()) / "csp-test-artifacts")
REPORTED = "reported: "  # a user property with this prefix is shown at the end of the run (from any worker)
_reported: list[tuple[str, object]] = []
SCREENSHOTS = "Browser screenshots"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots and measured figures go: $CSP_ARTIFACTS, else a folder in the temporary directory."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, one per test file."""
    # An expectation waits for what it expects as long as a page may take to draw on a busy machine, not
    # Playwright's 5 s: a sign-in button still loading its code 5 s after the run failed a loaded CI run.
    expect.set_options(timeout=RUN_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def report_figures(request: pytest.FixtureRequest, name: str, figures: object) -> None:
    """Show a test's measured figures at the end of the run, however the tests were spread over processes."""
    request.node.user_properties.append((REPORTED + name, figures))


# The tests that drive a real browser take minutes each file: they start first, so that with the files spread over
# processes (make test: pytest-xdist, --dist loadfile) the quick ones fill the gaps rather than leave a long tail.
BROWSER_TEST_FILES = ("test_projector.py", "test_browser.py", "test_concurrency.py", "test_sign_in.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def browser_first(item: pytest.Item) -> int:
        name = item.path.name
        return BROWSER_TEST_FILES.index(name) if name in BROWSER_TEST_FILES else len(BROWSER_TEST_FILES)

    items.sort(key=browser_first)  # stable: the order within each file, and of the other files, is kept


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    _reported.extend((key.removeprefix(REPORTED), value) for key, value in report.user_properties
                     if key.startswith(REPORTED))
    if Path(report.location[0]).name in BROWSER_TEST_FILES and (SCREENSHOTS, str(ARTIFACTS)) not in _reported:
        _reported.insert(0, (SCREENSHOTS, str(ARTIFACTS)))


def pytest_terminal_summary(terminalreporter) -> None:
    if _reported:
        terminalreporter.section("measured, not judged")
        for name, figures in _reported:
            terminalreporter.write_line(f"{name}: {figures if isinstance(figures, str) else json.dumps(figures)}")


def real_file(relative: str) -> Path:
    """Return a file of the real open data; fail (never skip) when it is missing."""
    path = REAL_DATA / relative
    if not path.exists():
        pytest.fail(f"real test data missing: {path} (set CSP_REAL_DATA to the shared/data/real folder)")
    return path


@pytest.fixture
def db():
    """A fresh, empty in-memory store."""
    return memory_store()


@pytest.fixture
def db_file(tmp_path):
    """A fresh, empty store in a file, and its path."""
    path = tmp_path / "csp.db"
    return open_store(path), path


def build_real_store(path: Path, police_file: Path) -> Path:
    """A store as a real CSP's first one: police.uk, ONS lookups, population and LSOA boundaries; no targets,
    no assessment, no partner indicators."""
    from lib.importers.boundaries import import_boundaries
    from lib.importers.lookups import import_lookup
    from lib.importers.police_uk import import_police_uk
    from lib.importers.population import import_population

    db = open_store(path)
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    import_lookup(db, real_file("lookups/ltla21_to_utla21_lookup_ew.csv"))
    import_boundaries(db, real_file("boundaries/lsoa2011_bsc_sussex_suffolk_westmercia.geojson.gz"))
    import_population(db, real_file("population/csp17_population_2011_2017_2019_2020.csv"))
    import_police_uk(db, [police_file])
    db.close()
    return path


@pytest.fixture(scope="session")
def sussex_store_path(tmp_path_factory) -> Path:
    """A store of real Sussex data: police.uk, ONS lookups, population and LSOA boundaries."""
    return build_real_store(tmp_path_factory.mktemp("sussex") / "csp.db", SUSSEX_FILE)


@pytest.fixture(scope="session")
def suffolk_store_path(tmp_path_factory) -> Path:
    """A store of real Suffolk data (a second force), built the same way as the Sussex one."""
    return build_real_store(tmp_path_factory.mktemp("suffolk") / "csp.db", real_file(SUFFOLK_POLICE))


def read_only(path: Path):
    """Open a shared store read-only, so no test can change it for another."""
    import sqlite3

    import sqlite_utils

    return sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


@pytest.fixture(scope="module")
def sussex(sussex_store_path):
    """The real Sussex store, read-only (a test module that changes it overrides this with a copy)."""
    db = read_only(sussex_store_path)
    yield db
    db.close()


@pytest.fixture(scope="module")
def demo():
    """The demo store, read-only (a test module that changes it overrides this with a copy)."""
    from tests.app_support import demo_store_file

    db = read_only(demo_store_file())
    yield db
    db.close()


def store_fingerprint(db, ignore: tuple[str, ...] = ()) -> str:
    """A checksum of every table's full content (but the tables ignored), to prove a failed import changed nothing."""
    import hashlib

    digest = hashlib.sha256()
    for table in sorted(t for t in db.table_names() if t not in ignore):
        digest.update(table.encode())
        for row in db.execute(f"SELECT * FROM [{table}] ORDER BY 1, 2").fetchall():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def table_rows(db, table: str) -> list[tuple]:
    """Every row of a table with an id column, in id order."""
    return db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def raw_police_rows(path: Path) -> list[dict[str, str]]:
    """Read a police.uk CSV(.gz) with the csv module: an independent reading for recounts."""
    import csv
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def lsoa_to_csp() -> dict[str, str]:
    """LSOA code -> CSP17 code from the ONS-derived lookup file (independent of name prefixes)."""
    import csv
    import gzip

    with gzip.open(real_file("lookups/lsoa11_lad_csp17_pfa17_lookup_ew.csv.gz"), "rt", encoding="utf-8-sig") as f:
        return {row["lsoa11cd"]: row["csp17cd"] for row in csv.DictReader(f)}


# police.uk played by a server on localhost (tests/police_uk_archive.py), for `csp fetch` and the Data page's fetch.
FETCH_MONTHS = ["2018-10", "2018-11", "2018-12", "2019-01", "2019-02"]


@pytest.fixture(scope="session")
def lookup_store_path(tmp_path_factory) -> Path:
    """A store holding only the ONS district -> CSP -> force lookup, as a new CSP's would before its first fetch."""
    from lib.importers.lookups import import_lookup
    from lib.store.db import open_store

    path = tmp_path_factory.mktemp("lookup") / "csp.db"
    db = open_store(path)
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    db.close()
    return path


@pytest.fixture
def fetch_store(lookup_store_path, tmp_path) -> Path:
    from tests.app_support import copy_store

    return copy_store(lookup_store_path, tmp_path / "csp.db")


@pytest.fixture(scope="session")
def police_uk_site(tmp_path_factory) -> Path:
    """police.uk as it stood when 2019-02 was its latest month: its archive holding Sussex and Suffolk, and
    2018-12's holding Sussex to then (fetched only by a test that shrinks an archive to three months)."""
    from tests.police_uk_archive import street_months, write_archive, write_dates

    site = tmp_path_factory.mktemp("police-uk")
    sussex = street_months(SUSSEX_FILE)
    write_dates(site, FETCH_MONTHS)
    write_archive(site, "2019-02", {"sussex": sussex, "suffolk": street_months(real_file(SUFFOLK_POLICE))})
    write_archive(site, "2018-12", {"sussex": {m: sussex[m] for m in FETCH_MONTHS[:3]}})
    return site


@pytest.fixture
def police_uk(police_uk_site, tmp_path, monkeypatch):
    """The running stand-in for data.police.uk; every temporary folder a fetch makes goes under tmp_path/tmp."""
    import tempfile

    from tests.police_uk_archive import archive_server

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    with archive_server(police_uk_site) as server:
        yield server
