"""Several people at once, and readers while an import writes: one `streamlit run`, many headless Chromium pages.

The figures (seconds until each page has drawn) are printed at the end of the run and written to
$CSP_ARTIFACTS/concurrency.json.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from lib.importers.lookups import import_lookup
from lib.store.db import open_store
from tests.app_support import REPO, copy_store, demo_store_file
from tests.browser_support import FAILURE_WORDS, Watched, streamlit_server, wait_until_settled
from tests.conftest import SUSSEX_FILE, real_file, report_figures, store_fingerprint

SESSIONS = {  # one browser session per page, all at once
    "home": "", "overview": "overview", "trends": "trends?indicator=anti-social-behaviour,burglary",
    "measures": "measures?area=X22000005", "similar": "similar?area=X22000002", "hotspots": "hotspots",
    "priorities": "priorities", "actions": "actions", "present": "present?step=3", "pack": "pack",
    "data": "data?tab=Import+log", "trends-csp": "trends?area=X22000003&view=years",
}


# Twelve sessions share two cores with their own browsers: on a busy machine the last page can take minutes. The
# test asserts that every session draws and nothing fails; how long they took is reported, not judged.
CONCURRENT_TIMEOUT_MS = 300_000


def _no_failure(page: Page) -> None:
    """No exception box and no plain-words failure (the shipped config shows failures as words:
    ui.shell.failing_plainly)."""
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text(FAILURE_WORDS, exact=False)).to_have_count(0)


def _report(artifacts: Path, request, name: str, figures: dict) -> None:
    """Keep the figures in concurrency.json and show them at the end of the run: reported, not judged."""
    path = artifacts / "concurrency.json"
    held = json.loads(path.read_text()) if path.exists() else {}
    held[name] = figures
    path.write_text(json.dumps(held, indent=2))
    report_figures(request, name, figures)


def _cpu_seconds(match: str) -> float:
    """CPU time used so far by every process whose command line contains ``match`` (from /proc)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and match in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick  # utime and stime
        except (OSError, ValueError, IndexError):  # a process that ended while we looked
            continue
    return total


def test_twelve_sessions_on_different_pages_at_once(tmp_path, browser, artifacts, request):
    store = copy_store(demo_store_file(), tmp_path / "demo.db")
    with streamlit_server(store, tmp_path / "streamlit.log") as url:
        server = f"--server.port {url.rsplit(':', 1)[1]}"
        contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in SESSIONS]
        try:
            pages = {name: Watched(context.new_page()) for name, context in zip(SESSIONS, contexts, strict=True)}
            # The browsers run on the same two cores as the server, so say how the time was shared between them.
            cpu_before = _cpu_seconds(server), _cpu_seconds("chrom")
            started = time.monotonic()
            for name, watched in pages.items():  # every request is in flight before any page is waited for
                watched.page.goto(f"{url}/{SESSIONS[name]}", wait_until="commit")
            drawn = {}
            for name, watched in pages.items():
                wait_until_settled(watched.page, CONCURRENT_TIMEOUT_MS)
                drawn[name] = round(time.monotonic() - started, 2)
            server_cpu = round(_cpu_seconds(server) - cpu_before[0], 1)
            browser_cpu = round(_cpu_seconds("chrom") - cpu_before[1], 1)
            for name, watched in pages.items():
                watched.page.wait_for_load_state("networkidle", timeout=CONCURRENT_TIMEOUT_MS)
                watched.check(artifacts / f"concurrent-{name}.png")
        finally:  # a failed session must not leave eleven pages reconnecting to a stopped server for the next test
            for context in contexts:
                context.close()
        log = (tmp_path / "streamlit.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    assert server_cpu > 0 and browser_cpu > 0  # the processes were found
    _report(artifacts, request, "twelve sessions at once", {
        "sessions": len(SESSIONS), "all drawn after s": max(drawn.values()), "each drawn after s": drawn,
        "server CPU s": server_cpu, "Chromium CPU s": browser_cpu})


def _big_police_file(folder: Path, copies: int) -> Path:
    """The real Sussex rows again under ``copies`` earlier years (new Crime IDs): a big import of new rows.

    Earlier, not later: a month after today is refused as a mistyped date.
    """
    with open(SUSSEX_FILE, "rb") as raw, gzip.open(raw, "rt", newline="") as source:
        rows = list(csv.reader(source))
    header, body = rows[0], rows[1:]
    month, crime_id = header.index("Month"), header.index("Crime ID")
    path = folder / "sussex-later-years.csv"
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for copy in range(1, copies + 1):
            for row in body:
                row = list(row)
                row[month] = f"{int(row[month][:4]) - copy}{row[month][4:]}"
                row[crime_id] = f"{row[crime_id]}{copy}" if row[crime_id] else ""
                writer.writerow(row)
    return path


def _holdings(page: Page) -> tuple[int, int]:
    """(incidents, imports) from the Data page's first line: "... 162,206 incidents from 7 imports."."""
    text = page.get_by_text(re.compile(r"incidents from [\d,]+ imports")).first.inner_text()
    incidents, imports = re.search(r"([\d,]+) incidents from ([\d,]+) imports", text).groups()
    return int(incidents.replace(",", "")), int(imports.replace(",", ""))


def test_pages_keep_rendering_while_an_import_runs(tmp_path, browser, artifacts, request):
    store = copy_store(demo_store_file(), tmp_path / "demo.db")
    # The demo's districts are real ones of its own, so Sussex LSOAs need the ONS lookup to be placed.
    import_lookup(open_store(store), real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    big = _big_police_file(tmp_path, copies=24)  # about 1.4 million rows: some 13 s to import on 2 cores
    with streamlit_server(store, tmp_path / "streamlit.log") as url:
        watched = Watched(browser.new_page(viewport={"width": 1400, "height": 1000}))
        watched.open(f"{url}/data?tab=Import+log")  # warm, before the import starts
        held_before = _holdings(watched.page)
        before = store_fingerprint(open_store(store))
        importer = subprocess.Popen(
            [sys.executable, "-m", "lib.cli", "--db", str(store), "import", "police-uk", str(big)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        renders, during = [], 0
        for path in ["", "trends", "hotspots", "data?tab=Import+log", "actions", "overview"] * 4:
            if importer.poll() is not None:
                break
            clock = time.monotonic()
            watched.open(f"{url}/{path}")
            _no_failure(watched.page)
            renders.append(round(time.monotonic() - clock, 2))
            during += importer.poll() is None  # this page finished drawing while the import still ran
        output, _ = importer.communicate(timeout=600)
        assert importer.returncode == 0, output
        assert during >= 3, f"only {during} pages drew while the import ran: make the file bigger"
        assert before != store_fingerprint(open_store(store))
        watched.open(f"{url}/data?tab=Import+log")  # the new rows show once the import has committed
        held_after = _holdings(watched.page)
        assert held_after[1] == held_before[1] + 1 and held_after[0] > held_before[0]
        watched.check(artifacts / "after-import.png")
    _report(artifacts, request, "pages drawn during an import", {
        "pages drawn while importing": during, "each page s": renders, "import": output.strip().splitlines()[-1]})


def test_readers_are_not_blocked_by_an_open_write_transaction(tmp_path, browser, artifacts, request):
    store = copy_store(demo_store_file(), tmp_path / "demo.db")
    before = store_fingerprint(open_store(store))
    with streamlit_server(store, tmp_path / "streamlit.log") as url:
        watched = Watched(browser.new_page(viewport={"width": 1400, "height": 1000}))
        writer = sqlite3.connect(store, isolation_level=None)
        assert "wal" == writer.execute("PRAGMA journal_mode").fetchone()[0]
        writer.execute("PRAGMA cache_size = -500")  # a small cache, so the changed pages spill to disk
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE incidents SET month = month")  # every row of the biggest table
        renders = {}
        try:
            for path in ["", "hotspots?area=X22000001", "data?tab=Coverage", "trends"]:
                clock = time.monotonic()
                watched.open(f"{url}/{path}")  # drawn from the last committed data while the writer holds its lock
                _no_failure(watched.page)
                renders[path or "home"] = round(time.monotonic() - clock, 2)
            assert writer.in_transaction
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        watched.check(artifacts / "read-during-write.png")
        log = (tmp_path / "streamlit.log").read_text()
    assert "locked" not in log, log[-3000:]
    assert store_fingerprint(open_store(store)) == before
    _report(artifacts, request, "pages drawn during an open write transaction", renders)
