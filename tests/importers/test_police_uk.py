"""police.uk import on the real Sussex file: counts against an independent recount, rejects, idempotence."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from lib.core.areas import find_area
from lib.importers.base import ImportFileError
from lib.importers.lookups import import_lookup
from lib.importers.police_uk import import_police_uk, incident_keys
from lib.importers.street_files import StreetSource, read_street_table, street_frame
from lib.store.counts import monthly_counts
from lib.store.db import open_store
from tests.conftest import (
    EAST_SUSSEX_CSPS,
    SUSSEX_FILE,
    lsoa_to_csp,
    raw_police_rows,
    real_file,
    store_fingerprint,
)

CATEGORIES = ["Anti-social behaviour", "Violence and sexual offences", "Public order"]


@pytest.fixture(scope="module")
def raw_rows():
    real_file("police_uk/sussex-street_2018-10_2019-02.csv.gz")
    return raw_police_rows(SUSSEX_FILE)


@pytest.fixture(scope="module")
def sussex(sussex_store_path):
    db = sqlite_copy(sussex_store_path)
    yield db
    db.close()


def sqlite_copy(path):
    """Open the shared Sussex store read-only, so no test can change it for another."""
    import sqlite_utils

    return sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


def test_east_sussex_monthly_counts_match_an_independent_recount(sussex, raw_rows):
    csp_of = lsoa_to_csp()
    expected = Counter(
        (csp_of[r["LSOA code"]], r["Month"], r["Crime type"])
        for r in raw_rows
        if r["LSOA code"] in csp_of and r["Longitude"] and r["Latitude"]
    )
    rejected = Counter(
        (csp_of.get(lsoa), month, category)
        for lsoa, month, category in sussex.execute(
            "SELECT lsoa_code, month, category FROM rejected_rows WHERE file_name = ?", [SUSSEX_FILE.name]
        )
    )
    checked = 0
    for code, name in EAST_SUSSEX_CSPS.items():
        area = find_area(sussex, code)
        assert area.name == name
        for category in CATEGORIES:
            series = monthly_counts(sussex, area, [category])
            assert list(series["month"]) == ["2018-10", "2018-11", "2018-12", "2019-01", "2019-02"]
            for month, count in series.itertuples(index=False):
                key = (code, month, category)
                assert count == expected[key] - rejected[key], (name, category, month)
                assert count > 0
                checked += 1
    assert checked == 5 * 3 * 5
    east_sussex_rejects = sum(n for (csp, *_), n in rejected.items() if csp in EAST_SUSSEX_CSPS)
    assert east_sussex_rejects <= 5  # mis-geocoding is rare: a handful at most


def test_east_sussex_totals_near_the_published_figures(sussex):
    # SOURCES.md: the five East Sussex CSPs hold about 3,700 ASB, 5,500 violence and 1,170 public order rows.
    codes = list(EAST_SUSSEX_CSPS)
    marks = ", ".join("?" for _ in codes)
    totals = dict(
        sussex.execute(
            f"SELECT category, SUM(count) FROM monthly_counts WHERE csp_code IN ({marks}) GROUP BY category",
            codes,
        ).fetchall()
    )
    assert 3600 <= totals["Anti-social behaviour"] <= 3800
    assert 5400 <= totals["Violence and sexual offences"] <= 5600
    assert 1100 <= totals["Public order"] <= 1250


def test_rejected_rows_carry_reasons_and_point_at_the_raw_row(sussex, raw_rows):
    rows = sussex.execute(
        "SELECT row_number, reason, longitude, latitude FROM rejected_rows WHERE file_name = ?", [SUSSEX_FILE.name]
    ).fetchall()
    reasons = Counter(reason for _, reason, _, _ in rows)
    no_lsoa = [r for r in raw_rows if not r["LSOA code"]]
    assert reasons["no LSOA"] == len(no_lsoa) == 3
    for row_number, _reason, longitude, latitude in rows:
        raw = raw_rows[row_number - 2]  # row 1 is the header
        assert (raw["Longitude"], raw["Latitude"]) == (longitude, latitude)
    total = sussex.execute("SELECT SUM(count) FROM monthly_counts").fetchone()[0]
    assert total + len(rows) == len(raw_rows)


def test_incidents_and_monthly_counts_agree(sussex):
    by_incidents = sussex.execute(
        "SELECT p.lsoa_code, i.month, c.name, COUNT(*) FROM incidents i JOIN points p ON p.id = i.point_id "
        "JOIN categories c ON c.id = i.category_id GROUP BY 1, 2, 3"
    ).fetchall()
    by_counts = sussex.execute("SELECT lsoa_code, month, category, count FROM monthly_counts").fetchall()
    assert sorted(by_incidents) == sorted(by_counts)


def test_reimport_adds_nothing(tmp_path):
    db = open_store(tmp_path / "csp.db")
    first = import_police_uk(db, [SUSSEX_FILE])[0]
    before = store_fingerprint(db)
    second = import_police_uk(db, [SUSSEX_FILE])[0]
    assert (second.rows_accepted, second.rows_duplicate) == (0, first.rows_accepted)
    assert db.execute("SELECT COUNT(*) FROM import_log").fetchone()[0] == 2
    db.execute("DELETE FROM import_log WHERE id = ?", [second.import_id])
    assert store_fingerprint(db) == before


def test_identical_asb_rows_are_all_kept(raw_rows):
    asb = [r for r in raw_rows if r["Crime type"] == "Anti-social behaviour"][:5000]
    repeats = Counter(tuple(r.values()) for r in asb)
    assert max(repeats.values()) > 1  # the real file has exact repeats
    frame = street_frame([read_street_table(_csv_bytes(asb), StreetSource(Path("asb.csv")))])
    frame["point_id"] = 0
    assert len(set(incident_keys(frame))) == len(asb)


def test_overlapping_files_add_only_the_new_rows(tmp_path, raw_rows):
    october = [r for r in raw_rows if r["Month"] == "2018-10"]
    october_file = tmp_path / "2018-10-sussex-street.csv"
    october_file.write_bytes(_csv_bytes(october))
    db = open_store(tmp_path / "csp.db")
    assert import_police_uk(db, [october_file])[0].rows_accepted == len(october)
    whole = import_police_uk(db, [SUSSEX_FILE])[0]
    assert whole.rows_duplicate == len(october)
    assert db.execute("SELECT SUM(count) FROM monthly_counts").fetchone()[0] == len(raw_rows) - 3


def test_bulk_archive_imports_only_street_members(tmp_path, raw_rows):
    archive = tmp_path / "2019-02.zip"
    months = ["2018-12", "2019-01"]
    with zipfile.ZipFile(archive, "w") as z:
        for month in months:
            rows = [r for r in raw_rows if r["Month"] == month]
            z.writestr(f"{month}/{month}-sussex-street.csv", _csv_bytes(rows))
            z.writestr(f"{month}/{month}-sussex-outcomes.csv", b"Crime ID,Month\nabc,2019-01\n")
    db = open_store(tmp_path / "csp.db")
    summary = import_police_uk(db, [archive])[0]
    expected = [r for r in raw_rows if r["Month"] in months]
    assert summary.rows_read == len(expected)
    assert db.execute("SELECT DISTINCT month FROM monthly_counts ORDER BY 1").fetchall() == [(m,) for m in months]


def test_point_far_outside_its_district_is_rejected(tmp_path, raw_rows):
    rows = [dict(r) for r in raw_rows if r["LSOA name"].startswith("Eastbourne ")][:2000]
    rows[10].update(Latitude="54.800000", Longitude="-1.600000")
    path = tmp_path / "moved.csv"
    path.write_bytes(_csv_bytes(rows))
    db = open_store(tmp_path / "csp.db")
    summary = import_police_uk(db, [path])[0]
    assert summary.rejected_by_reason == {"far outside its district": 1}
    assert db.execute("SELECT row_number FROM rejected_rows").fetchone()[0] == 12


def test_bad_months_and_missing_coordinates_are_rejected(tmp_path, raw_rows):
    rows = [dict(r) for r in raw_rows[:100]]
    rows[0]["Month"] = "2018-13"
    rows[1].update(Longitude="", Latitude="")
    path = tmp_path / "bad-rows.csv"
    path.write_bytes(_csv_bytes(rows))
    summary = import_police_uk(open_store(tmp_path / "csp.db"), [path])[0]
    assert summary.rejected_by_reason == {"bad month": 1, "no coordinates": 1}
    assert summary.rows_accepted == 98


@pytest.mark.parametrize(
    ("damage", "row", "column"),
    [
        ("garbled-longitude", 5001, "Longitude"),
        ("ragged-row", 7001, None),
        ("missing-column", 1, "Crime type"),
    ],
)
def test_corrupted_file_fails_cleanly_and_changes_nothing(tmp_path, raw_rows, damage, row, column):
    db = open_store(tmp_path / "csp.db")
    import_police_uk(db, [SUSSEX_FILE])
    before = store_fingerprint(db)
    lines = gzip.decompress(SUSSEX_FILE.read_bytes()).decode("utf-8").splitlines()
    if damage == "garbled-longitude":
        fields = lines[row - 1].split(",")
        fields[4] = "-0.2x"
        lines[row - 1] = ",".join(fields)
    elif damage == "ragged-row":
        lines[row - 1] = lines[row - 1] + ",extra"
    else:
        lines[0] = lines[0].replace("Crime type", "Crime kind")
    broken = tmp_path / "sussex-damaged.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_police_uk(db, [broken])
    assert (caught.value.file, caught.value.row, caught.value.column) == ("sussex-damaged.csv", row, column)
    assert "sussex-damaged.csv" in str(caught.value)
    assert store_fingerprint(db) == before


def test_truncated_gzip_fails_cleanly(tmp_path):
    db = open_store(tmp_path / "csp.db")
    before = store_fingerprint(db)
    truncated = tmp_path / "truncated.csv.gz"
    data = SUSSEX_FILE.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFileError, match="truncated.csv.gz"):
        import_police_uk(db, [truncated])
    assert store_fingerprint(db) == before


def test_provisional_districts_are_adopted_by_a_later_lookup(tmp_path):
    db = open_store(tmp_path / "csp.db")
    import_police_uk(db, [SUSSEX_FILE])
    provisional = find_area(db, "Eastbourne")
    assert (provisional.code, provisional.provisional) == ("csp:Eastbourne", True)
    before = monthly_counts(db, provisional, ["Anti-social behaviour"])
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    adopted = find_area(db, "Eastbourne")
    assert (adopted.code, adopted.kind) == ("E22000295", "csp")
    assert monthly_counts(db, adopted, ["Anti-social behaviour"]).equals(before)
    assert not db.execute("SELECT COUNT(*) FROM points WHERE csp_code = 'csp:Eastbourne'").fetchone()[0]


def test_missing_file_names_it(tmp_path):
    with pytest.raises(ImportFileError, match="nope.csv"):
        import_police_uk(open_store(tmp_path / "csp.db"), [tmp_path / "nope.csv"])


def _csv_bytes(rows: list[dict[str, str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_gzip_copy_of_plain_file_imports_the_same(tmp_path):
    plain = tmp_path / "sussex.csv"
    with gzip.open(SUSSEX_FILE) as source, open(plain, "wb") as target:
        shutil.copyfileobj(source, target)
    a = import_police_uk(open_store(tmp_path / "a.db"), [plain])[0]
    b = import_police_uk(open_store(tmp_path / "b.db"), [SUSSEX_FILE])[0]
    assert (a.rows_accepted, a.rows_rejected) == (b.rows_accepted, b.rows_rejected)


def test_column_names_are_matched_whatever_their_case_and_spaces(tmp_path):
    # docs/formats.md: column names are case-insensitive and surrounding spaces are ignored, police.uk's too.
    with gzip.open(SUSSEX_FILE) as source:
        header, rest = source.read().split(b"\n", 1)
    names = header.decode().split(",")
    shouting = ",".join(f" {name.upper()} " if i % 2 else name.lower() for i, name in enumerate(names))
    renamed = tmp_path / "sussex-renamed.csv"
    renamed.write_bytes(shouting.encode() + b"\n" + rest)
    original = open_store(tmp_path / "a.db")
    import_police_uk(original, [SUSSEX_FILE])
    relabelled = open_store(tmp_path / "b.db")
    summary = import_police_uk(relabelled, [renamed])[0]
    assert summary.rows_accepted > 50_000
    for table in ("incidents", "monthly_counts", "point_monthly_counts", "rejected_rows"):
        query = f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4" if table != "rejected_rows" else (
            "SELECT row_number, reason, month, category, lsoa_code FROM rejected_rows ORDER BY row_number")
        assert original.execute(query).fetchall() == relabelled.execute(query).fetchall(), table


SUFFOLK = "police_uk/suffolk-street_2018-10_2019-02.csv.gz"
DISTRICT_LOOKUP = "lookups/lad17_csp17_pfa17_lookup_ew.csv"
LSOA_LOOKUP = "lookups/lsoa11_lad_csp17_pfa17_lookup_ew.csv.gz"


def ons_districts() -> dict[str, tuple[str, str]]:
    """LSOA code -> (LAD17 code, LAD17 name) from the ONS lookup file: independent of the importer's name rules."""
    import csv

    with gzip.open(real_file(LSOA_LOOKUP), "rt", encoding="utf-8-sig") as handle:
        return {row["lsoa11cd"]: (row["lad17cd"], row["lad17nm"]) for row in csv.DictReader(handle)}


def district_recount(rows: list[dict[str, str]], district_of) -> Counter:
    """Rows police.uk counts in each (district, category, month): every row placed in an LSOA, with its place."""
    return Counter(
        (district_of(r["LSOA code"]), r["Crime type"], r["Month"])
        for r in rows if r["LSOA code"] and r["Longitude"] and r["Latitude"]
    )


def store_district_counts(db) -> Counter:
    counts = Counter()
    for district, category, month, count in db.execute(
        "SELECT district_code, category, month, SUM(count) FROM monthly_counts GROUP BY 1, 2, 3"
    ):
        counts[(district, category, month)] = count
    return counts


@pytest.mark.parametrize("lookup_first", [None, DISTRICT_LOOKUP, LSOA_LOOKUP])
def test_every_district_of_the_real_files_equals_an_independent_recount(tmp_path, lookup_first):
    ons = ons_districts()
    # Without a lookup a district is known by its name (a provisional code); with one, by its ONS code.
    district_of = (lambda lsoa: ons[lsoa][0]) if lookup_first else (lambda lsoa: f"lad:{ons[lsoa][1]}")
    files = [SUSSEX_FILE, real_file(SUFFOLK)]
    raw = [row for path in files for row in raw_police_rows(path)]
    db = open_store(tmp_path / "csp.db")
    if lookup_first:
        import_lookup(db, real_file(lookup_first))
    import_police_uk(db, files)
    rejected = Counter(
        (district_of(lsoa), category, month) for lsoa, category, month in db.execute(
            "SELECT lsoa_code, category, month FROM rejected_rows WHERE longitude IS NOT NULL AND lsoa_code IS NOT NULL"
        )
    )
    assert sum(rejected.values()) <= 10  # mis-geocoded points, rare
    expected = district_recount(raw, district_of) - rejected
    found = store_district_counts(db)
    assert len({district for district, _, _ in expected}) >= 20  # both forces' districts and their neighbours'
    assert found == expected

    # The same force-month again, from a file of that month alone: recognised as held, nothing added twice.
    january = tmp_path / "2019-01-sussex-street.csv"
    january.write_bytes(_csv_bytes([r for r in raw_police_rows(SUSSEX_FILE) if r["Month"] == "2019-01"]))
    again = import_police_uk(db, [january])[0]
    assert again.rows_accepted == 0 and again.rows_duplicate > 10_000
    assert store_district_counts(db) == expected


def _crime_rows(raw_rows, count: int) -> list[dict[str, str]]:
    return [dict(r) for r in raw_rows if r["Crime ID"] and r["LSOA name"].startswith("Hastings ")][:count]


def test_two_rows_sharing_a_crime_id_are_both_counted_once(tmp_path, raw_rows):
    rows = _crime_rows(raw_rows, 50)
    twin = dict(rows[0])  # police.uk publishes some Crime IDs twice in a month, in another place: it counts both
    other = next(r for r in raw_rows if r["LSOA name"].startswith("Hastings ") and r["LSOA code"] != twin["LSOA code"])
    twin.update({k: other[k] for k in ("Longitude", "Latitude", "Location", "LSOA code", "LSOA name")},
                **{"Last outcome category": "Under investigation"})
    rows.insert(20, twin)
    path = tmp_path / "twins.csv"
    path.write_bytes(_csv_bytes(rows))
    db = open_store(tmp_path / "csp.db")
    first = import_police_uk(db, [path])[0]
    assert (first.rows_accepted, first.rows_duplicate) == (51, 0)
    assert db.execute("SELECT SUM(count) FROM monthly_counts").fetchone()[0] == 51

    again = import_police_uk(db, [path])[0]
    assert (again.rows_accepted, again.rows_duplicate, again.rows_updated) == (0, 51, 0)

    # The month re-published with the twin's outcome moved on: the record is updated, not added.
    rows[20]["Last outcome category"] = "Offender given a caution"
    path.write_bytes(_csv_bytes(rows))
    republished = import_police_uk(db, [path])[0]
    assert (republished.rows_accepted, republished.rows_updated) == (0, 1)
    assert "1 with a new outcome" in republished.line()
    held = Counter(r[0] for r in db.execute(
        "SELECT o.name FROM incidents i LEFT JOIN outcomes o ON o.id = i.outcome_id"))
    assert held == Counter(r["Last outcome category"] or None for r in rows)
    assert db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == 51


def test_an_lsoa_in_no_lookup_is_rejected_once_a_lookup_is_held(tmp_path, raw_rows):
    rows = _crime_rows(raw_rows, 20)
    rows[5].update({"LSOA code": "E01999999", "LSOA name": "Nowhere 001A"})
    path = tmp_path / "nowhere.csv"
    path.write_bytes(_csv_bytes(rows))

    without = open_store(tmp_path / "without.db")  # nothing to check against: the district is taken on trust
    assert import_police_uk(without, [path])[0].rows_accepted == 20
    assert find_area(without, "Nowhere").provisional

    db = open_store(tmp_path / "csp.db")
    import_lookup(db, real_file(DISTRICT_LOOKUP))
    summary = import_police_uk(db, [path])[0]
    assert summary.rejected_by_reason == {"LSOA in no lookup or boundaries held": 1}
    assert db.execute("SELECT row_number, column_name, lsoa_code FROM rejected_rows").fetchall() == [
        (7, "LSOA name", "E01999999")]
    assert not db.execute("SELECT COUNT(*) FROM areas WHERE name LIKE 'Nowhere%'").fetchone()[0]
    with pytest.raises(LookupError, match="no area called 'Nowhere'"):
        find_area(db, "Nowhere")


def test_lsoa_names_written_unlike_ons_land_in_the_right_district(tmp_path, raw_rows):
    rows = _crime_rows(raw_rows, 3)
    rows[0].update({"LSOA code": "W01001001", "LSOA name": "The Vale of Glamorgan 004B",
                    "Longitude": "-3.27", "Latitude": "51.40"})
    rows[1].update({"LSOA code": "E01014700", "LSOA name": "Bristol 001A", "Longitude": "-2.59", "Latitude": "51.45"})
    path = tmp_path / "names.csv"
    path.write_bytes(_csv_bytes(rows))
    db = open_store(tmp_path / "csp.db")
    import_lookup(db, real_file(DISTRICT_LOOKUP))
    assert import_police_uk(db, [path])[0].rows_accepted == 3
    placed = dict(db.execute("SELECT lsoa_code, csp_code FROM monthly_counts").fetchall())
    assert placed["W01001001"] == "W14000014"  # Vale of Glamorgan CSP
    assert placed["E01014700"] == "E22000002"  # "Bristol, City of"


def test_a_month_after_today_is_rejected_and_named(tmp_path, raw_rows):
    from lib.core.periods import shift_months
    from lib.importers.police_uk import this_month

    rows = [dict(r) for r in raw_rows[:30]]
    rows[3]["Month"] = shift_months(this_month(), 1)
    rows[4]["Month"] = "2099-01"
    path = tmp_path / "typo.csv"
    path.write_bytes(_csv_bytes(rows))
    db = open_store(tmp_path / "csp.db")
    summary = import_police_uk(db, [path])[0]
    assert summary.rejected_by_reason == {"month after today": 2}
    assert "month after today: 2" in summary.line()
    assert db.execute("SELECT row_number, column_name FROM rejected_rows ORDER BY 1").fetchall() == [
        (5, "Month"), (6, "Month")]
    assert db.execute("SELECT MAX(month) FROM monthly_counts").fetchone()[0] < "2019-03"
