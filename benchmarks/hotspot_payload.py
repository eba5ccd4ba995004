"""What the Hotspots map sends the browser: payload bytes for a county-year, whatever the number of incidents.

    python benchmarks/hotspot_payload.py [STORE]

Builds the page's map (``lib.hotspots.maps.hotspot_deck``) for the whole county over the latest 12 months, for each
category group and cell choice, and prints the incidents counted, the cells drawn and the JSON bytes. Points are
never sent: the map carries one record per cell with incidents (or a significant class), so the payload follows
the number of cells, not the number of incidents. STORE defaults to a fresh demo store.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.core.periods import shift_months  # noqa: E402
from lib.demo import build_demo_store  # noqa: E402
from lib.hotspots import gi_star as hotspots  # noqa: E402
from lib.hotspots import maps, study_area  # noqa: E402
from lib.store.db import open_store  # noqa: E402
from lib.store.summary import picker_areas  # noqa: E402

GROUPS = {"ASB": ["Anti-social behaviour"], "PPV": ["Violence and sexual offences", "Public order"]}


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "demo.db"
    db = open_store(path) if path.exists() else build_demo_store(path)
    county = next(a for a in picker_areas(db) if a.kind in ("county", "force"))  # the first one holding data
    end = db.execute("SELECT MAX(month) FROM monthly_counts").fetchone()[0]
    start = shift_months(end, -11)
    resolution = study_area.suggested_resolution(db, county)
    print(f"store {path}, {county.name}, {start}..{end}, suggested H3 resolution {resolution}")
    print(f"{'what':5} {'cells':5} {'incidents':>10} {'cells sent':>10} {'payload':>12} {'compute s':>10}")
    for name, categories in GROUPS.items():
        for unit in hotspots.UNITS:
            clock = time.perf_counter()
            result = hotspots.hotspot_cells(db, county, categories, start, end, unit, resolution)
            polygons = study_area.cell_polygons(result, db) if unit == "lsoa" else None
            deck = maps.hotspot_deck(result.cells, unit, study_area.outlines(db, county), layer="gi",
                                     polygons=polygons)
            seconds = time.perf_counter() - clock
            sent = int(((result.cells["count"] > 0) | (result.cells["gi_class"] != hotspots.NOT_SIGNIFICANT)).sum())
            print(f"{name:5} {unit:5} {result.total:>10,} {sent:>10,} {maps.payload_size(deck):>10,} B "
                  f"{seconds:>10.1f}")
    db.close()


if __name__ == "__main__":
    main()
