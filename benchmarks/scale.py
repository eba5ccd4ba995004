"""Benchmark: the dashboard at national scale, 1, 5 and 18 million incidents.

Builds a store of police.uk street rows for all of England and Wales, 500,000 rows a month from 2016-04 (the
size of a real national month), imports it month by month through the real importer, and at each size measures

- **import rate**: rows/s for each month file, end to end (reading the CSV, its checksum, placing, committing),
  into a store that already holds the months before it;
- **store size**: the SQLite file (and its write-ahead log) after a checkpoint, in MB;
- **each page's compute time**, cold and warm, under Streamlit's ``AppTest`` exactly as ``benchmarks/pages.py``
  measures it (its ``measure_page``; read its docstring for what cold and warm mean), for three areas:
  ``csp`` (Eastbourne, a CSP of 61 LSOAs), ``default`` (the first area in the picker: the county of
  Cambridgeshire, 375 LSOAs) and ``largest`` (the force area holding the most incidents: the Metropolitan
  Police, 4,829 LSOAs and a seventh of the country's incidents).

    python benchmarks/scale.py [--sizes 1,5,18] [--rebuild] [--runs 5] [--areas csp,default,largest]
                               [--pages home,trends,...] [--profile] [--build-only]

Sizes are in millions of incidents: 1 is two months (2016-04 and 2016-05), 5 is ten months, 18 is 36 months
(2016-04 to 2019-03). Each size is a store of its own, ``$CSP_BENCH_DIR/scale-<size>m.db`` (default
/tmp/csp-bench), kept and reused on the next run; a missing size is grown from a copy of the next smaller one
(so ``--sizes 1,5,18`` imports each month once), and ``--rebuild`` builds them all again from empty. The 18M
store takes about 2 GB and its build from empty about 5.5 minutes on 2 cores (half of it writing the CSVs).
The figures of every run are also written to ``$CSP_BENCH_DIR/scale-results.json``, and each store's build
figures to ``scale-<size>m.build.json`` beside it, so a run that reuses a store still reports its import rates.
``--profile`` prints a cProfile of every page and area missing the goal at the largest size.

What is real and what is synthetic:

- **Real** (ONS, read from $CSP_REAL_DATA, default ../shared/data/real, never copied into the repository):
  every LSOA of England and Wales (34,753: codes, names, centroids and boundaries), the LSOA -> district ->
  CSP -> police force area lookup, the district -> county lookup, the district and CSP outlines, and the CSP
  and LSOA mid-year populations. So the areas are the real 314 CSPs, 24 counties and 43 force areas, rates
  are per real residents, and similar areas are chosen from real populations and densities.
- **Synthetic**: every incident. ``benchmarks/import_police_uk.py``'s ``national_month`` writes rows in
  police.uk's street format: an LSOA drawn uniformly from all of them (real crime concentrates far more), one
  of six made-up snap points near its centroid ("On or near Street 3"), a category from police.uk's national
  mix, a 64-hex-digit Crime ID (16 random digits; none for ASB), and "Falls within" the LSOA's real force area
  ("<PFA17 name> Police"). The same
  number of rows every month (no season, no trend), so Trends and the hot spot maps show noise, not patterns.
- Four targets for Eastbourne (as in ``benchmarks/big_store.py``) so the Measures page has something to judge.

The figures and what they led to are in docs/scaling.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.big_store import BENCH_DIR, BIG_CSP, TARGETS_CSV, real_file  # noqa: E402
from benchmarks.import_police_uk import lsoa_centroids, national_month  # noqa: E402
from benchmarks.pages import (  # noqa: E402
    GOAL_S,
    PAGES,
    PageFailed,
    Result,
    StoreUnderTest,
    describe,
    machine,
    measure_page,
    profile_run,
    quiet_streamlit,
    warm_up,
)
from lib.core.areas import csp_codes_within  # noqa: E402
from lib.core.periods import months_between, shift_months  # noqa: E402
from lib.core.sql import placeholders  # noqa: E402
from lib.importers.boundaries import import_boundaries  # noqa: E402
from lib.importers.lookups import import_lookup  # noqa: E402
from lib.importers.police_uk import import_police_uk  # noqa: E402
from lib.importers.population import import_population  # noqa: E402
from lib.performance.targets import import_targets  # noqa: E402
from lib.store.db import open_store  # noqa: E402
from lib.store.summary import picker_areas  # noqa: E402

ROWS_PER_MONTH = 500_000
FIRST_MONTH = "2016-04"
COLD_GOAL_S = 3.0
DEFAULT_SIZES = (1, 5, 18)
AREAS = ("csp", "default", "largest")
# In import order: the LSOA lookup places every LSOA in its district, CSP and force before any incident arrives
# (so no provisional areas), the district -> county lookup adds the 24 two-tier counties.
LOOKUPS = ("lookups/lsoa11_lad_csp17_pfa17_lookup_ew.csv.gz", "lookups/lad17_csp17_pfa17_lookup_ew.csv",
           "lookups/ltla21_to_utla21_lookup_ew.csv")
BOUNDARIES = ("boundaries/lsoa2011_bsc_ew.geojson.gz", "boundaries/lad2011_ew_dissolved_from_lsoa_bsc.geojson.gz",
              "boundaries/csp2017_ew_dissolved_from_lsoa_bsc.geojson.gz")
POPULATION = ("population/csp17_population_2011_2017_2019_2020.csv",
              "population/ons_mid_year_lsoa11_population_2017_2019_2020_ew.csv.gz")
LSOA_LOOKUP = LOOKUPS[0]


@dataclass
class MonthImport:
    month: str
    rows: int
    added: int
    seconds: float
    incidents_before: int

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


@dataclass
class Build:
    size: int
    path: Path
    months: int
    incidents: int = 0
    megabytes: float = 0.0
    reused: bool = False
    grown_from: str = "empty"
    reference_s: float = 0.0
    write_csv_s: float = 0.0
    build_s: float = 0.0
    from_empty_s: float = 0.0  # this build and those of the smaller stores it was grown from
    imports: list[MonthImport] = field(default_factory=list)


# --- Building the stores ------------------------------------------------------------------------------------


def scale_path(size: int) -> Path:
    return BENCH_DIR / f"scale-{size}m.db"


def build_record(path: Path) -> Path:
    """Where a store's build figures are kept beside it, so a run that reuses the store can still report them."""
    return path.with_name(path.name.removesuffix(".db") + ".build.json")


def save_build(build: Build) -> None:
    build_record(build.path).write_text(json.dumps(asdict(build) | {"path": str(build.path)}, indent=1))


def load_build(build: Build) -> None:
    """Fill a reused store's build figures from its record, if there is one."""
    record = build_record(build.path)
    if not record.exists():
        return
    data = json.loads(record.read_text())
    build.grown_from, build.reference_s = data["grown_from"], data["reference_s"]
    build.write_csv_s, build.build_s = data["write_csv_s"], data["build_s"]
    build.from_empty_s = data.get("from_empty_s", build.build_s)
    build.imports = [MonthImport(**m) for m in data["imports"]]


def months_for(size: int) -> list[str]:
    """The months a store of ``size`` million incidents holds (two months a million)."""
    count = size * 1_000_000 // ROWS_PER_MONTH
    return months_between(FIRST_MONTH, shift_months(FIRST_MONTH, count - 1))


def national_lsoas() -> pd.DataFrame:
    """Every LSOA in England and Wales (code, name, centroid) with its real police force area's name."""
    lsoas = lsoa_centroids()
    lookup = pd.read_csv(real_file(LSOA_LOOKUP), usecols=["lsoa11cd", "pfa17nm"], dtype=str, encoding="utf-8-sig")
    force = lsoas["code"].map(dict(zip(lookup["lsoa11cd"], lookup["pfa17nm"], strict=True)))
    lsoas["force"] = force.fillna("Unknown") + " Police"
    return lsoas


def write_month(folder: Path, month: str, lsoas: pd.DataFrame) -> Path:
    """One national month of police.uk street rows as a CSV (seeded by the month, so every build is the same)."""
    number = len(months_between(FIRST_MONTH, month)) - 1
    frame = national_month(month, ROWS_PER_MONTH, lsoas, seed=2000 + number)
    force = frame["LSOA code"].map(dict(zip(lsoas["code"], lsoas["force"], strict=True)))
    frame["Reported by"], frame["Falls within"] = force, force
    path = folder / f"{month}-national-street.csv"
    frame.to_csv(path, index=False)
    return path


def import_reference_data(db, folder: Path) -> None:
    """The real ONS lookups, boundaries and populations, and Eastbourne's targets."""
    for lookup in LOOKUPS:
        import_lookup(db, real_file(lookup))
    for boundaries in BOUNDARIES:
        import_boundaries(db, real_file(boundaries))
    for population in POPULATION:
        import_population(db, real_file(population))
    targets = folder / "eastbourne-targets.csv"
    targets.write_text(TARGETS_CSV)
    import_targets(db, targets)


def months_in(path: Path) -> list[str]:
    """The months a store holds incidents for (one primary-key look-up each, not a scan of 18 million rows)."""
    db = open_store(path)
    try:
        months, month = [], ""
        while (month := db.execute("SELECT MIN(month) FROM incidents WHERE month > ?", [month]).fetchone()[0]):
            months.append(month)
        return months
    finally:
        db.close()


def checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the store file and empty it, so the file alone is the store."""
    db = open_store(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def store_megabytes(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def starting_point(size: int, rebuild: bool, built_now: list[Build]) -> Path | None:
    """The store to grow a size from: the largest smaller one built in this run, else (unless rebuilding) the
    largest smaller one kept from an earlier run whose months are a prefix of this size's."""
    wanted = months_for(size)
    candidates = [b.path for b in built_now if b.months < len(wanted)]
    if not rebuild:
        kept = [p for p in BENCH_DIR.glob("scale-*m.db")]
        candidates += [p for p in kept if p not in candidates]
    best, best_months = None, 0
    for path in candidates:
        held = months_in(path)
        if best_months < len(held) < len(wanted) and held == wanted[: len(held)]:
            best, best_months = path, len(held)
    return best


def ensure_scale_store(size: int, rebuild: bool, built_now: list[Build], log=print) -> Build:
    """The store of ``size`` million incidents: reused if it holds exactly its months, else built or grown."""
    path = scale_path(size)
    wanted = months_for(size)
    build = Build(size, path, len(wanted))
    if path.exists() and not rebuild and months_in(path) == wanted:
        build.reused = True
        load_build(build)
        build.incidents = describe(StoreUnderTest(f"{size}M", path, BIG_CSP)).incidents
        build.megabytes = store_megabytes(path)
        log(f"{size}M: reusing {path} ({build.incidents:,} incidents, {build.megabytes:,.0f} MB)")
        return build
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".building")
    remove_store(scratch)
    csv_folder = BENCH_DIR / f"scale-{size}m-csv"
    shutil.rmtree(csv_folder, ignore_errors=True)
    csv_folder.mkdir(parents=True)
    clock = time.perf_counter()
    source = starting_point(size, rebuild, built_now)
    if source is not None:
        checkpoint(source)
        shutil.copyfile(source, scratch)
        build.grown_from = source.name
        earlier = Build(0, source, 0)
        load_build(earlier)
        build.from_empty_s = earlier.from_empty_s
        log(f"{size}M: growing a copy of {source.name} in {scratch}")
    else:
        db = open_store(scratch)
        step = time.perf_counter()
        import_reference_data(db, csv_folder)
        db.close()
        build.reference_s = time.perf_counter() - step
        log(f"{size}M: building from empty in {scratch}; lookups, boundaries, population and targets imported "
            f"in {build.reference_s:.1f} s")
    held = set(months_in(scratch))
    lsoas = national_lsoas()
    for month in wanted:
        if month in held:
            continue
        step = time.perf_counter()
        csv_path = write_month(csv_folder, month, lsoas)
        build.write_csv_s += time.perf_counter() - step
        db = open_store(scratch)
        before = db.execute("SELECT COALESCE(SUM(count), 0) FROM csp_monthly_counts").fetchone()[0]
        step = time.perf_counter()
        summary = import_police_uk(db, [csv_path])[0]
        seconds = time.perf_counter() - step
        db.close()
        csv_path.unlink()
        done = MonthImport(month, summary.rows_read, summary.rows_accepted, seconds, before)
        build.imports.append(done)
        log(f"  {month}: {done.rows:,} rows, {done.added:,} added, {seconds:5.2f} s, {done.rate:9,.0f} rows/s "
            f"(store held {before:,})")
    checkpoint(scratch)
    remove_store(path)
    build_record(path).unlink(missing_ok=True)
    scratch.rename(path)
    shutil.rmtree(csv_folder, ignore_errors=True)
    build.build_s = time.perf_counter() - clock
    build.from_empty_s += build.build_s
    build.incidents = describe(StoreUnderTest(f"{size}M", path, BIG_CSP)).incidents
    build.megabytes = store_megabytes(path)
    save_build(build)
    log(f"{size}M: {build.incidents:,} incidents, {build.megabytes:,.0f} MB, built in {build.build_s:.0f} s "
        f"(writing CSVs {build.write_csv_s:.0f} s)")
    return build


# --- Measuring the pages ------------------------------------------------------------------------------------


def area_codes(path: Path) -> dict[str, str | None]:
    """The ``?area=`` for each measured area: Eastbourne, the picker's default (None) and the busiest force area."""
    db = open_store(path)
    try:
        forces = [a for a in picker_areas(db) if a.kind == "force"]
        largest = None
        if forces:
            totals = {}
            for force in forces:
                csps = csp_codes_within(db, force)
                marks = placeholders(csps)
                totals[force.code] = db.execute(
                    f"SELECT COALESCE(SUM(count), 0) FROM csp_monthly_counts WHERE csp_code IN ({marks})", csps
                ).fetchone()[0] if csps else 0
            largest = max(totals, key=totals.get)
    finally:
        db.close()
    return {"csp": BIG_CSP, "default": None, "largest": largest}


@dataclass
class Measured:
    size: int
    area_key: str
    result: Result

    @property
    def ok(self) -> bool:
        return self.result.warm_median < GOAL_S and self.result.cold < COLD_GOAL_S


def measure_size(build: Build, areas: list[str], pages: list[str], runs: int, log=print) -> tuple[list[Measured],
                                                                                                   list[str]]:
    store = describe(StoreUnderTest(f"{build.size}M", build.path, BIG_CSP))
    codes = area_codes(build.path)
    measured, failures = [], []
    for key in areas:
        code = codes[key]
        log(f"{build.size}M, {key} area ({code or 'the picker default'}): warming up", flush=True)
        try:
            warm_up(store, code)
        except PageFailed as error:
            failures.append(f"{build.size}M {key}: {error}")
            continue
        for page in pages:
            try:
                result = measure_page(store, page, runs, code)
            except (PageFailed, RuntimeError) as error:
                failures.append(f"{build.size}M {key}: {error}")
                log(f"  {page}: FAILED", flush=True)
                continue
            measured.append(Measured(build.size, key, result))
            log(f"  {page:<20} {result.area:<10} cold {result.cold:6.2f} s  warm {result.warm_median:6.3f} s "
                f"(max {max(result.warm):.3f})", flush=True)
    return measured, failures


# --- Report -------------------------------------------------------------------------------------------------


def build_table(builds: list[Build]) -> str:
    header = (f"{'size':>4} {'months':>6} {'incidents':>11} {'store MB':>9} {'MB/M':>5} {'import rows/s: median':>22} "
              f"{'min':>8} {'last month':>10}  {'build':>8}  {'from empty':>10}")
    rows = [header, "-" * len(header)]
    for b in builds:
        rates = [m.rate for m in b.imports]
        median = f"{statistics.median(rates):,.0f}" if rates else "(not recorded)"
        low = f"{min(rates):,.0f}" if rates else ""
        last = f"{rates[-1]:,.0f}" if rates else ""
        took = f"{b.build_s:,.0f} s" + (" (kept)" if b.reused else "")
        rows.append(f"{b.size:>3}M {b.months:>6} {b.incidents:>11,} {b.megabytes:>9,.0f} "
                    f"{b.megabytes / (b.incidents / 1e6):>5.0f} {median:>22} {low:>8} {last:>10}  {took:>8}  "
                    f"{b.from_empty_s:>8,.0f} s")
    return "\n".join(rows)


def page_table(measured: list[Measured], sizes: list[int]) -> str:
    """One row per page and area, cold and warm seconds at each size; * marks a miss of the goal."""
    header = f"{'page':<20} {'area':<8} " + " ".join(f"{f'{s}M cold':>9} {f'{s}M warm':>9}" for s in sizes)
    rows = [header, "-" * len(header)]
    keys = list(dict.fromkeys((m.result.page, m.area_key) for m in measured))
    by = {(m.result.page, m.area_key, m.size): m.result for m in measured}
    for page, area in sorted(keys, key=lambda k: (list(PAGES).index(k[0]), AREAS.index(k[1]))):
        cells = []
        for size in sizes:
            r = by.get((page, area, size))
            if r is None:
                cells.append(f"{'':>9} {'':>9}")
                continue
            cold = f"{r.cold:.2f}{'*' if r.cold >= COLD_GOAL_S else ' '}"
            warm = f"{r.warm_median:.3f}{'*' if r.warm_median >= GOAL_S else ' '}"
            cells.append(f"{cold:>9} {warm:>9}")
        rows.append(f"{page.removeprefix('pages/'):<20} {area:<8} " + " ".join(cells))
    return "\n".join(rows)


def save_results(builds: list[Build], measured: list[Measured], path: Path) -> None:
    data = {
        "machine": machine(),
        "builds": [asdict(b) | {"path": str(b.path)} for b in builds],
        "pages": [{"size": m.size, "area_key": m.area_key, "page": m.result.page, "area": m.result.area,
                   "cold": m.result.cold, "warm": m.result.warm} for m in measured],
    }
    path.write_text(json.dumps(data, indent=1, default=str))


def page_key(name: str) -> str:
    """'hotspots' -> 'pages/hotspots.py'; 'hotspots?predicted=true' -> 'pages/hotspots.py?predicted=true'."""
    stem, mark, query = name.partition("?")
    return f"pages/{stem.removesuffix('.py')}.py{mark}{query}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="store sizes in millions of incidents, each even (two months a million)")
    parser.add_argument("--rebuild", action="store_true", help="build every size again from an empty store")
    parser.add_argument("--runs", type=int, default=5, help="warm reruns per page (the median is reported)")
    parser.add_argument("--areas", default=",".join(AREAS), help=f"areas to measure, of {', '.join(AREAS)}")
    parser.add_argument("--pages", help="pages to measure (file stems, e.g. home,hotspots); default all")
    parser.add_argument("--profile", action="store_true",
                        help="profile every page and area missing the goal at the largest size")
    parser.add_argument("--profile-lines", type=int, default=25, help="functions to list in each profile")
    parser.add_argument("--build-only", action="store_true", help="build the stores, measure no pages")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    areas = [a for a in args.areas.split(",") if a]
    if any(a not in AREAS for a in areas):
        parser.error(f"--areas takes {', '.join(AREAS)}")
    pages = list(PAGES) if not args.pages else [page_key(p) for p in args.pages.split(",")]
    if any(p not in PAGES for p in pages):
        parser.error(f"--pages takes {', '.join(p.removeprefix('pages/').removesuffix('.py') for p in PAGES)}")
    quiet_streamlit()

    print(machine(), flush=True)
    started = time.perf_counter()
    builds: list[Build] = []
    measured: list[Measured] = []
    failures: list[str] = []
    for size in sizes:
        build = ensure_scale_store(size, args.rebuild, builds, log=lambda line: print(line, flush=True))
        builds.append(build)
        if not args.build_only:
            found, failed = measure_size(build, areas, pages, args.runs, log=print)
            measured += found
            failures += failed
        save_results(builds, measured, BENCH_DIR / "scale-results.json")

    print()
    print(machine())
    print(f"goal: warm rerun under {GOAL_S} s, cold run under {COLD_GOAL_S} s (* marks a miss)")
    print(build_table(builds))
    if measured:
        print()
        print(page_table(measured, sizes))
    if args.profile and measured:
        top = max(sizes)
        for m in (m for m in measured if m.size == top and not m.ok):
            store = describe(StoreUnderTest(f"{top}M", scale_path(top), BIG_CSP))
            code = area_codes(store.path)[m.area_key]
            cold = m.result.cold >= COLD_GOAL_S
            print(f"\nprofile: {top}M, {m.result.page}, {m.area_key} area, one {'cold' if cold else 'warm'} run")
            print(profile_run(store, m.result.page, cold, args.profile_lines, code))
    print(f"results saved in {BENCH_DIR / 'scale-results.json'}; total time {time.perf_counter() - started:.0f} s")
    if failures:
        print("\nFAILED:\n" + "\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
