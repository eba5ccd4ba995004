"""What every importer shares: one transaction per file, the import log, and clear errors."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlite_utils


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
    seconds: float = 0.0
    import_id: int | None = None
    rejected_by_reason: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """One-line summary for the command line and the Data page."""
        rate = self.rows_read / self.seconds if self.seconds else 0.0
        text = (
            f"{self.kind} {self.file_name}: {self.rows_read:,} rows read, "
            f"{self.rows_accepted:,} added, {self.rows_duplicate:,} already held, "
            f"{self.rows_rejected:,} rejected in {self.seconds:.2f} s ({rate:,.0f} rows/s)"
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
    the logged time covers the whole import.
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
    except BaseException:
        db.execute("ROLLBACK")
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
    row = "(" + ", ".join("?" * width) + ")"
    full = f"{head} VALUES {', '.join([row] * rows_per_statement)} {tail}"
    step = rows_per_statement * width
    for start in range(0, rows * width, step):
        part = flat[start: start + step]
        sql = full if len(part) == step else f"{head} VALUES {', '.join([row] * (len(part) // width))} {tail}"
        db.execute(sql, part)
