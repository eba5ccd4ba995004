"""When the store cannot be used: missing, not a database, damaged, read-only, or its disk full.

Each fault becomes one ``StoreError`` whose message is a plain line for the person at the screen or the command line:
which file, what is wrong with it, and how to put it right. Any other error (a bug) keeps its traceback.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import sqlite_utils


class StoreError(Exception):
    """The store cannot be used as asked: missing, not a database, damaged, read-only, or its disk full.

    The message is one plain line for the person at the screen or the command line: which file, what is wrong with
    it, and how to put it right. Nothing has been changed when it is raised.
    """


def may_write(path: Path) -> bool:
    """Whether the store file (and its folder, for the write-ahead log) may be written.

    A file whose permissions give no one write access counts as read-only even to root, who could write it
    anyway: whoever made it so meant it.
    """
    mode = path.stat().st_mode
    return (bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) and os.access(path, os.W_OK)
            and os.access(path.parent, os.W_OK | os.X_OK))


def check_intact(db: sqlite_utils.Database, path: Path) -> None:
    """Refuse, before anything is written, a store SQLite finds damaged: writing to it could spread the damage.

    ``quick_check`` reads every page once, but does not check the indexes against their tables, which
    ``integrity_check`` would take several times longer over.
    """
    found = [row[0] for row in db.execute("PRAGMA quick_check(2)").fetchall()]
    if found != ["ok"]:
        # One line for the message: SQLite's report starts with a heading and runs over several lines.
        lines = [line for text in found for line in text.splitlines() if line and not line.startswith("***")]
        raise StoreError(damaged_message(path, "; ".join(lines[:2])))


def store_file(db: sqlite_utils.Database) -> Path:
    """The file an open store connection reads (empty for an in-memory store)."""
    for _, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(file)
    return Path()


def as_store_error(error: BaseException, path: Path) -> StoreError | None:
    """The plain StoreError for an SQLite error that is the store's own fault (damage, a full disk, a read-only
    file), or None for any other error (a bug, which keeps its traceback).

    A second error raised while handling the first (a ROLLBACK after SQLite had rolled back) is looked through.
    """
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, StoreError):
            return current
        name = getattr(current, "sqlite_errorname", "") or ""
        text = str(current)
        if name == "SQLITE_NOTADB" or "file is not a database" in text:
            return StoreError(f"The store {path} is not a SQLite database: its first page has been overwritten or "
                              "it is another kind of file. Nothing has been changed. Restore it from a backup.")
        if name.startswith("SQLITE_CORRUPT") or "malformed" in text:
            return StoreError(damaged_message(path, text))
        if name == "SQLITE_FULL" or "disk is full" in text:
            return StoreError(f"The disk holding the store {path} is full ({text}): nothing of this change was "
                              "kept. Free some space on it and try again.")
        if name.startswith("SQLITE_READONLY") or "readonly database" in text:
            return StoreError(read_only_message(path))
        if name.startswith("SQLITE_CANTOPEN") or "unable to open database" in text:
            return StoreError(f"The store {path} cannot be opened ({text}). Check that the file and its folder "
                              "exist and may be read by the user running the dashboard.")
        current = current.__context__
    return None


def missing_message(path: Path) -> str:
    """What to say when the store file is not there."""
    return (f"The store {path} is missing. If it was deleted or moved, restore the file from a backup. To start a "
            f"new store there, import into it (python -m lib.cli --db {path} import ...); for the synthetic demo "
            f"county, run python -m lib.cli --db {path} demo, or unset CSP_DB to use the default store.")


def read_only_message(path: Path) -> str:
    """What to say when a change is asked of a store that may not be written."""
    return (f"The store {path} is read-only, so nothing can be imported or saved: the dashboard shows it but cannot "
            "change it. To change it, make the file and its folder writable by the user running the dashboard.")


def damaged_message(path: Path, found: str) -> str:
    """What to say when SQLite finds the store damaged, with how to recover it."""
    return (f"The store {path} is damaged (SQLite found: {found}). Nothing has been changed. Restore it from a "
            f"backup, or recover what it holds with: sqlite3 {path} .recover | sqlite3 recovered.db, then point "
            "CSP_DB at recovered.db.")
