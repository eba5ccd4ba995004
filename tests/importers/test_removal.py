"""Removing a police.uk import: the store is left exactly as if the file had never been imported."""

from __future__ import annotations

import pytest

from lib.importers.lookups import import_lookup
from lib.importers.police_uk import import_police_uk
from lib.importers.removal import remove_import
from lib.store.counts import months_held
from lib.store.db import open_store
from tests.conftest import SUSSEX_FILE, real_file, store_fingerprint

SUFFOLK = "police_uk/suffolk-street_2018-10_2019-02.csv.gz"
COUNTED = ("incidents", "points", "monthly_counts", "csp_monthly_counts", "month_totals", "point_monthly_counts",
           "rejected_rows")


def fingerprint(db) -> str:
    return store_fingerprint(db, ignore=tuple(t for t in db.table_names() if t not in COUNTED))


def test_removing_a_file_leaves_the_store_as_if_it_was_never_imported(tmp_path):
    lookup = real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv")
    only_sussex = open_store(tmp_path / "sussex.db")
    import_lookup(only_sussex, lookup)
    import_police_uk(only_sussex, [SUSSEX_FILE])

    db = open_store(tmp_path / "both.db")
    import_lookup(db, lookup)
    import_police_uk(db, [SUSSEX_FILE, real_file(SUFFOLK)])
    assert fingerprint(db) != fingerprint(only_sussex)
    removed = remove_import(db, "suffolk-street_2018-10_2019-02.csv.gz")
    assert removed.incidents + removed.rejected_rows == 25_268  # every row of the file
    assert fingerprint(db) == fingerprint(only_sussex)
    assert [r[0] for r in db.execute("SELECT file_name FROM import_log WHERE kind = 'police-uk'")] == [
        SUSSEX_FILE.name]
    assert "the store now holds 2018-10 to 2019-02" in removed.line()

    # And the file can come back: every row of it is new again.
    again = import_police_uk(db, [real_file(SUFFOLK)])[0]
    assert again.rows_accepted == removed.incidents


def test_rows_another_import_shared_are_named_when_they_go(tmp_path):
    db = open_store(tmp_path / "csp.db")
    import_police_uk(db, [SUSSEX_FILE])
    import_police_uk(db, [SUSSEX_FILE])  # all held: the second import added nothing
    first_id = db.execute("SELECT MIN(id) FROM import_log").fetchone()[0]
    removed = remove_import(db, str(first_id))  # by id: that import alone
    assert removed.import_ids == (first_id,)
    assert removed.later_files_with_held_rows == (SUSSEX_FILE.name,)
    assert f"import them again to restore them: {SUSSEX_FILE.name}" in removed.line()
    assert months_held(db) == [] and "the store now holds no months" in removed.line()

    import_police_uk(db, [SUSSEX_FILE])
    by_name = remove_import(db, SUSSEX_FILE.name)  # by file: every import of it
    assert len(by_name.import_ids) == 2 and by_name.later_files_with_held_rows == ()


def test_other_kinds_and_unknown_files_are_refused_and_nothing_changes(tmp_path):
    db = open_store(tmp_path / "csp.db")
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    import_police_uk(db, [SUSSEX_FILE])
    before = store_fingerprint(db)
    with pytest.raises(LookupError, match="only police.uk imports can be removed"):
        remove_import(db, "lad17_csp17_pfa17_lookup_ew.csv")
    with pytest.raises(LookupError, match="no import of a file called 'nope.csv'"):
        remove_import(db, "nope.csv")
    assert store_fingerprint(db) == before
