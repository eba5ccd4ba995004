"""Benchmark: what setting up a store costs before any police.uk file: building the demo county, and importing the
national ONS files a real CSP starts with (the LSOA lookup and the LSOA population file).

    python benchmarks/setup_imports.py [--runs 3]

Prints each step's median over the runs, in a fresh store each time. Real files are read from $CSP_REAL_DATA
(default ../shared/data/real); nothing is written to the repository. (These figures were once limits inside unit
tests, which failed on a busy machine: a time is a benchmark's figure, not a test's verdict.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.import_police_uk import REAL  # noqa: E402
from lib import demo  # noqa: E402
from lib.importers.lookups import import_lookup  # noqa: E402
from lib.importers.population import import_population  # noqa: E402
from lib.store.db import open_store  # noqa: E402

LSOA_LOOKUP = REAL / "lookups" / "lsoa11_lad_csp17_pfa17_lookup_ew.csv.gz"
LSOA_POPULATION = REAL / "population" / "ons_mid_year_lsoa11_population_2017_2019_2020_ew.csv.gz"


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def demo_build(folder: Path) -> float:
    return timed(lambda: demo.build_demo_store(folder / "demo.db").close())


def national_files(folder: Path) -> tuple[float, float]:
    """The LSOA lookup, then the LSOA population file on top of it, into one new store."""
    db = open_store(folder / "csp.db")
    try:
        return timed(lambda: import_lookup(db, LSOA_LOOKUP)), timed(lambda: import_population(db, LSOA_POPULATION))
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each step; the median is printed (default 3)")
    runs = parser.parse_args().runs
    for path in (LSOA_LOOKUP, LSOA_POPULATION):
        if not path.exists():
            sys.exit(f"real data missing: {path} (set CSP_REAL_DATA)")
    times: dict[str, list[float]] = {"demo county build": [], "LSOA lookup (34,753 LSOAs)": [],
                                     "LSOA population (104,259 rows)": []}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            times["demo county build"].append(demo_build(Path(scratch)))
            lookup, population = national_files(Path(scratch))
            times["LSOA lookup (34,753 LSOAs)"].append(lookup)
            times["LSOA population (104,259 rows)"].append(population)
    print(f"Setting up a store ({os.cpu_count()} cores, median of {runs})")
    for name, seconds in times.items():
        print(f"{name:<34} {statistics.median(seconds):6.2f} s   (runs: {', '.join(f'{s:.2f}' for s in seconds)})")


if __name__ == "__main__":
    main()
