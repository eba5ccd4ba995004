"""A real Streamlit server on a store, started and always stopped: for the browser tests and benchmarks/browser.py.

``served=True`` starts it as ``make run`` does (``python -m ui.serve``: the store's standard views are warmed as soon
as the server is up); otherwise it is a plain ``streamlit run app.py``, whose first visitor pays every cold cost.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
STARTUP_SECONDS = 90  # generous: a busy machine can take a minute to import Streamlit and start
WARMED = re.compile(r"Warmed the opening views of (\d+) areas in ([\d.]+) s")  # ui.warmup's log line


class ServerFailed(RuntimeError):
    """The server exited, or did not answer (or warm up) in time; the message ends with its log."""


def free_port() -> int:
    """A TCP port nobody is listening on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path
    warmed: tuple[int, float] | None = None  # (areas, seconds) once wait_until_warm has seen the warm-up end

    def check(self) -> None:
        """ServerFailed, with the end of its log, if the server has exited."""
        if self.process.poll() is not None:
            raise ServerFailed(f"streamlit exited with {self.process.returncode}:\n{log_tail(self.log)}")

    def wait_until_warm(self, timeout_s: float) -> tuple[int, float]:
        """Wait for ui.warmup's "Warmed ..." line in the log; (areas warmed, seconds the warm-up took)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.check()
            found = WARMED.search(self.log.read_text(errors="replace"))
            if found:
                self.warmed = int(found.group(1)), float(found.group(2))
                return self.warmed
            time.sleep(0.5)
        raise ServerFailed(f"the standard views were not warmed within {timeout_s:.0f} s:\n{log_tail(self.log)}")


def wait_for_health(server: Server, timeout_s: float = STARTUP_SECONDS) -> None:
    """Wait until Streamlit answers its health check; ServerFailed if it dies or takes too long."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        server.check()
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise ServerFailed(f"streamlit did not answer within {timeout_s:.0f} s:\n{log_tail(server.log)}")


@contextmanager
def running_streamlit(store: Path, log: Path, port: int | None = None, extra_args: Sequence[str] = (),
                      served: bool = False, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Serve the app on ``store`` (``$CSP_DB``) at 127.0.0.1; yield the server once it answers; always stop it.

    ``port`` when the URL must be known beforehand (sign-in's redirect_uri); ``extra_args``: more Streamlit flags;
    ``env``: more environment variables for the server.
    """
    port = port or free_port()
    launcher = ["-m", "ui.serve"] if served else ["-m", "streamlit", "run", str(APP)]
    command = [sys.executable, *launcher, "--server.headless", "true", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", *extra_args]
    with open(log, "w") as output:
        process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **(env or {}), "CSP_DB": str(store)},
                                   stdout=output, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_for_health(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
