"""Population import on the real ONS files: the published figures, independent recounts, refusals."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.importers.base import ImportFileError
from lib.importers.lookups import import_lookup
from lib.importers.population import import_population
from lib.store.db import memory_store
from tests.conftest import real_file, store_fingerprint

CSP_FILE = "population/csp17_population_2011_2017_2019_2020.csv"
LAD_FILE = "population/lad17_csp17_population_2011_2017_2019_2020.csv"
LSOA_FILE = "population/ons_mid_year_lsoa11_population_2017_2019_2020_ew.csv.gz"
CENSUS_FILE = "population/census2011_lsoa_population_ew.csv.gz"
EASTBOURNE_CSP, EASTBOURNE_LAD = "E22000295", "E07000061"


def content(db) -> dict[str, list]:
    return {
        table: sorted(map(repr, db.execute(f"SELECT * FROM [{table}]").fetchall()))
        for table in db.table_names()
        if table != "import_log"
    }


def population(db, code: str, year: int) -> int | None:
    row = db.execute(
        "SELECT population FROM population WHERE area_code = ? AND year = ?", [code, year]
    ).fetchone()
    return row[0] if row else None


def test_eastbourne_csp_mid_2019_is_103745(db_file):
    db, _ = db_file  # a file store: foreign keys are enforced there
    summary = import_population(db, real_file(CSP_FILE))
    assert population(db, EASTBOURNE_CSP, 2019) == 103_745
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (314 * 4, 314 * 4, 0)
    # The wide columns become years; areas the store lacked are added from the file's codes and names.
    assert [
        r[0]
        for r in db.execute(
            "SELECT year FROM population WHERE area_code = ? ORDER BY year", [EASTBOURNE_CSP]
        ).fetchall()
    ] == [2011, 2017, 2019, 2020]
    assert db.execute("SELECT name, kind FROM areas WHERE code = ?", [EASTBOURNE_CSP]).fetchone() == (
        "Eastbourne",
        "csp",
    )


def test_lsoa_file_agrees_with_an_independent_sum(db_file):
    db, _ = db_file
    import_lookup(db, real_file("lookups/lsoa11_lad_csp17_pfa17_lookup_ew.csv.gz"))
    summary = import_population(db, real_file(LSOA_FILE))  # its time: benchmarks/setup_imports.py
    assert summary.rows_read == summary.rows_accepted == 104_259
    # Independently: the LSOAs whose names start 'Eastbourne ' in the raw file, summed by pandas.
    raw = pd.read_csv(real_file(LSOA_FILE))
    by_name = raw[(raw["year"] == 2019) & raw["lsoa11_name"].str.startswith("Eastbourne ")]
    assert by_name["total_population"].sum() == 103_745
    # And through the store's own hierarchy (LSOA -> district -> CSP from the lookup).
    through_store = db.execute(
        "SELECT SUM(p.population), COUNT(*) FROM population p JOIN areas l ON l.code = p.area_code "
        "JOIN areas d ON d.code = l.parent_code WHERE d.parent_code = ? AND p.year = 2019",
        [EASTBOURNE_CSP],
    ).fetchone()
    assert through_store == (103_745, len(by_name))
    bands = db.execute(
        "SELECT SUM(aged_0_17 + aged_18_64 + aged_65_plus) FROM population WHERE year = 2019 "
        "AND area_code IN (SELECT code FROM areas WHERE parent_code = ?)",
        [EASTBOURNE_LAD],
    ).fetchone()[0]
    assert bands == 103_745


def test_lad_and_csp_files_agree(db):
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    import_population(db, real_file(CSP_FILE))
    import_population(db, real_file(LAD_FILE))
    mismatched = db.execute(
        "SELECT c.area_code, c.year FROM population c JOIN areas csp ON csp.code = c.area_code "
        "AND csp.kind = 'csp' WHERE c.population <> (SELECT SUM(p.population) FROM population p "
        "JOIN areas d ON d.code = p.area_code WHERE d.parent_code = c.area_code AND p.year = c.year)"
    ).fetchall()
    assert mismatched == []
    # Western Suffolk is four districts (lookup), so its population is theirs together.
    assert population(db, "E22000373", 2019) == 374_976


def test_census_file_keeps_area_for_density(db):
    summary = import_population(db, real_file(CENSUS_FILE))
    assert summary.rows_accepted == 34_753
    row = db.execute(
        "SELECT year, population, area_hectares FROM population WHERE area_code = 'E01020634'"
    ).fetchone()
    assert row == (2011, 1563, 650.0)


def test_lad_file_without_year_column_takes_it_from_the_name(db, tmp_path):
    summary = import_population(db, real_file("population/ons_mid2019_lad19_population_ew.csv"))
    assert summary.rows_accepted == 339
    assert population(db, EASTBOURNE_LAD, 2019) == 103_745
    assert (
        db.execute(
            "SELECT aged_0_17 + aged_18_64 + aged_65_plus FROM population WHERE area_code = ?",
            [EASTBOURNE_LAD],
        ).fetchone()[0]
        == 103_745
    )
    # The same file under a name without 'midYYYY': the year must then be given.
    renamed = tmp_path / "lads.csv"
    renamed.write_bytes(real_file("population/ons_mid2019_lad19_population_ew.csv").read_bytes())
    with pytest.raises(ImportFileError) as caught:
        import_population(db, renamed)
    assert (caught.value.row, caught.value.column) == (1, "year")
    assert import_population(db, renamed, year=2019).rows_accepted == 0  # same figures: nothing new


def test_reimport_adds_nothing(db):
    for name in (CSP_FILE, LAD_FILE, CENSUS_FILE):
        import_population(db, real_file(name))
    before = content(db)
    for name in (CSP_FILE, LAD_FILE, CENSUS_FILE):
        again = import_population(db, real_file(name))
        assert again.rows_accepted == 0 and again.rows_duplicate == again.rows_read, name
    assert content(db) == before


def test_text_in_a_number_column_is_refused_and_changes_nothing(db_file, tmp_path):
    db, _ = db_file
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    import_population(db, real_file(LAD_FILE))
    lines = real_file(CSP_FILE).read_text().splitlines()
    cells = lines[9].split(",")  # line 10 of the file
    header = lines[0].split(",")
    cells[header.index("pop_mid2019")] = "n/a"
    lines[9] = ",".join(cells)
    bad = tmp_path / "csp17_population_2011_2017_2019_2020.csv"
    bad.write_text("\n".join(lines) + "\n")
    before = store_fingerprint(db)
    with pytest.raises(ImportFileError) as caught:
        import_population(db, bad)
    assert (caught.value.row, caught.value.column) == (10, "pop_mid2019")
    assert "'n/a'" in str(caught.value)
    assert store_fingerprint(db) == before


@pytest.mark.parametrize(
    ("drop", "column"),
    [("year", "year"), ("total_population", "population"), ("lsoa11_code", "lsoa11_code")],
)
def test_missing_column_is_refused(db, tmp_path, drop, column):
    raw = pd.read_csv(real_file(LSOA_FILE), nrows=500, dtype=str)
    bad = tmp_path / "ons_mid_year_lsoa11_population_2017_2019_2020_ew.csv.gz"
    raw.drop(columns=[drop]).to_csv(bad, index=False)
    before = store_fingerprint(db)
    with pytest.raises(ImportFileError) as caught:
        import_population(db, bad)
    assert (caught.value.row, caught.value.column) == (1, column)
    assert store_fingerprint(db) == before


def test_bad_value_deep_in_the_national_file(db, tmp_path):
    raw = pd.read_csv(real_file(LSOA_FILE), dtype=str)
    raw.loc[70_000, "aged_18_64"] = "-5"
    bad = tmp_path / "lsoa.csv.gz"
    raw.to_csv(bad, index=False)
    with pytest.raises(ImportFileError) as caught:
        import_population(db, bad)
    assert (caught.value.row, caught.value.column) == (70_002, "aged_18_64")  # header is line 1
    assert db.execute("SELECT COUNT(*) FROM areas").fetchone()[0] == 0


def test_age_bands_must_add_up(db, tmp_path):
    path = tmp_path / "tidy.csv"
    path.write_text(
        "area_code,area_name,year,population,aged_0_17,aged_18_64,aged_65_plus\n"
        "E22000295,Eastbourne,2019,103745,20000,60000,23745\n"
        "E22000296,Hastings,2019,92855,18000,60000,10000\n"
    )
    with pytest.raises(ImportFileError) as caught:
        import_population(db, path)
    assert (caught.value.row, caught.value.column) == (3, "aged_65_plus")


def test_unplaceable_rows_are_rejected_and_counted(db, tmp_path):
    path = tmp_path / "tidy.csv"
    path.write_text(
        "area_code,area_name,year,population\n"
        "E22000295,Eastbourne,2019,103745\n"
        "E22000296,,2019,92855\n"  # not held and no name: cannot be created
        "E12000008,South East,2019,9180135\n"  # a region: not an area kind the dashboard holds
        "\n"
        'E22000298,Lewes,2019,"103,268"\n'
    )
    summary = import_population(db, path)
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (4, 2, 2)
    assert set(summary.rejected_by_reason) == {
        "area not held and the file gives no name",
        "area not held and its code is not a known ONS area code",
    }
    assert population(db, "E22000298", 2019) == 103_268
    rejected = db.execute("SELECT row_number, column_name FROM rejected_rows ORDER BY 1").fetchall()
    assert rejected == [(3, "area_code"), (4, "area_code")]


def test_conflicting_repeat_is_refused(db, tmp_path):
    path = tmp_path / "tidy.csv"
    path.write_text(
        "area_code,area_name,year,population\n"
        "E22000295,Eastbourne,2019,103745\n"
        "E22000295,Eastbourne,2019,103745\n"
        "E22000295,Eastbourne,2019,103746\n"
    )
    with pytest.raises(ImportFileError) as caught:
        import_population(db, path)
    assert (caught.value.row, caught.value.column) == (4, "population")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12),
    separators=st.booleans(),
)
def test_whole_numbers_round_trip(tmp_path, values, separators):
    db = memory_store()
    path = tmp_path / "tidy.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("area_code,area_name,year,population\n")
        for number, value in enumerate(values):
            text = f'"{value:,}"' if separators else str(value)
            handle.write(f"E22000295,Eastbourne,{2000 + number},{text}\n")
    import_population(db, path)
    held = db.execute("SELECT year, population FROM population ORDER BY year").fetchall()
    assert held == [(2000 + n, v) for n, v in enumerate(values)]


@pytest.mark.parametrize("text", ["1.5", "-1", "abc", "1e400", "12,34", "0x10", "nan", ""])
def test_not_whole_numbers_are_refused(db, tmp_path, text):
    path = tmp_path / "tidy.csv"
    path.write_text(f'area_code,area_name,year,population\nE22000295,Eastbourne,2019,"{text}"\n')
    with pytest.raises(ImportFileError) as caught:
        import_population(db, path)
    assert (caught.value.row, caught.value.column) == (2, "population")
