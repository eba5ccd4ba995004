"""What every importer shares: one transaction per file, the import log, and clear errors."""

from __future__ import annotations

import gzip
import hashlib
import io
import sqlite3
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import sqlite_utils

from lib.core.sql import placeholders
from lib.store.faults import as_store_error, store_file

# A long import's progress callback: the share done (0 to 1) and a line on what it is doing.
Progress = Callable[[float, str], None]


class ImportFileError(Exception):
    """A file that cannot be imported; names the file, and the row and column where known."""

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None):
        self.file, self.row, self.column, self.message = file, row, column, message
        where = [f"file {file}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass
class ImportSummary:
    """What one import did, as written to the import log."""

    kind: str
    file_name: str
    sha256: str
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    # Held records a re-published file changed (a crime's last outcome): counted among those already held.
    rows_updated: int = 0
    seconds: float = 0.0
    import_id: int | None = None
    rejected_by_reason: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """One-line summary for the command line and the Data page."""
        rate = self.rows_read / self.seconds if self.seconds else 0.0
        text = (
            f"{self.kind} {self.file_name}: {self.rows_read:,} rows read, "
            f"{self.rows_accepted:,} added, {self.rows_duplicate:,} already held"
            + (f" ({self.rows_updated:,} with a new outcome)" if self.rows_updated else "")
            + f", {self.rows_rejected:,} rejected in {self.seconds:.2f} s ({rate:,.0f} rows/s)"
        )
        if self.rejected_by_reason:
            reasons = "; ".join(f"{r}: {n:,}" for r, n in sorted(self.rejected_by_reason.items()))
            text += f" [{reasons}]"
        return text


def readable_name(path: str | Path) -> str:
    """A file's name as text the store can hold: bytes the file system gave that are not UTF-8 become U+FFFD.

    On Linux a name written in Latin-1 (``caf\\xe9.csv``) reaches Python with lone surrogates, which SQLite cannot
    store, so the import log and the history would fail on it.
    """
    return Path(path).name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def file_sha256(path: str | Path) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def now_iso() -> str:
    """Return the current UTC time as an ISO 8601 string, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# Compressed files are unpacked through one bounded reader (below), never whole and unchecked: a 2 MB .csv.gz of
# zeros unpacks to 2 GB, and an importer holds what it reads, so one such upload would take the server's memory.
# The largest real file is a national police.uk month's street CSV (all 43 forces, about 150 MB); 1 GiB is several
# times that and still keeps an import's working memory (the bytes, then the parsed table) to a few GB.
MAX_UNPACKED_BYTES = 1 << 30
# Real files unpack to 3 to 20 times their packed size (GeoJSON about 4, police.uk CSVs about 5, ONS lookups and
# recorded crime up to 20, as their names repeat on every row); gzipped zeros unpack about 1,000 times.
MAX_UNPACKING_RATIO = 100
# Up to this much unpacked, the ratio is not held against a file: a small file of repeated rows may pack tighter
# than any real one and is harmless.
RATIO_FREE_BYTES = 16 << 20
_CHUNK_BYTES = 1 << 20


def unpacking_limit(packed_bytes: int) -> int:
    """The most a file (or archive member) of ``packed_bytes`` may unpack to: the ratio's allowance, within the cap."""
    return min(MAX_UNPACKED_BYTES, max(RATIO_FREE_BYTES, MAX_UNPACKING_RATIO * packed_bytes))


def _megabytes(count: int) -> str:
    return f"{count / (1 << 20):,.0f} MB"


def _too_big(label: str, packed_bytes: int) -> ImportFileError:
    limit = unpacking_limit(packed_bytes)
    if limit == MAX_UNPACKED_BYTES:
        why = f"more than {_megabytes(limit)}, the most one file may unpack to"
    else:
        why = (f"more than {MAX_UNPACKING_RATIO} times its packed size of {_megabytes(packed_bytes)} (no real data "
               "file packs that tightly: is it a compression bomb?)")
    return ImportFileError(label, f"refused: it unpacks to {why}")


class _Bounded(io.RawIOBase):
    """A decompressing stream that stops with ImportFileError once it has given more than its limit."""

    def __init__(self, stream: io.BufferedIOBase, packed_bytes: int, label: str):
        self._stream, self._packed, self._label = stream, packed_bytes, label
        self._limit, self._given = unpacking_limit(packed_bytes), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # Never ask for more than one byte past the limit, so a bomb is caught before the next chunk is unpacked.
        room = self._limit + 1 - self._given
        with memoryview(buffer) as view:
            count = self._stream.readinto(view[: max(0, min(len(view), room))])
        self._given += count
        if self._given > self._limit:
            raise _too_big(self._label, self._packed)
        return count

    def close(self) -> None:
        self._stream.close()
        super().close()


def open_unpacked(path: str | Path, gzipped: bool, label: str | None = None) -> BinaryIO:
    """Open a file for reading in binary: a gzip file unpacked through the bound, any other file as it is.

    Reading past the bound raises ImportFileError naming ``label`` (the file's name unless given).
    """
    path = Path(path)
    if not gzipped:
        return open(path, "rb")
    bounded = _Bounded(gzip.open(path, "rb"), path.stat().st_size, label or readable_name(path))
    return io.BufferedReader(bounded, buffer_size=_CHUNK_BYTES)


def read_unpacked(path: str | Path, gzipped: bool, label: str | None = None) -> bytes:
    """Read a whole file, unpacking a gzip file through the bound (never more than the bound is held)."""
    with open_unpacked(path, gzipped, label) as handle:
        return _read_all(handle)


def read_member(archive: zipfile.ZipFile, member: str, label: str) -> bytes:
    """Read one member of a zip archive through the bound, refusing at once one that declares itself too big."""
    info = archive.getinfo(member)
    # zipfile stops a member at its declared size, so a member that declares a size within the bound cannot give
    # more; the stream is bounded all the same, as the declared sizes are the archive's word.
    if info.file_size > unpacking_limit(info.compress_size):
        raise _too_big(label, info.compress_size)
    # typeshed gives ZipFile.open as IO[bytes] for reading and writing alike; reading, it is a ZipExtFile.
    member_stream: io.BufferedIOBase = archive.open(info)  # type: ignore[assignment]
    with io.BufferedReader(_Bounded(member_stream, info.compress_size, label), _CHUNK_BYTES) as handle:
        return _read_all(handle)


def _read_all(handle: BinaryIO) -> bytes:
    chunks = []
    while chunk := handle.read(_CHUNK_BYTES):
        chunks.append(chunk)
    return b"".join(chunks)


@contextmanager
def import_transaction(
    db: sqlite_utils.Database,
    kind: str,
    path: str | Path,
    display_name: str | None = None,
    sha256: str | None = None,
    clock: float | None = None,
) -> Iterator[ImportSummary]:
    """Run one file's import as a single transaction and log it; roll back on any error.

    The summary's ``import_id`` is reserved before the body runs so rows can point at their import. A caller
    that has already read the file may pass its ``sha256`` and the ``perf_counter`` time it started at, so
    the logged time covers the whole import. A failure of the store itself (its disk full, damage found) is raised
    as ``lib.store.faults.StoreError``, after the rollback, so it reads as one plain message.
    """
    path = Path(path)
    summary = ImportSummary(
        kind=kind, file_name=display_name or readable_name(path), sha256=sha256 or file_sha256(path)
    )
    started, clock = now_iso(), clock if clock is not None else time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    try:
        next_id = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM import_log").fetchone()[0]
        summary.import_id = next_id
        yield summary
        summary.seconds = time.perf_counter() - clock
        db.execute(
            "INSERT INTO import_log (id, kind, file_name, sha256, rows_read, rows_accepted, "
            "rows_rejected, rows_duplicate, started_at, finished_at, seconds) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                summary.import_id, kind, summary.file_name, summary.sha256, summary.rows_read,
                summary.rows_accepted, summary.rows_rejected, summary.rows_duplicate,
                started, now_iso(), round(summary.seconds, 3),
            ],
        )
        db.execute("COMMIT")
    except BaseException as error:
        # SQLite has already rolled back after some errors (a full disk): a second ROLLBACK would fail and its
        # traceback would hide the real error.
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        problem = as_store_error(error, store_file(db)) if isinstance(error, sqlite3.Error) else None
        if problem is not None:
            raise problem from error
        raise


def ensure_names(db: sqlite_utils.Database, table: str, names: list[str]) -> dict[str, int]:
    """Return ids for names in a small dictionary table (categories, forces, outcomes), adding new ones."""
    if table not in {"categories", "forces", "outcomes"}:
        raise ValueError(f"not a dictionary table: {table}")
    db.conn.executemany(
        f"INSERT OR IGNORE INTO {table} (name) VALUES (?)", [(n,) for n in names if n]
    )
    return {name: id_ for id_, name in db.execute(f"SELECT id, name FROM {table}").fetchall()}


def insert_columns(
    db: sqlite_utils.Database, head: str, columns: list, tail: str = "", rows_per_statement: int = 1000
) -> None:
    """Insert rows given as columns, many rows per statement: ``head`` + ``VALUES (?, ...), ...`` + ``tail``.

    A multi-row VALUES list binds the same parameters as ``executemany`` but makes a thousandth of the
    statement round trips, which more than doubles the insert rate of a large import.
    """
    if not len(columns) or not len(columns[0]):
        return
    width, rows = len(columns), len(columns[0])
    if all(isinstance(c, np.ndarray) and c.dtype.kind == "i" for c in columns):
        flat = np.column_stack(columns).ravel().tolist()
    else:
        flat = np.column_stack([np.asarray(c, dtype=object) for c in columns]).ravel().tolist()
    row = f"({placeholders(width)})"
    full = f"{head} VALUES {', '.join([row] * rows_per_statement)} {tail}"
    step = rows_per_statement * width
    for start in range(0, rows * width, step):
        part = flat[start: start + step]
        sql = full if len(part) == step else f"{head} VALUES {', '.join([row] * (len(part) // width))} {tail}"
        db.execute(sql, part)
