"""The store under faults (``lib.store.db.open_store``): missing, read-only, not a database, damaged inside, its disk
full. Each is one plain StoreError (one line on the command line, exit code 2), and the store is never made worse."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from lib import cli
from lib.importers.police_uk import import_police_uk
from lib.store.db import IMPORT, MIGRATIONS, READ, open_store
from lib.store.faults import StoreError, as_store_error, store_file
from tests.app_support import copy_store
from tests.conftest import REAL_DATA, store_fingerprint

SUFFOLK_FILE = REAL_DATA / "police_uk" / "suffolk-street_2018-10_2019-02.csv.gz"


@pytest.fixture
def store(sussex_store_path, tmp_path) -> Path:
    """A private copy of the real Sussex store (police.uk, lookups, boundaries, population)."""
    return copy_store(sussex_store_path, tmp_path / "csp.db")


def file_digest(path: Path) -> str:
    """The store file's bytes and its write-ahead log's, to prove nothing was written."""
    digest = hashlib.sha256()
    for part in (path, path.with_name(path.name + "-wal")):
        digest.update(part.read_bytes() if part.exists() else b"")
    return digest.hexdigest()


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main([str(a) for a in argv])
    return code, capsys.readouterr().err


def one_plain_line(err: str) -> str:
    """The command line's error: one line, no traceback."""
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("error: The ")
    return err


def damage_a_table(path: Path, table: str = "incidents") -> None:
    """Overwrite the cell pointers of a table's root page, leaving the schema (page 1) readable."""
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    with open(path, "r+b") as raw:
        raw.seek((root - 1) * page_size + 12)  # past an interior page's 12-byte header
        raw.write(b"\xff" * 64)


def test_a_missing_store_is_said_to_be_missing_and_not_created_for_reading(tmp_path, capsys):
    path = tmp_path / "gone" / "csp.db"
    with pytest.raises(StoreError, match=r"The store .*csp.db is missing\. If it was deleted or moved, restore"):
        open_store(path, READ)
    code, err = run_cli(capsys, "--db", path, "areas")
    assert code == 2 and "is missing" in one_plain_line(err)
    assert not path.exists() and not path.parent.exists()


def test_a_read_only_store_is_read_but_never_written(store, capsys):
    store.chmod(0o444)  # counts for root too: permissions that allow no one to write are meant
    before = file_digest(store)
    db = open_store(store, READ)
    assert db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] > 50_000
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM meta")
    db.close()
    with pytest.raises(StoreError, match="is read-only, so nothing can be imported or saved"):
        open_store(store)
    code, err = run_cli(capsys, "--db", store, "counts", "--area", "Eastbourne", "--category", "Burglary")
    assert code == 0 and not err
    code, err = run_cli(capsys, "--db", store, "import", "police-uk", SUFFOLK_FILE)
    assert code == 2 and "is read-only" in one_plain_line(err)
    assert file_digest(store) == before


def test_a_read_only_store_that_needs_upgrading_says_so_without_writing(store):
    with sqlite3.connect(store) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(len(MIGRATIONS) - 1)])
    store.chmod(0o444)
    before = file_digest(store)
    with pytest.raises(StoreError, match="needs upgrading, but it is read-only"):
        open_store(store, READ)
    assert file_digest(store) == before


def test_reading_a_writable_store_from_before_the_schema_upgrades_it_first(tmp_path):
    path = tmp_path / "csp.db"
    path.touch()  # an empty file: a store before its first migration
    db = open_store(path, READ)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(len(MIGRATIONS))
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM meta")


def test_a_store_whose_first_page_is_overwritten_is_not_a_database_in_plain_words(store, capsys):
    with open(store, "r+b") as raw:
        raw.write(b"This is not SQLite at all. " * 4)
    before = file_digest(store)
    for intent in (READ, "write"):
        with pytest.raises(StoreError, match="is not a SQLite database: its first page has been overwritten"):
            open_store(store, intent)
    for argv in (("areas",), ("import", "police-uk", SUFFOLK_FILE)):
        code, err = run_cli(capsys, "--db", store, *argv)
        assert code == 2 and "Restore it from a backup" in one_plain_line(err)
    assert file_digest(store) == before


def test_damage_inside_a_table_is_found_before_anything_is_written(store, capsys):
    damage_a_table(store)
    before = file_digest(store)
    with pytest.raises(StoreError) as caught:
        open_store(store, IMPORT)
    assert "is damaged (SQLite found: On tree page" in str(caught.value)
    assert f"sqlite3 {store} .recover | sqlite3 recovered.db" in str(caught.value)
    code, err = run_cli(capsys, "--db", store, "import", "police-uk", SUFFOLK_FILE)
    assert code == 2 and "is damaged" in one_plain_line(err) and ".recover" in err
    assert file_digest(store) == before


def test_damage_met_while_reading_is_said_in_plain_words(store, capsys):
    # The read path does not check the whole store first (a page view must stay quick), but the damage a read
    # meets is still one plain line with how to recover.
    damage_a_table(store, "areas")
    code, err = run_cli(capsys, "--db", store, "counts", "--area", "Eastbourne", "--category", "Burglary")
    assert code == 2 and "is damaged" in one_plain_line(err) and ".recover" in err


def _with_a_full_disk(db):
    """Let the store grow by a few pages only: SQLite then fails as on a full disk ("database or disk is full")."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 4}")
    return db


def test_a_full_disk_rolls_the_import_back_and_says_so_once(store):
    db = _with_a_full_disk(open_store(store))
    before = store_fingerprint(db)
    with pytest.raises(StoreError) as caught:
        import_police_uk(db, [SUFFOLK_FILE])
    assert str(caught.value).startswith(f"The disk holding the store {store} is full (database or disk is full)")
    # The real error is the cause, with no second error ("cannot rollback") raised on top of it.
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    assert caught.value.__cause__.__context__ is None
    assert not db.conn.in_transaction
    assert store_fingerprint(db) == before
    assert db.execute("PRAGMA quick_check").fetchall() == [("ok",)]


def test_a_full_disk_on_the_command_line_is_one_line_and_exit_code_2(store, capsys, monkeypatch):
    monkeypatch.setattr(cli, "open_store", lambda path, *intent: _with_a_full_disk(open_store(path, *intent)))
    before = store_fingerprint(open_store(store, READ))
    code, err = run_cli(capsys, "--db", store, "import", "police-uk", SUFFOLK_FILE)
    assert code == 2 and "is full (database or disk is full): nothing of this change was kept" in one_plain_line(err)
    assert store_fingerprint(open_store(store, READ)) == before


def test_uploads_to_a_full_disk_are_each_reported_not_imported(store):
    from lib.uploads import POLICE_UK, import_uploads

    db = _with_a_full_disk(open_store(store))
    before = store_fingerprint(db)
    files = [("suffolk.csv.gz", SUFFOLK_FILE.read_bytes()), ("again.csv.gz", SUFFOLK_FILE.read_bytes())]
    outcomes = import_uploads(db, POLICE_UK, files)
    assert [(o.file_name, o.imported) for o in outcomes] == [("suffolk.csv.gz", False), ("again.csv.gz", False)]
    assert all(o.message.startswith(f"Not imported: The disk holding the store {store} is full") for o in outcomes)
    assert store_fingerprint(db) == before


def test_an_edit_on_a_full_disk_is_put_as_the_full_disk(tmp_path):
    # An edit's own transaction (lib.performance.targets) may raise a second error ("cannot rollback") on top of the
    # real one; the plain message is found behind it, as the app's save and the command line show it.
    from lib.performance import targets
    from tests.app_support import demo_store_file

    path = copy_store(demo_store_file(), tmp_path / "demo.db")
    db = open_store(path)
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    held = targets.load_targets(db)
    with pytest.raises(sqlite3.Error) as caught:
        for number, target in enumerate(held * 20):
            targets.update_target(db, target.id, {"commentary": f"{number} " + "x" * 1990}, "a@b.example", "why")
    problem = as_store_error(caught.value, path)
    assert problem is not None and str(problem).startswith(f"The disk holding the store {path} is full")
    assert not db.conn.in_transaction


def test_an_error_that_is_not_the_stores_fault_keeps_its_traceback(store):
    with pytest.raises(sqlite3.OperationalError) as caught:
        open_store(store, READ).execute("SELECT no_such_column FROM areas")
    assert as_store_error(caught.value, store) is None


def test_store_file_names_the_file_a_connection_reads(store):
    assert store_file(open_store(store, READ)) == store.resolve()


def test_the_default_store_is_the_repositorys_data_folder():
    """The README, make run and .gitignore all say data/csp.db at the repository's root (not inside lib/)."""
    from lib.store.db import DEFAULT_DB, store_path
    from tests.conftest import REPO

    assert DEFAULT_DB == REPO / "data" / "csp.db"
    assert store_path() == DEFAULT_DB or store_path() == Path(os.environ["CSP_DB"])
