"""Boundary import on the real ONS-derived files: areas, polygons, bounding boxes, refusals."""

from __future__ import annotations

import csv
import gzip
import json
import statistics

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import shape

from lib.core.areas import find_area
from lib.importers.base import ImportFileError
from lib.importers.boundaries import DECIMALS, import_boundaries
from lib.importers.lookups import import_lookup
from lib.store.db import open_store
from tests.conftest import EAST_SUSSEX_CSPS, real_file, store_fingerprint

LSOA_FILE = "boundaries/lsoa2011_bsc_sussex_suffolk_westmercia.geojson.gz"
CSP_FILE = "boundaries/csp2017_ew_dissolved_from_lsoa_bsc.geojson.gz"


def content(db) -> dict[str, list]:
    return {
        table: sorted(map(repr, db.execute(f"SELECT * FROM [{table}]").fetchall()))
        for table in db.table_names()
        if table != "import_log"
    }


def features(relative: str) -> list[dict]:
    with gzip.open(real_file(relative), "rt", encoding="utf-8") as handle:
        return json.load(handle)["features"]


def write_collection(path, items: list[dict]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump({"type": "FeatureCollection", "features": items}, handle)


def test_lsoa_file_gives_2221_lsoas_with_boundaries_and_boxes(db):
    summary = import_boundaries(db, real_file(LSOA_FILE))
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (2221, 2221, 0)
    lsoas = db.execute(
        "SELECT COUNT(*), COUNT(b.area_code), COUNT(a.min_lon), COUNT(a.parent_code) FROM areas a "
        "LEFT JOIN boundaries b ON b.area_code = a.code WHERE a.kind = 'lsoa'"
    ).fetchone()
    assert lsoas == (2221, 2221, 2221, 2221)
    # Districts get the union of their LSOAs' boxes; every LSOA box lies inside its district's.
    outside = db.execute(
        "SELECT COUNT(*) FROM areas l JOIN areas d ON d.code = l.parent_code WHERE l.kind = 'lsoa' AND ("
        "l.min_lon < d.min_lon OR l.min_lat < d.min_lat OR l.max_lon > d.max_lon OR l.max_lat > d.max_lat "
        "OR d.min_lon IS NULL)"
    ).fetchone()[0]
    assert outside == 0
    eastbourne = find_area(db, "E07000061")
    assert (eastbourne.kind, eastbourne.parent_code) == ("district", "E22000295")
    box = db.execute(
        "SELECT min_lon, min_lat, max_lon, max_lat FROM areas WHERE code = 'E07000061'"
    ).fetchone()
    assert 0.1 < box[0] < box[2] < 0.4 and 50.7 < box[1] < box[3] < 50.9
    # 2011 names lose their ' UA' suffix; the force is known only by name until a lookup gives its code.
    assert find_area(db, "E06000019").name == "Herefordshire, County of"
    assert find_area(db, "E22000295").parent_code == "pfa:Sussex"
    districts = {f["properties"]["lad11cd"] for f in features(LSOA_FILE)}
    held = {code for (code,) in db.execute("SELECT code FROM areas WHERE kind = 'district'").fetchall()}
    assert held == districts and len(held) == 29


def test_stored_polygons_are_rounded_and_match_the_source(db):
    import_boundaries(db, real_file(LSOA_FILE))
    originals = {f["properties"]["LSOA11CD"]: f["geometry"] for f in features(LSOA_FILE)}
    stored = dict(db.execute("SELECT area_code, geojson FROM boundaries").fetchall())
    assert stored.keys() == originals.keys()
    for code in list(originals)[::50]:
        geometry = json.loads(stored[code])
        coordinates = json.dumps(geometry["coordinates"])
        assert all(
            len(n.split(".")[1]) <= DECIMALS
            for n in coordinates.replace("[", "").replace("]", "").split(",")
            if "." in n
        )
        before, after = shape(originals[code]), shape(geometry)
        assert after.is_valid
        assert shapely.hausdorff_distance(before, after) < 1e-4  # about 10 m at most
        box = db.execute(
            "SELECT min_lon, min_lat, max_lon, max_lat FROM areas WHERE code = ?", [code]
        ).fetchone()
        assert box == pytest.approx(after.bounds)


def test_csp_file_gives_314_csps(db):
    summary = import_boundaries(db, real_file(CSP_FILE))
    assert summary.rows_accepted == 314
    counts = db.execute(
        "SELECT COUNT(*), COUNT(b.area_code), COUNT(a.min_lon) FROM areas a "
        "LEFT JOIN boundaries b ON b.area_code = a.code WHERE a.kind = 'csp'"
    ).fetchone()
    assert counts == (314, 314, 314)
    forces = db.execute("SELECT COUNT(*) FROM areas WHERE kind = 'force'").fetchone()[0]
    assert forces == 43
    # A force without a polygon of its own gets the union of its CSPs' boxes.
    sussex = db.execute("SELECT min_lon, max_lon FROM areas WHERE code = 'pfa:Sussex'").fetchone()
    assert sussex[0] < -0.9 and sussex[1] > 0.8


def test_reimport_adds_nothing(db):
    import_boundaries(db, real_file(LSOA_FILE))
    import_boundaries(db, real_file(CSP_FILE))
    before = content(db)
    again = import_boundaries(db, real_file(LSOA_FILE))
    assert (again.rows_accepted, again.rows_duplicate) == (0, 2221)
    assert import_boundaries(db, real_file(CSP_FILE)).rows_accepted == 0
    assert content(db) == before


def test_boundaries_after_lookups_keep_names_and_counties(db):
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    import_lookup(db, real_file("lookups/ltla21_to_utla21_lookup_ew.csv"))
    import_boundaries(db, real_file(LSOA_FILE))
    import_boundaries(db, real_file(CSP_FILE))
    for code in EAST_SUSSEX_CSPS:
        assert find_area(db, code).parent_code == "E10000011"
    assert find_area(db, "E06000019").name == "Herefordshire, County of"
    assert db.execute("SELECT COUNT(*) FROM areas WHERE provisional = 1").fetchone()[0] == 0
    # The county's box is the union of its CSPs' polygons' boxes.
    county, csps = db.execute(
        "SELECT (SELECT min_lon FROM areas WHERE code = 'E10000011'), MIN(min_lon) FROM areas "
        "WHERE parent_code = 'E10000011'"
    ).fetchone()
    assert county == csps is not None


def test_generic_layout(db, tmp_path):
    square = {"type": "Polygon", "coordinates": [[[0, 50], [0.1, 50], [0.1, 50.1], [0, 50.1], [0, 50]]]}
    path = tmp_path / "demo.geojson.gz"
    write_collection(
        path,
        [
            {
                "type": "Feature",
                "properties": {"code": "X23000001", "name": "Avonmere Police", "kind": "force"},
                "geometry": square,
            },
            {
                "type": "Feature",
                "properties": {
                    "CODE": "X22000001",
                    "Name": "Brackenford",
                    "KIND": "csp",
                    "parent_code": "X23000001",
                },
                "geometry": square,
            },
        ],
    )
    import_boundaries(db, path)
    assert find_area(db, "X22000001").parent_code == "X23000001"
    assert db.execute("SELECT COUNT(*) FROM boundaries").fetchone()[0] == 2


def broken_copy(tmp_path, number: int, change) -> object:
    """The real LSOA file with feature ``number`` (1-based) changed in place."""
    items = features(LSOA_FILE)
    change(items[number - 1])
    path = tmp_path / "lsoa2011_bsc_sussex_suffolk_westmercia.geojson.gz"
    write_collection(path, items)
    return path


@pytest.mark.parametrize(
    ("change", "column"),
    [
        (lambda f: f["properties"].pop("LSOA11NM"), "LSOA11NM"),
        (lambda f: f["properties"].update(LSOA11CD=""), "LSOA11CD"),
        (lambda f: f["geometry"]["coordinates"][0][1].__setitem__(0, "oops"), "geometry"),
        (lambda f: f.update(geometry=None), "geometry"),
        (lambda f: f.update(geometry={"type": "Point", "coordinates": [0, 51]}), "geometry"),
        (lambda f: f["geometry"]["coordinates"][0].__setitem__(0, [400000.0, 100000.0]), "geometry"),
        (lambda f: f["properties"].update(csp17cd="E07000061"), "csp17cd"),
    ],
    ids=[
        "missing-name",
        "empty-code",
        "text-coordinate",
        "no-geometry",
        "point",
        "not-lon-lat",
        "wrong-kind",
    ],
)
def test_bad_feature_is_refused_and_changes_nothing(db, tmp_path, change, column):
    import_lookup(db, real_file("lookups/lad17_csp17_pfa17_lookup_ew.csv"))
    path = broken_copy(tmp_path, 1500, change)
    before = store_fingerprint(db)
    with pytest.raises(ImportFileError) as caught:
        import_boundaries(db, path)
    assert (caught.value.row, caught.value.column) == (1500, column)
    assert "feature 1500" in str(caught.value)
    assert store_fingerprint(db) == before


def test_unrecognised_properties_are_refused(db, tmp_path):
    path = tmp_path / "wards.geojson.gz"
    with gzip.open(real_file("crimemappingdata/lancashire_wards_2022.geojson.gz"), "rt") as handle:
        wards = json.load(handle)["features"][:3]
    write_collection(path, wards)
    with pytest.raises(ImportFileError, match="cannot tell what the polygons are"):
        import_boundaries(db, path)


def test_duplicate_code_is_refused(db, tmp_path):
    items = features(LSOA_FILE)[:3]
    items.append(items[0])
    path = tmp_path / "twice.geojson.gz"
    write_collection(path, items)
    with pytest.raises(ImportFileError) as caught:
        import_boundaries(db, path)
    assert caught.value.row == 4


def test_each_boundary_is_stored_with_the_land_inside_it(db):
    import_boundaries(db, real_file(LSOA_FILE))
    stored = dict(db.execute("SELECT area_code, hectares FROM boundaries").fetchall())
    # An independent measure: each source polygon (before rounding to 1 m) projected vertex by vertex with pyproj.
    to_grid = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    source = {f["properties"]["LSOA11CD"]: shapely.transform(
        shape(f["geometry"]), lambda xy: np.column_stack(to_grid.transform(xy[:, 0], xy[:, 1]))).area / 10_000
        for f in features(LSOA_FILE)}
    assert stored.keys() == source.keys()
    assert all(stored[code] == pytest.approx(source[code], rel=0.01) for code in source)  # rounding: under 0.5%
    # And against ONS's own Census 2011 figures for the same LSOAs (theirs from the full-resolution boundaries).
    with gzip.open(real_file("population/census2011_lsoa_population_ew.csv.gz"), "rt", encoding="utf-8") as handle:
        census = {row["lsoa11cd"]: float(row["area_hectares"]) for row in csv.DictReader(handle)}
    assert sum(stored.values()) == pytest.approx(sum(census[code] for code in stored), rel=0.01)
    assert statistics.median(stored[code] / census[code] for code in stored) == pytest.approx(1, abs=0.02)


def test_a_store_from_before_hectares_were_stored_is_measured_on_opening(tmp_path):
    path = tmp_path / "csp.db"
    db = open_store(path)
    import_boundaries(db, real_file(CSP_FILE))
    expected = dict(db.execute("SELECT area_code, hectares FROM boundaries").fetchall())
    db.execute("ALTER TABLE boundaries DROP COLUMN hectares")
    db.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    db.close()
    db = open_store(path)
    assert expected == dict(db.execute("SELECT area_code, hectares FROM boundaries").fetchall())
    assert 314 == len(expected) and all(area > 0 for area in expected.values())
    db.close()


def test_a_changed_boundary_is_measured_again(db, tmp_path):
    original = [f for f in features(CSP_FILE) if f["properties"]["CSP17CD"] == "E22000295"]  # Eastbourne
    write_collection(tmp_path / "one.geojson.gz", original)
    import_boundaries(db, tmp_path / "one.geojson.gz")
    before = db.execute("SELECT hectares FROM boundaries").fetchone()[0]
    smaller = json.loads(json.dumps(original))
    smaller[0]["geometry"] = shapely.geometry.mapping(shape(original[0]["geometry"]).buffer(-0.01))
    write_collection(tmp_path / "two.geojson.gz", smaller)
    import_boundaries(db, tmp_path / "two.geojson.gz")
    after = db.execute("SELECT hectares FROM boundaries").fetchone()[0]
    assert 0 < after < before
