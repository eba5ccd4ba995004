"""Benchmark: how long the committee pack PDF takes to build, and how big it is.

    python benchmarks/committee_pack.py [--runs 3] [--rebuild]

Builds the pack (public mode, latest 12 months) for the demo county, one demo CSP, and Eastbourne in the
1,000,000-incident store of ``benchmarks/big_store.py`` (built once into $CSP_BENCH_DIR). Prints, per pack, the
pages, the size and the build time: the first build in the process (imports, the chart renderer and the fonts
warming up) and the best of ``--runs`` further builds. Half or more of a build is the Gi* test behind the two hot
spot maps (9,999 permutations, now and for the previous period, as on the Hotspots page).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.big_store import BIG_CSP, ensure_big_store  # noqa: E402
from lib.core.areas import find_area  # noqa: E402
from lib.core.periods import LATEST_12, parse_period  # noqa: E402
from lib.reports.committee_pack import build_pack  # noqa: E402
from lib.reports.pdf_layout import page_count  # noqa: E402
from lib.store.access import PUBLIC, open_for  # noqa: E402
from lib.store.summary import store_overview  # noqa: E402
from tests.app_support import demo_store_file  # noqa: E402


def measure(path: Path, area_code: str, runs: int) -> tuple[str, int, int, float, float]:
    """(area, pages, bytes, first build s, best later build s) for one pack."""
    db = open_for(path, PUBLIC)  # the published pack
    try:
        area = find_area(db, area_code)
        overview = store_overview(db)
        period = parse_period(LATEST_12, overview.first_month, overview.last_month)
        times, pdf = [], b""
        for _ in range(runs + 1):
            clock = time.perf_counter()
            pdf = build_pack(db, area, period)
            times.append(time.perf_counter() - clock)
        return area.name, page_count(pdf), len(pdf), times[0], min(times[1:])
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed builds after the first (best is reported)")
    parser.add_argument("--rebuild", action="store_true", help="build the 1M-incident store again")
    args = parser.parse_args()
    big, _ = ensure_big_store(args.rebuild)
    cases = [("demo county", demo_store_file(), "X10000001"), ("demo CSP", demo_store_file(), "X22000005"),
             ("1M store CSP", big, BIG_CSP)]
    print(f"{'pack':<14} {'area':<14} {'pages':>5} {'KB':>6} {'first s':>8} {'best s':>7}")
    for label, path, code in cases:
        name, pages, size, first, best = measure(path, code, args.runs)
        print(f"{label:<14} {name:<14} {pages:>5} {size / 1024:>6.0f} {first:>8.2f} {best:>7.2f}")


if __name__ == "__main__":
    main()
