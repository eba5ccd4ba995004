"""What every importer shares (``lib.importers.base``): compressed files unpack through one bound, so a compression bomb
is refused by name before it is held, whichever importer or upload it reaches."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile

import pytest

from lib.importers import base as importing
from lib.importers.area_files import read_table
from lib.importers.base import ImportFileError
from lib.importers.boundaries import import_boundaries
from lib.importers.police_uk import import_police_uk
from lib.uploads import POLICE_UK, import_uploads
from tests.conftest import REPO

ZEROS_MB = 1024  # 1 GiB of zeros unpacked, about 1 MB packed
MEMBER = "2019-01/2019-01-bomb-street.csv"


def _write_zeros(handle) -> None:
    # Written a megabyte at a time, so the test itself never holds the gigabyte.
    block = bytes(1 << 20)
    for _ in range(ZEROS_MB):
        handle.write(block)


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """A .gz and a zip member that each unpack to 1 GiB of zeros; the .gz copied under each importer's name."""
    folder = tmp_path_factory.mktemp("bombs")
    packed = folder / "zeros.gz"
    with gzip.open(packed, "wb", compresslevel=9) as handle:
        _write_zeros(handle)
    archive = folder / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle, \
            bundle.open(MEMBER, "w") as handle:
        _write_zeros(handle)
    names = {"csv": folder / "bomb.csv.gz", "geojson": folder / "bomb.geojson.gz"}
    for path in names.values():
        path.write_bytes(packed.read_bytes())
    return {"zip": archive, **names}


def test_the_bombs_are_small_packed_and_huge_unpacked(bombs):
    assert bombs["csv"].stat().st_size < 2 << 20
    with zipfile.ZipFile(bombs["zip"]) as archive:
        assert archive.getinfo(MEMBER).file_size == ZEROS_MB << 20
    assert importing.unpacking_limit(bombs["csv"].stat().st_size) < ZEROS_MB << 20


def test_a_gzipped_police_uk_bomb_is_refused_naming_the_file_and_the_limit(bombs, db):
    with pytest.raises(ImportFileError) as caught:
        import_police_uk(db, [bombs["csv"]])
    assert caught.value.file == "bomb.csv.gz"
    assert "unpacks to more than 100 times its packed size" in caught.value.message
    assert not db.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]


def test_a_police_uk_zip_member_bomb_is_refused_naming_the_member(bombs, db):
    with pytest.raises(ImportFileError) as caught:
        import_police_uk(db, [bombs["zip"]])
    assert caught.value.file == f"bomb.zip:{MEMBER}"
    assert "unpacks to more than 100 times its packed size" in caught.value.message


def test_a_gzipped_csv_bomb_is_refused_by_the_shared_csv_reader(bombs):
    # read_table serves the lookup, population, indicator, target and action plan importers.
    with pytest.raises(ImportFileError, match="bomb.csv.gz: refused: it unpacks to more than 100 times"):
        read_table(bombs["csv"])


def test_a_gzipped_geojson_bomb_is_refused(bombs, db):
    with pytest.raises(ImportFileError, match="bomb.geojson.gz: refused: it unpacks to more than 100 times"):
        import_boundaries(db, bombs["geojson"])


def test_an_uploaded_bomb_is_refused_with_its_name_and_the_store_unchanged(bombs, db):
    outcomes = import_uploads(db, POLICE_UK, [("bomb.csv.gz", bombs["csv"].read_bytes())])
    assert [(o.file_name, o.imported) for o in outcomes] == [("bomb.csv.gz", False)]
    assert "refused: it unpacks to more than 100 times its packed size" in outcomes[0].message
    assert not db.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]


def test_a_file_past_the_cap_is_refused_though_it_packs_like_real_data(tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "MAX_UNPACKED_BYTES", 1 << 20)
    monkeypatch.setattr(importing, "RATIO_FREE_BYTES", 1 << 10)
    rows = "".join(f"E0{n:07d},Area {n},{n * 37 % 1000}\n" for n in range(60_000))  # about 1.4 MB, packs 4 times
    path = tmp_path / "big.csv.gz"
    path.write_bytes(gzip.compress(("code,name,value\n" + rows).encode()))
    with pytest.raises(ImportFileError, match="big.csv.gz: refused: it unpacks to more than 1 MB, the most one file"):
        read_table(path)


def test_real_files_unpack_within_the_bound(tmp_path):
    # The bound must not refuse a real file: boundaries pack about 4 times, lookups up to 20.
    from tests.conftest import real_file

    for relative in ("lookups/lsoa11_lad_csp17_pfa17_lookup_ew.csv.gz",
                     "boundaries/lsoa2011_bsc_sussex_suffolk_westmercia.geojson.gz",
                     "police_uk/sussex-street_2018-10_2019-02.csv.gz"):
        path = real_file(relative)
        assert importing.read_unpacked(path, gzipped=True) == gzip.decompress(path.read_bytes())


_PEAK_MEMORY_SCRIPT = """
import json, resource, sys
from lib.importers.area_files import read_table
from lib.importers.boundaries import import_boundaries
from lib.importers.base import ImportFileError
from lib.importers.police_uk import import_police_uk
from lib.store.db import memory_store

db = memory_store()
paths = json.loads(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
refused = []
for reader, path in [(lambda p: import_police_uk(db, [p]), paths["csv"]), (lambda p: import_police_uk(db, [p]),
                     paths["zip"]), (read_table, paths["csv"]), (lambda p: import_boundaries(db, p), paths["geojson"])]:
    try:
        reader(path)
    except ImportFileError:
        refused.append(path)
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"refused": len(refused), "grown_mb": grown / 1024}))
"""


def test_refusing_the_bombs_holds_a_bounded_amount_of_memory(bombs):
    # In a fresh process, so the peak resident size measures these reads alone. Unbounded, each would hold 1 GiB.
    paths = json.dumps({name: str(path) for name, path in bombs.items()})
    done = subprocess.run([sys.executable, "-c", _PEAK_MEMORY_SCRIPT, paths], cwd=REPO, capture_output=True,
                          text=True, check=True)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["refused"] == 4
    assert measured["grown_mb"] < 400, measured
