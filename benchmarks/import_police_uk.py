"""Benchmark: police.uk import speed, end to end (file on disk -> committed store).

Two workloads of about 500,000 rows, the size of one national month:
- ``national``: synthetic rows in police.uk format spread over every LSOA in England and Wales (names and
  centroids read from the real boundary file), about six snap points per LSOA, 43 forces, a realistic mix of
  categories, exact ASB repeats; the shape of a real national month.
- ``sussex x9``: the real Sussex file's rows, repeated with their months moved into nine different years.

For each it prints rows/s for a first import into an empty store, an import of the next month into a store
that already holds data, and a re-import of the same file (which must add nothing).

    python benchmarks/import_police_uk.py [--rows 500000]

Real files are read from $CSP_REAL_DATA (default ../shared/data/real); nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.importers.police_uk import import_police_uk  # noqa: E402
from lib.importers.street_files import COLUMNS  # noqa: E402
from lib.store.db import open_store  # noqa: E402

REAL = Path(os.environ.get("CSP_REAL_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data" / "real")
CATEGORY_SHARES = {
    "Violence and sexual offences": 0.33, "Anti-social behaviour": 0.22, "Other theft": 0.07,
    "Criminal damage and arson": 0.08, "Public order": 0.07, "Shoplifting": 0.06, "Vehicle crime": 0.05,
    "Burglary": 0.04, "Drugs": 0.02, "Other crime": 0.015, "Robbery": 0.01, "Bicycle theft": 0.01,
    "Theft from the person": 0.01, "Possession of weapons": 0.005,
}


def _shares() -> np.ndarray:
    shares = np.array(list(CATEGORY_SHARES.values()))
    return shares / shares.sum()


def lsoa_centroids() -> pd.DataFrame:
    """LSOA code, name and centroid for England and Wales, from the real boundary file's properties."""
    with gzip.open(REAL / "boundaries" / "lsoa2011_bsc_ew.geojson.gz", "rt") as handle:
        features = json.load(handle)["features"]
    props = [f["properties"] for f in features]
    return pd.DataFrame({
        "code": [p["LSOA11CD"] for p in props], "name": [p["LSOA11NM"] for p in props],
        "lon": [p["LONG"] for p in props], "lat": [p["LAT"] for p in props],
    })


def national_month(month: str, rows: int, lsoas: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One synthetic national month in police.uk street format."""
    rng = np.random.default_rng(seed)
    lsoa = rng.integers(0, len(lsoas), rows)
    snap = rng.integers(0, 6, rows)  # about six snap points per LSOA
    offset_lon = (np.sin(snap * 1.7 + lsoa) * 0.004).round(6)
    offset_lat = (np.cos(snap * 2.3 + lsoa) * 0.003).round(6)
    category = rng.choice(list(CATEGORY_SHARES), rows, p=_shares())
    is_asb = category == "Anti-social behaviour"
    crime_id = np.array([f"{x:016x}" for x in rng.integers(0, 2**63, rows)], dtype=object)
    crime_id = np.where(is_asb, "", np.char.add(crime_id.astype(str), "a" * 48))
    force = np.array([f"Force {i:02d} Police" for i in range(43)])[lsoa % 43]
    return pd.DataFrame({
        "Crime ID": crime_id, "Month": month, "Reported by": force, "Falls within": force,
        "Longitude": (lsoas["lon"].to_numpy()[lsoa] + offset_lon).round(6),
        "Latitude": (lsoas["lat"].to_numpy()[lsoa] + offset_lat).round(6),
        "Location": [f"On or near Street {s}" for s in snap], "LSOA code": lsoas["code"].to_numpy()[lsoa],
        "LSOA name": lsoas["name"].to_numpy()[lsoa], "Crime type": category,
        "Last outcome category": np.where(is_asb, "", "Investigation complete; no suspect identified"),
        "Context": "",
    })[COLUMNS]


def sussex_repeated(copies: int) -> pd.DataFrame:
    """The real Sussex rows, repeated with months moved into other years so every copy is new."""
    raw = pd.read_csv(REAL / "police_uk" / "sussex-street_2018-10_2019-02.csv.gz", dtype=str,
                      keep_default_na=False)
    parts = []
    for k in range(copies):
        part = raw.copy()
        part["Month"] = part["Month"].str.replace("2018-", f"{2000 + 2 * k}-").str.replace("2019-", f"{2001 + 2 * k}-")
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def bulk_archive(scratch: Path, month: str, rows: int, lsoas: pd.DataFrame, archive: Path) -> None:
    """A police.uk monthly bulk archive: one ``YYYY-MM/YYYY-MM-<force>-street.csv`` member per force."""
    frame = national_month(month, rows, lsoas, seed=3)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for force, part in frame.groupby("Falls within"):
            slug = force.lower().replace(" ", "-")
            z.writestr(f"{month}/{month}-{slug}-street.csv", part.to_csv(index=False))
            z.writestr(f"{month}/{month}-{slug}-outcomes.csv", "Crime ID,Month\n")


def timed_import(db_path: Path, csv_path: Path) -> tuple[float, int, int]:
    """Import one file into the store at db_path; return (seconds, rows read, rows added)."""
    db = open_store(db_path)
    start = time.perf_counter()
    summary = import_police_uk(db, [csv_path])[0]
    seconds = time.perf_counter() - start
    db.close()
    return seconds, summary.rows_read, summary.rows_accepted


def report(name: str, seconds: float, rows: int, added: int) -> None:
    print(f"{name:<42} {rows:>9,} rows {added:>9,} added {seconds:7.2f} s {rows / seconds:>11,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    args = parser.parse_args()
    print(f"police.uk import benchmark ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        lsoas = lsoa_centroids()
        for month in ("2024-01", "2024-02"):
            national_month(month, args.rows, lsoas, seed=int(month[-2:])).to_csv(
                work / f"{month}-national-street.csv", index=False, quoting=csv.QUOTE_MINIMAL
            )
        sussex_repeated(9).to_csv(work / "sussex-x9-street.csv", index=False)
        bulk_archive(work / "2024-03-national-street.csv", "2024-03", args.rows, lsoas, work / "2024-03.zip")
        store = work / "national.db"
        report("national month, empty store", *timed_import(store, work / "2024-01-national-street.csv"))
        report("next national month, store holding one", *timed_import(store, work / "2024-02-national-street.csv"))
        report("bulk archive zip, 43 force members", *timed_import(store, work / "2024-03.zip"))
        report("same national month again (adds nothing)", *timed_import(store, work / "2024-02-national-street.csv"))
        report("sussex x9, empty store", *timed_import(work / "sussex.db", work / "sussex-x9-street.csv"))
        print(f"store size after two national months: {store.stat().st_size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
