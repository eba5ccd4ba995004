"""Building the demo store: write the Avonmere files, import them with the real importers, then add what the
partnership wrote. A half-built store is never seen, and a store holding real data is never replaced.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import sqlite_utils

from lib.demo.files import street_files, write_demo_files
from lib.demo.partnership import insert_assessments, insert_plans
from lib.importers.base import Progress
from lib.store.db import get_meta, open_store, set_meta


def import_demo_files(
    db: sqlite_utils.Database, files: dict[str, Path], progress: Progress | None = None
) -> None:
    """Import the demo files through the real importers, hierarchy first so incidents find their places."""
    from lib.importers.boundaries import import_boundaries
    from lib.importers.indicators import import_indicators
    from lib.importers.lookups import import_lookup
    from lib.importers.police_uk import import_police_uk
    from lib.importers.population import import_population

    def report(fraction: float, text: str) -> None:
        if progress:
            progress(fraction, text)

    report(0.30, "Importing the area lookup and boundaries")
    import_lookup(db, files["lookup"])
    import_boundaries(db, files["boundaries"])
    report(0.35, "Importing population and partner indicators")
    import_population(db, files["population"])
    import_indicators(db, files["indicators"])
    monthly: list[str | Path] = [*street_files(files)]
    import_police_uk(db, monthly,
                     progress=lambda f, text: report(0.40 + 0.55 * f, f"Importing police.uk data: {text}"))


def build_demo_store(path: str | os.PathLike, progress: Progress | None = None) -> sqlite_utils.Database:
    """Build the Avonmere demo store at ``path`` (replacing an earlier demo there) and return it open.

    The store is built beside the target and moved into place at the end, so a half-built store is never
    seen. A store at ``path`` holding real data is never replaced.
    """
    target = Path(path)
    if target.exists() and target.stat().st_size > 0:
        held = open_store(target)
        imports = held.execute("SELECT COUNT(*) FROM import_log").fetchone()[0]
        real = get_meta(held, "dataset") != "demo" and imports > 0
        held.close()
        if real:
            raise FileExistsError(f"{target} holds real data; the demo only replaces a demo store")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(target.name + ".building")
    _remove_store_files(building)
    with tempfile.TemporaryDirectory(prefix="avonmere-demo-") as folder:
        if progress:
            progress(0.0, "Generating the Avonmere demo county")
        files = write_demo_files(folder)
        db = open_store(building)
        import_demo_files(db, files, progress)
    insert_plans(db)
    insert_assessments(db)
    set_meta(db, "dataset", "demo")
    db.close()
    _remove_store_files(target)
    os.replace(building, target)
    if progress:
        progress(1.0, "Demo store ready")
    return open_store(target)


def _remove_store_files(path: Path) -> None:
    """Delete a SQLite file and its WAL companions, if present."""
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
