"""A stand-in for data.police.uk in a test: bulk archives built from the real street files, served on localhost.

Nothing is kept in the repository: each archive is built from ``../shared/data/real`` into the test's own tmp_path,
in police.uk's layout (``YYYY-MM/YYYY-MM-<force>-street.csv``), and served by http.server in a thread.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import socket
import threading
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def street_months(path: Path) -> dict[str, bytes]:
    """A real police.uk street file (.csv.gz) split by its Month column: month -> that month's CSV, header first."""
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows: dict[str, list[list[str]]] = defaultdict(list)
        for row in reader:
            rows[row[1]].append(row)
    months = {}
    for month, month_rows in sorted(rows.items()):
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(month_rows)
        months[month] = text.getvalue().encode("utf-8")
    return months


def write_archive(site: Path, archive_month: str, forces: dict[str, dict[str, bytes]]) -> Path:
    """Write ``data/archive/<archive_month>.zip`` under the site folder: each force's months as police.uk lays
    them out, with an outcomes member beside each street one (which a fetch must leave alone)."""
    target = site / "data" / "archive" / f"{archive_month}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for force, months in forces.items():
            for month, data in months.items():
                archive.writestr(f"{month}/{month}-{force}-street.csv", data)
                archive.writestr(f"{month}/{month}-{force}-outcomes.csv", b"Crime ID,Month\n")
    return target


def write_dates(site: Path, months: list[str]) -> None:
    """Write the API's list of months published (newest first, as police.uk gives it)."""
    target = site / "api" / "crimes-street-dates"
    target.parent.mkdir(parents=True, exist_ok=True)
    entries = [{"date": month, "stop-and-search": []} for month in sorted(months, reverse=True)]
    target.write_text(json.dumps(entries))


class _Handler(SimpleHTTPRequestHandler):
    """Serves the site folder. A path in ``failures`` answers that status; one in ``halved`` is served cut in half
    (and says that is all of it); one in ``cut_short`` announces its whole length, then stops halfway, as a dropped
    connection does."""

    failures: dict[str, int]
    halved: set[str]
    cut_short: set[str]
    requests: list[tuple[str, str]]

    def do_GET(self) -> None:
        self.requests.append(("GET", self.path))
        if self._failed():
            return
        if self.path in self.halved | self.cut_short:
            data = (Path(self.directory) / self.path.lstrip("/")).read_bytes()
            half = data[: len(data) // 2]
            self.send_response(200)
            self.send_header("Content-Length", str(len(half if self.path in self.halved else data)))
            self.end_headers()
            self.wfile.write(half)
            self.close_connection = True
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        self.requests.append(("HEAD", self.path))
        if not self._failed():
            super().do_HEAD()

    def _failed(self) -> bool:
        if self.path not in self.failures:
            return False
        self.send_error(self.failures[self.path])
        return True

    def log_message(self, format: str, *args: object) -> None:
        pass  # the requests are kept in ``requests``; a test's output stays its own


class ArchiveServer:
    """The running server: its base URL, what it was asked for, and how it is told to fail."""

    def __init__(self, site: Path):
        self.site = site
        self.failures: dict[str, int] = {}
        self.halved: set[str] = set()
        self.cut_short: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        handler = type("Handler", (_Handler,), {"failures": self.failures, "halved": self.halved,
                                                "cut_short": self.cut_short, "requests": self.requests})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(site)))
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def downloads(self) -> list[str]:
        """The paths of the archives fetched whole (GET), in order."""
        return [path for method, path in self.requests if method == "GET" and path.endswith(".zip")]


@contextmanager
def archive_server(site: Path) -> Iterator[ArchiveServer]:
    """Serve a site folder on a free localhost port for the length of the block."""
    server = ArchiveServer(site)
    server._thread.start()
    try:
        yield server
    finally:
        server._server.shutdown()
        server._server.server_close()


def closed_port_url() -> str:
    """A localhost URL nothing listens on: a port just bound and let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
