"""Area names as people write them: short forms of ONS names, police.uk's spellings, and misspellings."""

from __future__ import annotations

import pytest

from lib.core.areas import comparable_name, find_area
from lib.importers.base import ImportFileError
from lib.importers.lookups import import_lookup
from lib.performance.targets import import_targets
from tests.conftest import real_file
from tests.performance.test_targets import good_row, write_csv


@pytest.fixture(scope="module")
def england_and_wales():
    """Every district, CSP and force of England and Wales, from the real ONS lookup."""
    from lib.store.db import memory_store

    db = memory_store()
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    return db


@pytest.mark.parametrize(("written", "held"), [
    ("Herefordshire", "Herefordshire, County of"),
    ("Bristol", "Bristol, City of"),
    ("Kingston upon Hull", "Kingston upon Hull, City of"),
    ("kingston-upon-hull", "Kingston upon Hull, City of"),
    ("The Vale of Glamorgan", "Vale of Glamorgan"),
    ("Brighton & Hove", "Brighton and Hove"),
    ("St. Albans", "St Albans"),
    ("  eastbourne ", "Eastbourne"),
])
def test_short_and_variant_names_find_the_ons_area(england_and_wales, written, held):
    area = find_area(england_and_wales, written)
    assert (area.name, area.kind) == (held, "csp")  # a CSP before the district of the same name


def test_a_code_still_wins_and_a_force_is_found_by_name(england_and_wales):
    assert find_area(england_and_wales, "E22000295").name == "Eastbourne"
    assert find_area(england_and_wales, "sussex").kind == "force"


@pytest.mark.parametrize(("written", "suggested"), [
    ("Eastborne", "did you mean Eastbourne?"),
    ("Hastngs", "did you mean Hastings?"),
])
def test_a_misspelt_name_gets_the_nearest_names_held(england_and_wales, written, suggested):
    with pytest.raises(LookupError) as caught:
        find_area(england_and_wales, written)
    assert str(caught.value.args[0]).startswith(f"no area called {written!r}; {suggested}")
    assert "the `areas` command lists them" in caught.value.args[0]


def test_nothing_close_gets_no_guess(england_and_wales):
    with pytest.raises(LookupError, match=r"^no area called 'Atlantis' \(the `areas` command lists them\)$"):
        find_area(england_and_wales, "Atlantis")


def test_distinct_districts_stay_distinct_under_the_looser_comparison(england_and_wales):
    names = [r[0] for r in england_and_wales.execute("SELECT name FROM areas WHERE kind = 'district'")]
    assert len({comparable_name(n) for n in names}) == len(names) > 300


def test_a_targets_file_may_name_the_csp_as_people_write_it(tmp_path, england_and_wales):
    from lib.store.db import memory_store

    db = memory_store()
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    path = write_csv(tmp_path / "targets.csv", [good_row(csp_code="", csp_name="Herefordshire")])
    assert import_targets(db, path).rows_accepted == 1
    assert db.execute("SELECT csp_code FROM targets").fetchone()[0] == "E22000326"
    misspelt = write_csv(tmp_path / "bad.csv", [good_row(csp_code="", csp_name="Herefordshre")])
    with pytest.raises(ImportFileError, match="no CSP called 'Herefordshre'; did you mean Herefordshire, County of"):
        import_targets(db, misspelt)
