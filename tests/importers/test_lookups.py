"""Area lookups on the real ONS files: CSPs of several districts, two-tier counties, provisional areas."""

from __future__ import annotations

import csv
import io
import shutil

import pandas as pd
import pytest

from lib.core.areas import Area, csp_codes_within, find_area, resolve_lsoas
from lib.importers.base import ImportFileError
from lib.importers.boundaries import import_boundaries
from lib.importers.lookups import import_lookup
from tests.conftest import EAST_SUSSEX_CSPS, real_file, store_fingerprint

LAD_LOOKUP = "lookups/lad17_csp17_pfa17_lookup_ew.csv"
COUNTY_LOOKUP = "lookups/ltla21_to_utla21_lookup_ew.csv"
LSOA_LOOKUP = "lookups/lsoa11_lad_csp17_pfa17_lookup_ew.csv.gz"


def content(db) -> dict[str, list]:
    """Every table but the import log (which records each import, even one that adds nothing)."""
    return {
        table: sorted(map(repr, db.execute(f"SELECT * FROM [{table}]").fetchall()))
        for table in db.table_names()
        if table != "import_log"
    }


def children(db, code: str) -> dict[str, str]:
    return dict(db.execute("SELECT code, name FROM areas WHERE parent_code = ?", [code]).fetchall())


def test_western_suffolk_is_four_districts(db):
    summary = import_lookup(db, real_file(LAD_LOOKUP))
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (348, 348, 0)
    western = find_area(db, "Western Suffolk")
    assert western.kind == "csp" and western.code.startswith("E22")
    assert sorted(children(db, western.code).values()) == [
        "Babergh",
        "Forest Heath",
        "Mid Suffolk",
        "St Edmundsbury",
    ]
    suffolk = find_area(db, western.parent_code)
    assert (suffolk.kind, suffolk.name, suffolk.code) == ("force", "Suffolk", "E23000025")


def test_counts_match_the_lookup_file(db):
    import_lookup(db, real_file(LAD_LOOKUP))
    raw = pd.read_csv(real_file(LAD_LOOKUP), encoding="utf-8-sig")
    kinds = dict(db.execute("SELECT kind, COUNT(*) FROM areas GROUP BY kind").fetchall())
    assert kinds == {
        "district": raw["LAD17CD"].nunique(),
        "csp": raw["CSP17CD"].nunique(),
        "force": raw["PFA17CD"].nunique(),
    }
    # Worcestershire's two merged CSPs, as SOURCES.md describes them.
    assert sorted(children(db, find_area(db, "North Worcestershire").code).values()) == [
        "Bromsgrove",
        "Redditch",
        "Wyre Forest",
    ]
    assert sorted(children(db, find_area(db, "South Worcester").code).values()) == [
        "Malvern Hills",
        "Worcester",
        "Wychavon",
    ]


def test_east_sussex_county_holds_its_five_csps(db):
    import_lookup(db, real_file(LAD_LOOKUP))
    summary = import_lookup(db, real_file(COUNTY_LOOKUP))
    east_sussex = find_area(db, "E10000011")
    assert (east_sussex.kind, east_sussex.name) == ("county", "East Sussex")
    assert csp_codes_within(db, east_sussex) == sorted(EAST_SUSSEX_CSPS)
    sussex = find_area(db, east_sussex.parent_code)
    assert (sussex.kind, sussex.name) == ("force", "Sussex")
    # The force still covers every Sussex CSP: through the two counties, and Brighton and Hove directly.
    brighton = find_area(db, "E22000292")
    assert brighton.parent_code == sussex.code
    assert len(csp_codes_within(db, sussex)) == 13
    # Only two-tier counties are created; unitary authorities are their own upper tier.
    counties = db.execute("SELECT code FROM areas WHERE kind = 'county'").fetchall()
    assert counties and all(code.startswith("E10") for (code,) in counties)
    # West Suffolk and friends (2019 districts) are not in the 2017 lookup: counted, not guessed.
    assert summary.rows_rejected == 3
    assert summary.rows_accepted + summary.rows_duplicate + summary.rows_rejected == summary.rows_read == 331
    # Said as it is: the district lookup is held, these districts are newer than it (not "import one first").
    assert summary.rejected_by_reason == {"district not in the district lookup held (newer than it: a council formed "
                                          "since)": 3}


def test_district_lookup_again_keeps_the_counties(db):
    import_lookup(db, real_file(LAD_LOOKUP))
    import_lookup(db, real_file(COUNTY_LOOKUP))
    before = content(db)
    again = import_lookup(db, real_file(LAD_LOOKUP))
    assert (again.rows_accepted, again.rows_duplicate) == (0, 348)
    assert find_area(db, "E22000295").parent_code == "E10000011"
    assert content(db) == before


def test_county_lookup_first_rejects_rows_it_cannot_place(db):
    summary = import_lookup(db, real_file(COUNTY_LOOKUP))
    assert summary.rows_rejected == 181  # every two-tier district row: no district held yet
    assert summary.rejected_by_reason == {"district not held (import a LAD-to-CSP lookup first)": 181}
    assert db.execute("SELECT COUNT(*) FROM areas").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM rejected_rows").fetchone()[0] == 181


def test_reimport_adds_nothing(db):
    for name in (LAD_LOOKUP, COUNTY_LOOKUP, LSOA_LOOKUP):
        import_lookup(db, real_file(name))
    before = content(db)
    for name in (LAD_LOOKUP, COUNTY_LOOKUP, LSOA_LOOKUP):
        summary = import_lookup(db, real_file(name))
        assert summary.rows_accepted == 0, name
    assert content(db) == before


def test_lsoa_lookup_places_every_lsoa(db):
    summary = import_lookup(db, real_file(LSOA_LOOKUP))
    assert summary.rows_read == summary.rows_accepted == 34_753
    raw = pd.read_csv(real_file(LSOA_LOOKUP))
    eastbourne = set(raw.loc[raw["lad17cd"] == "E07000061", "lsoa11cd"])
    assert set(children(db, "E07000061")) == eastbourne
    assert find_area(db, "E07000061").parent_code == "E22000295"
    assert db.execute("SELECT COUNT(*) FROM areas WHERE kind = 'lsoa'").fetchone()[0] == 34_753
    # The 2011 LAD codes ONS changed are not held twice (Northumberland is E06000057 since 2017).
    assert db.execute("SELECT COUNT(*) FROM areas WHERE code = 'E06000048'").fetchone()[0] == 0


def test_lookup_adopts_provisional_districts_and_forces(db):
    # police.uk data before any lookup: districts and CSPs are made up from LSOA names.
    sussex = pd.read_csv(
        real_file("police_uk/sussex-street_2018-10_2019-02.csv.gz"), usecols=["LSOA code", "LSOA name"]
    )
    lsoas = (
        sussex.dropna().drop_duplicates().rename(columns={"LSOA code": "lsoa_code", "LSOA name": "lsoa_name"})
    )
    db.execute("BEGIN")
    resolve_lsoas(db, lsoas)
    db.execute("COMMIT")
    assert find_area(db, "lad:Eastbourne").provisional
    # CSP boundaries name their force only by name: a provisional force until a lookup gives its code.
    import_boundaries(db, real_file("boundaries/csp2017_ew_dissolved_from_lsoa_bsc.geojson.gz"))
    assert find_area(db, "E22000295").parent_code == "pfa:Sussex"
    import_lookup(db, real_file(LAD_LOOKUP))
    provisional = db.execute("SELECT code FROM areas WHERE provisional = 1").fetchall()
    assert provisional == []
    assert find_area(db, "E22000295").parent_code == "E23000033"
    eastbourne_lsoas = lsoas.loc[lsoas["lsoa_name"].str.startswith("Eastbourne "), "lsoa_code"]
    assert len(eastbourne_lsoas) > 0
    assert set(eastbourne_lsoas) <= set(children(db, "E07000061"))


def test_simple_layout_with_county(db, tmp_path):
    path = tmp_path / "avonmere_lookup.csv"
    path.write_text(
        "district_code,district_name,csp_code,csp_name,county_code,county_name,force_code,force_name\n"
        "X07000001,Brackenford,X22000001,Brackenford,X10000001,Avonmere,X23000001,Avonmere Police\n"
        "X07000002,Castlebury,X22000002,Castlebury,X10000001,Avonmere,X23000001,Avonmere Police\n"
    )
    import_lookup(db, path)
    assert find_area(db, "X22000001") == Area("X22000001", "Brackenford", "csp", "X10000001")
    assert find_area(db, "X10000001") == Area("X10000001", "Avonmere", "county", "X23000001")
    assert csp_codes_within(db, find_area(db, "X23000001")) == ["X22000001", "X22000002"]


def drop_column(text: str, column: str) -> str:
    """The CSV text without one column (read and written with the csv module, so quoted commas survive)."""
    rows = list(csv.reader(io.StringIO(text)))
    index = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:index] + r[index + 1 :] for r in rows])
    return out.getvalue()


@pytest.mark.parametrize(
    ("edit", "row", "column"),
    [
        (lambda text: drop_column(text, "CSP17CD"), 1, "csp17cd"),
        (
            lambda text: text.replace("E07000061,Eastbourne,E22000295", "E07000061,Eastbourne,", 1),
            269,
            "csp17cd",
        ),
        (
            lambda text: text.replace("E07000061,Eastbourne,E22000295", "E07000061,Eastbourne,E07000062", 1),
            269,
            "csp17cd",
        ),
        (lambda text: text.replace(",Lewes,E22000298,", ",Lewes,E22000295,", 1), 271, "csp17cd"),
    ],
    ids=["missing-column", "empty-code", "district-code-as-csp", "csp-with-two-names"],
)
def test_bad_file_is_refused_and_changes_nothing(db, tmp_path, edit, row, column):
    import_lookup(db, real_file(COUNTY_LOOKUP))  # something in the store to keep
    text = real_file(LAD_LOOKUP).read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[row - 1 if row > 1 else 0]  # the row the test names exists
    bad = tmp_path / "lad17_csp17_pfa17_lookup_ew.csv"
    bad.write_text(edit(text), encoding="utf-8")
    before = store_fingerprint(db)
    with pytest.raises(ImportFileError) as caught:
        import_lookup(db, bad)
    assert (caught.value.row, caught.value.column) == (row, column)
    assert caught.value.file == bad.name
    assert store_fingerprint(db) == before


def test_line_numbers_are_those_of_the_file():
    text = real_file(LAD_LOOKUP).read_text(encoding="utf-8-sig").splitlines()
    assert text[268].startswith("E07000061,Eastbourne,E22000295")  # line 269 of the file
    assert ",Lewes,E22000298," in text[270]


def test_gzipped_copy_reads_the_same(db, tmp_path):
    import gzip

    target = tmp_path / "lookup.csv.gz"
    with open(real_file(LAD_LOOKUP), "rb") as source, gzip.open(target, "wb") as out:
        shutil.copyfileobj(source, out)
    assert import_lookup(db, target).rows_accepted == 348
