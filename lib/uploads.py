"""Files uploaded on the Data page go through the same importers as the command line.

Each upload is written to a temporary folder under its original name (the import log records that name),
imported on its own so one bad file does not stop the rest, and reported in one line.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from lib.core.import_kinds import ACTIONS, IMPORT_KINDS, INDICATORS, POLICE_UK, TARGETS
from lib.importers.base import ImportFileError, ImportSummary, Progress
from lib.store.faults import StoreError

# The kinds an editor may upload on the Data page (named in lib/core/import_kinds.py, as on the command line).
UPLOAD_KINDS = (POLICE_UK, INDICATORS, TARGETS, ACTIONS)


@dataclass(frozen=True)
class UploadOutcome:
    """What happened to one uploaded file: imported (with its summary line) or refused (with the reason)."""

    file_name: str
    imported: bool
    message: str


_MAX_NAME_BYTES = 200  # file systems allow 255 bytes in a name; a long name keeps its start and its extension


def safe_file_name(name: str) -> str:
    """The uploaded name without any folder part, so it cannot point outside the temporary folder.

    Characters no file name can hold (NUL, other control characters, lone surrogates) become ``_``, and a name
    too long for the file system is shortened, keeping its extension (``.csv``, ``.csv.gz``, ``.zip``).
    """
    base = Path(name.replace("\\", "/")).name
    base = "".join(c if c.isprintable() else "_" for c in base).strip()
    if base in {"", ".", ".."}:
        return "upload"
    if len(base.encode("utf-8")) > _MAX_NAME_BYTES:
        suffix = "".join(s for s in Path(base).suffixes[-2:] if len(s) <= 8 and s.isascii())
        stem = base[: len(base) - len(suffix)] if suffix else base
        room = _MAX_NAME_BYTES - len(suffix.encode("utf-8"))
        base = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip() + suffix
    return base


def _importer(kind: str) -> Callable[[sqlite_utils.Database, Path, Progress | None], ImportSummary]:
    if kind not in UPLOAD_KINDS:
        raise ValueError(f"unknown upload kind: {kind!r}")
    importer = IMPORT_KINDS[kind].importer()
    if kind == POLICE_UK:
        return lambda db, path, progress: importer(db, [path], progress)[0]
    return lambda db, path, progress: importer(db, path)


def import_uploads(
    db: sqlite_utils.Database, kind: str, files: Iterable[tuple[str, bytes]], progress: Progress | None = None
) -> list[UploadOutcome]:
    """Import uploaded (name, content) pairs of one kind; a refused file is reported, not raised, and so is a
    failure of the store itself (every file from that one on is reported not imported)."""
    importer = _importer(kind)
    files = list(files)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="csp-upload-") as folder:
        for number, (name, content) in enumerate(files):
            path = Path(folder) / safe_file_name(name)
            path.write_bytes(content)

            def report(fraction: float, text: str, number: int = number) -> None:
                if progress:
                    progress((number + fraction) / len(files), text)

            try:
                summary = importer(db, path, report)
            except ImportFileError as error:
                outcomes.append(UploadOutcome(path.name, False, str(error)))
            except StoreError as error:
                # The store itself failed (its disk full, damage met): this file rolled back, and the rest would
                # fail the same way, so none of them is tried.
                outcomes += [UploadOutcome(safe_file_name(name), False, f"Not imported: {error}")
                             for name, _ in files[number:]]
                break
            else:
                outcomes.append(UploadOutcome(path.name, True, summary.line()))
            finally:
                path.unlink(missing_ok=True)
    return outcomes
