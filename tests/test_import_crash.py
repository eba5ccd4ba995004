"""A process killed in the middle of an import (SIGKILL) leaves the store as it was (issue 7, Reliability).

`python -m lib.cli import ...` runs in a subprocess on a store that already holds a real police.uk import, and is
killed at several moments: before it has done anything, while it reads the file, as it enters its write
transaction, half-way through it, and while it commits (writing the write-ahead log). Afterwards the store must
open, pass ``PRAGMA integrity_check``, hold exactly what it held before (a checksum of every table), and take the
same import again, ending exactly where a clean import of that file into a copy of the earlier store ends.

When the import is in its transaction is seen from outside, without touching the importer: another connection
cannot take the write lock (``BEGIN IMMEDIATE`` fails at once), and the commit is when the ``-wal`` file grows.
"""

from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lib.importers.police_uk import import_police_uk
from lib.store.db import open_store
from tests.conftest import REPO, SUSSEX_FILE, real_file, store_fingerprint

COPIES = 6  # the Sussex file six times over, in other years: about 345,000 rows, 60 MB, a transaction of ~1.5 s
INDICATOR_AREAS = 8_000  # x 6 indicators x 2 periods: 96,000 rows
ATTEMPTS = 3  # a moment can be missed (the process is faster than the watcher): try again from the same store
LOG_COLUMNS = "id, kind, file_name, sha256, rows_read, rows_accepted, rows_rejected, rows_duplicate"


@dataclass
class Timeline:
    """What the watcher saw of one import, in seconds from its start."""

    locked: float | None = None  # it held the write lock (inside its transaction)
    committing: float | None = None  # the -wal file grew while it held the lock
    killed: float | None = None
    returncode: int | None = None
    output: str = ""
    notes: list[str] = field(default_factory=list)


Moment = Callable[[float, Timeline], bool]


def run_import(store: Path, kind: str, file: Path, kill_when: Moment | None = None) -> Timeline:
    """Run the command-line import, watching it; SIGKILL it the first time ``kill_when`` says so."""
    timeline = Timeline()
    wal = Path(f"{store}-wal")
    process = subprocess.Popen(
        [sys.executable, "-m", "lib.cli", "--db", str(store), "import", kind, str(file)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    started = time.perf_counter()
    probe = sqlite3.connect(store, timeout=0, isolation_level=None)
    try:
        wal_at_lock = 0
        while process.poll() is None:
            now = time.perf_counter() - started
            size = wal.stat().st_size if wal.exists() else 0
            try:
                probe.execute("BEGIN IMMEDIATE")  # taken and given back at once when the importer is not writing
                probe.execute("ROLLBACK")
                locked = False
            except sqlite3.OperationalError:
                locked = True
            state = (locked, size >> 20)
            if not timeline.notes or timeline.notes[-1][1:] != state:
                timeline.notes.append((round(now, 3), *state))
            if locked and timeline.locked is None:
                timeline.locked, wal_at_lock = now, size
            if locked and timeline.committing is None and size > wal_at_lock + (1 << 20):
                timeline.committing = now
            if kill_when is not None and timeline.killed is None and kill_when(now, timeline):
                os.kill(process.pid, signal.SIGKILL)
                timeline.killed = now
            time.sleep(0.001)
    finally:
        probe.close()
    timeline.returncode = process.wait()
    timeline.output = process.stdout.read().decode(errors="replace")
    process.stdout.close()
    return timeline


def copy_store(source: Path, target: Path) -> Path:
    """Copy a store with SQLite's backup API (safe with a write-ahead log)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()
    return target


def data_fingerprint(path: Path) -> tuple[str, list[tuple]]:
    """The checksum of every table but the import log, and the log without its times."""
    db = open_store(path)
    try:
        return (store_fingerprint(db, ignore=("import_log",)),
                db.execute(f"SELECT {LOG_COLUMNS} FROM import_log ORDER BY id").fetchall())
    finally:
        db.close()


def full_fingerprint(path: Path) -> str:
    db = open_store(path)
    try:
        return store_fingerprint(db)
    finally:
        db.close()


# --- the files and stores, built once -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("crash")


@pytest.fixture(scope="module")
def before(folder) -> tuple[Path, str]:
    """A store holding the real Sussex import (five months), closed and checkpointed; and its checksum."""
    path = folder / "before.db"
    db = open_store(path)
    import_police_uk(db, [real_file("police_uk/sussex-street_2018-10_2019-02.csv.gz")])
    db.close()
    assert not Path(f"{path}-wal").exists()
    return path, full_fingerprint(path)


@pytest.fixture(scope="module")
def big_police_file(folder) -> Path:
    """The Sussex rows repeated with their months moved into other years (a file the store does not hold)."""
    header, body = gzip.decompress(SUSSEX_FILE.read_bytes()).split(b"\n", 1)
    path = folder / "sussex-many-years-street.csv"
    with open(path, "wb") as out:
        out.write(header + b"\n")
        for copy in range(COPIES):
            years = (f",{2030 + 2 * copy}-".encode(), f",{2031 + 2 * copy}-".encode())
            out.write(body.replace(b",2018-", years[0]).replace(b",2019-", years[1]))
    return path


@pytest.fixture(scope="module")
def big_indicator_file(folder) -> Path:
    """Partner indicators for thousands of LSOAs the store does not hold (so it adds areas too)."""
    path = folder / "lsoa-indicators.csv"
    lines = ["indicator_key,indicator_name,area_code,area_name,period,value"]
    lines += [f"ind-{key},Indicator {key},E01{area:06d},Area {area},{period},{(area * 7 + key) % 97}"
              for key in range(6) for area in range(INDICATOR_AREAS) for period in ("2019/20", "2020/21")]
    path.write_text("\n".join(lines) + "\n")
    return path


BIG_FILES = {"police-uk": "big_police_file", "indicators": "big_indicator_file"}


@pytest.fixture(scope="module")
def references(folder, before, request) -> dict:
    """Per kind: a clean import of its big file into a copy of the earlier store, watched to learn its timing."""
    found = {}
    for kind, fixture in BIG_FILES.items():
        file = request.getfixturevalue(fixture)
        store = copy_store(before[0], folder / f"reference-{kind}.db")
        timeline = run_import(store, kind, file)
        assert timeline.returncode == 0, timeline.output
        assert timeline.locked is not None and timeline.committing is not None, timeline
        found[kind] = {"file": file, "timeline": timeline, "data": data_fingerprint(store),
                       "summary": _summary_line(timeline.output)}
    return found


def _summary_line(output: str) -> str:
    """The summary the import prints, less its timing."""
    line = next(line for line in output.splitlines() if " rows read, " in line)
    return line.split(" in ")[0]


# --- the moments to kill at -------------------------------------------------------------------------------------


def very_early(now: float, seen: Timeline) -> bool:
    return now >= 0.15  # Python is still starting: nothing is open yet


def reading_the_file(reference: Timeline, attempt: int) -> Moment:
    """The store is open and the file being read and parsed, before the transaction (sooner on later attempts)."""
    at = reference.locked * 0.7 / 2**attempt
    return lambda now, seen: seen.locked is None and now >= max(at, 0.5)


def entering_the_transaction(now: float, seen: Timeline) -> bool:
    return seen.locked is not None


def midway(reference: Timeline, attempt: int) -> Moment:
    """Half-way through the transaction as the clean import took it; sooner on each later attempt, as a machine
    busier when the clean import ran makes it look longer than it now is."""
    wait = (reference.committing - reference.locked) / 2 ** (attempt + 1)
    return lambda now, seen: seen.locked is not None and now >= seen.locked + wait and seen.committing is None


def committing(now: float, seen: Timeline) -> bool:
    return seen.committing is not None


MOMENTS: dict[str, Callable[[Timeline, int], Moment]] = {
    "very early": lambda reference, attempt: very_early,
    "reading the file": reading_the_file,
    "entering the transaction": lambda reference, attempt: entering_the_transaction,
    "midway": midway,
    "while committing": lambda reference, attempt: committing,
}
CASES = [("police-uk", moment) for moment in MOMENTS] + [
    ("indicators", moment) for moment in ("entering the transaction", "midway", "while committing")
]


@pytest.mark.parametrize(("kind", "moment"), CASES, ids=[f"{k}: {m}" for k, m in CASES])
def test_a_killed_import_leaves_the_store_as_it_was_and_can_be_run_again(folder, before, references, kind, moment):
    reference = references[kind]
    store = folder / "killed.db"
    for attempt in range(ATTEMPTS):
        copy_store(before[0], store)
        timeline = run_import(store, kind, reference["file"], MOMENTS[moment](reference["timeline"], attempt))
        if timeline.killed is not None and timeline.returncode == -signal.SIGKILL:
            break
    else:
        pytest.fail(f"the import was never caught {moment} in {ATTEMPTS} attempts: {timeline}")
    # Killed inside its write transaction, or (for the first two moments) before it took the write lock.
    assert (timeline.locked is None) == (moment in ("very early", "reading the file")), timeline

    # The store opens and is sound.
    with sqlite3.connect(store) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    raw.close()
    after_kill = full_fingerprint(store)
    if moment == "while committing" and after_kill != before[1]:
        # The kill can land after the commit record is written (then SQLite checkpoints): the import is then
        # whole. Either way nothing is half-done.
        assert data_fingerprint(store) == reference["data"]
        return
    assert after_kill == before[1], f"the store changed though the import was killed {moment}"

    # The same import again succeeds and ends exactly where a clean import ends.
    again = run_import(store, kind, reference["file"])
    assert again.returncode == 0, again.output
    assert _summary_line(again.output) == reference["summary"]
    assert data_fingerprint(store) == reference["data"]
