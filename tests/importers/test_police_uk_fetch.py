"""Fetching police.uk street files: force ids, the archives planned, and downloading them from a local stand-in.

No test reaches the internet: data.police.uk is played by a server on localhost whose archives are built in the
test from the real Sussex and Suffolk files (tests/police_uk_archive.py).
"""

from __future__ import annotations

import csv

import pytest

from lib.core.periods import months_between
from lib.importers import police_uk_fetch as fetching
from lib.importers.lookups import import_lookup
from lib.importers.police_uk import import_police_uk
from lib.importers.police_uk_fetch import (
    POLICE_UK_FORCES,
    FetchError,
    download_street_files,
    force_of_area,
    force_slug,
    latest_published,
    plan_fetch,
)
from tests.conftest import SUFFOLK_POLICE, SUSSEX_FILE, real_file
from tests.police_uk_archive import archive_server, closed_port_url, street_months, write_archive, write_dates

BASE = "https://data.police.uk"
MONTHS = ["2018-10", "2018-11", "2018-12", "2019-01", "2019-02"]


@pytest.fixture(scope="module")
def sussex_months():
    return street_months(SUSSEX_FILE)


@pytest.fixture(scope="module")
def suffolk_months():
    return street_months(real_file(SUFFOLK_POLICE))


@pytest.fixture
def site(tmp_path, sussex_months, suffolk_months):
    """police.uk as it stood when 2019-02 was its latest month: one archive holding both forces."""
    folder = tmp_path / "site"
    write_dates(folder, MONTHS)
    write_archive(folder, "2019-02", {"sussex": sussex_months, "suffolk": suffolk_months})
    return folder


def test_the_real_files_split_into_the_five_months_they_hold(sussex_months):
    assert list(sussex_months) == MONTHS
    rows = sum(data.count(b"\n") - 1 for data in sussex_months.values())
    assert rows == 57_491  # every row of the real file, in one month or another


def test_every_force_area_of_the_ons_lookup_has_its_police_uk_id():
    with open(real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"), encoding="utf-8-sig") as handle:
        names = {row["PFA17NM"] for row in csv.DictReader(handle)}
    slugs = {force_slug(name) for name in names}
    assert len(names) == len(slugs) == 43
    assert slugs <= set(POLICE_UK_FORCES)
    assert set(POLICE_UK_FORCES) - slugs == {"btp", "northern-ireland"}


@pytest.mark.parametrize(("name", "slug"), [
    ("Sussex", "sussex"), ("sussex", "sussex"), ("Sussex Police", "sussex"),
    ("Metropolitan Police", "metropolitan"), ("metropolitan", "metropolitan"),
    ("London, City of", "city-of-london"), ("City of London", "city-of-london"),
    ("Devon & Cornwall", "devon-and-cornwall"), ("Avon and Somerset", "avon-and-somerset"),
    ("Dyfed-Powys", "dyfed-powys"), (" Thames Valley ", "thames-valley"), ("British Transport Police", "btp"),
])
def test_a_force_is_named_by_its_id_or_its_area_name(name, slug):
    assert force_slug(name) == slug


def test_a_misspelt_force_gets_the_nearest_ids():
    with pytest.raises(LookupError, match=r"no police.uk force called 'Sussx'; did you mean sussex or essex\?"):
        force_slug("Sussx")


def test_an_area_finds_its_force_through_the_lookup(db):
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    assert force_of_area(db, "Eastbourne") == "sussex"
    assert force_of_area(db, "E22000295") == "sussex"
    assert force_of_area(db, "Ipswich") == "suffolk"
    assert force_of_area(db, "Westminster") == "metropolitan"


def test_an_area_with_no_force_held_says_which_lookup_is_wanted(db, sussex_months, tmp_path):
    month = tmp_path / "2018-10-sussex-street.csv"
    month.write_bytes(sussex_months["2018-10"])
    import_police_uk(db, [month])  # places Eastbourne provisionally, under no force
    with pytest.raises(LookupError, match="knows no police force above Eastbourne: import the district -> CSP"):
        force_of_area(db, "Eastbourne")


def test_months_come_from_the_newest_archive_that_holds_them():
    plan = plan_fetch(BASE, "sussex", "2024-01", "2024-12", latest="2025-10")
    assert [(a.url, a.months) for a in plan.archives] == [
        (f"{BASE}/data/archive/2025-10.zip", tuple(months_between("2024-01", "2024-12")))]
    # An archive holds 36 months: 2019-01 is in 2021-12's and no later one.
    assert plan_fetch(BASE, "sussex", "2019-01", "2019-02", "2025-10").archives[0].month == "2021-12"


def test_more_months_than_one_archive_holds_come_from_as_few_as_hold_them():
    plan = plan_fetch(BASE + "/", "kent", "2016-01", "2019-12", latest="2025-10")
    assert [(a.month, a.months[0], a.months[-1]) for a in plan.archives] == [
        ("2018-12", "2016-01", "2018-12"), ("2021-12", "2019-01", "2019-12")]
    assert plan.archives[0].url == f"{BASE}/data/archive/2018-12.zip"
    assert plan.months == tuple(months_between("2016-01", "2019-12"))


def test_the_last_month_defaults_to_the_latest_published():
    plan = plan_fetch(BASE, "sussex", "2025-08", None, latest="2025-10")
    assert plan.months == ("2025-08", "2025-09", "2025-10")
    assert plan.describe() == ["police.uk street files for sussex: 2025-08 to 2025-10 (3 months)",
                               f"  {BASE}/data/archive/2025-10.zip -> 2025-08 to 2025-10"]


@pytest.mark.parametrize(("first", "last", "message"), [
    ("2025-10", "2025-11", "police.uk has published street data up to 2025-10; 2025-11 is not out yet"),
    ("2024-05", "2024-04", "the first month asked for, 2024-05, is after the last, 2024-04"),
    ("2009-01", "2011-01", "police.uk's street data starts in 2010-12; 2009-01 is before it"),
])
def test_months_police_uk_cannot_have_are_refused_before_any_download(first, last, message):
    with pytest.raises(LookupError) as raised:
        plan_fetch(BASE, "sussex", first, last, latest="2025-10")
    assert str(raised.value.args[0]) == message


def test_the_latest_month_comes_from_the_api(site):
    with archive_server(site) as server:
        assert latest_published(server.base_url, timeout=10) == "2019-02"


def test_a_site_that_is_not_police_uk_is_said_so(site):
    (site / "api" / "crimes-street-dates").write_text("<html>Not here</html>")
    with archive_server(site) as server, pytest.raises(FetchError) as raised:
        latest_published(server.base_url + "/", timeout=10)
    assert str(raised.value) == (f"{server.base_url}/api/crimes-street-dates: not police.uk's list of months "
                                 "published (is the base URL right?)")


def test_the_force_s_months_are_extracted_exactly_and_the_archive_removed(site, sussex_months, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    seen = []
    with archive_server(site) as server:
        plan = plan_fetch(server.base_url, "sussex", "2018-11", "2019-01", latest_published(server.base_url, 10))
        files = download_street_files(plan, folder, timeout=10, progress=lambda share, text: seen.append(share))
    assert [f.name for f in files] == [f"{m}-sussex-street.csv" for m in ("2018-11", "2018-12", "2019-01")]
    assert [f.read_bytes() for f in files] == [sussex_months[m] for m in ("2018-11", "2018-12", "2019-01")]
    assert sorted(p.name for p in folder.iterdir()) == [f.name for f in files]  # the archive is gone
    assert server.downloads() == ["/data/archive/2019-02.zip"]
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_months_from_two_archives_are_stitched_together(site, sussex_months, tmp_path, monkeypatch):
    monkeypatch.setattr(fetching, "ARCHIVE_MONTHS", 3)  # so five months need two archives
    write_archive(site, "2018-12", {"sussex": {m: sussex_months[m] for m in MONTHS[:3]}})
    with archive_server(site) as server:
        plan = plan_fetch(server.base_url, "sussex", "2018-10", "2019-02", latest="2019-02")
        files = download_street_files(plan, tmp_path, timeout=10)
    assert server.downloads() == ["/data/archive/2018-12.zip", "/data/archive/2019-02.zip"]
    assert [f.read_bytes() for f in files] == [sussex_months[m] for m in MONTHS]


def test_a_force_the_archive_does_not_hold_is_named_with_those_it_does(site, tmp_path):
    with archive_server(site) as server, pytest.raises(FetchError) as raised:
        download_street_files(plan_fetch(server.base_url, "kent", "2019-01", None, "2019-02"), tmp_path, 10)
    assert str(raised.value).endswith("2019-02.zip: holds no street files for kent at all (it holds suffolk, sussex)")


def test_a_month_the_force_did_not_publish_is_named(site, sussex_months, tmp_path):
    write_archive(site, "2019-02", {"sussex": {m: sussex_months[m] for m in MONTHS if m != "2018-12"}})
    with archive_server(site) as server, pytest.raises(FetchError) as raised:
        download_street_files(plan_fetch(server.base_url, "sussex", "2018-10", None, "2019-02"), tmp_path, 10)
    assert str(raised.value).endswith(
        "holds no street file for sussex in 2018-12 (2018-12-sussex-street.csv): police.uk published none for that "
        "month")


def test_a_member_that_is_not_a_street_file_is_refused(site, sussex_months, tmp_path):
    damaged = dict(sussex_months, **{"2019-01": sussex_months["2019-01"].replace(b"Longitude", b"Lon", 1)})
    write_archive(site, "2019-02", {"sussex": damaged})
    with archive_server(site) as server, pytest.raises(FetchError) as raised:
        download_street_files(plan_fetch(server.base_url, "sussex", "2018-10", None, "2019-02"), tmp_path, 10)
    assert "2019-02.zip: 2019-01/2019-01-sussex-street.csv is not a police.uk street file, row 1: its header" in str(
        raised.value)


def test_a_row_the_importer_could_not_read_is_refused_before_anything_is_imported(site, sussex_months, tmp_path):
    broken = sussex_months["2018-10"] + b"x,2018-10,Sussex Police,Sussex Police,abc,50.8,On or near X,E01,A 001A,B,,\n"
    write_archive(site, "2019-02", {"sussex": dict(sussex_months, **{"2018-10": broken})})
    with archive_server(site) as server, pytest.raises(FetchError) as raised:
        download_street_files(plan_fetch(server.base_url, "sussex", "2018-10", None, "2019-02"), tmp_path, 10)
    rows = sussex_months["2018-10"].count(b"\n") + 1
    assert f"is not a police.uk street file, row {rows}, column 'Longitude': 'abc' is not a number" in str(
        raised.value)


def test_an_unreachable_server_is_said_plainly():
    url = closed_port_url()
    with pytest.raises(FetchError) as raised:
        latest_published(url, timeout=10)
    assert str(raised.value).startswith(f"{url}/api/crimes-street-dates: cannot reach the server (")
    assert "refused" in str(raised.value)
